import { plural } from '../core/words.js';
import type { SetAside } from '../findings/sift.js';
import type { ReviewResult } from '../pipeline/stages.js';

/** The summary's folded list of each kind of finding set aside, by its label, in the order shown. */
export const ASIDE_FOLDS: readonly (readonly [SetAside['kind'], string])[] = [
  ['learned', "Set aside by the team's learnings"],
  ['pre-existing', 'Already there before this pull request'],
  ['doubted', 'Set aside: refuted by the second look, or under min-confidence'],
];

/** The head's counts of what was set aside, and of the learnings the review applied. */
export function asideNotes(result: Pick<ReviewResult, 'setAside' | 'plan'>): string[] {
  const count = (kind: SetAside['kind']): number => result.setAside.filter((a) => a.kind === kind).length;
  const notes: string[] = [];
  const rules = result.plan.learnings.length;
  if (rules > 0) {
    const learned = count('learned');
    notes.push(`${plural(rules, 'learning')} applied (${plural(learned, 'finding')} set aside by them)`);
  }
  if (count('doubted') > 0)
    notes.push(`${count('doubted')} set aside (refuted by the second look, or under min-confidence)`);
  if (count('pre-existing') > 0) notes.push(`${count('pre-existing')} already there before this pull request`);
  return notes;
}
