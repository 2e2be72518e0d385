import type { Prices } from './models.js';

/**
 * Tokens of one or more calls, in Anthropic's terms: `input` is the uncached input, billed at full price;
 * `cacheWrite` and `cacheRead` are the prefix tokens written to and read from the prompt cache.
 */
export interface Usage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export const ZERO_USAGE: Usage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    input: a.input + b.input,
    output: a.output + b.output,
    cacheRead: a.cacheRead + b.cacheRead,
    cacheWrite: a.cacheWrite + b.cacheWrite,
  };
}

/** USD for the usage at the given prices (per million tokens). */
export function costUsd(usage: Usage, prices: Prices): number {
  return (
    (usage.input * prices.input +
      usage.output * prices.output +
      usage.cacheRead * prices.cacheRead +
      usage.cacheWrite * prices.cacheWrite) /
    1_000_000
  );
}

export function formatUsd(usd: number | undefined): string {
  if (usd === undefined) return 'unknown';
  return usd < 1 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}
