import { safeInline } from '../safety/markdown.js';
import { signalText, type NewRule } from './distil.js';

/** The file's introduction, written once when the learn mode creates it. */
const INTRODUCTION = `# Claude review learnings

Rules the reviewer learned from findings this repository's maintainers dismissed. Every review reads this file
from the pull request's base branch, so a pull request that edits it changes only the reviews after it merges.
Each \`## \` heading is one rule; the reviewer reads its \`Files:\` (globs; none: every file), \`Up to:\` (the most
severe finding it may set aside) and \`Learned:\` (the oldest rules are dropped first when they do not all fit).
Edit or delete any rule: the learn mode only adds new ones.
`;

/** Evidence lines kept a rule, beyond which they are counted. */
const EVIDENCE_SHOWN = 8;

/** One new rule as a section of the file, with the findings and the maintainers' signals behind it. */
export function ruleSection(rule: NewRule): string {
  const lines = [`## ${rule.rule}`];
  if (rule.paths.length > 0) lines.push(`- Files: ${rule.paths.map((p) => `\`${p.replace(/`/g, '')}\``).join(', ')}`);
  lines.push(`- Up to: ${rule.upTo}`, `- Learned: ${rule.learned}`, '- Evidence:');
  for (const o of rule.evidence.slice(0, EVIDENCE_SHOWN)) {
    const signals = o.signals.map(signalText).join('; ');
    lines.push(`  - #${o.pr} [${safeInline(o.title)}](${o.url}) (${o.severity}): ${safeInline(signals)}`);
  }
  if (rule.evidence.length > EVIDENCE_SHOWN) lines.push(`  - and ${rule.evidence.length - EVIDENCE_SHOWN} more`);
  return lines.join('\n');
}

/** The learnings file with the new rules added after what it has (created with its introduction when absent). */
export function withNewRules(current: string | undefined, rules: readonly NewRule[]): string {
  const base = current === undefined || current.trim() === '' ? INTRODUCTION : current;
  return `${[base.trimEnd(), ...rules.map(ruleSection)].join('\n\n')}\n`;
}
