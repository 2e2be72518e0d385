import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { INPUT_DEFAULTS, parseSettings, SettingsError, type Settings } from '../settings/settings.js';
import { SEVERITIES } from '../core/severity.js';
import { LocalGitError, localPullRequest } from '../source/local.js';
import { loadInstructions } from '../prompt/instructions.js';
import type { ReviewResult } from '../pipeline/stages.js';
import { reviewPullRequest, type Publisher, type Source } from '../pipeline/review.js';
import { gitHeadFiles, repositoryRoot, worktreeFiles } from '../context/files.js';
import { createLlmClient } from '../llm/factory.js';
import type { LlmClient } from '../llm/client.js';
import { addUsage, costUsd, formatUsd, ZERO_USAGE, type Usage } from '../core/usage.js';
import { planReport } from '../publish/render.js';
import { failing } from '../publish/decide.js';
import { redactor } from '../safety/redact.js';
import { terminalSafe } from '../safety/markdown.js';
import { FORMATS, formatResult, type Format } from './format.js';

/** Exit codes: the review ran; a finding reached --fail-on (or nothing could be reviewed); a usage error. */
export const EXIT = { ok: 0, findings: 1, usage: 2 } as const;

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
}

/** Action inputs that make no sense locally: the key comes from the environment, GitHub is not involved. */
const NOT_FLAGS = new Set(['api-key', 'github-token', 'pr-number', 'dry-run', 'config-file', 'sarif-file']);
const INPUT_FLAGS = Object.keys(INPUT_DEFAULTS).filter((name) => !NOT_FLAGS.has(name));

export const USAGE = `Usage: claude-pr-review [--base REF] [--head REF] [--format text|markdown|json|sarif] [--output FILE]
                        [--provider NAME] [--model ID] [--fail-on SEVERITY] [--dry-run] [--INPUT VALUE ...]

Reviews the git diff of the repository you run it in (base..head) through the same pipeline as the action, and
prints the findings. Without an API key (ANTHROPIC_API_KEY or LLM_API_KEY), or with --dry-run, it prints the
plan and the estimated cost only. Untracked files are not part of a git diff: 'git add -N FILE' includes one.

  --base REF      base revision (default: the merge base with the upstream or default branch; on that branch
                  itself, HEAD's parent)
  --head REF      head revision (default: the working tree)
  --format F      text (default), markdown, json or sarif (SARIF 2.1.0)
  --output FILE   write the report there instead of to standard output
  --dry-run       print the plan and the estimated cost; call no model
  --fail-on SEV   exit 1 when a finding reaches this severity (${SEVERITIES.join(', ')}, or none)
Any action input is a flag too, with its default in action.yml:
${INPUT_FLAGS.filter((f) => f !== 'fail-on')
  .map((f) => `  --${f}`)
  .join('\n')}

Exit codes: 0 reviewed, 1 a finding reached --fail-on or no part could be reviewed, 2 a usage, configuration
or git error (the message names the flag).`;

class UsageError extends Error {}

/** Settings problems say `input 'x'`; on the command line the same thing is the flag `--x`. */
const asFlags = (message: string): string => message.replace(/input '([a-z-]+)'/g, '--$1');

interface Args {
  base: string | undefined;
  head: string | undefined;
  format: Format;
  output: string | undefined;
  dryRun: boolean;
  inputs: Record<string, string>;
}

function parseCommandLine(argv: string[]): Args | 'help' {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        base: { type: 'string' },
        head: { type: 'string' },
        format: { type: 'string' },
        output: { type: 'string', short: 'o' },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(INPUT_FLAGS.map((f) => [f, { type: 'string' as const }])),
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}; run with --help for the flags`);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  if (v.help) return 'help';
  const format = (v.format ?? 'text') as string;
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format: got ${JSON.stringify(format)}; expected one of ${FORMATS.join(', ')}`);
  }
  const inputs: Record<string, string> = {};
  for (const flag of INPUT_FLAGS) if (typeof v[flag] === 'string') inputs[flag] = v[flag];
  const str = (name: string): string | undefined => (typeof v[name] === 'string' ? v[name] : undefined);
  return {
    base: str('base'),
    head: str('head'),
    format: format as Format,
    output: str('output'),
    dryRun: v['dry-run'] === true,
    inputs,
  };
}

/** A progress line on a terminal: calls done of all, tokens and dollars so far. */
function progress(io: CliIo, total: number, settings: Settings): (usage: Usage | undefined) => void {
  let done = 0;
  let sum: Usage = ZERO_USAGE;
  let usdSoFar = 0;
  return (usage) => {
    done += 1;
    if (usage) sum = addUsage(sum, usage);
    if (usage && settings.prices) usdSoFar += costUsd(usage, settings.prices);
    if (!io.tty) return;
    const tokens = sum.input + sum.output + sum.cacheRead + sum.cacheWrite;
    const usd = settings.prices ? formatUsd(usdSoFar) : 'cost unknown';
    io.stderr(`\rreviewing: ${done}/${total} calls, ${tokens.toLocaleString('en-US')} tokens, ${usd}   `);
  };
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
  const apiKey = io.env.ANTHROPIC_API_KEY ?? io.env.LLM_API_KEY ?? '';
  const redact = redactor([apiKey]);
  try {
    const args = parseCommandLine(argv);
    if (args === 'help') {
      io.stdout(`${USAGE}\n`);
      return EXIT.ok;
    }
    const settings = parseSettings({ ...args.inputs, 'api-key': apiKey });
    const log = (m: string): void => {
      if (!io.tty) io.stderr(`${redact(m)}\n`);
    };
    const llm = settings.apiKey && !args.dryRun ? (io.llm ?? createLlm(log))(settings) : undefined;
    const source = await localSource(io.cwd, args, settings);
    const result = await reviewPullRequest(source, terminalPublisher(io, terminal, args, redact, log), llm, settings);
    return exitCode(result, settings);
  } catch (error) {
    const known = error instanceof UsageError || error instanceof SettingsError || error instanceof LocalGitError;
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`${redact(known ? asFlags(message) : `error: ${asFlags(message)}`)}\n`);
    return EXIT.usage;
  }
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

/** The local repository as the pipeline's source: the git diff base..head, the rules, the head's files. */
async function localSource(cwd: string, args: Args, settings: Settings): Promise<Source> {
  const pullRequest = await localPullRequest({ cwd, base: args.base, head: args.head });
  const instructions = await loadInstructions(settings.instructions, settings.instructionsFile, cwd);
  return {
    pullRequest,
    rules: { instructions },
    headFiles: async () => {
      const root = await repositoryRoot(cwd);
      return args.head ? gitHeadFiles(root, pullRequest.headSha) : worktreeFiles(root);
    },
  };
}

/** The command line's publisher: the plan and warnings on stderr, the report on stdout or in --output. */
function terminalPublisher(
  io: CliIo,
  terminal: CliIo,
  args: Args,
  redact: (text: string) => string,
  log: (message: string) => void,
): Publisher {
  let onCall: ((usage: Usage | undefined) => void) | undefined;
  return {
    info: log,
    warn: (message) => {
      io.stderr(`warning: ${redact(message)}\n`);
    },
    notice: (message) => {
      io.stderr(`${redact(message)}\n`);
    },
    stage: (_name, work) => work(),
    plan: (plan, estimate, settings) => {
      const rounds = settings.context === 'explore' ? settings.maxToolCalls : undefined;
      io.stderr(`${planReport(plan, estimate, settings.model, settings.maxCostUsd, rounds)}\n`);
      onCall = progress(terminal, plan.chunks.length, settings);
    },
    planOnly: (_plan, settings) => {
      const why = settings.apiKey ? '--dry-run' : 'No API key (ANTHROPIC_API_KEY or LLM_API_KEY)';
      io.stderr(`\n${why}: plan only, no model was called.\n`);
      return Promise.resolve();
    },
    called: (usage) => onCall?.(usage),
    publish: async (result, settings) => {
      if (io.tty) io.stderr('\n');
      await report(io, args, result, settings, redact);
    },
  };
}

async function report(
  io: CliIo,
  args: Args,
  result: ReviewResult,
  settings: Settings,
  redact: (text: string) => string,
): Promise<void> {
  const text = terminalSafe(redact(formatResult(args.format, result, settings)));
  if (args.output) {
    const path = resolve(io.cwd, args.output);
    await writeFile(path, `${text}\n`);
    io.stderr(`${args.format} report with ${result.findings.length} findings written to ${path}\n`);
  } else {
    io.stdout(`${text}\n`);
  }
}
