import { errorText } from '../core/errors.js';
import { addUsage, costUsd, formatUsd, ZERO_USAGE, type Prices, type Usage } from '../core/usage.js';
import type { CallOptions, LlmClient } from '../llm/client.js';
import type { LlmRequest } from '../llm/request.js';
import { worstCaseUsd } from './budget.js';

/** What the overview call gave: its text, or why there is none; and what it cost. */
export interface Overview {
  text: string | undefined;
  /** Why no overview was written (the cap had no room, the call failed), for the log. */
  missing?: string;
  usage: Usage;
  usd: number;
  calls: number;
}

/** The output an overview may take: a few sentences, with room for a thinking model's floor. */
const OVERVIEW_MAX_TOKENS = 4096;

export interface OverviewOptions {
  call: Omit<CallOptions, 'onStart'>;
  /** The prices the cap is enforced at, and what is left under it (undefined: no cap). */
  prices?: Prices | undefined;
  left?: number | undefined;
  tokenRatio: number;
  signal?: AbortSignal | undefined;
}

/**
 * One short call for the overview of a pull request reviewed in parts, under what is left of the cap
 * (reserved at its worst case, as every call is): skipped, with the reason, when it does not fit.
 */
export async function writeOverview(request: LlmRequest, llm: LlmClient, options: OverviewOptions): Promise<Overview> {
  const maxTokens = Math.min(options.call.maxTokens, OVERVIEW_MAX_TOKENS);
  const none = { usage: ZERO_USAGE, usd: 0, calls: 0 };
  if (options.left !== undefined && options.prices) {
    const worst = worstCaseUsd(request, options.prices, maxTokens, options.tokenRatio);
    if (worst > options.left) {
      return {
        text: undefined,
        missing: `it could cost up to ${formatUsd(worst)}, more than max-cost-usd leaves`,
        ...none,
      };
    }
  }
  if (options.signal?.aborted) return { text: undefined, missing: 'the run was stopped', ...none };
  try {
    const result = await llm.call(request, {
      ...options.call,
      maxTokens,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const usage = addUsage(ZERO_USAGE, result.usage);
    const usd = options.prices ? costUsd(usage, options.prices) : 0;
    const answer = (result.toolInput as { answer?: unknown } | undefined)?.answer;
    const text =
      typeof answer === 'string' && answer.trim() && result.stopReason !== 'max_tokens' ? answer.trim() : undefined;
    return { text, ...(text ? {} : { missing: 'the model gave no overview' }), usage, usd, calls: 1 };
  } catch (error) {
    return { text: undefined, missing: errorText(error), ...none, calls: 1 };
  }
}
