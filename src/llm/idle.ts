import { LlmError } from './client.js';

/** How long an attempt may go without a byte (an SSE event) from the gateway before it is aborted. */
export const DEFAULT_IDLE_MS = 60_000;

/**
 * A watchdog for one attempt: its signal aborts when `ms` pass without `touch()` (call it on every event the
 * gateway sends), or when the caller's own signal aborts (the run's deadline). A gateway that accepts the
 * connection and then says nothing costs at most `ms`, not the SDK's whole-request timeout.
 */
export function idleWatch(ms: number, outer?: AbortSignal) {
  const idle = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      idle.abort();
    }, ms);
  };
  arm();
  const signal = outer ? AbortSignal.any([outer, idle.signal]) : idle.signal;
  return {
    signal,
    touch: arm,
    stop: (): void => {
      clearTimeout(timer);
    },
    /**
     * The error to throw for an attempt that was aborted: silent too long (retryable), or stopped by the
     * caller (not retryable); undefined when the attempt was not aborted by either.
     */
    abortError: (): LlmError | undefined => {
      if (outer?.aborted) {
        const reason: unknown = outer.reason;
        return new LlmError('cancelled', reason instanceof Error ? reason.message : 'the call was stopped');
      }
      if (idle.signal.aborted) {
        return new LlmError(
          'network',
          `no byte from the gateway for ${Math.round(ms / 1000)} s; the attempt was aborted`,
        );
      }
      return undefined;
    },
  };
}
