import type { Finding } from '../findings/findings.js';
import { SEVERITIES, type Severity } from '../findings/schema.js';
import { formatUsd } from '../llm/usage.js';
import type { CostEstimate, ReviewPlan, ReviewResult } from '../review.js';

/** Hidden marker that finds our summary comment again on the next run. */
export const SUMMARY_MARKER = '<!-- claude-pr-reviewer:summary -->';
const FINGERPRINT_PREFIX = '<!-- claude-pr-reviewer:fp=';
/** GitHub refuses comment bodies longer than this. */
export const MAX_BODY_CHARS = 65_536;
/** A finding listed in the summary keeps this much of its body, so one long finding cannot crowd out the rest. */
const MAX_LISTED_BODY_CHARS = 1_500;

const ICON: Record<Severity, string> = { critical: '🔴', high: '🟠', medium: '🟡', low: '🔵', info: '⚪' };

export function fingerprintMarker(fp: string): string {
  return `${FINGERPRINT_PREFIX}${fp} -->`;
}

/** The fingerprints our earlier comments carry, read back from their bodies. */
export function fingerprintsIn(body: string): string[] {
  return [...body.matchAll(/<!-- claude-pr-reviewer:fp=([0-9a-f]{16}) -->/g)].map((m) => m[1] as string);
}

/** A fence longer than any run of backticks in the text, so the text cannot close it early. */
function fenceFor(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(longest + 1);
}

export function commentBody(finding: Finding): string {
  const parts = [
    `${ICON[finding.severity]} **${capitalize(finding.severity)}** · ${finding.category} — **${finding.title.trim()}**`,
    '',
    finding.body.trim(),
  ];
  if (finding.suggestion !== undefined && finding.inline && finding.side === 'RIGHT') {
    const text = finding.suggestion.replace(/\n$/, '');
    const fence = fenceFor(text);
    parts.push('', `${fence}suggestion`, text, fence);
  }
  parts.push('', fingerprintMarker(finding.fingerprint));
  return clip(parts.join('\n'), MAX_BODY_CHARS);
}

export function verdict(result: ReviewResult, findings: readonly Finding[]): string {
  const counts = countBySeverity(findings);
  const failed = result.outcomes.filter((o) => o.status !== 'ok').length;
  const partial =
    failed > 0 ? ` ⚠️ Partial review: ${failed} of ${result.outcomes.length} parts were not reviewed (see below).` : '';
  if (result.plan.chunks.length === 0) return `Nothing to review: no reviewable changes.${partial}`;
  const blocking = counts.critical + counts.high;
  if (blocking > 0) {
    return `**Changes recommended**: ${plural(counts.critical, 'critical')}, ${plural(counts.high, 'high')} severity finding${blocking === 1 ? '' : 's'}.${partial}`;
  }
  if (findings.length > 0)
    return `**No blocking issues**: ${plural(findings.length, 'finding')} of medium severity or lower.${partial}`;
  return `**No issues found.**${partial}`;
}

export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) counts[f.severity] += 1;
  return counts;
}

export interface SummaryContext {
  result: ReviewResult;
  /** Every finding of this run, including those already posted earlier. */
  findings: readonly Finding[];
  /** Inline comments posted by this run. */
  posted: number;
  /** Findings already posted by an earlier run on this PR, not posted again. */
  alreadyPosted: number;
  model: string;
  /** Why inline comments could not be posted, if they could not. */
  reviewError?: string;
  /** Nothing is posted inline (dry-run): list every finding here. */
  listAll?: boolean;
}

export function costTable(result: ReviewResult, model: string): string {
  const u = result.usage;
  return [
    '| model | calls | input | cache write | cache read | output | cost |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| \`${model}\` | ${result.calls} | ${fmt(u.input)} | ${fmt(u.cacheWrite)} | ${fmt(u.cacheRead)} | ${fmt(u.output)} | ${formatUsd(result.usd)} |`,
  ].join('\n');
}

/** The sticky summary comment: verdict, findings by severity, what was not reviewed and why, and the cost. */
export function summaryBody(ctx: SummaryContext): string {
  const { result } = ctx;
  const counts = countBySeverity(ctx.findings);
  const lines: string[] = [SUMMARY_MARKER, '## 🤖 Claude review', '', verdict(result, ctx.findings), ''];
  lines.push(
    `| ${SEVERITIES.map((s) => `${ICON[s]} ${s}`).join(' | ')} |`,
    `| ${SEVERITIES.map(() => '---:').join(' | ')} |`,
    `| ${SEVERITIES.map((s) => counts[s]).join(' | ')} |`,
    '',
  );
  const inlineNote = [`${ctx.posted} new inline comment${ctx.posted === 1 ? '' : 's'} posted`];
  if (ctx.alreadyPosted > 0) inlineNote.push(`${ctx.alreadyPosted} already posted by an earlier run`);
  if (result.duplicates > 0)
    inlineNote.push(`${result.duplicates} duplicate${result.duplicates === 1 ? '' : 's'} merged`);
  lines.push(`${inlineNote.join(', ')}.`, '');
  if (ctx.reviewError)
    lines.push(`> [!WARNING]\n> Inline comments could not be posted: ${ctx.reviewError}. They are listed below.`, '');

  const notReviewed = result.outcomes.filter((o) => o.status !== 'ok');
  if (notReviewed.length > 0) {
    lines.push('### Not reviewed', '');
    for (const o of notReviewed) {
      const files = o.chunk.files.map(
        (cf) => `\`${cf.file.path}\`${cf.part ? ` (part ${cf.part.index + 1}/${cf.part.count})` : ''}`,
      );
      lines.push(`- ${files.join(', ')}: ${o.error ?? 'not reviewed'}`);
    }
    lines.push('');
  }
  const summaries = result.outcomes.filter((o) => o.status === 'ok' && o.summary.trim());
  if (summaries.length > 0) {
    lines.push(
      '### Overview',
      '',
      ...summaries
        .map((o) => o.summary.trim())
        .join('\n\n')
        .split('\n'),
      '',
    );
  }
  const listAll = ctx.listAll === true || ctx.reviewError !== undefined;
  const outside = ctx.findings.filter((f) => !f.inline || listAll);
  if (outside.length > 0) {
    lines.push(listAll ? '### Findings' : '### Findings not on a diff line', '');
    for (const f of outside) {
      const where = `\`${f.path}:${f.line}\`${f.note ? ` (${f.note})` : ''}`;
      lines.push(
        `- ${ICON[f.severity]} **${f.title.trim()}** — ${where}`,
        `  ${clip(f.body.trim(), MAX_LISTED_BODY_CHARS).replace(/\n/g, '\n  ')}`,
      );
    }
    lines.push('');
  }
  const rejected = result.outcomes.flatMap((o) => o.rejected);
  if (rejected.length > 0) lines.push(`${plural(rejected.length, 'malformed finding')} from the model dropped.`, '');
  if (result.plan.skipped.length > 0) {
    lines.push(`<details><summary>Skipped files (${result.plan.skipped.length})</summary>`, '');
    for (const s of result.plan.skipped) lines.push(`- \`${s.path}\`: ${s.reason}`);
    lines.push('', '</details>', '');
  }
  lines.push('### Cost', '', costTable(result, ctx.model), '');
  return clip(lines.join('\n'), MAX_BODY_CHARS);
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const tail = '\n\n… (truncated to fit GitHub’s comment size limit)';
  return text.slice(0, max - tail.length) + tail;
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 || word === 'critical' || word === 'high' ? '' : 's'}`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The plan as a person reads it before any call: files, skipped files, chunks, tokens and estimated cost. */
export function planReport(plan: ReviewPlan, estimate: CostEstimate, model: string): string {
  const lines = [
    `Review plan for ${plan.pr.title ? `"${plan.pr.title}"` : 'the diff'} with ${model}`,
    `  files: ${plan.files.length} changed, ${plan.reviewable.length} to review, ${plan.skipped.length} skipped`,
  ];
  for (const s of plan.skipped) lines.push(`    skipped ${s.path}: ${s.reason}`);
  lines.push(`  shared prompt prefix: ~${fmt(plan.prefixTokens)} tokens (cached after the first call)`);
  lines.push(`  calls: ${plan.chunks.length} (chunk budget ~${fmt(plan.chunkBudget)} tokens)`);
  for (const chunk of plan.chunks) {
    const names = chunk.files.map(
      (cf) => cf.file.path + (cf.part ? ` [part ${cf.part.index + 1}/${cf.part.count}]` : ''),
    );
    const shown = names.length > 6 ? [...names.slice(0, 6), `… ${names.length - 6} more`] : names;
    lines.push(`    call ${chunk.index + 1}: ~${fmt(chunk.tokens)} tokens: ${shown.join(', ')}`);
  }
  const u = estimate.usage;
  lines.push(
    `  estimated tokens: input ${fmt(u.input)}, cache write ${fmt(u.cacheWrite)}, cache read ${fmt(u.cacheRead)}, output ~${fmt(u.output)}`,
    `  estimated cost: ${formatUsd(estimate.usd)}${estimate.usdMax !== undefined ? ` (at most ${formatUsd(estimate.usdMax)} if every call writes max-output-tokens)` : ' (no known price for this model and provider)'}`,
  );
  return lines.join('\n');
}
