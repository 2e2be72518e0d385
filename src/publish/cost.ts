import { formatUsd } from '../core/usage.js';
import type { ReviewResult } from '../pipeline/stages.js';
import { codeSpan, safeInline } from '../safety/markdown.js';
import { fmt, type SummaryFacts } from './render.js';
import { plural } from '../core/words.js';

export function costTable(result: ReviewResult, model: string): string {
  const u = result.usage;
  return [
    '| model | calls | input | cache write | cache read | output | cost |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${codeSpan(model)} | ${result.calls} | ${fmt(u.input)} | ${fmt(u.cacheWrite)} | ${fmt(u.cacheRead)} | ${fmt(u.output)}${u.thinking ? ` (${fmt(u.thinking)} thinking)` : ''} | ${formatUsd(result.usd)} |`,
  ].join('\n');
}

/** What the looks at each part found (`review-depth`), and the looks that did not run with why. */
function looksLine(result: ReviewResult): string | undefined {
  const parts = result.outcomes.filter((o) => o.looks);
  if (parts.length === 0) return undefined;
  const found = new Map<string, number>();
  const missed: string[] = [];
  for (const o of parts)
    for (const look of o.looks ?? []) {
      found.set(look.name, (found.get(look.name) ?? 0) + look.findings);
      if (look.status !== 'ok')
        missed.push(`${o.chunk.files[0]?.file.path ?? 'a file'} ${look.name}: ${look.error ?? look.status}`);
    }
  const merged = parts.reduce((n, o) => n + (o.merged ?? 0), 0);
  const each = [...found].map(([name, n]) => `${name} ${n}`).join(', ');
  const why =
    missed.length > 0
      ? ` Looks that did not finish: ${safeInline(missed.slice(0, 5).join('; '))}${missed.length > 5 ? ` and ${missed.length - 5} more` : ''}.`
      : '';
  return `The looks found: ${each} (${plural(merged, 'repeat')} of a finding by another look, merged).${why}`;
}

/** What the second look did: its calls, its verdicts and its cost, and why it was skipped where it was. */
function secondLookLine(result: ReviewResult): string | undefined {
  const looks = result.outcomes.flatMap((o) => (o.verification ? [o.verification] : []));
  if (looks.length === 0) return undefined;
  const sum = (get: (v: (typeof looks)[number]) => number): number => looks.reduce((n, v) => n + get(v), 0);
  const [refuted, unsure] = [sum((v) => v.refuted), sum((v) => v.unsure)];
  const confirmed = sum((v) => v.verified) - refuted - unsure;
  const cost = result.usd === undefined ? '' : `, ${formatUsd(sum((v) => v.usd))} of it`;
  const skipped = [...new Set(looks.flatMap((v) => (v.skipped ? [v.skipped] : [])))];
  const why = skipped.length > 0 ? ` Not verified: ${safeInline(skipped.join('; '))}.` : '';
  const same = sum((v) => v.duplicates);
  return `The second look: ${plural(
    sum((v) => v.calls),
    'call',
  )} over ${plural(
    sum((v) => v.asked),
    'finding',
  )}: ${confirmed} confirmed, ${refuted} refuted, ${unsure} unsure${same > 0 ? `, ${same} the same as another` : ''}${cost}.${why}`;
}

/** This run's cost, and the pull request's total over all runs when there was more than one. */
export function costSection(ctx: SummaryFacts): string {
  const lines = ['### Cost', '', costTable(ctx.result, ctx.model)];
  const looks = looksLine(ctx.result);
  if (looks) lines.push('', looks);
  const second = secondLookLine(ctx.result);
  if (second) lines.push('', second);
  if (ctx.result.costEstimated) {
    lines.push('', 'The cost includes, at their reserved worst case, calls stopped before they reported their usage.');
  }
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
