import { fakeVerdicts } from '../fakes/verifier.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChangedFile, PullRequest } from '../../src/core/pull-request.js';
import {
  FakeGateway,
  toolAsked,
  type FakeGatewayOptions,
  type GatewayBody,
  type Reply,
  type WireMessage,
} from '../fakes/gateway.js';
import { FakeGitHub, type FakePullRequest } from '../fakes/github.js';
import { afterEach, beforeEach } from 'vitest';
import { createOctokit } from '../../src/github/client.js';
import { fetchPullRequest } from '../../src/source/github.js';
import { parseSettings } from '../../src/settings/settings.js';
import { executePlan, makePlan } from '../../src/pipeline/stages.js';
import { createLlmClient } from '../../src/llm/factory.js';
import { publish, readEarlierSummary, type Published } from '../../src/publish/publish.js';
import { runSeal } from '../../src/source/state.js';

const require = createRequire(import.meta.url);

interface Example {
  name: string;
  examples: Record<string, unknown>[];
}

/** A real webhook payload from @octokit/webhooks-examples, for the event and action given. */
export function examplePayload(event: string, action?: string): Record<string, unknown> {
  const all = require('@octokit/webhooks-examples/api.github.com/index.json') as Example[];
  const found = all.find((e) => e.name === event)?.examples.find((x) => action === undefined || x.action === action);
  if (!found) throw new Error(`no example for ${event}/${action ?? ''}`);
  return structuredClone(found);
}

/** The real `pull_request` opened payload, pointed at our fake pull request. */
export function pullRequestEvent(
  pr: FakePullRequest,
  overrides: { headRepo?: string; action?: string } = {},
): Record<string, unknown> {
  const payload = examplePayload('pull_request', overrides.action ?? 'opened') as {
    number: number;
    pull_request: Record<string, unknown> & {
      head: { sha: string; repo: { full_name: string } };
      base: { sha: string; repo: { full_name: string } };
    };
    repository: { full_name: string; name: string; owner: { login: string } };
  };
  const full = `${pr.owner}/${pr.repo}`;
  payload.number = pr.number;
  payload.pull_request.number = pr.number;
  payload.pull_request.draft = pr.draft ?? false;
  payload.pull_request.head.sha = pr.headSha;
  payload.pull_request.head.repo.full_name = overrides.headRepo ?? full;
  payload.pull_request.base.sha = pr.baseSha;
  payload.pull_request.base.repo.full_name = full;
  payload.repository.full_name = full;
  payload.repository.name = pr.repo;
  payload.repository.owner.login = pr.owner;
  return payload;
}

/** The real 10-file pull request fixture (semver 7.5.4 -> 7.6.3, made by scripts/make-fixture.ts). */
export function semverFiles(): ChangedFile[] {
  const fixture = JSON.parse(readFileSync(new URL('../fixtures/semver-pr.json', import.meta.url), 'utf8')) as {
    files: ChangedFile[];
  };
  return fixture.files;
}

export function fakePullRequest(
  files: ChangedFile[] = semverFiles(),
  extra: Partial<FakePullRequest> = {},
): FakePullRequest {
  return {
    owner: 'octo-org',
    repo: 'octo-repo',
    number: 42,
    title: 'Cache parsed ranges and tighten coerce',
    body: 'Adds an LRU cache for parsed ranges and makes coerce handle prerelease parts.',
    headSha: 'a'.repeat(40),
    baseSha: 'b'.repeat(40),
    files,
    ...extra,
  };
}

/** The fixture pull request as the review pipeline sees it (what fetchPullRequest returns). */
export function reviewedPullRequest(): PullRequest {
  const { owner, repo, number, title, body, headSha, baseSha, files } = fakePullRequest();
  return {
    owner,
    repo,
    number,
    title,
    body,
    headSha,
    baseSha,
    files,
    author: 'octocat',
    baseRef: 'main',
    headRef: 'feature',
    draft: false,
  };
}

export interface ActionRunFiles {
  dir: string;
  eventPath: string;
  outputPath: string;
  summaryPath: string;
}

/** Temp files the runner provides: event payload, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY. */
export function runnerFiles(payload: unknown): ActionRunFiles {
  const dir = mkdtempSync(join(tmpdir(), 'action-'));
  const files = {
    dir,
    eventPath: join(dir, 'event.json'),
    outputPath: join(dir, 'output.txt'),
    summaryPath: join(dir, 'summary.md'),
  };
  writeFileSync(files.eventPath, JSON.stringify(payload));
  writeFileSync(files.outputPath, '');
  writeFileSync(files.summaryPath, '');
  return files;
}

/** The runner's environment for one step: INPUT_* variables and the GITHUB_* files and URLs. */
export function runnerEnv(
  inputs: Record<string, string>,
  files: ActionRunFiles,
  github: { url: string; token: string; eventName: string; repository: string },
): Record<string, string> {
  const env: Record<string, string> = {
    GITHUB_EVENT_NAME: github.eventName,
    GITHUB_EVENT_PATH: files.eventPath,
    GITHUB_OUTPUT: files.outputPath,
    GITHUB_STEP_SUMMARY: files.summaryPath,
    GITHUB_API_URL: github.url,
    GITHUB_REPOSITORY: github.repository,
    GITHUB_WORKSPACE: files.dir,
    'INPUT_GITHUB-TOKEN': github.token,
    // The second look is on by default; the tests of other features count their calls without it
    // (test/run/verify.test.ts runs it).
    INPUT_VERIFY: 'false',
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  return env;
}

/** The runner files and environment for one run of the action against a fake GitHub. */
export function actionEnv(
  github: { url: string; token: string; pr: FakePullRequest },
  inputs: Record<string, string>,
  event: { name: string; payload: unknown } = { name: 'pull_request', payload: pullRequestEvent(github.pr) },
): { env: Record<string, string>; files: ActionRunFiles } {
  const files = runnerFiles(event.payload);
  const env = runnerEnv(inputs, files, {
    url: github.url,
    token: github.token,
    eventName: event.name,
    repository: `${github.pr.owner}/${github.pr.repo}`,
  });
  return { env, files };
}

/** Reads GITHUB_OUTPUT as the runner does (`name<<delimiter` blocks). */
export function readOutputs(path: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = readFileSync(path, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i] ?? '');
    if (!match) continue;
    const [, name, delimiter] = match;
    const value: string[] = [];
    for (i += 1; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? '');
    outputs[name as string] = value.join('\n');
  }
  return outputs;
}

/** Runs the action in this process with the runner's environment; returns what it printed. */
export async function runInProcess(
  env: Record<string, string>,
  deps: Parameters<typeof import('../../src/action/main.js').run>[0] = {},
): Promise<{ log: string; exitCode: number }> {
  const saved = { ...process.env };
  const clean = Object.entries(saved).filter(([key]) => !key.startsWith('INPUT_') && !key.startsWith('GITHUB_'));
  process.env = { ...Object.fromEntries(clean), ...env };
  const written: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = (chunk: string | Uint8Array) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  const { run } = await import('../../src/action/main.js');
  try {
    await run({ githubThrottle: false, ...deps });
  } finally {
    process.stdout.write = original;
    process.env = saved;
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { log: written.join(''), exitCode };
}

/**
 * A deterministic stand-in for the model: one finding on the first added line of each file in the
 * request, a two-line finding with a suggestion where two added lines follow each other, and one
 * finding on a line that is not in the diff (which must land in the summary, never inline).
 */
export function scriptedReview(userText: string): {
  summary: string;
  walkthrough: { path: string; change: string }[];
  comments: Record<string, unknown>[];
} {
  const comments: Record<string, unknown>[] = [];
  let path = '';
  let firstAdded: number | undefined;
  let firstText = '';
  let previous: number | undefined;
  let rangeDone = false;
  const flush = (): void => {
    if (path && firstAdded !== undefined) {
      comments.push({
        path,
        line: firstAdded,
        side: 'RIGHT',
        severity: 'medium',
        category: 'bug',
        title: `Unchecked input in ${path}`,
        body: `The value added at line ${firstAdded} is used without validation.`,
        quote: firstText,
      });
    }
  };
  for (const line of userText.split('\n')) {
    const header = /^## (\S+) \(/.exec(line);
    if (header) {
      flush();
      path = header[1] ?? '';
      firstAdded = undefined;
      previous = undefined;
      continue;
    }
    const added = /^(\d+)\+(.*)$/.exec(line);
    if (added) {
      const n = Number(added[1]);
      if (firstAdded === undefined) {
        firstAdded = n;
        firstText = added[2] ?? '';
      }
      if (!rangeDone && previous === n - 1 && path.endsWith('.js')) {
        comments.push({
          path,
          start_line: previous,
          line: n,
          severity: 'high',
          category: 'performance',
          title: 'Two-line range',
          body: 'Range finding.',
          quote: added[2] ?? '',
          suggestion: `${added[2] ?? ''}\n`,
        });
        rangeDone = true;
      }
      previous = n;
    } else previous = undefined;
  }
  flush();
  if (comments.length > 0) {
    const first = comments[0] as { path: string };
    comments.push({
      path: first.path,
      line: 99999,
      severity: 'low',
      category: 'maintainability',
      title: 'Finding outside the diff',
      body: 'This line is not in the diff.',
    });
  }
  const walkthrough = [...userText.matchAll(/^## (\S+) \(/gm)].map((m) => ({
    path: m[1] ?? '',
    change: `Updates ${m[1] ?? ''}.`,
  }));
  return { summary: 'The change adds a cache and tightens parsing.', walkthrough, comments };
}

/** Everything a request gave the model on the user's side: the user turn, and the results of its tool calls. */
export function userTextOf(body: { messages: readonly WireMessage[] }): string {
  return body.messages
    .filter((m) => m.role === 'user' || m.role === 'tool')
    .map(({ content }) =>
      typeof content === 'string'
        ? content
        : (content ?? []).map((c) => c.text ?? (typeof c.content === 'string' ? c.content : '')).join(''),
    )
    .join('\n');
}

/** A started fake gateway whose model answers with scriptedReview(). */
export function reviewingGateway(apiKey: string, options: Partial<FakeGatewayOptions> = {}): Promise<FakeGateway> {
  return new FakeGateway({
    apiKey,
    auth: 'x-api-key',
    reply: scriptedReply,
    ...options,
  }).start();
}

/** The scripted reviewer's answer to any call: a review, or (asked for the answer tool) an overview or answer. */
export function scriptedReply(body: GatewayBody): Reply {
  if (toolAsked(body) === 'submit_answer') return { toolInput: { answer: OVERVIEW_TEXT } };
  if (toolAsked(body) === 'submit_verdicts') return { toolInput: fakeVerdicts(userTextOf(body)) };
  return { toolInput: scriptedReview(userTextOf(body)) };
}

/** What the scripted reviewer writes when asked for the answer tool. */
export const OVERVIEW_TEXT = 'One overview of the whole change: it adds a cache and tightens parsing.';

/**
 * One review of the fake pull request, published by two runs at once, as two workflow runs without a
 * concurrency group would: both read before either posts.
 */
export async function publishTwiceAtOnce(github: FakeGitHub, gatewayUrl: string, apiKey: string): Promise<Published[]> {
  const octokit = createOctokit({ token: github.token, baseUrl: github.url, throttle: false });
  const settings = parseSettings({ 'api-key': apiKey, 'base-url': gatewayUrl, 'min-severity': 'info' });
  const { owner, repo, number } = github.pr;
  const pr = await fetchPullRequest(octokit, { owner, repo, number });
  const result = await executePlan(makePlan(pr, settings, ''), settings, createLlmClient(settings));
  const quiet = (): void => undefined;
  const us = 'github-actions[bot]';
  const earlier = await readEarlierSummary(octokit, pr, us, runSeal(settings, pr));
  const ctx = { octokit, pr, settings, us, redact: (t: string) => t, log: quiet, warn: quiet, earlier };
  return Promise.all([publish(ctx, result), publish(ctx, result)]);
}

/**
 * The fakes most tests of the action run against, started before each test and stopped after it: a fake
 * GitHub serving fakePullRequest() and a gateway answering with scriptedReview(). `use` is given them.
 */
export function fakesForEachTest(apiKey: string, use: (fakes: { github: FakeGitHub; llm: FakeGateway }) => void): void {
  let started: { github: FakeGitHub; llm: FakeGateway } | undefined;
  beforeEach(async () => {
    started = { github: await new FakeGitHub(fakePullRequest()).start(), llm: await reviewingGateway(apiKey) };
    use(started);
  });
  afterEach(async () => {
    await started?.github.stop();
    await started?.llm.stop();
  });
}

/**
 * A fake GitHub serving a pull request of these files and a fake gateway answering with `reply`, both stopped
 * by `stopLater` (stopAfterEach) after the test; with the action's environment for them and `inputs`.
 */
export async function fakesFor(
  files: ChangedFile[],
  gateway: FakeGatewayOptions,
  stopLater: (...stops: (() => Promise<void>)[]) => void,
  inputs: Record<string, string>,
) {
  const github = await new FakeGitHub(fakePullRequest(files)).start();
  const llm = await new FakeGateway(gateway).start();
  stopLater(
    () => github.stop(),
    () => llm.stop(),
  );
  const { env, files: written } = actionEnv(github, { 'api-key': gateway.apiKey, 'base-url': llm.url, ...inputs });
  return { github, llm, env, files: written };
}
