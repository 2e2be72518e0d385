import { plural } from '../core/words.js';
import type { CostEstimate, ReviewPlan, ReviewResult } from '../pipeline/stages.js';
import type { Settings } from '../settings/settings.js';
import { formatUsd } from '../core/usage.js';
import { summaryBody, SUMMARY_MARKER } from '../publish/render.js';
import { planReport } from '../publish/plan-report.js';
import { terminalSafe } from '../safety/markdown.js';
import { toSarif } from '../publish/sarif.js';
import { VERSION } from '../core/version.js';
import type { Format } from './flags.js';
import type { Finding } from '../findings/findings.js';
import { atLeast, mostSevereFirst } from '../core/severity.js';

/** What the model sent that could not be read as a finding (no path, no line...), with the reason. */
function dropped(result: ReviewResult): string[] {
  return result.outcomes.flatMap((o) => o.rejected);
}

/** The cost in one line of plain text: calls, tokens by kind, dollars. */
function costLine(result: ReviewResult, model: string): string {
  const u = result.usage;
  const n = (x: number): string => x.toLocaleString('en-US');
  const thinking = u.thinking ? ` (${n(u.thinking)} thinking)` : '';
  const estimate = result.costEstimated ? ' (with an estimate for calls stopped before they reported usage)' : '';
  return `cost: ${model}, ${plural(result.calls, 'call')}, ${n(u.input)} input + ${n(u.cacheWrite)} cache write + ${n(u.cacheRead)} cache read, ${n(u.output)} output${thinking} tokens, ${formatUsd(result.usd)}${estimate}`;
}

/**
 * The findings a text or Markdown report lists: at or above --min-severity, the most severe first, at most
 * --max-comments; and what it leaves out (JSON and SARIF keep every finding, as the action's outputs do).
 */
export function reported(result: ReviewResult, settings: Settings): { shown: Finding[]; left: string } {
  const ordered = mostSevereFirst(result.findings);
  const kept = ordered.filter((f) => atLeast(f.severity, settings.minSeverity));
  const shown = kept.slice(0, settings.maxComments);
  const parts = [
    ...(ordered.length > kept.length
      ? [`${ordered.length - kept.length} below --min-severity ${settings.minSeverity}`]
      : []),
    ...(kept.length > shown.length
      ? [`${kept.length - shown.length} over --max-comments ${settings.maxComments}`]
      : []),
  ];
  return {
    shown,
    left: parts.length > 0 ? `not listed: ${parts.join(', ')} (--format json or sarif has them all)` : '',
  };
}

/** Findings for a terminal: one line each with where, severity and title, the body indented under it. No Markdown. */
function asText(result: ReviewResult, settings: Settings): string {
  const lines: string[] = [];
  const { shown, left } = reported(result, settings);
  for (const f of shown) {
    const range = f.start_line !== undefined ? `${f.start_line}-${f.line}` : String(f.line);
    const where = `${f.path}:${range}${f.side === 'LEFT' ? ' (old)' : ''}`;
    const note = f.anchor === 'line' ? '' : ` (${f.note ?? 'not on a line of the diff'})`;
    lines.push(terminalSafe(`${where} [${f.severity}/${f.category}] ${f.title}${note}`.replace(/\n/g, ' ')));
    lines.push(`  ${terminalSafe(f.body.trim()).replace(/\n/g, '\n  ')}`);
  }
  for (const { finding: f, reason } of result.setAside)
    lines.push(
      terminalSafe(
        `set aside: ${f.path}:${f.line} [${f.severity}/${f.category}] ${f.title} (${reason})`.replace(/\n/g, ' '),
      ),
    );
  for (const why of dropped(result))
    lines.push(terminalSafe(`dropped: a finding the model sent could not be read (${why})`));
  for (const o of result.outcomes.filter((x) => x.status !== 'ok')) {
    const files = o.chunk.files.map((cf) => cf.file.path).join(', ');
    lines.push(terminalSafe(`not reviewed: ${files}: ${(o.error ?? '').replace(/^not reviewed: /, '')}`));
  }
  const count = plural(result.findings.length, 'finding');
  const lost = dropped(result).length > 0 ? `, ${dropped(result).length} dropped (unreadable)` : '';
  const aside = result.setAside.length > 0 ? `, ${result.setAside.length} set aside` : '';
  lines.push('', `${count}${aside}${lost}`, ...(left ? [left] : []), costLine(result, settings.model));
  return lines.join('\n');
}

/** The report as Markdown: the same text the action posts as its summary, every finding listed with its line. */
function asMarkdown(result: ReviewResult, settings: Settings): string {
  const { shown } = reported(result, settings);
  const listed = shown.map((finding) => ({
    finding,
    reason: finding.note ?? (finding.anchor === 'line' ? 'on a line of the diff' : 'not on a line of the diff'),
  }));
  const body = summaryBody({
    result,
    findings: shown,
    posted: 0,
    alreadyPosted: 0,
    listed,
    model: settings.model,
    report: true,
  });
  return body.replace(`${SUMMARY_MARKER}\n`, '');
}

/** The plan's part a script reads: files, skipped files, the calls and the estimate. */
function planJson(plan: ReviewPlan, estimate: CostEstimate) {
  return {
    files: plan.files.length,
    reviewable: plan.reviewable.map((f) => f.path),
    skipped: plan.skipped,
    calls: plan.chunks.map((c) => ({
      files: c.files.map((cf) => cf.file.path),
      tokens: Math.ceil((c.tokens + (c.context?.tokens ?? 0)) * plan.tokenRatio),
    })),
    estimate: { usage: estimate.usage, usd: estimate.usd ?? null, usdMax: estimate.usdMax ?? null },
  };
}

/** Everything a script needs, as JSON. */
function asJson(result: ReviewResult, settings: Settings): string {
  return JSON.stringify(
    {
      version: VERSION,
      model: settings.model,
      findings: result.findings.map((f) => ({
        path: f.path,
        line: f.line,
        ...(f.start_line !== undefined ? { start_line: f.start_line } : {}),
        side: f.side,
        severity: f.severity,
        category: f.category,
        title: f.title,
        body: f.body,
        ...(f.suggestion !== undefined ? { suggestion: f.suggestion } : {}),
        onDiffLine: f.anchor === 'line',
        ...(f.note ? { note: f.note } : {}),
        ...(f.confidence !== undefined ? { confidence: f.confidence } : {}),
        ...(f.introduced !== undefined ? { introduced: f.introduced } : {}),
        ...(f.verdict
          ? {
              verified: {
                verdict: f.verdict.kind,
                line: f.verdict.line,
                path: f.verdict.path,
                reason: f.verdict.reason,
              },
            }
          : {}),
      })),
      setAside: result.setAside.map(({ finding: f, kind, reason }) => ({
        path: f.path,
        line: f.line,
        side: f.side,
        severity: f.severity,
        title: f.title,
        kind,
        reason,
      })),
      overview: result.overview ?? null,
      dropped: dropped(result),
      notReviewed: result.outcomes
        .filter((o) => o.status !== 'ok')
        .map((o) => ({ files: o.chunk.files.map((cf) => cf.file.path), reason: o.error ?? '' })),
      skipped: result.plan.skipped,
      calls: result.calls,
      usage: result.usage,
      costUsd: result.usd ?? null,
      costEstimated: result.costEstimated,
    },
    null,
    2,
  );
}

export function formatResult(format: Format, result: ReviewResult, settings: Settings): string {
  if (format === 'markdown') return asMarkdown(result, settings);
  if (format === 'json') return asJson(result, settings);
  if (format === 'sarif') return JSON.stringify(toSarif(result.findings, VERSION), null, 2);
  return asText(result, settings);
}

/**
 * The plan alone (a dry run, or no key), in the format asked: no finding, and a SARIF run with no result whose
 * notification says why nothing was reviewed (`why`).
 */
export function formatPlan(
  format: Format,
  plan: ReviewPlan,
  estimate: CostEstimate,
  settings: Settings,
  why: string,
): string {
  const rounds = settings.context === 'explore' ? settings.maxToolCalls : undefined;
  const report = planReport(plan, estimate, settings.model, settings.maxCostUsd, rounds);
  if (format === 'json') {
    return JSON.stringify(
      { version: VERSION, model: settings.model, planOnly: true, plan: planJson(plan, estimate) },
      null,
      2,
    );
  }
  if (format === 'sarif') return JSON.stringify(toSarif([], VERSION, `Nothing was reviewed: ${why}.`), null, 2);
  if (format === 'markdown') {
    const fence = '`'.repeat(Math.max(3, ...[...report.matchAll(/`+/g)].map((m) => m[0].length + 1)));
    return ['## Review plan (no model was called)', '', `${fence}text`, report, fence].join('\n');
  }
  return report;
}
