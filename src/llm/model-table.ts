// The model table: every vendor fact this action relies on per model, as data, each row citing its source.
// A model outside it still works (see settings/discover.ts): the gateway is asked for its limits and the request
// every Claude model accepts is sent. When a fact changes, change the fake gateway first (test/fakes/gateway.ts)
// so a test fails, then this table.
import type { Prices } from '../core/usage.js';
import { EFFORTS, type Effort, type ModelInfo, type RequestRules } from './model-types.js';

const LEGACY_RULES: RequestRules = { forcedToolChoice: true, temperature: 'any', thinking: [], efforts: [] };

/** Adaptive thinking always on: no forced tool choice, no way to turn thinking off, no sampling parameters. */
const adaptiveOnly = (apiDefaultEffort: Effort): RequestRules => ({
  forcedToolChoice: false,
  temperature: 'none',
  thinking: ['adaptive'],
  efforts: EFFORTS,
  apiDefaultEffort,
  defaultEffort: 'medium',
});

/** Adaptive thinking by default, `disabled` to turn it off (then the tool can be forced); no sampling parameters. */
const SWITCHABLE_RULES: RequestRules = {
  forcedToolChoice: true,
  temperature: 'none',
  thinking: ['adaptive', 'disabled'],
  thinkingOff: 'disabled',
  efforts: EFFORTS,
  apiDefaultEffort: 'high',
  defaultEffort: 'medium',
};

/** Opus 4.7 and 4.8: as Opus 5 (manual thinking refused), without the `xhigh` effort. */
const OPUS_4_ADAPTIVE_RULES: RequestRules = { ...SWITCHABLE_RULES, efforts: ['low', 'medium', 'high', 'max'] };

/** Opus 4.6: thinking off unless asked (adaptive), sampling accepted on API version 2023-06-01. */
const OPUS_4_6_RULES: RequestRules = {
  ...OPUS_4_ADAPTIVE_RULES,
  temperature: 'any',
  thinking: ['disabled', 'adaptive'],
};

/** Opus 4.5 to 4.8 and Opus 5: $5 / $25 (Anthropic's pricing page). */
const OPUS_4_PRICE: Prices = { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25, cacheWrite1h: 10 };
const SONNET_4_PRICE: Prices = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75, cacheWrite1h: 6 };

/** The limits of every Claude 5.x model and of Opus 4.6 to 4.8 and Sonnet 4.6. */
const LONG = { contextWindow: 1_000_000, maxOutputTokens: 128_000 } as const;
/** The limits of the older models. */
const SHORT = { contextWindow: 200_000, maxOutputTokens: 64_000 } as const;

const DOCS = 'https://platform.claude.com/docs/en';
/** A model's own page and the pricing page, where its facts come from. */
const pages = (slug: string): string => `${DOCS}/models/${slug}/overview; ${DOCS}/about-claude/pricing`;

/** The names users and gateways write for `claude-x-N-M` besides its ID: `anthropic/` prefixed, the version dotted. */
const aliasesOf = (id: string): string[] => {
  const dotted = id.replace(/-(\d+)-(\d+)$/, '-$1.$2');
  return [`anthropic/${id}`, `anthropic/${dotted}`, dotted];
};

export const MODELS: readonly ModelInfo[] = [
  {
    id: 'claude-sonnet-5-5',
    source: pages('sonnet-5-5'),
    aliases: aliasesOf('claude-sonnet-5-5'),
    gatewayIds: {},
    lifecycle: { status: 'active', released: '2026-09-28' },
    ...LONG,
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
    source: pages('opus-5-5'),
    aliases: aliasesOf('claude-opus-5-5'),
    gatewayIds: {},
    lifecycle: { status: 'active', released: '2026-09-22' },
    ...LONG,
    listPrice: { input: 4, output: 20, cacheRead: 0.2, cacheWrite: 5, cacheWrite1h: 8 },
    minCacheTokens: 512,
    tokenizer: 'claude-5',
    rules: adaptiveOnly('medium'),
  },
  {
    id: 'claude-haiku-5-5',
    source: pages('haiku-5-5'),
    aliases: aliasesOf('claude-haiku-5-5'),
    gatewayIds: {},
    lifecycle: { status: 'active', released: '2026-10-07' },
    ...LONG,
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
    source: pages('fable-5-2'),
    aliases: aliasesOf('claude-fable-5-2'),
    gatewayIds: {},
    lifecycle: { status: 'active', released: '2026-11-09' },
    ...LONG,
    listPrice: { input: 8, output: 40, cacheRead: 0.2, cacheWrite: 10, cacheWrite1h: 16 },
    // Not stated on its page: the Fable 5.1 row's 1,024, so an estimate never counts on a cache that does not happen.
    minCacheTokens: 1024,
    tokenizer: 'claude-5',
    rules: adaptiveOnly('high'),
  },
  {
    id: 'claude-fable-5-1',
    source: pages('fable-5-1'),
    aliases: aliasesOf('claude-fable-5-1'),
    gatewayIds: {},
    lifecycle: { status: 'active' },
    ...LONG,
    // Cache reads at $0.25 (0.025× input), not the usual 0.1×: Anthropic's pricing page.
    listPrice: { input: 10, output: 50, cacheRead: 0.25, cacheWrite: 12.5, cacheWrite1h: 20 },
    // Not stated on its page: the older 1,024, so an estimate never counts on a cache that does not happen.
    minCacheTokens: 1024,
    tokenizer: 'claude-5',
    rules: adaptiveOnly('high'),
  },
  {
    id: 'claude-sonnet-5',
    source: pages('sonnet-5'),
    aliases: ['anthropic/claude-sonnet-5'],
    gatewayIds: {},
    lifecycle: { status: 'legacy', released: '2026-06-30', retiresOn: '2027-06-30', tentative: true },
    ...LONG,
    listPrice: { input: 2, output: 10, cacheRead: 0.2, cacheWrite: 2.5, cacheWrite1h: 4 },
    minCacheTokens: 1024,
    tokenizer: 'claude-5',
    rules: SWITCHABLE_RULES,
  },
  {
    id: 'claude-opus-5',
    source: pages('opus-5'),
    aliases: ['anthropic/claude-opus-5'],
    gatewayIds: {},
    lifecycle: { status: 'legacy', released: '2026-07-24', retiresOn: '2027-07-24', tentative: true },
    ...LONG,
    listPrice: OPUS_4_PRICE,
    minCacheTokens: 1024,
    tokenizer: 'claude-5',
    rules: SWITCHABLE_RULES,
  },
  {
    id: 'claude-opus-4-8',
    source: pages('opus-4-8'),
    aliases: aliasesOf('claude-opus-4-8'),
    gatewayIds: {},
    lifecycle: { status: 'legacy', released: '2026-05-28' },
    ...LONG,
    listPrice: OPUS_4_PRICE,
    minCacheTokens: 1024,
    tokenizer: 'claude-5',
    rules: OPUS_4_ADAPTIVE_RULES,
  },
  {
    id: 'claude-opus-4-7',
    source: pages('opus-4-7'),
    aliases: aliasesOf('claude-opus-4-7'),
    gatewayIds: {},
    lifecycle: { status: 'legacy', released: '2026-04-16' },
    ...LONG,
    listPrice: OPUS_4_PRICE,
    minCacheTokens: 2048,
    tokenizer: 'claude-5',
    rules: OPUS_4_ADAPTIVE_RULES,
  },
  {
    id: 'claude-opus-4-6',
    source: pages('opus-4-6'),
    aliases: aliasesOf('claude-opus-4-6'),
    gatewayIds: {},
    lifecycle: { status: 'legacy', released: '2026-02-05' },
    ...LONG,
    listPrice: OPUS_4_PRICE,
    minCacheTokens: 4096,
    tokenizer: 'claude-4',
    rules: OPUS_4_6_RULES,
  },
  {
    id: 'claude-opus-4-5-20251101',
    source: pages('opus-4-5'),
    aliases: ['claude-opus-4-5', 'anthropic/claude-opus-4-5', 'anthropic/claude-opus-4.5', 'claude-opus-4.5'],
    gatewayIds: {},
    lifecycle: { status: 'legacy', released: '2025-11-24' },
    ...SHORT,
    listPrice: OPUS_4_PRICE,
    minCacheTokens: 4096,
    tokenizer: 'claude-4',
    rules: LEGACY_RULES,
  },
  {
    id: 'claude-sonnet-4-6',
    source: `${DOCS}/about-claude/models/overview; ${DOCS}/about-claude/model-deprecations`,
    aliases: aliasesOf('claude-sonnet-4-6'),
    gatewayIds: { aimlapi: 'anthropic/claude-sonnet-4.6' },
    lifecycle: { status: 'legacy', retiresOn: '2027-02-17', tentative: true },
    ...LONG,
    listPrice: SONNET_4_PRICE,
    minCacheTokens: 1024,
    tokenizer: 'claude-4',
    rules: LEGACY_RULES,
  },
  {
    id: 'claude-haiku-4-5-20251001',
    source: `${DOCS}/about-claude/models/overview; ${DOCS}/about-claude/pricing`,
    aliases: ['claude-haiku-4-5', 'anthropic/claude-haiku-4-5', 'anthropic/claude-haiku-4.5'],
    gatewayIds: { bytespike: 'claude-haiku-4-5' },
    lifecycle: { status: 'legacy', released: '2025-10-01' },
    ...SHORT,
    listPrice: { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25, cacheWrite1h: 2 },
    minCacheTokens: 4096,
    tokenizer: 'claude-4',
    rules: LEGACY_RULES,
  },
  {
    id: 'claude-sonnet-4-5-20250929',
    source: `${DOCS}/about-claude/model-deprecations`,
    aliases: ['claude-sonnet-4-5', 'anthropic/claude-sonnet-4-5', 'anthropic/claude-sonnet-4.5'],
    gatewayIds: { bytespike: 'claude-sonnet-4-5', aimlapi: 'anthropic/claude-sonnet-4.5' },
    lifecycle: { status: 'deprecated', retiresOn: '2026-11-30', replacement: 'claude-sonnet-5-5' },
    ...SHORT,
    listPrice: SONNET_4_PRICE,
    minCacheTokens: 1024,
    tokenizer: 'claude-4',
    rules: LEGACY_RULES,
  },
  {
    id: 'claude-sonnet-4-20250514',
    source: `${DOCS}/about-claude/model-deprecations`,
    aliases: ['claude-sonnet-4', 'anthropic/claude-sonnet-4', 'anthropic/claude-sonnet-4-20250514'],
    gatewayIds: { aimlapi: 'anthropic/claude-sonnet-4' },
    lifecycle: { status: 'deprecated', retiresOn: '2026-06-15', replacement: 'claude-sonnet-5-5' },
    ...SHORT,
    listPrice: SONNET_4_PRICE,
    minCacheTokens: 1024,
    tokenizer: 'claude-4',
    rules: LEGACY_RULES,
  },
];

/** Anthropic's list price for Sonnet 4, 4.5 and 4.6 (the benchmarks' reference price). */
export const SONNET_LIST_PRICE: Prices = SONNET_4_PRICE;
