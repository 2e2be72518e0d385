import { withoutRules } from '../prompt/prompt.js';
import type { Finding } from '../findings/findings.js';
import type { SetAside } from '../findings/sift.js';
import { mostSevereFirst, SEVERITIES, type Severity } from '../core/severity.js';
import type { ReviewPlan, ReviewResult } from '../pipeline/stages.js';
import { clipMarkdown, safeInline, safeMarkdown, safePath } from '../safety/markdown.js';
import { markerTag, stateMarker, tagMatches, type ReviewState, type Seal } from '../source/state.js';
import { costSection } from './cost.js';
import { ASIDE_FOLDS, asideNotes } from './aside.js';
import { filesOf } from '../run/run.js';
import { plural } from '../core/words.js';

/** The first line of our summary comment; it counts only on a comment we wrote (see publish.ts). */
export const SUMMARY_MARKER = '<!-- claude-pr-reviewer:summary -->';
const FINGERPRINT = /\n<!-- claude-pr-reviewer:fp=([0-9a-f]{16})(?: ([0-9a-f]{16}))? -->$/;

/** A comment's body without our fingerprint marker. */
export function withoutFingerprint(body: string): string {
  return body.replace(FINGERPRINT, '');
}
/** GitHub refuses comment bodies longer than this. */
export const MAX_BODY_CHARS = 65_536;
/** A finding listed in the summary keeps this much of its body, so one long finding cannot crowd out the rest. */
const MAX_LISTED_BODY_CHARS = 1_500;
/** Characters of an error told in the summary's head (GitHub's reasons can be long). */
const MAX_ERROR_CHARS = 2_000;
/** Room the "Not reviewed" section may take; the Cost section always fits after it. */
const MAX_NOT_REVIEWED_CHARS = 16_000;

const ICON: Record<Severity, string> = { critical: '🔴', high: '🟠', medium: '🟡', low: '🔵', info: '⚪' };

/** A comment's fingerprint marker, tagged with the seal when there is one (see signedFingerprintOf). */
export function fingerprintMarker(fp: string, seal?: Seal): string {
  return `<!-- claude-pr-reviewer:fp=${fp}${seal ? ` ${markerTag(seal, fp)}` : ''} -->`;
}

/** The fingerprint our comment carries on its last line; a marker anywhere else in a body is not one. */
export function fingerprintOf(body: string): string | undefined {
  return FINGERPRINT.exec(body)?.[1];
}

/**
 * The fingerprint of a comment this action wrote for this pull request: its marker's tag verifies with the
 * seal. Anyone else posting as the same login (another workflow's GITHUB_TOKEN) cannot make one.
 */
export function signedFingerprintOf(body: string, seal: Seal): string | undefined {
  const [, fp, tag] = FINGERPRINT.exec(body) ?? [];
  return fp && tag && tagMatches(seal, fp, tag) ? fp : undefined;
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
export function commentBody(finding: Finding, seal?: Seal): string {
  const marker = `\n\n${fingerprintMarker(finding.fingerprint, seal)}`;
  const room = MAX_BODY_CHARS - marker.length;
  const parts = [findingHeading(finding), ''];
  if (finding.anchor === 'file') {
    parts.push(
      `_On line ${finding.line}${finding.side === 'LEFT' ? ' of the old version' : ''}, which the diff does not show._`,
      '',
    );
  }
  parts.push(safeMarkdown(withoutRules(finding.body.trim())));
  const note = verdictNote(finding);
  if (note) parts.push('', note);
  const text = parts.join('\n');
  if (finding.suggestion !== undefined && finding.anchor === 'line' && finding.side === 'RIGHT') {
    const withSuggestion = `${text}\n\n${suggestionBlock(finding.suggestion)}`;
    if (withSuggestion.length <= room) return withSuggestion + marker;
  }
  return clipMarkdown(text, room) + marker;
}

/** What the second look said of a posted finding, in one italic line. */
function verdictNote(finding: Finding): string | undefined {
  const v = finding.verdict;
  if (v?.kind === 'confirmed') return `_Confirmed by a second look: confidence ${v.confidence} of 100._`;
  if (v?.kind === 'unsure') return '_Not confirmed: a second look could not tell from the code it was shown._';
  return undefined;
}

/** The files a failed or skipped call left unreviewed, counted: "1 file was", "3 files were". */
function unreviewedFiles(result: ReviewResult): string {
  const n = filesOf(result.outcomes.filter((o) => o.status !== 'ok')).size;
  return n === 1 ? '1 file was' : `${n} files were`;
}

export function verdict(result: ReviewResult, findings: readonly Finding[]): string {
  const counts = countBySeverity(findings);
  const failed = result.outcomes.filter((o) => o.status !== 'ok').length;
  const partial = failed > 0 ? ` ⚠️ Partial review: ${unreviewedFiles(result)} not reviewed (see below).` : '';
  if (result.plan.chunks.length === 0) return `Nothing to review: no reviewable changes.${partial}`;
  const blocking = counts.critical + counts.high;
  const rest = findings.length - blocking;
  const more = rest > 0 ? `, and ${plural(rest, 'finding')} of medium severity or lower` : '';
  if (blocking > 0) {
    return `**Changes recommended**: ${plural(counts.critical, 'critical')}, ${plural(counts.high, 'high')} severity finding${blocking === 1 ? '' : 's'}${more}.${partial}`;
  }
  if (findings.length > 0)
    return `**No blocking issues**: ${plural(findings.length, 'finding')} of medium severity or lower.${partial}`;
  const dropped = result.outcomes.reduce((n, o) => n + o.rejected.length, 0);
  if (dropped > 0)
    return `**No finding could be read**: the model sent ${plural(dropped, 'malformed finding')}.${partial}`;
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
  /** Our comment of each finding on GitHub (by fingerprint), for a link from the summary. */
  links?: ReadonlyMap<string, string>;
  /** A report for a terminal or a file (the command line): nothing was posted, and each finding is listed once. */
  report?: boolean;
}

function headSection(ctx: SummaryFacts): string {
  const note = ctx.report ? [plural(ctx.findings.length, 'finding')] : [`${plural(ctx.posted, 'new comment')} posted`];
  if (ctx.alreadyPosted > 0) note.push(`${ctx.alreadyPosted} already posted by an earlier run`);
  if (ctx.listed.length > 0 && !ctx.report) note.push(`${ctx.listed.length} in this summary only`);
  note.push(...asideNotes(ctx.result));
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
    `${note.join(', ')}.`,
  ];
  if (ctx.reviewError) lines.push('', `> [!WARNING]\n> ${safeInline(ctx.reviewError.slice(0, MAX_ERROR_CHARS))}`);
  return lines.join('\n');
}

/** Findings listed one a line at most; the rest are counted (the comments and the folded list have them all). */
const FINDINGS_SHOWN = 25;

/** Every finding in one line, the most severe first: a link to its comment, or where it is told instead. */
function findingsSection(ctx: SummaryFacts): string {
  if (ctx.findings.length === 0) return '';
  const here = new Map(ctx.listed.map((l) => [l.finding.fingerprint, l.reason]));
  const sorted = mostSevereFirst(ctx.findings);
  const lines = ['### Findings', ''];
  for (const f of sorted.slice(0, FINDINGS_SHOWN)) {
    const title = safeInline(withoutRules(f.title));
    const link = ctx.links?.get(f.fingerprint);
    const where = safePath(`${f.path}:${f.line}`);
    const reason = here.get(f.fingerprint);
    const shown = link ? `[${title}](${link})` : title;
    const told = link ? '' : reason !== undefined ? ` — in this summary (${safeInline(reason)})` : '';
    lines.push(`- ${ICON[f.severity]} **${capitalize(f.severity)}** · ${f.category} — ${shown} · ${where}${told}`);
  }
  if (sorted.length > FINDINGS_SHOWN) lines.push(`- … and ${sorted.length - FINDINGS_SHOWN} more (least severe)`);
  return lines.join('\n');
}

/** A folded section: our own `<details>`, its label ours alone (counts), never model text. */
function folded(label: string, body: string): string {
  return [`<details><summary>${label}</summary>`, '', body, '', '</details>'].join('\n');
}

/** A fold cut to `room` characters inside it, so its closing tag (and what follows it) survives. */
function clipFold(fold: string, room: number): string {
  const open = fold.indexOf('</summary>\n\n') + '</summary>\n\n'.length;
  const close = fold.lastIndexOf('\n\n</details>');
  if (open < '</summary>\n\n'.length || close < open) return clipMarkdown(fold, room);
  const inner = clipMarkdown(fold.slice(open, close), Math.max(0, room - open - (fold.length - close)));
  return `${fold.slice(0, open)}${inner}${fold.slice(close)}`;
}

/** A Markdown list of whole lines, as many as fit in `maxChars`, then how many more. */
function boundedList(items: readonly string[], maxChars: number): string {
  const lines: string[] = [];
  let used = 0;
  for (const item of items) {
    if (used + item.length + 3 > maxChars) break;
    lines.push(`- ${item}`);
    used += item.length + 3;
  }
  if (lines.length < items.length) lines.push(`- … and ${items.length - lines.length} more`);
  return lines.join('\n');
}

/** Sections kept whole while they fit in `room`; the first that does not is cut (a fold inside), the rest left out. */
function fitSections(sections: readonly string[], room: number): string {
  const kept: string[] = [];
  let left = room;
  for (const section of sections) {
    if (section.length + 2 <= left) {
      kept.push(section);
      left -= section.length + 2;
      continue;
    }
    if (left > 300)
      kept.push(section.startsWith('<details>') ? clipFold(section, left - 2) : clipMarkdown(section, left - 2));
    break;
  }
  return kept.join('\n\n');
}

/** What was not reviewed, one line a reason with its counts; the parts' files folded under it. */
function notReviewedSection(result: ReviewResult): string {
  const notReviewed = result.outcomes.filter((o) => o.status !== 'ok');
  if (notReviewed.length === 0) return '';
  const groups = new Map<string, typeof notReviewed>();
  for (const o of notReviewed) {
    // Amounts differ from part to part ("could cost up to $0.05"); the reason is the same.
    const key = (o.error ?? 'not reviewed').replace(/\$[\d.]+|\d+/g, '#');
    groups.set(key, [...(groups.get(key) ?? []), o]);
  }
  const lines = ['### Not reviewed', ''];
  for (const parts of groups.values()) {
    const files = parts.flatMap((o) =>
      o.chunk.files.map(
        (cf) => `${safePath(cf.file.path)}${cf.part ? ` (part ${cf.part.index + 1}/${cf.part.count})` : ''}`,
      ),
    );
    const list = boundedList(files, MAX_NOT_REVIEWED_CHARS / (2 * groups.size));
    lines.push(
      `- **${plural(files.length, 'file')}**: ${safeInline(parts[0]?.error ?? 'not reviewed')}`,
      '',
      folded(`the ${plural(files.length, 'file')}`, list),
      '',
    );
  }
  return clipMarkdown(
    lines.join('\n').trimEnd(),
    MAX_NOT_REVIEWED_CHARS,
    '… (more files were not reviewed; the log lists them)',
  );
}

/** One line per reviewed file the review calls said something of, folded. */
function walkthroughSection(result: ReviewResult): string {
  const said = new Map<string, string[]>();
  for (const o of result.outcomes) {
    for (const w of o.walkthrough)
      if (w.change.trim()) said.set(w.path, [...(said.get(w.path) ?? []), w.change.trim()]);
  }
  const rows = result.plan.reviewable.flatMap((f) => {
    const text = said.get(f.path)?.join(' ');
    return text ? [`| ${safePath(f.path)} | ${safeInline(withoutRules(text))} |`] : [];
  });
  if (rows.length === 0) return '';
  const table = ['### Walkthrough', '', '| file | what changed |', '| --- | --- |', ...rows].join('\n');
  return folded(`Walkthrough (${plural(rows.length, 'file')})`, table);
}

/**
 * The overview: the one written for the whole pull request, or the one part's summary; when the overview call
 * could not be made, the parts' summaries, folded.
 */
function overviewSection(result: ReviewResult): string {
  const summaries = result.outcomes.filter((o) => o.status === 'ok' && o.summary.trim()).map((o) => o.summary.trim());
  const one = result.overview ?? (summaries.length === 1 ? summaries[0] : undefined);
  if (one) return ['### Overview', '', safeMarkdown(withoutRules(one))].join('\n');
  if (summaries.length === 0) return '';
  const parts = summaries.map((s, i) => `**${i + 1}.** ${safeMarkdown(withoutRules(s))}`).join('\n\n');
  return folded(`${summaries.length} summaries, one for each share of the diff (no overview was written)`, parts);
}

/** The findings told here rather than as comments, each with its text, folded under `label`. */
function listedSection(listed: readonly Listed[], label = 'Findings not posted as comments'): string {
  if (listed.length === 0) return '';
  const lines: string[] = [];
  for (const { finding: f, reason } of listed) {
    const body = clipMarkdown(safeMarkdown(withoutRules(f.body.trim())), MAX_LISTED_BODY_CHARS, '…');
    lines.push(
      `- ${ICON[f.severity]} **${safeInline(withoutRules(f.title))}** — ${safePath(`${f.path}:${f.line}`)} (${safeInline(reason)})`,
      `  ${body.replace(/\n/g, '\n  ')}`,
    );
  }
  return folded(`${label} (${listed.length})`, lines.join('\n'));
}

/** The files skipped before the review, counted by reason in the label, listed folded. */
function skippedSection(plan: ReviewPlan): string {
  if (plan.skipped.length === 0) return '';
  const byReason = new Map<string, number>();
  for (const s of plan.skipped)
    byReason.set(s.reason.split(' (')[0] ?? s.reason, (byReason.get(s.reason.split(' (')[0] ?? s.reason) ?? 0) + 1);
  const counts = [...byReason].map(([reason, n]) => `${n} ${safeLabel(reason)}`).join(', ');
  const list = boundedList(
    plan.skipped.map((s) => `${safePath(s.path)}: ${safeInline(s.reason)}`),
    MAX_NOT_REVIEWED_CHARS,
  );
  return folded(`Skipped files (${plan.skipped.length}: ${counts})`, list);
}

/** Our own reason text in a `<summary>` label: no character that HTML or Markdown would read there. */
function safeLabel(text: string): string {
  return text
    .replace(/[<>&*_`[\]\\|#!]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The overview keeps this much: a few sentences are asked for, and one long answer must not crowd the rest. */
const MAX_OVERVIEW_CHARS = 3_000;

/**
 * The sticky summary comment, read top-down in one screen: verdict and counts, each finding in a line with
 * a link to its comment, the overview, what was not reviewed (one line a reason), then the folded sections
 * (findings told only here, skipped files, the walkthrough) and the cost. When it must be clipped, the folds
 * are cut (inside them, so they still close): everything above them and the cost survive.
 */
export function summaryBody(ctx: SummaryFacts): string {
  const rejected = ctx.result.outcomes.flatMap((o) => o.rejected);
  const overview = overviewSection(ctx.result);
  const head = headSection(ctx);
  const top = [
    ctx.report ? '' : findingsSection(ctx),
    overview.startsWith('<details>')
      ? clipFold(overview, MAX_OVERVIEW_CHARS)
      : clipMarkdown(overview, MAX_OVERVIEW_CHARS),
    notReviewedSection(ctx.result),
  ];
  const aside = (kind: SetAside['kind']): SetAside[] => ctx.result.setAside.filter((a) => a.kind === kind);
  const folds = [
    listedSection(ctx.listed, ctx.report ? 'Findings' : undefined),
    ...ASIDE_FOLDS.map(([kind, label]) => listedSection(aside(kind), label)),
    rejected.length > 0 ? `${plural(rejected.length, 'malformed finding')} from the model dropped.` : '',
    skippedSection(ctx.result.plan),
    ctx.walkthrough === false ? '' : walkthroughSection(ctx.result),
  ].filter(Boolean);
  const tail = costSection(ctx);
  // The whole body fits GitHub's limit: the head (with the state) and the cost always, the sections between
  // in order while they fit, the first that does not cut.
  const middle = fitSections([...top, ...folds].filter(Boolean), MAX_BODY_CHARS - head.length - tail.length - 8);
  return middle ? `${head}\n\n${middle}\n\n${tail}\n` : `${head}\n\n${tail}\n`;
}

export function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
