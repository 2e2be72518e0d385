import { parseJson } from '../core/json.js';
import * as z from 'zod';
import {
  CURRENT_API_VERSION,
  PROVIDER_NAMES,
  PROVIDERS,
  type ApiFormat,
  type AuthStyle,
  type ProviderPreset,
} from '../llm/providers.js';
import { EFFORTS, knownModelIds } from '../llm/models.js';
import type { Severity } from '../core/severity.js';
import { globs, intIn, PRICING_FORM, pricingSchema, severity, yesNo } from './fields.js';
import {
  AUTHOR_ASSOCIATIONS,
  CONTEXT_MODES,
  INPUT_DEFAULTS,
  REVIEW_DEPTHS,
  SettingsError,
  show,
  type InputName,
  type RawInputs,
  type Settings,
} from './inputs.js';
import { modelSettings, type ModelDerived, type ModelInputs } from './model.js';

export * from './inputs.js';
export * from './model.js';

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
  'state-secret': z.string(),
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
  'anthropic-version': z
    .string()
    .trim()
    .regex(/^(\d{4}-\d{2}-\d{2})?$/, { message: "an API version date such as 2026-10-21, or empty for the preset's" }),
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
  learn: yesNo(),
  'learn-window': intIn(1, 365),
  'learnings-file': z
    .string()
    .trim()
    .refine((v) => v.toLowerCase() === 'none' || (!v.startsWith('/') && !v.split('/').includes('..') && v !== ''), {
      message: 'a path relative to the repository root, such as .github/claude-review-learnings.md, or none',
    })
    .transform((v) => (v.toLowerCase() === 'none' ? '' : v.replace(/^\.\//, ''))),
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
      name === 'api-key' || name === 'github-token' || name === 'state-secret'
        ? '***'
        : show(given.replace(/(:\/\/)[^/@\s]*@/, '$1***@'));
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
  const version = v['anthropic-version'] || provider.anthropicVersion;
  const messagesApi = (v['api-format'] || provider.format) === 'anthropic';
  const versionRefusesSampling = messagesApi && v.temperature !== undefined && version >= CURRENT_API_VERSION;
  if (versionRefusesSampling) {
    problems.push(
      `input 'temperature': got ${v.temperature}; API version ${version} refuses sampling parameters on every model: leave it empty, or set 'anthropic-version: 2023-06-01' for a model that takes one`,
    );
  }
  // Told once: the version's refusal covers every model's own rule.
  const derived = modelSettings(
    provider,
    model,
    versionRefusesSampling ? { ...asked, temperature: undefined } : asked,
    origins,
  );
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
    stateSecret: v['state-secret'].trim(),
    provider,
    apiFormat,
    auth,
    anthropicVersion: v['anthropic-version'] || provider.anthropicVersion,
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
    learn: v.learn,
    learnWindowDays: v['learn-window'],
    learningsFile: v['learnings-file'],
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
