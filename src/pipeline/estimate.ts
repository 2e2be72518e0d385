import { addUsage, costUsd, ZERO_USAGE, type Usage } from '../core/usage.js';
import { passesFor } from '../prompt/passes.js';
import type { Settings } from '../settings/settings.js';
import type { ReviewPlan } from './stages.js';

/** Output a review call typically produces; used for the estimate printed before any call. */
export const TYPICAL_OUTPUT_TOKENS = 1_200;
/** What a look's own instruction adds after the cached part, and what a second look adds (its findings) and writes. */
const LOOK_INSTRUCTION_TOKENS = 200;
const VERIFY_INPUT_TOKENS = 1_500;
const VERIFY_OUTPUT_TOKENS = 800;

export interface CostEstimate {
  usage: Usage;
  /** Estimated USD with typical output; undefined when the prices are unknown. */
  usd: number | undefined;
  /** USD if every call used all of `max-output-tokens`. */
  usdMax: number | undefined;
  /** The calls it counts: each part's looks and its second look. */
  calls: number;
  /** What each part gets, in words: its looks and its second look. */
  perPart: string;
}

/** What an estimate needs to know of the settings. */
export type EstimateSettings = Pick<Settings, 'prices' | 'maxOutputTokens' | 'minCacheTokens'> &
  Partial<Pick<Settings, 'reviewDepth' | 'verify'>>;

/**
 * The calls of one part: its first look writes the part to the cache when others read it (its other looks
 * and its second look), which then read it; the shared prefix is written by the run's first call and read
 * by every other.
 */
function partCalls(
  own: number,
  prefix: { tokens: number; cached: boolean; first: boolean },
  looks: number,
  verify: boolean,
): Usage[] {
  const share = looks > 1 || verify;
  const prefixRead = prefix.cached ? prefix.tokens : 0;
  const uncachedPrefix = prefix.cached ? 0 : prefix.tokens;
  const reading = (input: number, output: number): Usage => ({
    input: input + uncachedPrefix,
    cacheWrite: 0,
    cacheRead: prefixRead + own,
    output,
  });
  const first: Usage = {
    input: uncachedPrefix + LOOK_INSTRUCTION_TOKENS + (share ? 0 : own),
    cacheWrite: (prefix.cached && prefix.first ? prefix.tokens : 0) + (share ? own : 0),
    cacheRead: prefix.cached && !prefix.first ? prefix.tokens : 0,
    output: TYPICAL_OUTPUT_TOKENS,
  };
  return [
    first,
    ...Array.from({ length: looks - 1 }, () => reading(LOOK_INSTRUCTION_TOKENS, TYPICAL_OUTPUT_TOKENS)),
    ...(verify ? [reading(VERIFY_INPUT_TOKENS, VERIFY_OUTPUT_TOKENS)] : []),
  ];
}

/**
 * The cost the plan should have: each part's looks (`review-depth`) and its second look (`verify`), the prefix
 * written to the cache by the first call and read by the others, the part written by its first look when
 * other calls read it. Priced call by call, so a long-prompt tier (Haiku 5.5 above 100K prompt tokens) applies
 * where a call reaches it.
 */
export function estimateCost(plan: ReviewPlan, settings: EstimateSettings): CostEstimate {
  const passes = passesFor(settings.reviewDepth ?? 'quick');
  const looks = passes.length;
  const verify = settings.verify ?? false;
  const perPart = `${looks === 1 ? 'one look' : `${looks} looks (${passes.map((p) => p.name).join(', ')})`}${verify ? ' and a second look at its findings' : ''}`;
  const cached = plan.prefixTokens >= settings.minCacheTokens && plan.chunks.length > 0;
  const calls = plan.chunks.flatMap((c, i) => {
    const own = Math.ceil((c.tokens + (c.context?.tokens ?? 0)) * plan.tokenRatio);
    return partCalls(own, { tokens: plan.prefixTokens, cached, first: i === 0 }, looks, verify);
  });
  const usage = calls.reduce(addUsage, ZERO_USAGE);
  const prices = settings.prices;
  if (!prices) return { usage, usd: undefined, usdMax: undefined, calls: calls.length, perPart };
  const sum = (output: (u: Usage) => number): number =>
    calls.reduce((t, u) => t + costUsd({ ...u, output: output(u) }, prices), 0);
  return {
    usage,
    usd: sum((u) => u.output),
    usdMax: sum(() => settings.maxOutputTokens),
    calls: calls.length,
    perPart,
  };
}
