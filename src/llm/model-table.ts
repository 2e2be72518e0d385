// The model table: every vendor fact this action relies on per model, as data, each row citing its source.
// A model outside it still works (see pipeline/model.ts): the gateway is asked for its limits and the request
// every Claude model accepts is sent. When a fact changes, change the fake gateway first (test/fakes/gateway.ts)
// so a test fails, then this table.
import type { Prices } from '../core/usage.js';
import { EFFORTS, type ModelInfo, type RequestRules } from './model-types.js';

const LEGACY_RULES: RequestRules = { forcedToolChoice: true, temperature: 'any', thinking: [], efforts: [] };

/** Opus 4.5 to 4.8 and Opus 5: $5 / $25 (Anthropic's pricing page). */
const OPUS_4_PRICE: Prices = { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25, cacheWrite1h: 10 };

/** Opus 4.7 and 4.8: adaptive thinking or none (manual thinking refused), no sampling parameters, the tool forced once thinking is off. */
const OPUS_4_ADAPTIVE_RULES: RequestRules = {
  forcedToolChoice: true,
  temperature: 'none',
  thinking: ['adaptive', 'disabled'],
  thinkingOff: 'disabled',
  efforts: ['low', 'medium', 'high', 'max'],
  apiDefaultEffort: 'high',
  defaultEffort: 'medium',
};

/** Opus 4.6: thinking off unless asked (adaptive), sampling accepted on API version 2023-06-01. */
const OPUS_4_6_RULES: RequestRules = {
  forcedToolChoice: true,
  temperature: 'any',
  thinking: ['disabled', 'adaptive'],
  thinkingOff: 'disabled',
  efforts: ['low', 'medium', 'high', 'max'],
  apiDefaultEffort: 'high',
  defaultEffort: 'medium',
};

const SONNET_4_PRICE: Prices = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75, cacheWrite1h: 6 };

export const MODELS: readonly ModelInfo[] = [
  {
    id: 'claude-sonnet-5-5',
    source:
      'https://platform.claude.com/docs/en/models/sonnet-5-5/overview; https://platform.claude.com/docs/en/about-claude/pricing',
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
    source:
      'https://platform.claude.com/docs/en/models/opus-5-5/overview; https://platform.claude.com/docs/en/about-claude/pricing',
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
    source:
      'https://platform.claude.com/docs/en/models/haiku-5-5/overview; https://platform.claude.com/docs/en/about-claude/pricing',
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
    id: 'claude-fable-5-2',
    source:
      'https://platform.claude.com/docs/en/models/fable-5-2/overview; https://platform.claude.com/docs/en/about-claude/pricing',
    aliases: ['anthropic/claude-fable-5-2', 'anthropic/claude-fable-5.2', 'claude-fable-5.2'],
    gatewayIds: {},
    lifecycle: { status: 'active', released: '2026-11-09' },
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    listPrice: { input: 8, output: 40, cacheRead: 0.2, cacheWrite: 10, cacheWrite1h: 16 },
    // Not stated on its page: the Fable 5.1 row's 1,024, so an estimate never counts on a cache that does not happen.
    minCacheTokens: 1024,
    tokenizer: 'claude-5',
    // Adaptive thinking always on: no forced tool choice, no way to turn thinking off, no sampling parameters.
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
    id: 'claude-fable-5-1',
    source:
      'https://platform.claude.com/docs/en/models/fable-5-1/overview; https://platform.claude.com/docs/en/about-claude/pricing',
    aliases: ['anthropic/claude-fable-5-1', 'anthropic/claude-fable-5.1', 'claude-fable-5.1'],
    gatewayIds: {},
    lifecycle: { status: 'active' },
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    // Cache reads at $0.25 (0.025× input), not the usual 0.1×: Anthropic's pricing page.
    listPrice: { input: 10, output: 50, cacheRead: 0.25, cacheWrite: 12.5, cacheWrite1h: 20 },
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
    source:
      'https://platform.claude.com/docs/en/models/sonnet-5/overview; https://platform.claude.com/docs/en/about-claude/pricing',
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
    source:
      'https://platform.claude.com/docs/en/models/opus-5/overview; https://platform.claude.com/docs/en/about-claude/pricing',
    aliases: ['anthropic/claude-opus-5'],
    gatewayIds: {},
    lifecycle: { status: 'legacy', released: '2026-07-24', retiresOn: '2027-07-24', tentative: true },
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    listPrice: OPUS_4_PRICE,
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
    id: 'claude-opus-4-8',
    source:
      'https://platform.claude.com/docs/en/models/opus-4-8/overview; https://platform.claude.com/docs/en/about-claude/pricing',
    aliases: ['anthropic/claude-opus-4-8', 'anthropic/claude-opus-4.8', 'claude-opus-4.8'],
    gatewayIds: {},
    lifecycle: { status: 'legacy', released: '2026-05-28' },
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    listPrice: OPUS_4_PRICE,
    minCacheTokens: 1024,
    tokenizer: 'claude-5',
    rules: OPUS_4_ADAPTIVE_RULES,
  },
  {
    id: 'claude-opus-4-7',
    source:
      'https://platform.claude.com/docs/en/models/opus-4-7/overview; https://platform.claude.com/docs/en/about-claude/pricing',
    aliases: ['anthropic/claude-opus-4-7', 'anthropic/claude-opus-4.7', 'claude-opus-4.7'],
    gatewayIds: {},
    lifecycle: { status: 'legacy', released: '2026-04-16' },
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    listPrice: OPUS_4_PRICE,
    minCacheTokens: 2048,
    tokenizer: 'claude-5',
    rules: OPUS_4_ADAPTIVE_RULES,
  },
  {
    id: 'claude-opus-4-6',
    source:
      'https://platform.claude.com/docs/en/models/opus-4-6/overview; https://platform.claude.com/docs/en/about-claude/pricing',
    aliases: ['anthropic/claude-opus-4-6', 'anthropic/claude-opus-4.6', 'claude-opus-4.6'],
    gatewayIds: {},
    lifecycle: { status: 'legacy', released: '2026-02-05' },
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    listPrice: OPUS_4_PRICE,
    minCacheTokens: 4096,
    tokenizer: 'claude-4',
    rules: OPUS_4_6_RULES,
  },
  {
    id: 'claude-opus-4-5-20251101',
    source:
      'https://platform.claude.com/docs/en/models/opus-4-5/overview; https://platform.claude.com/docs/en/about-claude/pricing',
    aliases: ['claude-opus-4-5', 'anthropic/claude-opus-4-5', 'anthropic/claude-opus-4.5', 'claude-opus-4.5'],
    gatewayIds: {},
    lifecycle: { status: 'legacy', released: '2025-11-24' },
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    listPrice: OPUS_4_PRICE,
    minCacheTokens: 4096,
    tokenizer: 'claude-4',
    rules: LEGACY_RULES,
  },
  {
    id: 'claude-sonnet-4-6',
    source:
      'https://platform.claude.com/docs/en/about-claude/models/overview; https://platform.claude.com/docs/en/about-claude/model-deprecations',
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
    source:
      'https://platform.claude.com/docs/en/about-claude/models/overview; https://platform.claude.com/docs/en/about-claude/pricing',
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
    source: 'https://platform.claude.com/docs/en/about-claude/model-deprecations',
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
    source: 'https://platform.claude.com/docs/en/about-claude/model-deprecations',
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
