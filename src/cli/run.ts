import { plural } from '../core/words.js';
import { errorText } from '../core/errors.js';
import { access, constants, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { addUsage, costUsd, formatUsd, ZERO_USAGE, type Usage } from '../core/usage.js';
import { VERSION } from '../core/version.js';
import { gitHeadFiles, repositoryRoot, worktreeFiles } from '../context/files.js';
import type { LlmClient } from '../llm/client.js';
import { createLlmClient } from '../llm/factory.js';
import { reviewPullRequest, type Publisher, type Source } from '../pipeline/review.js';
import { filesOf } from '../run/run.js';
import type { CostEstimate, ReviewPlan, ReviewResult } from '../pipeline/stages.js';
import { failing } from '../publish/decide.js';
import { planReport } from '../publish/plan-report.js';
import { terminalSafe } from '../safety/markdown.js';
import { redactor, type Redact } from '../safety/redact.js';
import { parseSettings, SettingsError, type Settings } from '../settings/settings.js';
import { ConfigError } from '../settings/config.js';
import { LocalGitError, localPullRequest } from '../source/local.js';
import { gitReader, RepoFileError, withRepoConfig } from '../source/repo.js';
import { asFlags, parseCommandLine, usage, UsageError, type Args } from './flags.js';
import { formatPlan, formatResult } from './format.js';

/**
 * Exit codes: the review ran; a finding reached --fail-on (or nothing could be reviewed); a usage error; a gate
 * or a report was asked for with no key to review with (never a clean-looking 0); --output could not be written
 * after the review (the report went to standard output instead); Ctrl-C.
 */
export const EXIT = { ok: 0, findings: 1, usage: 2, notReviewed: 3, notWritten: 4, interrupted: 130 } as const;

/** Where the CLI reads and writes; the real process by default, anything in tests. */
export interface CliIo {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** stderr is a terminal: show a progress line. */
  tty: boolean;
  /** Makes the LLM client (tests pass one that talks to a fake). */
  llm?: (settings: Settings) => LlmClient;
  /** Aborts at Ctrl-C: the calls stop, what finished is printed and written. */
  interrupt?: AbortSignal;
}

/** Runs the CLI; returns its exit code. Every error a user can fix exits 2 with a message that names the flag. */
export async function runCli(argv: string[], terminal: CliIo): Promise<number> {
  // Everything printed can hold text of the repository, the model or the gateway: no control character of it
  // reaches the terminal (the progress line alone writes its own carriage return).
  const io: CliIo = {
    ...terminal,
    stdout: (text) => {
      terminal.stdout(terminalSafe(text));
    },
    stderr: (text) => {
      terminal.stderr(terminalSafe(text));
    },
  };
  // An empty ANTHROPIC_API_KEY (a CI secret that is not set) falls back to LLM_API_KEY.
  const apiKey = io.env.ANTHROPIC_API_KEY?.trim() || io.env.LLM_API_KEY?.trim() || '';
  const redact = redactor([apiKey]);
  try {
    const args = parseCommandLine(argv);
    if (args === 'help' || args === 'version') {
      io.stdout(`${args === 'help' ? usage(VERSION) : VERSION}\n`);
      return EXIT.ok;
    }
    return await review(io, terminal, args, apiKey, redact);
  } catch (error) {
    const text = errorText(error);
    // A problem the user can fix (a flag, the config file, git) is said as it is; anything else is an error.
    const known =
      error instanceof UsageError ||
      error instanceof SettingsError ||
      error instanceof LocalGitError ||
      error instanceof ConfigError ||
      error instanceof RepoFileError;
    const message = asFlags(text);
    io.stderr(`${redact(known ? message : `error: ${message}`)}\n`);
    return EXIT.usage;
  }
}

async function review(io: CliIo, terminal: CliIo, args: Args, apiKey: string, redact: Redact): Promise<number> {
  // The Anthropic SDKs' (and Claude Code's) convention: ANTHROPIC_BASE_URL, when --base-url is not given.
  const envBase = args.inputs['base-url'] ? undefined : io.env.ANTHROPIC_BASE_URL?.trim() || undefined;
  const given = parseSettings(
    { ...args.inputs, 'api-key': apiKey, ...(envBase ? { 'base-url': envBase } : {}) },
    envBase ? { 'base-url': 'ANTHROPIC_BASE_URL' } : {},
  );
  await checkOutput(io, args);
  const log = (m: string): void => {
    if (!io.tty) io.stderr(`${redact(asFlags(m))}\n`);
  };
  const cwd = args.repo ? resolve(io.cwd, args.repo) : io.cwd;
  if (args.repo && !(await stat(cwd).catch(() => undefined))?.isDirectory()) {
    throw new UsageError(
      `--repo: ${JSON.stringify(args.repo)} does not exist (${cwd}); expected a folder of a git repository`,
    );
  }
  const { source, settings } = await localSource(cwd, args, given, log);
  const llm = settings.apiKey && !args.dryRun ? (io.llm ?? createLlm(log))(settings) : undefined;
  const pr = source.pullRequest;
  io.stderr(`Reviewing ${await repositoryRoot(cwd)}: ${pr.baseRef}..${pr.headRef}\n`);
  const written: Written = { ok: true };
  const publisher = terminalPublisher(io, terminal, args, redact, written);
  const clock = { startedAt: Date.now(), signal: io.interrupt };
  const result = await reviewPullRequest(source, { ...publisher, info: log }, llm, settings, clock);
  if (io.interrupt?.aborted) return EXIT.interrupted;
  const asked = llm || args.dryRun ? undefined : asksForReview(args, settings);
  if (asked) {
    io.stderr(
      `Nothing was reviewed: no API key (ANTHROPIC_API_KEY or LLM_API_KEY), and ${asked} asked for a review; set a key, or pass --dry-run for the plan alone (exit ${EXIT.notReviewed}).\n`,
    );
    return EXIT.notReviewed;
  }
  const code = exitCode(result, settings);
  return code === EXIT.ok && !written.ok ? EXIT.notWritten : code;
}

/** Whether the report reached --output (a failed write sends it to standard output instead). */
interface Written {
  ok: boolean;
}

/** --output checked before anything is paid for: its folder exists and can be written, and it is not a folder. */
async function checkOutput(io: CliIo, args: Args): Promise<void> {
  if (!args.output) return;
  const path = resolve(io.cwd, args.output);
  const folder = dirname(path);
  let problem: string | undefined;
  try {
    await access(folder, constants.W_OK);
    if ((await stat(path).catch(() => undefined))?.isDirectory()) problem = 'is a folder';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    problem =
      code === 'ENOENT'
        ? `is in a folder that does not exist (${folder})`
        : `cannot be written (${code ?? 'unwritable'}: ${folder})`;
  }
  if (problem) {
    throw new UsageError(
      `--output: ${JSON.stringify(args.output)} ${problem}; expected a file path in a folder you can write to`,
    );
  }
}

/** What on the command line asks for a review rather than a plan: a gate, a report format, a report file. */
function asksForReview(args: Args, settings: Settings): string | undefined {
  const asked = [
    ...(settings.failOn !== undefined ? ['--fail-on'] : []),
    ...(args.format !== 'text' ? [`--format ${args.format}`] : []),
    ...(args.output ? ['--output'] : []),
  ];
  return asked.length > 0 ? asked.join(', ') : undefined;
}

/** The exit code of a run: a finding at --fail-on, or no part reviewed, is 1. */
function exitCode(result: ReviewResult | undefined, settings: Settings): number {
  if (!result) return EXIT.ok;
  if (failing(result.findings, settings.failOn)) return EXIT.findings;
  const reviewed = result.outcomes.some((o) => o.status === 'ok');
  return reviewed || result.outcomes.length === 0 ? EXIT.ok : EXIT.findings;
}

const createLlm =
  (log: (message: string) => void) =>
  (settings: Settings): LlmClient =>
    createLlmClient(settings, { log });

/**
 * The local repository as the pipeline's source: the git diff base..head, the head's files, and the
 * repository's rules read from the base commit through git, exactly as the action reads them through the API
 * (the config file under the flags given, `instructions-file`, the same checks and messages).
 */
async function localSource(
  cwd: string,
  args: Args,
  given: Settings,
  log: (message: string) => void,
): Promise<{ source: Source; settings: Settings }> {
  const pullRequest = await localPullRequest({ cwd, base: args.base, head: args.head });
  const root = await repositoryRoot(cwd);
  // A local file may be named by its absolute path: inside the repository it is the same repository path.
  const inRepo = (file: string): string => {
    const rel = relative(root, resolve(cwd, file));
    return isAbsolute(file) && rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
  };
  const local = { ...given, instructionsFile: inRepo(given.instructionsFile), configFile: inRepo(given.configFile) };
  const { settings, rules } = await withRepoConfig(gitReader(root, pullRequest), pullRequest, {
    settings: local,
    raw: args.inputs,
    log,
  });
  const source: Source = {
    pullRequest,
    rules,
    headFiles: () => Promise.resolve(args.head ? gitHeadFiles(root, pullRequest.headSha) : worktreeFiles(root)),
    baseFiles: () => Promise.resolve(gitHeadFiles(root, pullRequest.baseSha)),
  };
  return { source, settings };
}

/** The command line's publisher: the plan and warnings on stderr, the report on stdout or in --output. */
function terminalPublisher(io: CliIo, terminal: CliIo, args: Args, redact: Redact, written: Written): Publisher {
  let shown: Progress | undefined;
  let estimate: CostEstimate | undefined;
  return {
    info: () => undefined,
    warn: (message) => {
      io.stderr(`warning: ${redact(asFlags(message))}\n`);
    },
    notice: (message) => {
      io.stderr(`${redact(asFlags(message))}\n`);
    },
    stage: (_name, work) => work(),
    plan: (plan, planned, settings) => {
      estimate = planned;
      const rounds = settings.context === 'explore' ? settings.maxToolCalls : undefined;
      io.stderr(`${planReport(plan, planned, settings.model, settings.maxCostUsd, rounds)}\n`);
      if (plan.chunks.length === 0) io.stderr(`\n${nothingToReview(plan)}\n`);
      if (plan.chunks.length > 0) shown = progress(terminal, planned.calls, settings);
    },
    planOnly: async (plan, settings) => {
      shown?.stop();
      const why = settings.apiKey ? '--dry-run' : 'No API key (ANTHROPIC_API_KEY or LLM_API_KEY)';
      io.stderr(`\n${why}: plan only, no model was called.\n`);
      // The plan itself is on stderr already; a file, or another format, gets it in that format.
      if (args.output || args.format !== 'text') {
        const planned = formatPlan(args.format, plan, estimate ?? noEstimate(), settings, `${why}: plan only`);
        written.ok = await report(io, args, planned, redact, 'plan');
      }
    },
    called: (usage) => shown?.called(usage),
    publish: async (result, settings) => {
      shown?.stop();
      if (io.tty) io.stderr('\n');
      if (io.interrupt?.aborted) io.stderr(`${interrupted(result)}\n`);
      // Why a part was not reviewed is the gateway's or the settings' words: said with flags here.
      const outcomes = result.outcomes.map((o) => (o.error ? { ...o, error: asFlags(o.error) } : o));
      const text = formatResult(args.format, { ...result, outcomes }, settings);
      written.ok = await report(io, args, text, redact, `report with ${result.findings.length} findings`);
    },
  };
}

const noEstimate = (): CostEstimate => ({
  usage: ZERO_USAGE,
  usd: undefined,
  usdMax: undefined,
  calls: 0,
  perPart: 'one look',
});

/** The line for a diff with nothing the review would read. */
function nothingToReview(plan: ReviewPlan): string {
  const range = `${plan.pr.baseRef}..${plan.pr.headRef}`;
  if (plan.files.length === 0) return `Nothing to review: ${range} changes no file.`;
  return `Nothing to review: the ${plural(plan.files.length, 'file')} ${range} changes ${plan.files.length === 1 ? 'is' : 'are all'} skipped (see above).`;
}

/** What Ctrl-C left: the files reviewed whole, and that the rest are listed as not reviewed. */
function interrupted(result: ReviewResult): string {
  const all = filesOf(result.outcomes);
  const unfinished = filesOf(result.outcomes.filter((o) => o.status !== 'ok'));
  return `interrupted: ${all.size - unfinished.size} of ${all.size} files reviewed; the rest are listed as not reviewed.`;
}

/**
 * The text to standard output, or to --output with a line on stderr saying so. A write that fails after the
 * review (a full disk, a folder removed meanwhile) loses nothing: the text goes to standard output, and the
 * answer is false so the exit code says so.
 */
async function report(io: CliIo, args: Args, text: string, redact: Redact, what: string): Promise<boolean> {
  const safe = terminalSafe(redact(text));
  if (!args.output) {
    io.stdout(`${safe}\n`);
    return true;
  }
  const path = resolve(io.cwd, args.output);
  try {
    await writeFile(path, `${safe}\n`);
  } catch (error) {
    io.stderr(
      `--output: could not write ${path} (${errorText(error)}); the ${what} follows on standard output (exit ${EXIT.notWritten})\n`,
    );
    io.stdout(`${safe}\n`);
    return false;
  }
  io.stderr(`${args.format} ${what} written to ${path}\n`);
  return true;
}

/** A progress line on a terminal: calls done of all, tokens and dollars so far. */
/**
 * A progress line on a terminal: calls done of all, tokens and dollars so far, and the time since the review
 * began, redrawn twice a second so the first (longest) call shows that work is happening; `stop` ends it.
 */
function progress(io: CliIo, total: number, settings: Settings): Progress {
  const began = Date.now();
  let done = 0;
  let sum: Usage = ZERO_USAGE;
  let usdSoFar = 0;
  const draw = (): void => {
    const tokens = sum.input + sum.output + sum.cacheRead + sum.cacheWrite;
    const usd = settings.prices ? formatUsd(usdSoFar) : 'cost unknown';
    const elapsed = Math.round((Date.now() - began) / 1000);
    io.stderr(
      `\rreviewing: ${done}/~${Math.max(done, total)} calls, ${tokens.toLocaleString('en-US')} tokens, ${usd}, ${elapsed} s   `,
    );
  };
  // Twice a second, from half a second in: a run that stops at its plan (no key) never shows it.
  const timer = io.tty ? setInterval(draw, 500) : undefined;
  timer?.unref();
  return {
    called: (usage) => {
      done += 1;
      if (usage) sum = addUsage(sum, usage);
      if (usage && settings.prices) usdSoFar += costUsd(usage, settings.prices);
      if (io.tty) draw();
    },
    stop: () => {
      clearInterval(timer);
    },
  };
}

interface Progress {
  called: (usage: Usage | undefined) => void;
  stop: () => void;
}
