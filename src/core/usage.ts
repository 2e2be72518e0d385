/**
 * Tokens of one or more calls, in Anthropic's terms: `input` is the uncached input, billed at full price;
 * `cacheWrite` and `cacheRead` are the prefix tokens written to and read from the prompt cache. `thinking`
 * is the part of `output` the model spent thinking (billed as output; absent when none was reported).
 */
export interface Usage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  thinking?: number;
}

export const ZERO_USAGE: Usage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };

export function addUsage(a: Usage, b: Usage): Usage {
  const thinking = (a.thinking ?? 0) + (b.thinking ?? 0);
  return {
    input: a.input + b.input,
    output: a.output + b.output,
    cacheRead: a.cacheRead + b.cacheRead,
    cacheWrite: a.cacheWrite + b.cacheWrite,
    ...(thinking > 0 ? { thinking } : {}),
  };
}

/**
 * What is wrong with a call's reported usage, or undefined when it could be right: every count a whole number
 * from 0 up, the output within the `max_tokens` asked for, the prompt within what the request could hold.
 */
export function usageFault(u: Usage, limits: { output: number; prompt: number }): string | undefined {
  const counts: [string, number | undefined][] = [
    ['input', u.input],
    ['output', u.output],
    ['cache read', u.cacheRead],
    ['cache write', u.cacheWrite],
    ['thinking', u.thinking],
  ];
  for (const [name, n] of counts) {
    if (n !== undefined && !(Number.isSafeInteger(n) && n >= 0)) return `${name} tokens ${String(n)}`;
  }
  if (u.output > limits.output) return `${u.output} output tokens, above the ${limits.output} asked for`;
  if ((u.thinking ?? 0) > u.output) return `${u.thinking} thinking tokens, more than its ${u.output} output tokens`;
  const prompt = promptTokens(u);
  if (prompt > limits.prompt) return `${prompt} prompt tokens, more than the request could hold (${limits.prompt})`;
  return undefined;
}

/** Every token of the usage, as billed: input, both cache kinds and output (thinking is inside output). */
export function totalTokens(u: Usage): number {
  return u.input + u.output + u.cacheRead + u.cacheWrite;
}

/** Prompt tokens of one request: what a long-prompt price tier is decided on. */
export function promptTokens(u: Usage): number {
  return u.input + u.cacheRead + u.cacheWrite;
}

/** The rates one request is billed at: the long-prompt tier when its prompt is above the threshold. */
export function ratesFor(prices: Prices, prompt: number): Rates {
  return prices.longPrompt && prompt > prices.longPrompt.above ? prices.longPrompt.rates : prices;
}

/**
 * USD of ONE request's usage (per million tokens). A long-prompt tier applies to the whole request, so the
 * cost of several requests is the sum of their costs, never the cost of their summed usage.
 */
export function costUsd(usage: Usage, prices: Prices): number {
  const r = ratesFor(prices, promptTokens(usage));
  return (
    (usage.input * r.input +
      usage.output * r.output +
      usage.cacheRead * r.cacheRead +
      usage.cacheWrite * r.cacheWrite) /
    1_000_000
  );
}

export function formatUsd(usd: number | undefined): string {
  if (usd === undefined) return 'unknown';
  return usd < 1 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/**
 * The model table: every vendor fact this action relies on, as data. Sources (as of 2026-12-01): Anthropic's
 * models overview, pricing, model deprecations and "What's new in Claude Sonnet 5.5 / Opus 5.5 / Haiku 5.5"
 * pages, and the gateways' own model lists (see shared/DESIGN.md, "Models"). When a fact changes, change the
 * fake gateway first (test/fakes/gateway.ts) so a test fails, then this table.
 */

/** USD per million tokens at one rate tier. `cacheWrite` is the 5-minute cache write, `cacheWrite1h` the 1-hour one. */
export interface Rates {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  cacheWrite1h?: number;
}

/**
 * A model's prices. `longPrompt`: above `above` prompt tokens (input + cache reads + cache writes of one
 * request) every token of that request, output included, is billed at `rates` (Haiku 5.5).
 */
export interface Prices extends Rates {
  longPrompt?: { above: number; rates: Rates };
}
