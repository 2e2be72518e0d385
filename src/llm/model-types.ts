// What we know of a model, as types: its lifecycle, limits, prices and the request rules its API enforces.
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
  /** Where its facts come from: Anthropic's page for it (model overview, pricing, deprecations). */
  source: string;
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
