import { estimateTokens } from '../core/tokens.js';
import { atLeast, SEVERITIES, type Severity } from '../core/severity.js';
import { globMatcher } from '../filter/glob.js';
import { globProblem } from '../filter/filter.js';

/** Tokens the learnings may take in the cached prefix: the newest rules first, the oldest dropped. */
export const MAX_LEARNINGS_TOKENS = 2000;
/** Characters of one rule's text kept: a rule is one line. */
const MAX_RULE_CHARS = 300;
/** A rule with no "Up to" line sets aside findings of this severity and below. */
const DEFAULT_CEILING: Severity = 'medium';

/**
 * One rule of the learnings file: a `## ` heading (the rule), then bullets the reviewer reads (`Files:`,
 * `Up to:`, `Learned:`) and any others (the evidence) it leaves for people.
 */
export interface Learning {
  /** `L1`, `L2`, … in the file's order: what the model cites to set a finding aside. */
  id: string;
  rule: string;
  /** Globs of the files it applies to; empty: every file. */
  paths: string[];
  /** The most severe finding it may set aside. */
  upTo: Severity;
  /** `YYYY-MM-DD`, or '' when not given (then it counts as the oldest). */
  learned: string;
}

const field = (line: string, name: string): string | undefined => {
  const match = new RegExp(`^[-*]\\s+${name}:\\s*(.*)$`, 'i').exec(line.trim());
  return match?.[1]?.trim();
};

/** A `Files:` value: globs, in backticks or not, separated by commas or spaces; the problem of the first bad one. */
function globsOf(value: string): { globs: string[]; problem?: string | undefined } {
  const globs = value
    .replace(/`/g, ' ')
    .split(/[\s,]+/)
    .filter((g) => g && g.toLowerCase() !== 'all');
  return { globs, problem: globs.map(globProblem).find(Boolean) };
}

/**
 * The rules of a learnings file, with what could not be read (a bad glob or severity leaves its rule out,
 * and is told). Text before the first `## ` heading is the file's own introduction.
 */
export function parseLearnings(text: string): { learnings: Learning[]; problems: string[] } {
  const learnings: Learning[] = [];
  const problems: string[] = [];
  const sections = text.replace(/\r\n?/g, '\n').split(/^## /m).slice(1);
  for (const section of sections) {
    const [heading = '', ...lines] = section.split('\n');
    const rule = heading.trim().slice(0, MAX_RULE_CHARS);
    if (!rule) continue;
    let paths: { globs: string[]; problem?: string | undefined } = { globs: [] };
    let upTo: Severity | undefined = DEFAULT_CEILING;
    let learned = '';
    for (const line of lines) {
      const files = field(line, 'files');
      const ceiling = field(line, 'up to')?.toLowerCase();
      const date = field(line, 'learned');
      if (files !== undefined) paths = globsOf(files);
      if (ceiling !== undefined) upTo = SEVERITIES.find((s) => s === ceiling);
      if (date !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(date)) learned = date;
    }
    const problem = paths.problem ?? (upTo ? undefined : `"Up to" is not one of ${SEVERITIES.join(', ')}`);
    if (problem || !upTo) {
      problems.push(`rule "${rule}": ${problem ?? ''}; the rule was left out`);
      continue;
    }
    learnings.push({ id: `L${learnings.length + 1}`, rule, paths: paths.globs, upTo, learned });
  }
  return { learnings, problems };
}

/** One rule as the prompt shows it. */
export function learningLine(l: Learning): string {
  const scope = l.paths.length > 0 ? `files ${l.paths.map((p) => `\`${p}\``).join(', ')}` : 'every file';
  return `- ${l.id} (${scope}; ${l.upTo} at most): ${l.rule}`;
}

/**
 * The rules the prompt can hold: the newest (by `Learned:`) first while they fit in `maxTokens`, the oldest
 * dropped; kept in the file's order with their own ids, so a dropped rule does not renumber the rest.
 */
export function fitLearnings(
  learnings: readonly Learning[],
  maxTokens = MAX_LEARNINGS_TOKENS,
): { kept: Learning[]; dropped: number } {
  const newestFirst = [...learnings].sort((a, b) => b.learned.localeCompare(a.learned));
  const kept = new Set<Learning>();
  let tokens = 0;
  for (const l of newestFirst) {
    const cost = estimateTokens(learningLine(l)) + 1;
    if (tokens + cost > maxTokens) continue;
    tokens += cost;
    kept.add(l);
  }
  return { kept: learnings.filter((l) => kept.has(l)), dropped: learnings.length - kept.size };
}

/**
 * The rule that sets a finding aside: the one the model cited, when it is among the rules shown and it covers
 * the finding's file and severity. A model steered to cite a rule cannot hide a finding outside its scope.
 */
export function ruleSettingAside(
  finding: { learning?: string | undefined; path: string; severity: Severity },
  learnings: readonly Learning[],
): Learning | undefined {
  const cited = finding.learning?.trim().toUpperCase();
  const rule = cited ? learnings.find((l) => l.id === cited) : undefined;
  // The rule's ceiling is at least as severe as the finding.
  if (!rule || !atLeast(rule.upTo, finding.severity)) return undefined;
  return rule.paths.length === 0 || globMatcher(rule.paths)(finding.path) ? rule : undefined;
}
