import { plural } from '../core/words.js';
import { LlmError, optionalMethods, type CallOptions, type LlmClient, type LlmResult } from './client.js';
import type { LlmRequest } from './request.js';

/**
 * When to try a failed call again. Only 429, 5xx (529 included), timeouts, connection resets and an SSE
 * `error` event mid-stream are retried; the wait honours `retry-after`, else backs off exponentially with
 * jitter; attempts and total time are both bounded.
 *
 * Our own loop rather than the SDKs' retries: SDK 1.x of @anthropic-ai/sdk never retries a streamed
 * request, neither SDK treats an error event inside a stream as a failed attempt, and neither bounds the
 * total time spent retrying.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Milliseconds from the first attempt after which no retry starts. */
  maxTotalMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Waits `ms`, or less when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  random?: () => number;
  onRetry?: (info: { attempt: number; delayMs: number; error: LlmError }) => void;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  maxTotalMs: 600_000,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
};

const realSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });

/** The delay before attempt `attempt + 1`: the gateway's `retry-after`, else 1s, 2s, 4s, … with ±25 % jitter. */
export function backoffMs(attempt: number, error: LlmError, policy: RetryPolicy): number {
  if (error.retryAfterMs !== undefined) return error.retryAfterMs;
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(exp * (0.75 + (policy.random ?? Math.random)() * 0.5));
}

export function withRetries(client: LlmClient, policy: RetryPolicy = DEFAULT_RETRY_POLICY): LlmClient {
  const sleep = policy.sleep ?? realSleep;
  const now = policy.now ?? Date.now;
  return {
    ...optionalMethods(client),
    async call(request: LlmRequest, options: CallOptions): Promise<LlmResult> {
      const started = now();
      let billed = false;
      for (let attempt = 1; ; attempt++) {
        try {
          return await client.call(request, options);
        } catch (caught) {
          const error = caught instanceof LlmError ? caught : new LlmError('network', String(caught));
          billed = error.started;
          const giveUp = (message: string): LlmError => {
            const final = new LlmError(error.kind, message, error.status);
            final.started = billed;
            return final;
          };
          if (!error.retryable || options.signal?.aborted) throw error;
          const delay = backoffMs(attempt, error, policy);
          const elapsed = now() - started;
          if (attempt >= policy.maxAttempts) {
            throw giveUp(`${error.message} (gave up after ${attempt} attempts)`);
          }
          if (elapsed + delay > policy.maxTotalMs) {
            throw giveUp(
              `${error.message} (gave up after ${plural(attempt, 'attempt')}: waiting ${Math.round(delay / 1000)}s more would pass the ${Math.round(policy.maxTotalMs / 1000)}s retry budget)`,
            );
          }
          // The caller reserves the next attempt's cost, and may refuse it.
          options.beforeRetry?.(billed);
          policy.onRetry?.({ attempt, delayMs: delay, error });
          await sleep(delay, options.signal);
          if (options.signal?.aborted) throw giveUp(`${error.message} (not retried: the run was stopped)`);
        }
      }
    },
  };
}
