import { severityRank } from '../core/severity.js';
import { normalTitle } from './findings.js';
import type { RawComment } from './schema.js';

/** Lines two findings may lie apart and still be on the same place (a range, a neighbour's quote). */
const NEAR_LINES = 1;
/** Share of the shorter title's words the other title must have for two findings on one place to be one problem. */
const SAME_TITLE_SHARE = 0.5;

function span(c: RawComment): [number, number] {
  return [Math.min(c.start_line ?? c.line, c.line), c.line];
}

/** Whether two findings sit on the same lines: the same file and side, their ranges overlapping or touching. */
function samePlace(a: RawComment, b: RawComment): boolean {
  if (a.path !== b.path || (a.side ?? 'RIGHT') !== (b.side ?? 'RIGHT')) return false;
  const [a1, a2] = span(a);
  const [b1, b2] = span(b);
  return a1 <= b2 + NEAR_LINES && b1 <= a2 + NEAR_LINES;
}

function words(title: string): Set<string> {
  return new Set(
    normalTitle(title)
      .split(' ')
      .filter((w) => w.length > 2),
  );
}

/** Whether two findings on one place describe one problem: the same category, or titles that share most words. */
function sameProblem(a: RawComment, b: RawComment): boolean {
  if (a.category === b.category) return true;
  const [x, y] = [words(a.title), words(b.title)];
  const shorter = Math.min(x.size, y.size);
  if (shorter === 0) return false;
  const shared = [...x].filter((w) => y.has(w)).length;
  return shared / shorter >= SAME_TITLE_SHARE;
}

/**
 * The better of two reports of one problem: the more severe, then the surer (the second look's confidence when
 * it gave one), then the longer argued, then the first.
 */
export function better<T extends RawComment & { verdict?: { confidence: number } }>(a: T, b: T): T {
  const rank = severityRank(a.severity) - severityRank(b.severity);
  if (rank !== 0) return rank < 0 ? a : b;
  const sure = (a.verdict?.confidence ?? a.confidence ?? 0) - (b.verdict?.confidence ?? b.confidence ?? 0);
  if (sure !== 0) return sure > 0 ? a : b;
  return b.body.length > a.body.length ? b : a;
}

/**
 * The findings of a part's looks as one list: a finding that another look already reported (the same lines and
 * the same problem) is merged into it, the better report kept in the earlier one's place; one look's own
 * findings are never merged with each other. Deterministic: the looks are read in their order. Returns how
 * many were merged.
 */
export function mergeFindings(looks: readonly (readonly RawComment[])[]): { comments: RawComment[]; merged: number } {
  const kept: { comment: RawComment; looks: Set<number> }[] = [];
  let merged = 0;
  looks.forEach((look, n) => {
    for (const finding of look) {
      const same = kept.find(
        (k) => !k.looks.has(n) && samePlace(k.comment, finding) && sameProblem(k.comment, finding),
      );
      if (!same) {
        kept.push({ comment: finding, looks: new Set([n]) });
        continue;
      }
      merged += 1;
      same.comment = better(same.comment, finding);
      same.looks.add(n);
    }
  });
  return { comments: kept.map((k) => k.comment), merged };
}
