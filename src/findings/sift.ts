import type { Finding } from './findings.js';
import { ruleSettingAside, type Learning } from './learnings.js';

/** A finding kept out of the comments before they are decided, and why. */
export interface SetAside {
  finding: Finding;
  /**
   * `learned`: a rule of the team's learnings covers it; `doubted`: the second look refuted it, or (unconfirmed)
   * its confidence is under min-confidence; `pre-existing`: the PR did not introduce it.
   */
  kind: 'learned' | 'doubted' | 'pre-existing';
  reason: string;
}

export interface SiftRules {
  minConfidence: number;
  includePreExisting: boolean;
  /** The team's learnings the review was shown (see learnings.ts). */
  learnings?: readonly Learning[];
}

/**
 * Why a finding is doubted: the second look refuted it with a line it was shown, or, unless the second look
 * confirmed it, the review's own confidence is under the minimum. "Unsure" never sets a finding aside.
 */
function doubt(f: Finding, minConfidence: number): string | undefined {
  const v = f.verdict;
  const checked = v ? ` (checked ${v.path}:${v.line}: ${v.reason})` : '';
  if (v?.kind === 'refuted') return `refuted by the second look${checked}`;
  if (v?.kind === 'confirmed') return undefined;
  if (f.confidence !== undefined && f.confidence < minConfidence) {
    return `confidence ${f.confidence} under min-confidence ${minConfidence}${v ? `, not confirmed by the second look${checked}` : ''}`;
  }
  return undefined;
}

/**
 * Splits a run's findings before anything is posted: those a learning covers, those the second look refuted or (unconfirmed) under
 * `min-confidence`, and those the pull request did not introduce (unless `include-pre-existing`), are set
 * aside for the summary's folded sections; the rest go on to be decided. A finding without a confidence
 * (a gateway that dropped the field) is kept.
 */
export function sift(findings: readonly Finding[], rules: SiftRules): { kept: Finding[]; setAside: SetAside[] } {
  const kept: Finding[] = [];
  const setAside: SetAside[] = [];
  for (const finding of findings) {
    const rule = ruleSettingAside(finding, rules.learnings ?? []);
    const doubted = doubt(finding, rules.minConfidence);
    if (rule) setAside.push({ finding, kind: 'learned', reason: `${rule.id}: ${rule.rule}` });
    else if (doubted) setAside.push({ finding, kind: 'doubted', reason: doubted });
    else if (finding.introduced === false && !rules.includePreExisting)
      setAside.push({ finding, kind: 'pre-existing', reason: 'already there before this pull request' });
    else kept.push(finding);
  }
  return { kept, setAside };
}
