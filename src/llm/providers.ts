import type { Prices } from '../core/usage.js';

export type ApiFormat = 'anthropic' | 'openai';
export type AuthStyle = 'x-api-key' | 'bearer';

export const PROVIDER_NAMES = ['anthropic', 'runapi', 'bytespike', 'aimlapi', 'custom'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** A gateway preset: where it lives, how it speaks, and what it charges for the models it documents. */
export interface ProviderPreset {
  name: ProviderName;
  /** Empty for `custom`, which needs `base-url`. */
  baseUrl: string;
  format: ApiFormat;
  auth: AuthStyle;
  /** Known prices by canonical model ID; a model not listed has an unknown cost (unless `listPrices`). */
  prices: Readonly<Record<string, Prices>>;
  /** The gateway bills Anthropic's list price (the model table's) for every model. */
  listPrices: boolean;
  /**
   * The gateway answers `GET /v1/models`: with no `model` set, the newest Sonnet of the model table that it lists
   * is used (one free request before the review), else `defaultModel`.
   */
  listsModels: boolean;
  /** Output caps of this gateway below the model's own, by canonical model ID. */
  maxOutput: Readonly<Record<string, number>>;
  /** The model used when `model` is not set (and the gateway lists none we know): the newest it documents. */
  defaultModel: string;
  /**
   * The `anthropic-version` header it is sent: Anthropic's current one (2026-10-21, the SDKs' default, which
   * refuses sampling parameters on every model), or the one a gateway documents.
   */
  anthropicVersion: string;
}

/** Anthropic's current API version, and the one gateways document. */
export const CURRENT_API_VERSION = '2026-10-21';
export const GATEWAY_API_VERSION = '2023-06-01';

/**
 * The provider table of shared/DESIGN.md. The ID each gateway expects for a model lives in the model table
 * (`gatewayIds`); the defaults are the newest model each gateway documents (as of 2026-12-01): Sonnet 5.5 on
 * Anthropic's API, Sonnet 4.6 where a gateway documents no newer one. RunAPI's documents name only the two
 * retired Sonnets, so it gets Sonnet 4.6 unless its model list offers a newer Sonnet.
 */
export const PROVIDERS: Readonly<Record<ProviderName, ProviderPreset>> = {
  anthropic: {
    name: 'anthropic',
    baseUrl: 'https://api.anthropic.com',
    format: 'anthropic',
    auth: 'x-api-key',
    prices: {},
    listPrices: true,
    listsModels: false,
    maxOutput: {},
    defaultModel: 'claude-sonnet-5-5',
    anthropicVersion: CURRENT_API_VERSION,
  },
  runapi: {
    name: 'runapi',
    baseUrl: 'https://runapi.ai',
    format: 'anthropic',
    auth: 'bearer',
    prices: { 'claude-sonnet-4-5-20250929': { input: 1.5, output: 7.5, cacheRead: 0.15, cacheWrite: 1.88 } },
    listPrices: false,
    listsModels: true,
    maxOutput: {},
    defaultModel: 'claude-sonnet-4-6',
    anthropicVersion: GATEWAY_API_VERSION,
  },
  bytespike: {
    name: 'bytespike',
    baseUrl: 'https://llm.bytespike.ai',
    format: 'anthropic',
    auth: 'x-api-key',
    prices: {},
    listPrices: false,
    listsModels: true,
    maxOutput: { 'claude-sonnet-4-5-20250929': 16384 },
    defaultModel: 'claude-sonnet-4-6',
    anthropicVersion: GATEWAY_API_VERSION,
  },
  aimlapi: {
    name: 'aimlapi',
    baseUrl: 'https://api.aimlapi.com',
    format: 'openai',
    auth: 'bearer',
    prices: {},
    listPrices: false,
    listsModels: true,
    maxOutput: {},
    defaultModel: 'claude-sonnet-4-6',
    anthropicVersion: GATEWAY_API_VERSION,
  },
  custom: {
    name: 'custom',
    baseUrl: '',
    format: 'anthropic',
    auth: 'x-api-key',
    prices: {},
    listPrices: false,
    listsModels: false,
    maxOutput: {},
    defaultModel: 'claude-sonnet-5-5',
    anthropicVersion: GATEWAY_API_VERSION,
  },
};
