import { DEFAULT_CONFIG_FILE, parseRepoConfig, type RepoConfig } from '../settings/config.js';
import { MAX_INSTRUCTIONS_BYTES } from '../prompt/instructions.js';
import type { RepoRules } from '../prompt/prompt.js';
import { type Octokit } from '../github/client.js';
import { gitFile } from '../core/git.js';
import { withRepoInputs, type RawInputs, type Settings } from '../settings/settings.js';
import { readRepoFile } from './github.js';
import type { PullRequest } from '../core/pull-request.js';
import { fitLearnings, MAX_LEARNINGS_TOKENS, parseLearnings, type Learning } from '../findings/learnings.js';

/**
 * A file of the pull request's BASE commit, or undefined when it is not there: through GitHub's API for the
 * action, through git for the command line. A PR must not steer its own review, so the configuration and
 * the instructions it adds or edits apply only once merged, in both.
 */
export type BaseReader = (path: string) => Promise<string | undefined>;

/** A config or instructions file named by an input that cannot be read: the message names the input and the fix. */
export class RepoFileError extends Error {
  override name = 'RepoFileError';
}

/** The base commit's files through GitHub's contents API (no checkout needed). */
export function apiReader(octokit: Octokit, pr: PullRequest): BaseReader {
  return (path) => readRepoFile(octokit, pr, path, pr.baseSha);
}

/** The base commit's files through git in a local repository. */
export function gitReader(root: string, pr: PullRequest): BaseReader {
  return (path) => gitFile(root, pr.baseSha, path);
}

/** A repository path as the reader takes it: relative, inside the repository; an error naming the input otherwise. */
function repoPath(input: string, file: string, expected: string): string {
  if (file.startsWith('/') || file.split(/[\\/]/).includes('..'))
    throw new RepoFileError(
      `input '${input}': ${JSON.stringify(file)} is not relative to the repository root; expected ${expected}`,
    );
  return file.replace(/^\.\//, '');
}

/**
 * The repository's review configuration, from the base commit. Undefined when the default file is absent; an
 * error when a `config-file` the workflow names is.
 */
export async function readRepoConfig(
  read: BaseReader,
  pr: PullRequest,
  configFile: string,
): Promise<RepoConfig | undefined> {
  const expected = 'a file committed to the base branch (it is read from there, not from the pull request)';
  const path = configFile ? repoPath('config-file', configFile, expected) : DEFAULT_CONFIG_FILE;
  const text = await read(path);
  if (text === undefined) {
    if (!configFile) return undefined;
    throw new RepoFileError(
      `input 'config-file': ${JSON.stringify(configFile)} does not exist at the base commit ${pr.baseSha.slice(0, 7)} of ${pr.baseRef}; expected ${expected}`,
    );
  }
  return parseRepoConfig(text, path);
}

/** `instructions-file`, read from the base commit, at most 64 KiB. */
export async function readInstructionsFile(read: BaseReader, pr: PullRequest, file: string): Promise<string> {
  if (!file) return '';
  const expected = `a path relative to the repository root of a file on the base branch, at most ${MAX_INSTRUCTIONS_BYTES / 1024} KiB`;
  const text = await read(repoPath('instructions-file', file, expected));
  const fail = (why: string): Error =>
    new RepoFileError(`input 'instructions-file': ${JSON.stringify(file)} ${why}; expected ${expected}`);
  if (text === undefined) throw fail(`does not exist at the base commit ${pr.baseSha.slice(0, 7)} of ${pr.baseRef}`);
  if (Buffer.byteLength(text, 'utf8') > MAX_INSTRUCTIONS_BYTES)
    throw fail(`is ${Buffer.byteLength(text, 'utf8')} bytes`);
  return text.trim();
}

/**
 * The team's learnings (`learnings-file`), read from the base commit: none when the file is absent, too long
 * or `learnings-file: none`; each rule that cannot be read is left out and told, and the oldest are dropped
 * past their share of the prefix.
 */
export async function readLearnings(
  read: BaseReader,
  file: string,
  log: (message: string) => void,
): Promise<Learning[]> {
  if (!file) return [];
  const text = await read(file);
  if (text === undefined) return [];
  if (Buffer.byteLength(text, 'utf8') > MAX_INSTRUCTIONS_BYTES) {
    log(`${file} is over ${MAX_INSTRUCTIONS_BYTES / 1024} KiB: its learnings were not read`);
    return [];
  }
  const { learnings, problems } = parseLearnings(text);
  for (const problem of problems) log(`${file}: ${problem}`);
  const { kept, dropped } = fitLearnings(learnings);
  const left = dropped > 0 ? `; the ${dropped} oldest left out to keep them within ${MAX_LEARNINGS_TOKENS} tokens` : '';
  log(`Read ${learnings.length} learnings from ${file} at the base commit${left}`);
  return kept;
}

/**
 * The settings with the repository's config file (from the base commit) under the inputs given (the workflow's,
 * or the command line's flags), and the repository's review rules: the `instructions` input, the config file's,
 * and `instructions-file`. The same for the action and the command line.
 */
export async function withRepoConfig(
  read: BaseReader,
  pr: PullRequest,
  { settings, raw, log }: { settings: Settings; raw: RawInputs; log: (message: string) => void },
): Promise<{ settings: Settings; rules: RepoRules }> {
  const config = await readRepoConfig(read, pr, settings.configFile);
  const fileText = await readInstructionsFile(read, pr, settings.instructionsFile);
  const learnings = await readLearnings(read, settings.learningsFile, log);
  if (!config) {
    return {
      settings,
      rules: { instructions: [settings.instructions, fileText].filter(Boolean).join('\n\n'), learnings },
    };
  }
  log(
    `Read ${config.file} from the base commit ${pr.baseSha.slice(0, 7)}: ${Object.keys(config.inputs).join(', ') || 'instructions only'}`,
  );
  return {
    settings: withRepoInputs(settings, raw, config),
    rules: {
      instructions: [settings.instructions, config.instructions, fileText].filter(Boolean).join('\n\n'),
      pathInstructions: config.pathInstructions,
      language: config.language,
      learnings,
    },
  };
}
