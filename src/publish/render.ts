import { withoutRules } from '../prompt/prompt.js';
import type { Finding } from '../findings/findings.js';
import { SEVERITIES, type Severity } from '../core/severity.js';
import { formatUsd } from '../core/usage.js';
import type { CostEstimate, ReviewPlan, ReviewResult } from '../pipeline/stages.js';
import { clipMarkdown, codeSpan, logSafe, safeInline, safeMarkdown, safePath } from '../safety/markdown.js';
import { stateMarker, type ReviewState, type Seal } from '../source/state.js';

/** The first line of our summary comment; it counts only on a comment we wrote (see publish.ts). */
export const SUMMARY_MARKER = '<!-- claude-pr-reviewer:summary -->';
const FINGERPRINT = /\n<!-- claude-pr-reviewer:fp=([0-9a-f]{16}) -->$/;

/** A comment's body without our fingerprint marker. */
export function withoutFingerprint(body: string): string {
  return body.replace(FINGERPRINT, '');
}
/** GitHub refuses comment bodies longer than this. */
export const MAX_BODY_CHARS = 65_536;
/** A finding listed in the summary keeps this much of its body, so one long finding cannot crowd out the rest. */
const MAX_LISTED_BODY_CHARS = 1_500;
/** Room the "Not reviewed" section may take; the Cost section always fits after it. */
const MAX_NOT_REVIEWED_CHARS = 16_000;

const ICON: Record<Severity, string> = { critical: '🔴', high: '🟠', medium: '🟡', low: '🔵', info: '⚪' };

export function fingerprintMarker(fp: string): string {
  return `<!-- claude-pr-reviewer:fp=${fp} -->`;
}

/** The fingerprint our comment carries on its last line; a marker anywhere else in a body is not one. */
export function fingerprintOf(body: string): string | undefined {
  return FINGERPRINT.exec(body)?.[1];
}

/** True for a body that starts with our summary marker. */
export function isSummaryBody(body: string): boolean {
  return body.startsWith(SUMMARY_MARKER);
}

/** A suggestion block, in a fence longer than any backtick run in the text, so the text cannot close it. */
function suggestionBlock(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return [`${fence}suggestion`, text, fence].join('\n');
}

function findingHeading(finding: Finding): string {
  return `${ICON[finding.severity]} **${capitalize(finding.severity)}** · ${finding.category} — **${safeInline(withoutRules(finding.title))}**`;
}

/**
 * The body of one comment: heading, the model's text made safe, the suggestion when the finding sits on
 * RIGHT lines of the diff, and the fingerprint marker last. The text is clipped before the marker is added,
 * so a long finding keeps its fingerprint and is recognised on the next run; a suggestion that does not fit
 * whole is left out rather than cut.
 */
export function commentBody(finding: Finding): string {
  const marker = `\n\n${fingerprintMarker(finding.fingerprint)}`;
  const room = MAX_BODY_CHARS - marker.length;
  const parts = [findingHeading(finding), ''];
  if (finding.anchor === 'file') {
    parts.push(
      `_On line ${finding.line}${finding.side === 'LEFT' ? ' of the old version' : ''}, which the diff does not show._`,
      '',
    );
  }
  parts.push(safeMarkdown(withoutRules(finding.body.trim())));
  const text = parts.join('\n');
  if (finding.suggestion !== undefined && finding.anchor === 'line' && finding.side === 'RIGHT') {
    const withSuggestion = `${text}\n\n${suggestionBlock(finding.suggestion)}`;
    if (withSuggestion.length <= room) return withSuggestion + marker;
  }
  return clipMarkdown(text, room) + marker;
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

/** A finding shown in the summary rather than as a comment, and why. */
export interface Listed {
  finding: Finding;
  reason: string;
}

export interface SummaryFacts {
  result: ReviewResult;
  /** Every finding of this run, including those already posted earlier. */
  findings: readonly Finding[];
  /** Comments posted by this run (inline and file-level). */
  posted: number;
  /** Findings already posted by an earlier run on this PR, not posted again. */
  alreadyPosted: number;
  /** Findings shown here instead of as comments, with the reason. */
  listed: readonly Listed[];
  model: string;
  /** Why the review could not be posted (or not whole), if it could not. */
  reviewError?: string;
  /** What this run reviewed: the whole pull request at a head, or the commits of a push. */
  scope?: string;
  /** The state this summary carries to the next run, and its totals over all runs. */
  state?: ReviewState;
  /** What seals the state (without it no state is written). */
  seal?: Seal;
  /** Our threads resolved by this run because a push changed their lines. */
  resolved?: number;
  /** Show the per-file walkthrough. */
  walkthrough?: boolean;
}

export function costTable(result: ReviewResult, model: string): string {
  const u = result.usage;
  return [
    '| model | calls | input | cache write | cache read | output | cost |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${codeSpan(model)} | ${result.calls} | ${fmt(u.input)} | ${fmt(u.cacheWrite)} | ${fmt(u.cacheRead)} | ${fmt(u.output)}${u.thinking ? ` (${fmt(u.thinking)} thinking)` : ''} | ${formatUsd(result.usd)} |`,
  ].join('\n');
}

/** This run's cost, and the pull request's total over all runs when there was more than one. */
function costSection(ctx: SummaryFacts): string {
  const lines = ['### Cost', '', costTable(ctx.result, ctx.model)];
  const state = ctx.state;
  if (state && state.runs > 1) {
    const u = state.usage;
    const tokens = u.input + u.output + u.cacheRead + u.cacheWrite;
    lines.push(
      '',
      `This run above. All ${state.runs} runs on this pull request: ${fmt(tokens)} tokens, ${state.usd === null ? 'cost unknown' : formatUsd(state.usd)}.`,
    );
  }
  return lines.join('\n');
}

function headSection(ctx: SummaryFacts): string {
  const counts = countBySeverity(ctx.findings);
  const note = [`${plural(ctx.posted, 'new comment')} posted`];
  if (ctx.alreadyPosted > 0) note.push(`${ctx.alreadyPosted} already posted by an earlier run`);
  if (ctx.listed.length > 0) note.push(`${ctx.listed.length} listed below`);
  if (ctx.result.duplicates > 0) note.push(`${plural(ctx.result.duplicates, 'duplicate')} merged`);
  if (ctx.resolved) note.push(`${plural(ctx.resolved, 'outdated thread')} of ours resolved`);
  const lines = [
    SUMMARY_MARKER,
    ...(ctx.state && ctx.seal ? [stateMarker(ctx.state, ctx.seal)] : []),
    '## 🤖 Claude review',
    '',
    ...(ctx.scope ? [safeInline(ctx.scope), ''] : []),
    verdict(ctx.result, ctx.findings),
    '',
    `| ${SEVERITIES.map((s) => `${ICON[s]} ${s}`).join(' | ')} |`,
    `| ${SEVERITIES.map(() => '---:').join(' | ')} |`,
    `| ${SEVERITIES.map((s) => counts[s]).join(' | ')} |`,
    '',
    `${note.join(', ')}.`,
  ];
  if (ctx.reviewError) lines.push('', `> [!WARNING]\n> ${safeInline(ctx.reviewError)}`);
  return lines.join('\n');
}

function notReviewedSection(result: ReviewResult): string {
  const notReviewed = result.outcomes.filter((o) => o.status !== 'ok');
  if (notReviewed.length === 0) return '';
  const lines = ['### Not reviewed', ''];
  for (const o of notReviewed) {
    const files = o.chunk.files.map(
      (cf) => `${safePath(cf.file.path)}${cf.part ? ` (part ${cf.part.index + 1}/${cf.part.count})` : ''}`,
    );
    lines.push(`- ${files.join(', ')}: ${safeInline(o.error ?? 'not reviewed')}`);
  }
  return clipMarkdown(lines.join('\n'), MAX_NOT_REVIEWED_CHARS, '… (more parts were not reviewed; the log lists them)');
}

/** One line per reviewed file with what changed in it, as the review calls wrote it. */
function walkthroughSection(result: ReviewResult): string {
  if (result.plan.reviewable.length === 0) return '';
  const said = new Map<string, string[]>();
  for (const o of result.outcomes) {
    for (const w of o.walkthrough) said.set(w.path, [...(said.get(w.path) ?? []), w.change.trim()]);
  }
  const failed = new Set(
    result.outcomes.filter((o) => o.status !== 'ok').flatMap((o) => o.chunk.files.map((cf) => cf.file.path)),
  );
  const rows = result.plan.reviewable.map((f) => {
    const text = said.get(f.path)?.join(' ') ?? (failed.has(f.path) ? '(not reviewed)' : '—');
    return `| ${safePath(f.path)} | ${safeInline(withoutRules(text))} |`;
  });
  return ['### Walkthrough', '', '| file | what changed |', '| --- | --- |', ...rows].join('\n');
}

function overviewSection(result: ReviewResult): string {
  const summaries = result.outcomes.filter((o) => o.status === 'ok' && o.summary.trim());
  if (summaries.length === 0) return '';
  return ['### Overview', '', safeMarkdown(withoutRules(summaries.map((o) => o.summary.trim()).join('\n\n')))].join(
    '\n',
  );
}

function listedSection(listed: readonly Listed[]): string {
  if (listed.length === 0) return '';
  const lines = ['### Findings not posted as comments', ''];
  for (const { finding: f, reason } of listed) {
    const body = clipMarkdown(safeMarkdown(withoutRules(f.body.trim())), MAX_LISTED_BODY_CHARS, '…');
    lines.push(
      `- ${ICON[f.severity]} **${safeInline(withoutRules(f.title))}** — ${safePath(`${f.path}:${f.line}`)} (${safeInline(reason)})`,
      `  ${body.replace(/\n/g, '\n  ')}`,
    );
  }
  return lines.join('\n');
}

function skippedSection(plan: ReviewPlan): string {
  if (plan.skipped.length === 0) return '';
  const lines = [`<details><summary>Skipped files (${plan.skipped.length})</summary>`, ''];
  for (const s of plan.skipped) lines.push(`- ${safePath(s.path)}: ${safeInline(s.reason)}`);
  lines.push('', '</details>');
  return lines.join('\n');
}

/**
 * The sticky summary comment: verdict and counts, the overview, the findings not posted as comments,
 * skipped files, then what was not reviewed and the cost. When it must be clipped, the middle sections are
 * cut: the head, "Not reviewed" and "Cost" always survive.
 */
export function summaryBody(ctx: SummaryFacts): string {
  const rejected = ctx.result.outcomes.flatMap((o) => o.rejected);
  const head = headSection(ctx);
  const middle = [
    ctx.walkthrough === false ? '' : walkthroughSection(ctx.result),
    overviewSection(ctx.result),
    listedSection(ctx.listed),
    rejected.length > 0 ? `${plural(rejected.length, 'malformed finding')} from the model dropped.` : '',
    skippedSection(ctx.result.plan),
  ]
    .filter(Boolean)
    .join('\n\n');
  const tail = [notReviewedSection(ctx.result), costSection(ctx)].filter(Boolean).join('\n\n');
  const room = MAX_BODY_CHARS - head.length - tail.length - 8;
  const body = middle ? `${head}\n\n${clipMarkdown(middle, room)}\n\n${tail}\n` : `${head}\n\n${tail}\n`;
  return body;
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

/** Calls listed one by one in a plan; the rest are counted. */
const PLAN_CALLS_SHOWN = 10;

/** Tokens of the model's tokenizer for a count of our estimate. */
function modelTokens(plan: ReviewPlan, estimated: number): number {
  return Math.ceil(estimated * plan.tokenRatio);
}

/**
 * The plan as a person reads it before any call: files, skipped files, the first calls and how many more,
 * tokens, the estimated cost, and whether `max-cost-usd` would stop the run before the end.
 */
export function planReport(
  plan: ReviewPlan,
  estimate: CostEstimate,
  model: string,
  maxCostUsd?: number,
  /** Explore mode: the tool calls each review call may make. */
  maxToolCalls?: number,
): string {
  const lines = [
    `Review plan for ${plan.pr.title ? `"${logSafe(plan.pr.title)}"` : 'the diff'} with ${model}`,
    `  files: ${plan.files.length} changed, ${plan.reviewable.length} to review, ${plan.skipped.length} skipped`,
  ];
  for (const s of plan.skipped.slice(0, PLAN_CALLS_SHOWN))
    lines.push(`    skipped ${logSafe(s.path)}: ${logSafe(s.reason)}`);
  if (plan.skipped.length > PLAN_CALLS_SHOWN)
    lines.push(`    … ${plan.skipped.length - PLAN_CALLS_SHOWN} more skipped`);
  lines.push(`  shared prompt prefix: ~${fmt(plan.prefixTokens)} tokens (cached after the first call)`);
  lines.push(`  calls: ${plan.chunks.length} (chunk budget ~${fmt(plan.chunkBudget)} tokens)`);
  if (plan.headFiles) {
    const total = plan.chunks.reduce((n, c) => n + modelTokens(plan, c.context?.tokens ?? 0), 0);
    lines.push(`  context: ~${fmt(total)} tokens of code from ${logSafe(plan.headFiles.origin)}, not part of the diff`);
    if (maxToolCalls !== undefined) {
      lines.push(
        `  explore: each call may read or search the repository up to ${maxToolCalls} times; those rounds are not in the estimate, and each is reserved under max-cost-usd before it is sent`,
      );
    }
  }
  for (const chunk of plan.chunks.slice(0, PLAN_CALLS_SHOWN)) {
    const names = chunk.files.map(
      (cf) => logSafe(cf.file.path) + (cf.part ? ` [part ${cf.part.index + 1}/${cf.part.count}]` : ''),
    );
    const shown = names.length > 6 ? [...names.slice(0, 6), `… ${names.length - 6} more`] : names;
    const context = chunk.context
      ? ` + ~${fmt(modelTokens(plan, chunk.context.tokens))} context (${chunk.context.items.length} excerpt${chunk.context.items.length === 1 ? '' : 's'}${chunk.context.dropped > 0 ? `, ${chunk.context.dropped} left out for room` : ''})`
      : '';
    lines.push(
      `    call ${chunk.index + 1}: ~${fmt(modelTokens(plan, chunk.tokens))} tokens${context}: ${shown.join(', ')}`,
    );
  }
  if (plan.chunks.length > PLAN_CALLS_SHOWN) lines.push(`    … ${plan.chunks.length - PLAN_CALLS_SHOWN} more calls`);
  const u = estimate.usage;
  lines.push(
    `  estimated tokens: input ${fmt(u.input)}, cache write ${fmt(u.cacheWrite)}, cache read ${fmt(u.cacheRead)}, output ~${fmt(u.output)}`,
    `  estimated cost: ${formatUsd(estimate.usd)}${estimate.usdMax !== undefined ? ` (at most ${formatUsd(estimate.usdMax)} if every call writes max-output-tokens)` : ' (no known price for this model and provider)'}`,
  );
  if (maxCostUsd !== undefined && estimate.usd !== undefined && estimate.usd > maxCostUsd) {
    lines.push(
      `  max-cost-usd (${formatUsd(maxCostUsd)}) will stop this run before the end: the parts that fit are reviewed in plan order (a part is split to fit what is left), the rest listed as not reviewed; raise it, or narrow the review with include / exclude`,
    );
  } else if (maxCostUsd !== undefined && estimate.usdMax !== undefined && estimate.usdMax > maxCostUsd) {
    lines.push(`  max-cost-usd (${formatUsd(maxCostUsd)}) may stop this run before the end if the answers run long`);
  }
  return lines.join('\n');
}
