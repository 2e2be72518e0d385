import { parseJson } from '../core/json.js';
import * as z from 'zod';
import { PROVIDER_NAMES, PROVIDERS, type ApiFormat, type AuthStyle, type ProviderPreset } from '../llm/providers.js';
import {
  activeModels,
  EFFORTS,
  findModel,
  knownModelIds,
  lifecycleOn,
  requestShape,
  TOKENIZER_RATIO,
  type Effort,
  type ModelInfo,
  type RequestShape,
} from '../llm/models.js';
import { type Prices } from '../core/usage.js';
import { globProblem, parseGlobs } from '../filter/filter.js';
import { newestListedSonnet } from '../llm/default-model.js';
import type { LlmClient } from '../llm/client.js';
import { SEVERITIES, type Severity } from '../core/severity.js';

/** The action's inputs by their names in action.yml, as strings (empty = not given). */
export type RawInputs = Readonly<Record<string, string | undefined>>;

/** Every input this version implements, with its default as action.yml declares it. */
export const INPUT_DEFAULTS = {
  'api-key': '',
  provider: 'anthropic',
  'base-url': '',
  model: '',
  'github-token': '',
  'pr-number': '',
  instructions: '',
  'instructions-file': '',
  'max-output-tokens': '',
  temperature: '',
  effort: '',
  'dry-run': 'false',
  'api-format': '',
  auth: '',
  pricing: '',
  'context-window': '',
  include: '',
  exclude: '',
  'chunk-tokens': '40000',
  concurrency: '4',
  'max-cost-usd': '2',
  'max-minutes': '15',
  'min-severity': 'low',
  'max-comments': '20',
  verify: 'true',
  'review-depth': 'standard',
  'min-confidence': '60',
  'include-pre-existing': 'false',
  'fail-on': 'none',
  'review-event': 'COMMENT',
  'allowed-associations': 'OWNER, MEMBER, COLLABORATOR',
  'review-label': 'claude-review',
  'config-file': '',
  'sarif-file': '',
  incremental: 'true',
  walkthrough: 'true',
  trigger: '/claude',
  'reply-in-threads': 'true',
  context: 'code',
  'max-tool-calls': '8',
} as const satisfies Record<string, string>;

export type InputName = keyof typeof INPUT_DEFAULTS;

export const CONTEXT_MODES = ['diff', 'code', 'explore'] as const;

/** How many looks a part gets (see prompt/passes.ts). */
export const REVIEW_DEPTHS = ['quick', 'standard', 'deep'] as const;
export type ReviewDepth = (typeof REVIEW_DEPTHS)[number];
export type ContextMode = (typeof CONTEXT_MODES)[number];

/** The validated, typed settings of one review run. */
export interface Settings {
  /** Secret for the LLM gateway; empty means "plan only" (CLI, dry-run) or an error in the action. */
  apiKey: string;
  /** The provider preset (default base URL, wire format, auth header, model IDs, prices). */
  provider: ProviderPreset;
  /** Wire format: `api-format`, else the preset's. */
  apiFormat: ApiFormat;
  /** How the key is sent: `auth`, else the preset's. */
  auth: AuthStyle;
  /** Base URL of the gateway: `base-url` when given, else the preset's. No trailing slash, no `/v1`. */
  baseUrl: string;
  /** The model as the user wrote it, else the preset's default. */
  model: string;
  /** True when `model` was set, rather than taken from the preset. */
  modelChosen: boolean;
  /** The model ID sent to the gateway: the ID this provider expects for a known model, else as written. */
  modelId: string;
  /** What we know of the model; undefined for a model outside the registry (needs `context-window`). */
  modelInfo: ModelInfo | undefined;
  /** Context window in tokens: `context-window`, else the registry's. */
  contextWindow: number;
  /** Prices per million tokens: `pricing`, else the provider's for this model; undefined = cost unknown. */
  prices: Prices | undefined;
  /**
   * Prices `max-cost-usd` is enforced at: `prices`, else Anthropic's list price of a known model (a stated
   * stand-in); undefined for an unknown model without `pricing`, where a cap cannot be enforced.
   */
  capPrices: Prices | undefined;
  /** Globs a file must match to be reviewed; empty = all. */
  include: string[];
  /** Globs of files not reviewed, on top of the defaults; `!glob` lifts a default skip. */
  exclude: string[];
  /** Estimated tokens of diff in one request at most. */
  chunkTokens: number;
  /** LLM calls in flight at once. */
  concurrency: number;
  /** No call is made that could take the run's cost past this (USD); undefined = no cap. */
  maxCostUsd: number | undefined;
  /** Minutes the review calls may take in all; at the deadline what was found is posted, the rest listed. */
  maxMinutes: number;
  /** Token for the GitHub REST API. */
  githubToken: string;
  /** Pull request number for `workflow_dispatch`; undefined when taken from the event. */
  prNumber: number | undefined;
  /** Review instructions of the repository: `instructions` text, then the file's content. */
  instructions: string;
  /** Path of a file with more instructions: read from the base commit by the action, the repository by the CLI. */
  instructionsFile: string;
  /** The word that starts a command in a comment: `/claude review`, `/claude <question>`. */
  trigger: string;
  /** Answer replies in threads our comments started, without the trigger. */
  replyInThreads: boolean;
  /** The summary lists every reviewed file with what changed in it, written by the review calls. */
  walkthrough: boolean;
  /**
   * What each review call sees besides the diff: `diff` nothing; `code` the code each change sits in and the
   * definitions its added lines use, from the head commit; `explore` that, plus tools to read and search the
   * repository at the head.
   */
  context: ContextMode;
  /** Tool calls (file reads and searches) one review call may make in `explore` mode. */
  maxToolCalls: number;
  /** On a push, review only the commits since the last reviewed head (when it is still an ancestor). */
  incremental: boolean;
  /** Where to write the findings as SARIF 2.1.0 (relative to the workspace); empty = no SARIF. */
  sarifFile: string;
  /** Path of the repository's review configuration (empty: .github/claude-review.yml, which may be absent). */
  configFile: string;
  /** `max_tokens` of each review request: `max-output-tokens`, else the model's default (room for its thinking). */
  maxOutputTokens: number;
  /** Sampling temperature, 0..1; undefined = none sent (the model's default). */
  temperature: number | undefined;
  /** `effort` as given: a level, `none` (up-front thinking off), or undefined (the model's default in this action). */
  effort: Effort | 'none' | undefined;
  /** What each request says about the tool, sampling and thinking, from the model's rules. */
  shape: RequestShape;
  /** Tokens of the model's tokenizer per token of our estimate (Claude 5.x counts about 30 % more). */
  tokenRatio: number;
  /** The shortest prefix the model's prompt cache stores. */
  minCacheTokens: number;
  /** The inputs the model-dependent settings are derived from, to derive them again for another model. */
  asked: ModelInputs;
  /** Review but post nothing to the pull request. */
  dryRun: boolean;
  /** Findings below this severity are listed in the summary, not posted inline. */
  minSeverity: Severity;
  /** At most this many inline and file comments a run, most severe first; the rest are listed in the summary. */
  maxComments: number;
  /** A second look at each part's findings before they are posted: one more call that reads the part from the cache. */
  verify: boolean;
  /**
   * How many looks a part gets: `quick` one general look; `standard` three that each hunt for one family of
   * defects (logic and values, contracts across files, safety), sharing the part's cached prompt; `deep` those
   * three with explore mode's tools (context `explore`).
   */
  reviewDepth: ReviewDepth;
  /** Findings whose confidence (the second look's, else the review's) is under this are listed in the summary, not posted. */
  minConfidence: number;
  /** Post findings the pull request did not introduce (pre-existing) inline too; by default the summary folds them. */
  includePreExisting: boolean;
  /** The step fails (after posting) when a finding reaches this severity; undefined = never. */
  failOn: Severity | undefined;
  /** The review's event: COMMENT, or REQUEST_CHANGES to request changes when `fail-on` is reached. */
  reviewEvent: 'COMMENT' | 'REQUEST_CHANGES';
  /** Author associations whose pull requests are reviewed without a maintainer's label. */
  allowedAssociations: AuthorAssociation[];
  /** A label a maintainer adds to have any author's pull request reviewed; empty (`none`) = no such label. */
  reviewLabel: string;
}

/** The inputs whose meaning depends on the model. */
export interface ModelInputs {
  maxOutputTokens: number | undefined;
  temperature: number | undefined;
  effort: Effort | 'none' | undefined;
  contextWindow: number | undefined;
  pricing: Prices | undefined;
  today: string;
}

/** `max_tokens` when `max-output-tokens` is not set: 8192, or 16384 for a model that thinks (thinking counts against it). */
export const DEFAULT_MAX_OUTPUT = 8192;
export const DEFAULT_MAX_OUTPUT_THINKING = 16384;

/** GitHub's author associations (`author_association` of a pull request). */
export const AUTHOR_ASSOCIATIONS = [
  'OWNER',
  'MEMBER',
  'COLLABORATOR',
  'CONTRIBUTOR',
  'FIRST_TIME_CONTRIBUTOR',
  'FIRST_TIMER',
  'MANNEQUIN',
  'NONE',
] as const;
export type AuthorAssociation = (typeof AUTHOR_ASSOCIATIONS)[number];

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid action inputs (${problems.length}):\n` + problems.map((p) => `  - ${p}`).join('\n'));
    this.name = 'SettingsError';
  }
}

const booleanWords = ['true', 'false', 'yes', 'no', '1', '0', 'on', 'off'];
/** A boolean input: true/false, yes/no, on/off or 1/0, in any case. */
const yesNo = () =>
  z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => booleanWords.includes(v), { message: 'true or false' })
    .transform((v) => ['true', 'yes', '1', 'on'].includes(v));

const show = (value: string): string => JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);

function intIn(min: number, max: number) {
  return z
    .string()
    .trim()
    .regex(/^\d+$/, { message: `a whole number from ${min} to ${max}` })
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min, { message: `a whole number from ${min} to ${max}` })
        .max(max, { message: `a whole number from ${min} to ${max}` }),
    );
}

const perMillion = z.number().nonnegative();
/** `pricing`: USD per million tokens; cache prices default to Anthropic's ratios (0.1x and 1.25x input). */
const pricingSchema = z
  .object({
    input: perMillion,
    output: perMillion,
    cache_read: perMillion.optional(),
    cache_write: perMillion.optional(),
  })
  .strict()
  .transform((p): Prices => ({
    input: p.input,
    output: p.output,
    cacheRead: p.cache_read ?? p.input * 0.1,
    cacheWrite: p.cache_write ?? p.input * 1.25,
  }));
const PRICING_FORM =
  'JSON such as {"input": 3, "output": 15, "cache_read": 0.3, "cache_write": 3.75} (USD per million tokens)';

/** `include` / `exclude`: globs one per line or comma-separated, each able to match a repository path. */
const globs = z.string().transform((v, ctx) => {
  const list = parseGlobs(v);
  const problems = list.map(globProblem).filter((p): p is string => p !== undefined);
  if (problems.length === 0) return list;
  ctx.addIssue({
    code: 'custom',
    message: `globs such as src/**/*.ts or !dist/**, one per line or comma-separated (${problems.join('; ')})`,
  });
  return z.NEVER;
});

const severity = (extra: readonly string[] = []) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum([...SEVERITIES, ...extra], { message: `one of ${[...SEVERITIES, ...extra].join(', ')}` }));

const schema = z.object({
  'allowed-associations': z
    .string()
    .transform((v) =>
      v
        .split(/[\s,]+/)
        .filter(Boolean)
        .map((a) => a.toUpperCase()),
    )
    .pipe(
      z.array(z.enum(AUTHOR_ASSOCIATIONS, { message: `a comma-separated list of ${AUTHOR_ASSOCIATIONS.join(', ')}` })),
    ),
  'review-label': z
    .string()
    .trim()
    .max(50, { message: 'a label name of at most 50 characters, or none' })
    .transform((v) => (v.toLowerCase() === 'none' ? '' : v)),
  'min-severity': severity(),
  'max-comments': intIn(0, 200),
  verify: yesNo(),
  'review-depth': z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(REVIEW_DEPTHS, { message: 'quick, standard or deep' })),
  'min-confidence': intIn(0, 100),
  'include-pre-existing': yesNo(),
  'fail-on': severity(['none']),
  'review-event': z
    .string()
    .trim()
    .toUpperCase()
    .pipe(z.enum(['COMMENT', 'REQUEST_CHANGES'], { message: 'COMMENT or REQUEST_CHANGES' })),
  'api-key': z.string(),
  provider: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(PROVIDER_NAMES, { message: `one of ${PROVIDER_NAMES.join(', ')}` })),
  'base-url': z
    .string()
    .trim()
    .refine((v) => v === '' || /^https?:\/\/[^\s/]+/.test(v), {
      message: 'an http(s) URL such as https://api.anthropic.com, or empty for the preset',
    })
    .refine((v) => !/^https?:\/\/[^/]*@/.test(v), {
      message:
        'a URL without credentials (user:password@ would be logged and sent everywhere): pass the key in api-key',
    })
    // The adapters add /v1/...; accept a URL given with or without it.
    .transform((v) => v.replace(/\/+$/, '').replace(/\/v1$/, '')),
  'api-format': z
    .string()
    .trim()
    .toLowerCase()
    .pipe(
      z.enum(['', 'anthropic', 'openai'], {
        message: "anthropic (Messages API) or openai (Chat Completions), or empty for the preset's",
      }),
    ),
  auth: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['', 'x-api-key', 'bearer'], { message: "x-api-key or bearer, or empty for the preset's" })),
  pricing: z
    .string()
    .trim()
    .transform((v, ctx) => {
      if (v === '') return undefined;
      const parsed = pricingSchema.safeParse(parseJson(v));
      if (parsed.success) return parsed.data;
      ctx.addIssue({ code: 'custom', message: PRICING_FORM });
      return z.NEVER;
    }),
  include: globs,
  exclude: globs,
  'chunk-tokens': intIn(2000, 500_000),
  concurrency: intIn(1, 32),
  'max-cost-usd': z
    .string()
    .trim()
    .refine((v) => v === '' || v === 'none' || (/^\d+(\.\d+)?$/.test(v) && Number(v) > 0), {
      message: 'a positive amount in USD such as 2 or 0.50, or none for no cap',
    })
    .transform((v) => (v === '' || v === 'none' ? undefined : Number(v))),
  'max-minutes': z
    .string()
    .trim()
    .refine((v) => /^\d+(\.\d+)?$/.test(v) && Number(v) > 0 && Number(v) <= 360, {
      message: 'a number of minutes above 0 and at most 360, such as 15',
    })
    .transform(Number),
  'context-window': z
    .string()
    .trim()
    .refine((v) => v === '' || (/^\d+$/.test(v) && Number(v) >= 4096 && Number(v) <= 10_000_000), {
      message: 'a whole number of tokens from 4096 to 10000000, or empty for the known model’s',
    })
    .transform((v) => (v === '' ? undefined : Number(v))),
  model: z
    .string()
    .trim()
    .regex(/^$|^[A-Za-z0-9][\w.:/@-]*$/, {
      message: `a model ID such as ${knownModelIds().slice(0, 3).join(', ')}`,
    }),
  'github-token': z.string(),
  'pr-number': z
    .string()
    .trim()
    .refine((v) => v === '' || /^[1-9]\d{0,9}$/.test(v), { message: 'a pull request number (1 or more), or empty' })
    .transform((v) => (v === '' ? undefined : Number(v))),
  instructions: z.string(),
  'instructions-file': z.string().trim(),
  'sarif-file': z.string().trim(),
  'config-file': z
    .string()
    .trim()
    .refine((v) => v === '' || (!v.startsWith('/') && !v.split('/').includes('..')), {
      message: 'a path relative to the repository root, such as .github/claude-review.yml',
    }),
  'max-output-tokens': z
    .string()
    .trim()
    .refine((v) => v === '' || (/^\d+$/.test(v) && Number(v) >= 256 && Number(v) <= 128000), {
      message: 'a whole number from 256 to 128000, or empty for the model’s default',
    })
    .transform((v) => (v === '' ? undefined : Number(v))),
  temperature: z
    .string()
    .trim()
    .refine((v) => v === '' || (/^\d+(\.\d+)?$/.test(v) && Number(v) <= 1), {
      message: 'a number from 0 to 1, or empty for the model’s default',
    })
    .transform((v) => (v === '' ? undefined : Number(v))),
  effort: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(
      z.enum(['', 'none', ...EFFORTS], {
        message: `one of ${EFFORTS.join(', ')}, none (up-front thinking off), or empty for the model’s default`,
      }),
    )
    .transform((v) => (v === '' ? undefined : v)),
  trigger: z
    .string()
    .trim()
    .regex(/^\S{1,30}$/, { message: 'one word of at most 30 characters, such as /claude' }),
  'reply-in-threads': yesNo(),
  walkthrough: yesNo(),
  context: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(CONTEXT_MODES, { message: 'diff, code or explore' })),
  'max-tool-calls': intIn(0, 50),
  incremental: yesNo(),
  'dry-run': yesNo(),
});

type Parsed = z.infer<typeof schema>;

/** Each problem of a parse, with the input (or config key), the value given and what is accepted. */
function problemsOf(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  filled: Readonly<Record<string, string>>,
  origins: Readonly<Record<string, string>>,
): string[] {
  return issues.map((issue) => {
    const name = String(issue.path[0]);
    const given = filled[name] ?? '';
    // Never echo a secret: the key, the token, or credentials written into base-url.
    const value =
      name === 'api-key' || name === 'github-token' ? '***' : show(given.replace(/(:\/\/)[^/@\s]*@/, '$1***@'));
    return `${origins[name] ?? `input '${name}'`}: got ${value}; expected ${issue.message}`;
  });
}

/** The inputs parsed with the ones that failed at their defaults (which always parse). */
function withDefaults(filled: Record<string, string>, issues: readonly { path: readonly PropertyKey[] }[]) {
  const failed = new Set(issues.map((issue) => String(issue.path[0])));
  const defaults: Readonly<Record<string, string>> = INPUT_DEFAULTS;
  const fallback = Object.fromEntries([...failed].map((name) => [name, defaults[name] ?? '']));
  return schema.parse({ ...filled, ...fallback });
}

/**
 * Validates every input at once. `origins` names where a value came from when it was not an action input
 * (a key of the repository's config file), for the messages. Throws a SettingsError listing
 * each bad input with the value given and what is accepted, so a user fixes the workflow in one go.
 */
export function parseSettings(
  raw: RawInputs,
  origins: Readonly<Record<string, string>> = {},
  today: string = new Date().toISOString().slice(0, 10),
): Settings {
  const filled: Record<string, string> = {};
  for (const [name, fallback] of Object.entries(INPUT_DEFAULTS)) {
    const given = raw[name];
    filled[name] = given === undefined || given.trim() === '' ? fallback : given;
  }
  const result = schema.safeParse(filled);
  const problems = result.success ? [] : problemsOf(result.error.issues, filled, origins);
  // The checks across inputs run too, with each bad input at its default, so every problem is told at once.
  const v = result.success ? result.data : withDefaults(filled, result.error.issues);
  const provider = PROVIDERS[v.provider];
  const model = v.model || provider.defaultModel;
  const asked: ModelInputs = {
    maxOutputTokens: v['max-output-tokens'],
    temperature: v.temperature,
    effort: v.effort,
    contextWindow: v['context-window'],
    pricing: v.pricing,
    today,
  };
  if (v['review-depth'] === 'deep' && v.context === 'diff') {
    problems.push(
      'input \'review-depth\': got "deep", which reads the repository with explore tools; expected quick or standard with context: diff, or context code or explore',
    );
  }
  if (v.provider === 'custom' && !v['base-url']) {
    problems.push("input 'base-url': got \"\"; expected the gateway's URL when provider is custom");
  }
  const derived = modelSettings(provider, model, asked, origins);
  problems.push(...derived.problems);
  if (problems.length > 0) throw new SettingsError(problems);
  return settingsOf(v, provider, derived.settings, asked);
}

/** The settings from parsed inputs and what the model made of them. */
function settingsOf(v: Parsed, provider: ProviderPreset, derived: ModelDerived, asked: ModelInputs): Settings {
  const apiFormat: ApiFormat = v['api-format'] || provider.format;
  const auth: AuthStyle = v.auth || (v.provider === 'custom' && apiFormat === 'openai' ? 'bearer' : provider.auth);
  return {
    apiKey: v['api-key'].trim(),
    provider,
    apiFormat,
    auth,
    baseUrl: v['base-url'] || provider.baseUrl,
    modelChosen: v.model !== '',
    ...derived,
    asked,
    include: v.include,
    exclude: v.exclude,
    chunkTokens: v['chunk-tokens'],
    concurrency: v.concurrency,
    maxCostUsd: v['max-cost-usd'],
    maxMinutes: v['max-minutes'],
    githubToken: v['github-token'].trim(),
    prNumber: v['pr-number'],
    instructions: v.instructions.trim(),
    instructionsFile: v['instructions-file'],
    configFile: v['config-file'],
    sarifFile: v['sarif-file'],
    incremental: v.incremental,
    walkthrough: v.walkthrough,
    // Deep is the standard looks with explore mode's tools.
    context: v['review-depth'] === 'deep' ? 'explore' : v.context,
    maxToolCalls: v['max-tool-calls'],
    trigger: v.trigger,
    replyInThreads: v['reply-in-threads'],
    dryRun: v['dry-run'],
    minSeverity: v['min-severity'] as Severity,
    maxComments: v['max-comments'],
    verify: v.verify,
    reviewDepth: v['review-depth'],
    minConfidence: v['min-confidence'],
    includePreExisting: v['include-pre-existing'],
    failOn: v['fail-on'] === 'none' ? undefined : (v['fail-on'] as Severity),
    reviewEvent: v['review-event'],
    allowedAssociations: v['allowed-associations'],
    reviewLabel: v['review-label'],
  };
}

/** The settings that follow from the model. */
type ModelDerived = Pick<
  Settings,
  | 'model'
  | 'modelId'
  | 'modelInfo'
  | 'contextWindow'
  | 'prices'
  | 'capPrices'
  | 'maxOutputTokens'
  | 'temperature'
  | 'effort'
  | 'shape'
  | 'tokenRatio'
  | 'minCacheTokens'
>;

/**
 * What a model makes of the model-dependent inputs, and every problem with them: an unknown model without
 * `context-window`, a retired model (with its replacement), a temperature or effort the model refuses, an
 * output limit above the model's or the gateway's.
 */
export function modelSettings(
  provider: ProviderPreset,
  model: string,
  asked: ModelInputs,
  origins: Readonly<Record<string, string>> = {},
): { settings: ModelDerived; problems: string[] } {
  const name = (input: string): string => origins[input] ?? `input '${input}'`;
  const info = findModel(model);
  const shape = requestShape(info, asked.effort, asked.temperature);
  const thinks = shape.thinking !== undefined && shape.thinking !== 'disabled';
  const limit = info ? Math.min(info.maxOutputTokens, provider.maxOutput[info.id] ?? Infinity) : Infinity;
  const fallback = Math.min(limit, thinks ? DEFAULT_MAX_OUTPUT_THINKING : DEFAULT_MAX_OUTPUT);
  const problems = [...modelProblems(model, info, asked, name), ...samplingProblems(info, asked, name)];
  if (asked.maxOutputTokens !== undefined && asked.maxOutputTokens > limit && info) {
    problems.push(
      `${name('max-output-tokens')}: got ${asked.maxOutputTokens}; expected at most ${limit} for ${model} on ${provider.name}`,
    );
  }
  const prices =
    asked.pricing ??
    (info ? (provider.prices[info.id] ?? (provider.listPrices ? info.listPrice : undefined)) : undefined);
  return {
    problems,
    settings: {
      model,
      modelId: (info && info.gatewayIds[provider.name]) ?? model,
      modelInfo: info,
      contextWindow: asked.contextWindow ?? info?.contextWindow ?? 200_000,
      prices,
      capPrices: prices ?? info?.listPrice,
      maxOutputTokens: asked.maxOutputTokens ?? fallback,
      temperature: asked.temperature,
      effort: asked.effort,
      shape,
      tokenRatio: TOKENIZER_RATIO[info?.tokenizer ?? 'claude-5'],
      minCacheTokens: info?.minCacheTokens ?? 1024,
    },
  };
}

/** An unknown model without `context-window`, or a retired one (with its replacement). */
function modelProblems(
  model: string,
  info: ModelInfo | undefined,
  asked: ModelInputs,
  name: (input: string) => string,
): string[] {
  if (!info && asked.contextWindow === undefined) {
    const near = closest(model, knownModelIds());
    const current = activeModels(asked.today).map((m) => m.id);
    return [
      `${name('model')}: got ${show(model)}; expected one of ${current.join(', ')} (or an alias of one)${near ? ` (did you mean ${near}?)` : ''}, or set 'context-window' to use a model outside this list`,
    ];
  }
  if (info && lifecycleOn(info, asked.today) === 'retired') {
    const replacement = info.lifecycle.replacement ? `; use ${info.lifecycle.replacement}, its replacement` : '';
    return [
      `${name('model')}: ${show(model)} was retired by Anthropic on ${info.lifecycle.retiresOn ?? 'an earlier date'}, and requests to it fail${replacement}`,
    ];
  }
  return [];
}

/** A temperature or an effort the model refuses. */
function samplingProblems(info: ModelInfo | undefined, asked: ModelInputs, name: (input: string) => string): string[] {
  const rules = info?.rules;
  if (!info || !rules) return [];
  const problems: string[] = [];
  if (asked.temperature !== undefined && rules.temperature !== 'any' && rules.temperature !== asked.temperature) {
    const accepted =
      rules.temperature === 'none' ? 'no sampling parameter' : `only temperature ${String(rules.temperature)}`;
    problems.push(
      `${name('temperature')}: got ${asked.temperature}; ${info.id} accepts ${accepted}: leave temperature empty`,
    );
  }
  if (asked.effort !== undefined && rules.efforts.length === 0) {
    problems.push(`${name('effort')}: got ${show(asked.effort)}; ${info.id} takes no effort: leave it empty`);
  } else if (asked.effort === 'none' && !rules.thinkingOff) {
    problems.push(
      `${name('effort')}: got "none"; ${info.id} cannot turn thinking off: use one of ${rules.efforts.join(', ')}`,
    );
  }
  return problems;
}

/**
 * The same settings for another model (the default a gateway's model list gave): every model-dependent field
 * derived again. Throws a SettingsError when the inputs do not suit that model.
 */
export function withModel(settings: Settings, model: string, origins: Readonly<Record<string, string>> = {}): Settings {
  const derived = modelSettings(settings.provider, model, settings.asked, origins);
  if (derived.problems.length > 0) throw new SettingsError(derived.problems);
  return { ...settings, ...derived.settings };
}

/** The inputs a repository's config file may set, and how each lands in the settings. */
const CONFIG_INPUTS = {
  include: (s: Settings, v: Parsed) => ({ ...s, include: v.include }),
  exclude: (s: Settings, v: Parsed) => ({ ...s, exclude: v.exclude }),
  'min-severity': (s: Settings, v: Parsed) => ({ ...s, minSeverity: v['min-severity'] as Severity }),
  'max-comments': (s: Settings, v: Parsed) => ({ ...s, maxComments: v['max-comments'] }),
  model: (s: Settings, v: Parsed) => ({ ...s, model: v.model, modelChosen: true }),
} as const satisfies Partial<Record<InputName, (s: Settings, v: Parsed) => Settings>>;

/**
 * The settings with a repository config file's inputs merged under the workflow's: a key the workflow left
 * empty takes the file's value. Only the file's keys are validated here (the workflow's were, once, by
 * parseSettings); a problem names the key and the file. A model set there derives its fields again.
 */
export function withRepoInputs(
  settings: Settings,
  workflow: RawInputs,
  config: { file: string; inputs: Readonly<Record<string, string>> },
): Settings {
  const keys = (Object.keys(CONFIG_INPUTS) as (keyof typeof CONFIG_INPUTS)[]).filter(
    (key) => config.inputs[key] !== undefined && !workflow[key]?.trim(),
  );
  if (keys.length === 0) return settings;
  const origins = Object.fromEntries(keys.map((key) => [key, `key '${key}' in ${config.file}`]));
  const given = Object.fromEntries(keys.map((key) => [key, config.inputs[key] ?? '']));
  const filled = { ...INPUT_DEFAULTS, ...given };
  const result = schema.safeParse(filled);
  if (!result.success) throw new SettingsError(problemsOf(result.error.issues, filled, origins));
  const merged = keys.reduce((s, key) => CONFIG_INPUTS[key](s, result.data), settings);
  return keys.includes('model') ? withModel(merged, merged.model, origins) : merged;
}

/**
 * A warning for a model Anthropic deprecated (with its retirement date and replacement), or whose firm
 * retirement is 60 days away or less; undefined for any other model.
 */
export function deprecationNotice(settings: Settings): string | undefined {
  const info = settings.modelInfo;
  if (!info) return undefined;
  const { retiresOn, tentative, replacement } = info.lifecycle;
  const status = lifecycleOn(info, settings.asked.today);
  const days = retiresOn ? (Date.parse(retiresOn) - Date.parse(settings.asked.today)) / 86_400_000 : Infinity;
  if (status !== 'deprecated' && (tentative || days > 60)) return undefined;
  const move = replacement ?? activeModels(settings.asked.today)[0]?.id ?? 'a current model';
  return `${settings.model} is ${status === 'deprecated' ? 'deprecated by Anthropic' : 'about to be retired'}${retiresOn ? ` and retires on ${retiresOn}` : ''}, after which requests to it fail: set 'model' to ${move}.`;
}

/**
 * With no `model` set on a gateway that lists its models, the newest Sonnet it lists (one `GET /v1/models`,
 * free); the preset's documented default when it lists none we know or does not answer.
 */
export async function settleDefaultModel(
  settings: Settings,
  llm: LlmClient,
  log: (message: string) => void,
): Promise<Settings> {
  if (settings.modelChosen || !settings.provider.listsModels) return settings;
  const listed = await newestListedSonnet(llm, settings.asked.today);
  if (!listed || findModel(listed)?.id === settings.modelInfo?.id) {
    log(`model: ${settings.model} (the ${settings.provider.name} preset's default)`);
    return settings;
  }
  log(`model: ${listed}, the newest Sonnet ${settings.provider.name} lists (no 'model' set)`);
  return withModel(settings, listed);
}

/** The known ID nearest to a typo (edit distance at most 3), for a "did you mean". */
function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: { id: string; d: number } | undefined;
  for (const id of candidates) {
    const d = editDistance(name.toLowerCase(), id);
    if (d <= 3 && (!best || d < best.d)) best = { id, d };
  }
  return best?.id;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(
        (row[j] ?? 0) + 1,
        (next[j - 1] ?? 0) + 1,
        (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    row = next;
  }
  return row[b.length] ?? 0;
}
