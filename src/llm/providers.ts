import { SONNET_LIST_PRICE, type Prices } from './models.js';

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
  /** The model ID this gateway expects, by canonical model ID; models not listed are sent as written. */
  modelIds: Readonly<Record<string, string>>;
  /** Known prices by canonical model ID; a model not listed has an unknown cost. */
  prices: Readonly<Record<string, Prices>>;
  /** Output caps of this gateway below the model's own, by canonical model ID. */
  maxOutput: Readonly<Record<string, number>>;
  /** The model used when `model` is not set: the newest this gateway documents. */
  defaultModel: string;
}

const SONNET_4 = 'claude-sonnet-4-20250514';
const SONNET_45 = 'claude-sonnet-4-5-20250929';

/** The provider table of shared/DESIGN.md. */
export const PROVIDERS: Readonly<Record<ProviderName, ProviderPreset>> = {
  anthropic: {
    name: 'anthropic',
    baseUrl: 'https://api.anthropic.com',
    format: 'anthropic',
    auth: 'x-api-key',
    modelIds: {},
    prices: { [SONNET_45]: SONNET_LIST_PRICE, [SONNET_4]: SONNET_LIST_PRICE, 'claude-sonnet-4-6': SONNET_LIST_PRICE },
    maxOutput: {},
    defaultModel: 'claude-sonnet-4-6',
  },
  runapi: {
    name: 'runapi',
    baseUrl: 'https://runapi.ai',
    format: 'anthropic',
    auth: 'bearer',
    modelIds: { [SONNET_45]: SONNET_45, [SONNET_4]: SONNET_4 },
    prices: { [SONNET_45]: { input: 1.5, output: 7.5, cacheRead: 0.15, cacheWrite: 1.88 } },
    maxOutput: {},
    defaultModel: 'claude-sonnet-4-5',
  },
  bytespike: {
    name: 'bytespike',
    baseUrl: 'https://llm.bytespike.ai',
    format: 'anthropic',
    auth: 'x-api-key',
    modelIds: { [SONNET_45]: 'claude-sonnet-4-5' },
    prices: {},
    maxOutput: { [SONNET_45]: 16384 },
    defaultModel: 'claude-sonnet-4-5',
  },
  aimlapi: {
    name: 'aimlapi',
    baseUrl: 'https://api.aimlapi.com',
    format: 'openai',
    auth: 'bearer',
    modelIds: { [SONNET_4]: 'anthropic/claude-sonnet-4' },
    prices: {},
    maxOutput: {},
    defaultModel: 'claude-sonnet-4',
  },
  custom: {
    name: 'custom',
    baseUrl: '',
    format: 'anthropic',
    auth: 'x-api-key',
    modelIds: {},
    prices: {},
    maxOutput: {},
    defaultModel: 'claude-sonnet-4-6',
  },
};
