import type { Finding } from './findings.js';

/** A finding kept out of the comments before they are decided, and why. */
export interface SetAside {
  finding: Finding;
  /** `doubted`: the second look judged it not real, or its confidence is under min-confidence; `pre-existing`: the PR did not introduce it. */
  kind: 'doubted' | 'pre-existing';
  reason: string;
}

export interface SiftRules {
  minConfidence: number;
  includePreExisting: boolean;
}

/** Why a finding is doubted: the second look rejected it, or its confidence is under the minimum. */
function doubt(f: Finding, minConfidence: number): string | undefined {
  const checked = f.verdict ? ` (checked ${f.verdict.path}:${f.verdict.line}: ${f.verdict.reason})` : '';
  if (f.verdict && !f.verdict.real) return `judged not real by the second look${checked}`;
  if (f.confidence !== undefined && f.confidence < minConfidence) {
    return `confidence ${f.confidence} under min-confidence ${minConfidence}${f.verdict ? `, by the second look${checked}` : ''}`;
  }
  return undefined;
}

/**
 * Splits a run's findings before anything is posted: those the second look rejected or that are under
 * `min-confidence`, and those the pull request did not introduce (unless `include-pre-existing`), are set
 * aside for the summary's folded sections; the rest go on to be decided. A finding without a confidence
 * (a gateway that dropped the field) is kept.
 */
export function sift(findings: readonly Finding[], rules: SiftRules): { kept: Finding[]; setAside: SetAside[] } {
  const kept: Finding[] = [];
  const setAside: SetAside[] = [];
  for (const finding of findings) {
    const doubted = doubt(finding, rules.minConfidence);
    if (doubted) setAside.push({ finding, kind: 'doubted', reason: doubted });
    else if (finding.introduced === false && !rules.includePreExisting)
      setAside.push({ finding, kind: 'pre-existing', reason: 'already there before this pull request' });
    else kept.push(finding);
  }
  return { kept, setAside };
}
