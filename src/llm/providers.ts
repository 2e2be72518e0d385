import { SONNET_LIST_PRICE, type Prices } from './models.js';

export type ApiFormat = 'anthropic' | 'openai';
export type AuthStyle = 'x-api-key' | 'bearer';

/** A gateway preset: where it lives, how it speaks, and what it charges for the models it documents. */
export interface ProviderPreset {
  name: ProviderName;
  baseUrl: string;
  format: ApiFormat;
  auth: AuthStyle;
  /** The model ID this gateway expects, by canonical model ID; models not listed are sent as written. */
  modelIds: Readonly<Record<string, string>>;
  /** Known prices by canonical model ID; a model not listed has an unknown cost. */
  prices: Readonly<Record<string, Prices>>;
  /** Output caps of this gateway below the model's own, by canonical model ID. */
  maxOutput: Readonly<Record<string, number>>;
}

export type ProviderName = 'anthropic' | 'runapi';

export const PROVIDERS: Readonly<Record<ProviderName, ProviderPreset>> = {
  anthropic: {
    name: 'anthropic',
    baseUrl: 'https://api.anthropic.com',
    format: 'anthropic',
    auth: 'x-api-key',
    modelIds: {},
    prices: {
      'claude-sonnet-4-5-20250929': SONNET_LIST_PRICE,
      'claude-sonnet-4-20250514': SONNET_LIST_PRICE,
    },
    maxOutput: {},
  },
  runapi: {
    name: 'runapi',
    baseUrl: 'https://runapi.ai',
    format: 'anthropic',
    auth: 'bearer',
    modelIds: {
      'claude-sonnet-4-5-20250929': 'claude-sonnet-4-5-20250929',
      'claude-sonnet-4-20250514': 'claude-sonnet-4-20250514',
    },
    prices: {
      'claude-sonnet-4-5-20250929': { input: 1.5, output: 7.5, cacheRead: 0.15, cacheWrite: 1.88 },
    },
    maxOutput: {},
  },
};
