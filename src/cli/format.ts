import type { ReviewResult } from '../pipeline/stages.js';
import type { Settings } from '../settings/settings.js';
import { costTable, summaryBody, SUMMARY_MARKER } from '../publish/render.js';
import { terminalSafe } from '../safety/markdown.js';
import { toSarif } from '../publish/sarif.js';
import { VERSION } from '../core/version.js';

export const FORMATS = ['text', 'markdown', 'json', 'sarif'] as const;
export type Format = (typeof FORMATS)[number];

/** Findings for a terminal: one line each with where, severity and title, the body indented under it. */
function asText(result: ReviewResult, settings: Settings): string {
  const lines: string[] = [];
  for (const f of result.findings) {
    const range = f.start_line !== undefined ? `${f.start_line}-${f.line}` : String(f.line);
    const where = `${f.path}:${range}${f.side === 'LEFT' ? ' (old)' : ''}`;
    lines.push(
      terminalSafe(
        `${where} [${f.severity}/${f.category}] ${f.title}${f.note ? ` (${f.note})` : ''}`.replace(/\n/g, ' '),
      ),
    );
    lines.push(`  ${terminalSafe(f.body.trim()).replace(/\n/g, '\n  ')}`);
  }
  for (const o of result.outcomes.filter((x) => x.status !== 'ok')) {
    lines.push(terminalSafe(`not reviewed: call ${o.chunk.index + 1}: ${o.error ?? ''}`));
  }
  lines.push('', `${result.findings.length} findings`, costTable(result, settings.model));
  return lines.join('\n');
}

/** The report as Markdown: the same text the action posts as its summary, every finding listed with its line. */
function asMarkdown(result: ReviewResult, settings: Settings): string {
  const listed = result.findings.map((finding) => ({
    finding,
    reason: finding.note ?? (finding.anchor === 'line' ? 'on a line of the diff' : 'not on a line of the diff'),
  }));
  const body = summaryBody({
    result,
    findings: result.findings,
    posted: 0,
    alreadyPosted: 0,
    listed,
    model: settings.model,
  });
  return body.replace(`${SUMMARY_MARKER}\n`, '');
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
      })),
      notReviewed: result.outcomes
        .filter((o) => o.status !== 'ok')
        .map((o) => ({ files: o.chunk.files.map((cf) => cf.file.path), reason: o.error ?? '' })),
      skipped: result.plan.skipped,
      calls: result.calls,
      usage: result.usage,
      costUsd: result.usd ?? null,
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
