import { DEFAULT_CONFIG_FILE, parseRepoConfig, type RepoConfig } from '../settings/config.js';
import { MAX_INSTRUCTIONS_BYTES } from '../prompt/instructions.js';
import { type Octokit } from '../github/client.js';
import { readRepoFile } from './github.js';
import type { PullRequest } from '../core/pull-request.js';

/**
 * The repository's review configuration, from the pull request's BASE commit: a PR must not steer its own
 * review, so a config file it adds or edits applies only once merged. Undefined when the default file is
 * absent; an error when a `config-file` the workflow names is.
 */
export async function readRepoConfig(
  octokit: Octokit,
  pr: PullRequest,
  configFile: string,
): Promise<RepoConfig | undefined> {
  const path = configFile || DEFAULT_CONFIG_FILE;
  const text = await readRepoFile(octokit, pr, path, pr.baseSha);
  if (text === undefined) {
    if (!configFile) return undefined;
    throw new Error(
      `input 'config-file': ${JSON.stringify(configFile)} does not exist at the base commit ${pr.baseSha.slice(0, 7)} of ${pr.baseRef}; expected a file committed to the base branch (it is read from there, not from the pull request)`,
    );
  }
  return parseRepoConfig(text, path);
}

/** `instructions-file`, read from the base commit through the API (no checkout needed), at most 64 KiB. */
export async function readInstructionsFile(octokit: Octokit, pr: PullRequest, file: string): Promise<string> {
  if (!file) return '';
  const fail = (why: string): Error =>
    new Error(
      `input 'instructions-file': ${JSON.stringify(file)} ${why}; expected a path relative to the repository root of a file on the base branch, at most ${MAX_INSTRUCTIONS_BYTES / 1024} KiB`,
    );
  if (file.startsWith('/') || file.split('/').includes('..')) throw fail('is not relative to the repository root');
  const text = await readRepoFile(octokit, pr, file.replace(/^\.\//, ''), pr.baseSha);
  if (text === undefined) throw fail(`does not exist at the base commit ${pr.baseSha.slice(0, 7)} of ${pr.baseRef}`);
  if (Buffer.byteLength(text, 'utf8') > MAX_INSTRUCTIONS_BYTES)
    throw fail(`is ${Buffer.byteLength(text, 'utf8')} bytes`);
  return text.trim();
}
