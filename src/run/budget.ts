import { tokenCeiling } from '../core/tokens.js';
import { costUsd, formatUsd, ratesFor, totalTokens, type Prices, type Usage } from '../core/usage.js';
import { LlmError } from '../llm/client.js';
import type { LlmRequest, SystemBlock } from '../llm/request.js';

/** The least `max_tokens` a call is worth sending with: a review with its thinking needs room to be whole. */
export const OUTPUT_FLOOR = 2048;
export const OUTPUT_FLOOR_THINKING = 4096;
/** The stated margin on top of a request's token ceiling when it is reserved under the cap. */
export const RESERVE_MARGIN = 1.1;

/** What the budget of a run is made of. */
export interface BudgetRules {
  /** Prices the cap is enforced at; without them nothing is reserved and nothing is spent. */
  prices?: Prices | undefined;
  /** No call is made that could bring the run's cost past this (USD). */
  maxCostUsd?: number | undefined;
  /** The model's tokens per token of our count. */
  tokenRatio: number;
  /** Whether a call's cache read + write is the prompt up to its last breakpoint (the Messages API). */
  countsPrefix: boolean;
  /** The `max_tokens` a call asks for when the cap leaves room. */
  maxTokens: number;
  /** The least `max_tokens` worth sending. */
  floor: number;
  /** Told after each call settles, with the usage it reported. */
  onCall?: ((usage: Usage | undefined) => void) | undefined;
}

/** A call's place under the cap: what is reserved for it, and the output it may ask for. */
export interface Reservation {
  usd: number;
  maxTokens: number;
  /** The request's only breakpoint ends the shared prefix: its cache read + write is the prefix's count. */
  prefixOnly: boolean;
}

/** A call the cap (or the deadline) does not let go out; `budget` when it is the cap. */
export interface Refusal {
  refused: string;
  budget: boolean;
}

/**
 * The run's spending under `max-cost-usd`: each call is reserved at its worst case before it is sent, counting
 * what is spent and what is in flight, and booked at what it reported when it settles. No call can take the
 * run past the cap.
 */
export class Budget {
  private spent = 0;
  private inFlight = 0;
  /** Calls in flight, counted: a sum of reservations can keep a rounding residue after the last one settles. */
  private flying = 0;
  /** The shared prefix as the gateway counted it: the least cache read + write of any call. */
  private prefixCounted: number | undefined;
  private readonly booked = wakeUp();

  constructor(private readonly rules: BudgetRules) {}

  /** The least `max_tokens` worth sending. */
  get floor(): number {
    return this.rules.floor;
  }

  /** USD reserved for a request with `maxTokens` of output (0 without prices). */
  reserveOf(request: LlmRequest, maxTokens: number): number {
    const { prices, tokenRatio } = this.rules;
    return prices ? worstCaseUsd(request, prices, maxTokens, tokenRatio, this.prefixCounted) : 0;
  }

  /** Whether a request could be sent with the least useful output, were nothing else in flight. */
  couldFit(request: LlmRequest): boolean {
    const cap = this.rules.maxCostUsd;
    return cap === undefined || this.spent + this.reserveOf(request, this.rules.floor) <= cap;
  }

  /**
   * A reservation for a request: at once when it fits, after the calls in flight settle when it does not
   * (they usually cost far less than reserved), else a refusal that says what it could cost.
   */
  async reserve(
    request: LlmRequest,
    stop: { signal?: AbortSignal | undefined; why: () => string },
    want = this.rules.maxTokens,
  ) {
    while (this.outputRoom(request, want) === undefined && this.flying > 0) await this.booked.next();
    const maxTokens = this.outputRoom(request, want);
    if (maxTokens === undefined) return this.refusal(request);
    if (stop.signal?.aborted) return { refused: stop.why(), budget: false };
    const usd = this.reserveOf(request, maxTokens);
    this.inFlight += usd;
    this.flying += 1;
    const prefixOnly = request.user.filter((b) => b.cache).length <= 1 && !request.turns;
    return { usd, maxTokens, prefixOnly } satisfies Reservation;
  }

  /**
   * Books a call's cost in place of its reservation: the usage it reported; its whole reservation when it
   * was billed but reported nothing (the cap must not assume it was free); nothing when it never reached
   * the model. Returns the USD booked.
   */
  book(reservation: Reservation, usage: Usage | undefined, billed: boolean): number {
    this.flying -= 1;
    this.inFlight = this.flying === 0 ? 0 : this.inFlight - reservation.usd;
    const cached = usage && this.rules.countsPrefix && reservation.prefixOnly ? usage.cacheRead + usage.cacheWrite : 0;
    if (cached > 0) this.prefixCounted = Math.min(this.prefixCounted ?? cached, cached);
    let cost = 0;
    if (this.rules.prices && billed) {
      cost = usage !== undefined && totalTokens(usage) > 0 ? costUsd(usage, this.rules.prices) : reservation.usd;
      this.spent += cost;
    }
    this.booked.notify();
    this.rules.onCall?.(usage);
    return cost;
  }

  /**
   * Before another attempt of a call: an attempt that began to answer was billed, so its reservation is
   * spent; the next attempt needs a reservation of its own that still fits under the cap.
   */
  beforeRetry(reservation: Reservation, billed: boolean): void {
    if (!billed) return;
    this.spent += reservation.usd;
    const cap = this.rules.maxCostUsd;
    if (cap !== undefined && this.spent + this.inFlight > cap) {
      const sofar = formatUsd(this.spent + this.inFlight - reservation.usd);
      throw new LlmError(
        'budget',
        `not retried: this call could cost up to ${formatUsd(reservation.usd)}, which would pass max-cost-usd (${formatUsd(cap)}; ${sofar} spent or in flight)`,
      );
    }
  }

  /** The `max_tokens` a call may have under the cap right now: the configured one, or what is left, or none. */
  private outputRoom(request: LlmRequest, maxTokens: number): number | undefined {
    const { maxCostUsd, prices, floor } = this.rules;
    if (maxCostUsd === undefined || !prices) return maxTokens;
    const left = maxCostUsd - this.spent - this.inFlight - this.reserveOf(request, 0);
    const perToken = (this.reserveOf(request, 1_000_000) - this.reserveOf(request, 0)) / 1_000_000;
    const room = perToken > 0 ? Math.floor(left / perToken) : maxTokens;
    const tokens = Math.min(maxTokens, room);
    return tokens >= floor ? tokens : undefined;
  }

  private refusal(request: LlmRequest): Refusal {
    const least = formatUsd(this.reserveOf(request, this.rules.floor));
    return {
      refused: `this call could cost up to ${least}, which would pass max-cost-usd (${formatUsd(this.rules.maxCostUsd)}; ${formatUsd(this.spent)} spent)`,
      budget: true,
    };
  }
}

/**
 * The most one attempt of a request can cost: its tokens' ceiling (core/tokenCeiling) times the model's
 * tokenizer ratio and RESERVE_MARGIN, the shared prefix (tools, system, the PR's data block) and earlier rounds
 * at the cache-write price, since the cache may miss, and `maxOutputTokens` of output (thinking included), at
 * the long-prompt tier when the prompt could reach it. `prefixTokens`, once the gateway has counted the shared
 * prefix (byte-identical in every call of a run), replaces its ceiling.
 */
export function worstCaseUsd(
  request: LlmRequest,
  prices: Prices,
  maxOutputTokens: number,
  ratio = 1,
  prefixTokens?: number,
): number {
  const tokens = (text: string): number => Math.ceil(tokenCeiling(text) * ratio * RESERVE_MARGIN);
  const sum = (blocks: readonly SystemBlock[]): number => blocks.reduce((n, b) => n + tokens(b.text), 0);
  // Up to the shared prefix's breakpoint, and on to a later one (the part, before a second look): cache writes.
  const first = request.user.findIndex((b) => b.cache) + 1;
  const last = request.user.findLastIndex((b) => b.cache) + 1;
  const prefix =
    prefixTokens ?? tokens(JSON.stringify(request.tools)) + sum(request.system) + sum(request.user.slice(0, first));
  const shared = prefix + sum(request.user.slice(first, last));
  const own = sum(request.user.slice(last));
  // Earlier rounds of an explore conversation: cached at the last one, so priced as a cache write.
  const turns = request.turns ? tokens(JSON.stringify(request.turns)) : 0;
  const rates = ratesFor(prices, shared + own + turns);
  const prefixPrice = Math.max(rates.cacheWrite, rates.input);
  return (own * rates.input + (shared + turns) * prefixPrice + maxOutputTokens * rates.output) / 1_000_000;
}

/** A signal to wait on: `next()` resolves at the following `notify()`. */
function wakeUp(): { next: () => Promise<void>; notify: () => void } {
  let waiters: (() => void)[] = [];
  return {
    next: () =>
      new Promise<void>((resolve) => {
        waiters.push(resolve);
      }),
    notify: () => {
      const woken = waiters;
      waiters = [];
      for (const wake of woken) wake();
    },
  };
}
