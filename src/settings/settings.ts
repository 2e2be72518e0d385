import { z } from 'zod';
import { PROVIDERS, type ProviderName, type ProviderPreset } from '../llm/providers.js';
import { findModel, knownModelIds, type ModelInfo } from '../llm/models.js';

/** The action's inputs by their names in action.yml, as strings (empty = not given). */
export type RawInputs = Readonly<Record<string, string | undefined>>;

/** Every input this version implements, with its default as action.yml declares it. */
export const INPUT_DEFAULTS = {
  'api-key': '',
  provider: 'anthropic',
  'base-url': '',
  model: 'claude-sonnet-4-5',
  'github-token': '',
  'pr-number': '',
  instructions: '',
  'instructions-file': '',
  'max-output-tokens': '8192',
  temperature: '0',
  'dry-run': 'false',
} as const satisfies Record<string, string>;

export type InputName = keyof typeof INPUT_DEFAULTS;

/** The validated, typed settings of one review run. */
export interface Settings {
  /** Secret for the LLM gateway; empty means "plan only" (CLI, dry-run) or an error in the action. */
  apiKey: string;
  /** The provider preset (wire format, auth header, default base URL). */
  provider: ProviderPreset;
  /** Base URL of the gateway: `base-url` when given, else the preset's. No trailing slash. */
  baseUrl: string;
  /** The model as the user wrote it. */
  model: string;
  /** What we know of the model (context window, max output, prices); undefined for an unknown model. */
  modelInfo: ModelInfo | undefined;
  /** Token for the GitHub REST API. */
  githubToken: string;
  /** Pull request number for `workflow_dispatch`; undefined when taken from the event. */
  prNumber: number | undefined;
  /** Review instructions of the repository: `instructions` text, then the file's content. */
  instructions: string;
  /** Path of a file with more instructions, read relative to the workspace. */
  instructionsFile: string;
  /** `max_tokens` of each review request. */
  maxOutputTokens: number;
  /** Sampling temperature, 0..1. */
  temperature: number;
  /** Review but post nothing to the pull request. */
  dryRun: boolean;
}

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid action inputs (${problems.length}):\n` + problems.map((p) => `  - ${p}`).join('\n'));
    this.name = 'SettingsError';
  }
}

const booleanWords = ['true', 'false', 'yes', 'no', '1', '0', 'on', 'off'];
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

const providerNames = Object.keys(PROVIDERS) as ProviderName[];

const schema = z.object({
  'api-key': z.string(),
  provider: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(providerNames, { message: `one of ${providerNames.join(', ')}` })),
  'base-url': z
    .string()
    .trim()
    .refine((v) => v === '' || /^https?:\/\/[^\s/]+/.test(v), {
      message: 'an http(s) URL such as https://api.anthropic.com, or empty for the preset',
    })
    .transform((v) => v.replace(/\/+$/, '')),
  model: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][\w.:/@-]*$/, {
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
  'max-output-tokens': intIn(256, 128000),
  temperature: z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, { message: 'a number from 0 to 1' })
    .transform(Number)
    .pipe(z.number().min(0, { message: 'a number from 0 to 1' }).max(1, { message: 'a number from 0 to 1' })),
  'dry-run': z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => booleanWords.includes(v), { message: 'true or false' })
    .transform((v) => ['true', 'yes', '1', 'on'].includes(v)),
});

/**
 * Validates every input at once. Throws a SettingsError listing each bad input with the value given and
 * what is accepted, so a user fixes the workflow in one go.
 */
export function parseSettings(raw: RawInputs): Settings {
  const filled: Record<string, string> = {};
  for (const [name, fallback] of Object.entries(INPUT_DEFAULTS)) {
    const given = raw[name];
    filled[name] = given === undefined || given.trim() === '' ? fallback : given;
  }
  const result = schema.safeParse(filled);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      const value = name === 'api-key' || name === 'github-token' ? '***' : show(filled[name] ?? '');
      return `input '${name}': got ${value}; expected ${issue.message}`;
    });
    throw new SettingsError(problems);
  }
  const v = result.data;
  const provider = PROVIDERS[v.provider];
  const modelInfo = findModel(v.model);
  const problems: string[] = [];
  if (modelInfo && v['max-output-tokens'] > modelInfo.maxOutputTokens) {
    problems.push(
      `input 'max-output-tokens': got ${v['max-output-tokens']}; expected at most ${modelInfo.maxOutputTokens} for ${v.model}`,
    );
  }
  if (problems.length > 0) throw new SettingsError(problems);
  return {
    apiKey: v['api-key'].trim(),
    provider,
    baseUrl: v['base-url'] || provider.baseUrl,
    model: v.model,
    modelInfo,
    githubToken: v['github-token'].trim(),
    prNumber: v['pr-number'],
    instructions: v.instructions.trim(),
    instructionsFile: v['instructions-file'],
    maxOutputTokens: v['max-output-tokens'],
    temperature: v.temperature,
    dryRun: v['dry-run'],
  };
}
