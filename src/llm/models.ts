import type { Prices } from '../core/usage.js';

/** Anthropic's lifecycle terms (model deprecations page). */
export type LifecycleStatus = 'active' | 'legacy' | 'deprecated' | 'retired';

export interface Lifecycle {
  status: LifecycleStatus;
  released?: string;
  /** ISO date the model was deprecated. */
  deprecatedOn?: string;
  /** ISO date requests to it start failing; `tentative` when Anthropic gives it as "not sooner than". */
  retiresOn?: string;
  tentative?: boolean;
  /** The model Anthropic names as its replacement. */
  replacement?: string;
}

/** `thinking.type` values of the Messages API. */
export type ThinkingType = 'adaptive' | 'between_tools' | 'disabled';
/** `output_config.effort` values. */
export const EFFORTS = ['low', 'medium', 'high', 'xhigh', 'max'] as const;
export type Effort = (typeof EFFORTS)[number];

/**
 * Tokenizer families: `claude-4` (Sonnet 4.x, Haiku 4.5) and `claude-5` (Claude 5.x, Opus 4.7 and later), which
 * counts about 30 % more tokens for the same text.
 */
export type TokenizerFamily = 'claude-4' | 'claude-5';
export const TOKENIZER_RATIO: Readonly<Record<TokenizerFamily, number>> = { 'claude-4': 1, 'claude-5': 1.3 };

/** What the model's API accepts in a request. */
export interface RequestRules {
  /** `tool_choice: {type: "tool"|"any"}` accepted (with thinking off: no model forces a tool while it thinks). */
  forcedToolChoice: boolean;
  /** Sampling parameters: any value, none at all, or only this temperature (Haiku 5.5 takes only 1). */
  temperature: 'any' | 'none' | number;
  /** Thinking types accepted; the first is the model's default when none is sent. Empty: no thinking control. */
  thinking: readonly ThinkingType[];
  /** The type that turns up-front thinking off, where the model has one. */
  thinkingOff?: ThinkingType;
  /** Effort levels accepted; empty when the model takes no `output_config.effort`. */
  efforts: readonly Effort[];
  /** The API's default effort, for the record. */
  apiDefaultEffort?: Effort;
  /** This action's default effort: the cheapest level that still reviews well (documented in the README). */
  defaultEffort?: Effort;
}

/** A model we know: its canonical ID, the other names users write for it, its limits, prices and rules. */
export interface ModelInfo {
  id: string;
  aliases: readonly string[];
  /** The ID a gateway expects, by preset name, where it differs from the canonical one. */
  gatewayIds: Readonly<Record<string, string>>;
  lifecycle: Lifecycle;
  contextWindow: number;
  maxOutputTokens: number;
  /** Anthropic's list price: what `max-cost-usd` is enforced at on a gateway whose price is unknown. */
  listPrice: Prices;
  /** The shortest prefix the prompt cache stores, in tokens. */
  minCacheTokens: number;
  tokenizer: TokenizerFamily;
  rules: RequestRules;
}

const LEGACY_RULES: RequestRules = { forcedToolChoice: true, temperature: 'any', thinking: [], efforts: [] };

const SONNET_4_PRICE: Prices = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75, cacheWrite1h: 6 };

export const MODELS: readonly ModelInfo[] = [
  {
    id: 'claude-sonnet-5-5',
    aliases: ['anthropic/claude-sonnet-5-5', 'anthropic/claude-sonnet-5.5', 'claude-sonnet-5.5'],
    gatewayIds: {},
    lifecycle: { status: 'active', released: '2026-09-28' },
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    // Cache reads cut from 0.20 to 0.10 on 2026-10-07.
    listPrice: { input: 2, output: 10, cacheRead: 0.1, cacheWrite: 2.5, cacheWrite1h: 4 },
    minCacheTokens: 512,
    tokenizer: 'claude-5',
    rules: {
      forcedToolChoice: false,
      temperature: 'none',
      thinking: ['adaptive', 'between_tools'],
      thinkingOff: 'between_tools',
      efforts: EFFORTS,
      apiDefaultEffort: 'high',
      defaultEffort: 'medium',
    },
  },
  {
    id: 'claude-opus-5-5',
    aliases: ['anthropic/claude-opus-5-5', 'anthropic/claude-opus-5.5', 'claude-opus-5.5'],
    gatewayIds: {},
    lifecycle: { status: 'active', released: '2026-09-22' },
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    listPrice: { input: 4, output: 20, cacheRead: 0.2, cacheWrite: 5, cacheWrite1h: 8 },
    minCacheTokens: 512,
    tokenizer: 'claude-5',
    rules: {
      forcedToolChoice: false,
      temperature: 'none',
      thinking: ['adaptive'],
      efforts: EFFORTS,
      apiDefaultEffort: 'medium',
      defaultEffort: 'medium',
    },
  },
  {
    id: 'claude-haiku-5-5',
    aliases: ['anthropic/claude-haiku-5-5', 'anthropic/claude-haiku-5.5', 'claude-haiku-5.5'],
    gatewayIds: {},
    lifecycle: { status: 'active', released: '2026-10-07' },
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    listPrice: {
      input: 0.1,
      output: 0.5,
      cacheRead: 0.01,
      cacheWrite: 0.125,
      cacheWrite1h: 0.2,
      longPrompt: {
        above: 100_000,
        rates: { input: 0.5, output: 2.5, cacheRead: 0.05, cacheWrite: 0.625, cacheWrite1h: 1 },
      },
    },
    minCacheTokens: 512,
    tokenizer: 'claude-5',
    rules: {
      forcedToolChoice: true,
      temperature: 1,
      thinking: ['adaptive', 'disabled'],
      thinkingOff: 'disabled',
      efforts: EFFORTS,
      apiDefaultEffort: 'medium',
      defaultEffort: 'medium',
    },
  },
  {
    id: 'claude-fable-5-1',
    aliases: ['anthropic/claude-fable-5-1', 'anthropic/claude-fable-5.1', 'claude-fable-5.1'],
    gatewayIds: {},
    lifecycle: { status: 'active' },
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    listPrice: { input: 10, output: 50, cacheRead: 1, cacheWrite: 12.5, cacheWrite1h: 20 },
    // Not stated on its page: the older 1,024, so an estimate never counts on a cache that does not happen.
    minCacheTokens: 1024,
    tokenizer: 'claude-5',
    rules: {
      forcedToolChoice: false,
      temperature: 'none',
      thinking: ['adaptive'],
      efforts: EFFORTS,
      apiDefaultEffort: 'high',
      defaultEffort: 'medium',
    },
  },
  {
    id: 'claude-sonnet-5',
    aliases: ['anthropic/claude-sonnet-5'],
    gatewayIds: {},
    lifecycle: { status: 'legacy', released: '2026-06-30', retiresOn: '2027-06-30', tentative: true },
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    listPrice: { input: 2, output: 10, cacheRead: 0.2, cacheWrite: 2.5, cacheWrite1h: 4 },
    minCacheTokens: 1024,
    tokenizer: 'claude-5',
    rules: {
      forcedToolChoice: true,
      temperature: 'none',
      thinking: ['adaptive', 'disabled'],
      thinkingOff: 'disabled',
      efforts: EFFORTS,
      apiDefaultEffort: 'high',
      defaultEffort: 'medium',
    },
  },
  {
    id: 'claude-opus-5',
    aliases: ['anthropic/claude-opus-5'],
    gatewayIds: {},
    lifecycle: { status: 'legacy', released: '2026-07-24', retiresOn: '2027-07-24', tentative: true },
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    listPrice: { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25, cacheWrite1h: 10 },
    minCacheTokens: 1024,
    tokenizer: 'claude-5',
    rules: {
      forcedToolChoice: true,
      temperature: 'none',
      thinking: ['adaptive', 'disabled'],
      thinkingOff: 'disabled',
      efforts: EFFORTS,
      apiDefaultEffort: 'high',
      defaultEffort: 'medium',
    },
  },
  {
    id: 'claude-sonnet-4-6',
    aliases: ['anthropic/claude-sonnet-4-6', 'anthropic/claude-sonnet-4.6', 'claude-sonnet-4.6'],
    gatewayIds: { aimlapi: 'anthropic/claude-sonnet-4.6' },
    lifecycle: { status: 'legacy', retiresOn: '2027-02-17', tentative: true },
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    listPrice: SONNET_4_PRICE,
    minCacheTokens: 1024,
    tokenizer: 'claude-4',
    rules: LEGACY_RULES,
  },
  {
    id: 'claude-haiku-4-5-20251001',
    aliases: ['claude-haiku-4-5', 'anthropic/claude-haiku-4-5', 'anthropic/claude-haiku-4.5'],
    gatewayIds: { bytespike: 'claude-haiku-4-5' },
    lifecycle: { status: 'legacy', released: '2025-10-01' },
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    listPrice: { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25, cacheWrite1h: 2 },
    minCacheTokens: 4096,
    tokenizer: 'claude-4',
    rules: LEGACY_RULES,
  },
  {
    id: 'claude-sonnet-4-5-20250929',
    aliases: ['claude-sonnet-4-5', 'anthropic/claude-sonnet-4-5', 'anthropic/claude-sonnet-4.5'],
    gatewayIds: { bytespike: 'claude-sonnet-4-5', aimlapi: 'anthropic/claude-sonnet-4.5' },
    lifecycle: { status: 'deprecated', retiresOn: '2026-11-30', replacement: 'claude-sonnet-5-5' },
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    listPrice: SONNET_4_PRICE,
    minCacheTokens: 1024,
    tokenizer: 'claude-4',
    rules: LEGACY_RULES,
  },
  {
    id: 'claude-sonnet-4-20250514',
    aliases: ['claude-sonnet-4', 'anthropic/claude-sonnet-4', 'anthropic/claude-sonnet-4-20250514'],
    gatewayIds: { aimlapi: 'anthropic/claude-sonnet-4' },
    lifecycle: { status: 'deprecated', retiresOn: '2026-06-15', replacement: 'claude-sonnet-5-5' },
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    listPrice: SONNET_4_PRICE,
    minCacheTokens: 1024,
    tokenizer: 'claude-4',
    rules: LEGACY_RULES,
  },
];

/** Anthropic's list price for Sonnet 4, 4.5 and 4.6 (the benchmarks' reference price). */
export const SONNET_LIST_PRICE: Prices = SONNET_4_PRICE;

/** A model by its canonical ID, an alias, or the ID a gateway uses for it. */
export function findModel(name: string): ModelInfo | undefined {
  const key = name.trim().toLowerCase();
  return MODELS.find(
    (m) =>
      m.id === key || m.aliases.includes(key) || Object.values(m.gatewayIds).some((id) => id.toLowerCase() === key),
  );
}

export function knownModelIds(): string[] {
  return MODELS.flatMap((m) => [m.id, ...m.aliases]);
}

/** The model's status on a given day: a firm retirement date in the past makes it retired. */
export function lifecycleOn(model: ModelInfo, today: string): LifecycleStatus {
  const { status, retiresOn, tentative } = model.lifecycle;
  if (retiresOn && !tentative && retiresOn <= today) return 'retired';
  return status;
}

/** The models a user can move to today: not retired, newest first as the table lists them. */
export function activeModels(today: string): ModelInfo[] {
  return MODELS.filter((m) => lifecycleOn(m, today) !== 'retired');
}

/** What one request says about thinking, sampling and the tool: decided once per run from the model's rules. */
export interface RequestShape {
  /** Force the required tool; otherwise it is offered with `tool_choice: auto` as a strict tool. */
  forceTool: boolean;
  temperature?: number;
  thinking?: ThinkingType;
  effort?: Effort;
}

/** The request shape for a known model, the `effort` asked for (`none`: up-front thinking off) and `temperature`. */
export function requestShape(
  model: ModelInfo | undefined,
  effort: Effort | 'none' | undefined,
  temperature: number | undefined,
): RequestShape {
  const sampling = temperature !== undefined ? { temperature } : {};
  if (!model || model.rules.thinking.length === 0)
    return { forceTool: model?.rules.forcedToolChoice ?? true, ...sampling };
  const rules = model.rules;
  const off = effort === 'none';
  // Settings refuse `effort: none` for a model that cannot turn thinking off.
  const thinking = off ? (rules.thinkingOff ?? 'adaptive') : 'adaptive';
  const level = off ? undefined : (effort ?? rules.defaultEffort);
  // No model forces a tool while it thinks; Haiku 5.5 and Sonnet 5 can, once thinking is disabled.
  const thinks = thinking !== 'disabled';
  return {
    forceTool: rules.forcedToolChoice && !thinks,
    ...sampling,
    thinking,
    ...(level ? { effort: level } : {}),
  };
}
