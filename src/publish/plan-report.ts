import { plural } from '../core/words.js';
import { formatUsd } from '../core/usage.js';
import type { CostEstimate, ReviewPlan } from '../pipeline/stages.js';
import { logSafe } from '../safety/markdown.js';
import { fmt } from './render.js';

/**
 * What a part's context holds, by kind of excerpt: each excerpt counted once, under the first kind it is
 * (an excerpt merged from several reasons counts as its first), so the kinds add up to the excerpts.
 */
function contextKinds(items: readonly { why: string }[]): string {
  const kinds: [string, RegExp][] = [
    ['enclosing', /the (?:code|function) the change sits in/],
    ['definition', /definition of /],
    ['caller', /a caller of /],
    ['rest of the file', /the rest of this file/],
  ];
  const counts = new Map<string, number>();
  for (const item of items) {
    const kind = kinds.find(([, pattern]) => pattern.test(item.why))?.[0] ?? 'other';
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  const order = [...kinds.map(([kind]) => kind), 'other'];
  const shown = order
    .filter((kind) => counts.has(kind))
    .map((kind) => {
      const n = counts.get(kind) ?? 0;
      return `${n} ${kind}${n === 1 || kind === 'enclosing' || kind.startsWith('rest') || kind === 'other' ? '' : 's'}`;
    });
  return shown.length > 0 ? `: ${shown.join(', ')}` : '';
}

/** Parts listed one by one in a plan; the rest are counted. */
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
  lines.push(
    `  parts: ${plan.chunks.length} (chunk budget ~${fmt(plan.chunkBudget)} tokens); calls: ~${fmt(estimate.calls)}, each part ${estimate.perPart}`,
  );
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
      ? ` + ~${fmt(modelTokens(plan, chunk.context.tokens))} context (${plural(chunk.context.items.length, 'excerpt')}${contextKinds(chunk.context.items)}${chunk.context.dropped > 0 ? `, ${chunk.context.dropped} left out for room` : ''})`
      : '';
    lines.push(
      `    part ${chunk.index + 1}: ~${fmt(modelTokens(plan, chunk.tokens))} tokens${context}: ${shown.join(', ')}`,
    );
  }
  if (plan.chunks.length > PLAN_CALLS_SHOWN) lines.push(`    … ${plan.chunks.length - PLAN_CALLS_SHOWN} more parts`);
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
