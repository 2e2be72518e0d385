import { globProblem } from '../filter/filter.js';
import { parse, YAMLParseError } from 'yaml';
import * as z from 'zod';

/** Where the repository's review configuration lives unless `config-file` names another path. */
export const DEFAULT_CONFIG_FILE = '.github/claude-review.yml';

const KEYS = [
  'instructions',
  'path_instructions',
  'include',
  'exclude',
  'min-severity',
  'max-comments',
  'language',
  'model',
] as const;

const text = z.string({ message: 'a string' });
const globList = z
  .union([z.string(), z.array(z.string())], { message: 'a glob, or a list of globs' })
  .transform((v) => (Array.isArray(v) ? v.join('\n') : v));

const schema = z
  .object({
    instructions: text.optional(),
    path_instructions: z
      .union(
        [z.record(z.string(), z.string()), z.array(z.object({ path: z.string(), instructions: z.string() }).strict())],
        { message: 'a map of glob to instructions, or a list of {path, instructions}' },
      )
      .optional(),
    include: globList.optional(),
    exclude: globList.optional(),
    'min-severity': text.optional(),
    'max-comments': z.union([z.number(), z.string()], { message: 'a number' }).transform(String).optional(),
    language: z.string({ message: 'a language name such as German' }).max(40).optional(),
    model: text.optional(),
  })
  .strict();

/** The repository's own review configuration, read from the base commit. */
export interface RepoConfig {
  /** Where it was read from, for messages. */
  file: string;
  /** Values for action inputs, as strings; an input set in the workflow overrides each. */
  inputs: Record<string, string>;
  instructions: string;
  /** Instructions for the files a glob matches. */
  pathInstructions: { glob: string; text: string }[];
  /** The language comments are written in; undefined = the model's choice (English). */
  language: string | undefined;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const show = (value: unknown): string => {
  // JSON.stringify answers undefined for undefined and functions, whatever its types say.
  const s = (JSON.stringify(value) as string | undefined) ?? String(value);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
};

/**
 * Parses `.github/claude-review.yml`. Every problem names the key, the value and what is accepted; an
 * unknown key is a problem too (a typo would otherwise be ignored in silence).
 */
export function parseRepoConfig(source: string, file: string): RepoConfig {
  let data: unknown;
  try {
    data = parse(source) ?? {};
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}` : '';
    throw new ConfigError(`${file} is not valid YAML${where}: ${(error as Error).message.split('\n')[0] ?? ''}`);
  }
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError(`${file}: expected a map of keys such as instructions: and min-severity:, got ${show(data)}`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        return `unknown key ${issue.keys.map((k) => `'${k}'`).join(', ')}; expected one of ${KEYS.join(', ')}`;
      }
      const key = String(issue.path[0]);
      const value = (data as Record<string, unknown>)[key];
      return `key '${key}': got ${show(value)}; expected ${issue.message}`;
    });
    throw new ConfigError(`${file} (${problems.length}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  const v = parsed.data;
  const inputs: Record<string, string> = {};
  for (const key of ['include', 'exclude', 'min-severity', 'max-comments', 'model'] as const) {
    const value = v[key];
    if (value !== undefined && value.trim() !== '') inputs[key] = value;
  }
  const paths = v.path_instructions ?? {};
  const pathInstructions = Array.isArray(paths)
    ? paths.map((p) => ({ glob: p.path, text: p.instructions.trim() }))
    : Object.entries(paths).map(([glob, t]) => ({ glob, text: t.trim() }));
  const globProblems = pathInstructions.map((p) => globProblem(p.glob)).filter((p) => p !== undefined);
  if (globProblems.length > 0) {
    throw new ConfigError(
      `${file} (${globProblems.length}):\n${globProblems.map((p) => `  - key 'path_instructions': ${p}`).join('\n')}`,
    );
  }
  return {
    file,
    inputs,
    instructions: v.instructions?.trim() ?? '',
    pathInstructions,
    language: v.language?.trim() || undefined,
  };
}
