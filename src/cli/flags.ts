import { parseArgs } from 'node:util';
import { SEVERITIES } from '../core/severity.js';
import { nearest } from '../core/distance.js';
import { INPUT_DEFAULTS, type InputName } from '../settings/settings.js';

/** Output formats of the report. */
export const FORMATS = ['text', 'markdown', 'json', 'sarif'] as const;
export type Format = (typeof FORMATS)[number];

/** A flag as --help shows it: its value's name, what it does, and its default when it has one. */
interface Flag {
  name: string;
  value?: string;
  help: string;
  /** Shown as "(default: ...)"; an action input's default is taken from INPUT_DEFAULTS when this is absent. */
  default?: string;
}

/** The flags of the CLI, in the groups --help shows. Every other action input is the action's alone. */
const GROUPS: readonly { title: string; flags: readonly Flag[] }[] = [
  {
    title: 'What to review',
    flags: [
      {
        name: 'base',
        value: 'REF',
        help: 'the base revision',
        default: "the merge base with the upstream or default branch; on that branch, HEAD's parent",
      },
      { name: 'head', value: 'REF', help: 'the head revision', default: 'the working tree' },
      { name: 'repo', value: 'DIR', help: 'the git repository to review', default: 'the one it is run in' },
      { name: 'include', value: 'GLOBS', help: 'review only the files these globs match (comma or newline separated)' },
      {
        name: 'exclude',
        value: 'GLOBS',
        help: 'skip the files these globs match, besides lock files and generated code',
      },
      { name: 'instructions', value: 'TEXT', help: 'review rules of your own, added to the prompt' },
      { name: 'instructions-file', value: 'FILE', help: 'a file of review rules, read from the base commit' },
      {
        name: 'config-file',
        value: 'FILE',
        help: 'the review configuration, read from the base commit',
        default: '.github/claude-review.yml',
      },
      {
        name: 'learnings-file',
        value: 'FILE',
        help: "the team's learned rules, read from the base commit (none: leave them out)",
      },
      { name: 'context', value: 'MODE', help: 'what the model sees besides the diff: diff, code or explore' },
      { name: 'max-tool-calls', value: 'N', help: 'explore mode: file reads and searches a part may make' },
    ],
  },
  {
    title: 'Model and gateway (the key: ANTHROPIC_API_KEY, or LLM_API_KEY)',
    flags: [
      { name: 'provider', value: 'NAME', help: 'anthropic, runapi, bytespike, aimlapi or custom' },
      { name: 'model', value: 'ID', help: 'the model', default: "the provider's newest Sonnet" },
      { name: 'base-url', value: 'URL', help: "the gateway's URL", default: "the provider's" },
      { name: 'api-format', value: 'F', help: 'anthropic (Messages) or openai (Chat Completions)' },
      { name: 'auth', value: 'STYLE', help: 'x-api-key or bearer', default: "the provider's" },
      { name: 'effort', value: 'LEVEL', help: 'low, medium, high, xhigh, max, or none', default: "the model's" },
      { name: 'temperature', value: 'T', help: 'sampling temperature, for models that take one' },
      { name: 'max-output-tokens', value: 'N', help: 'output tokens a call may use', default: 'by the model' },
      { name: 'context-window', value: 'N', help: 'the context window of a model outside the model table' },
      { name: 'pricing', value: 'JSON', help: 'USD per million tokens, e.g. {"input": 3, "output": 15}' },
    ],
  },
  {
    title: 'Output',
    flags: [
      { name: 'format', value: 'F', help: 'text, markdown, json or sarif (SARIF 2.1.0)', default: 'text' },
      { name: 'output', value: 'FILE', help: 'write the report there instead of to standard output (also -o)' },
      { name: 'fail-on', value: 'SEV', help: `exit 1 when a finding reaches ${SEVERITIES.join(', ')} (or none)` },
      { name: 'min-severity', value: 'SEV', help: 'list findings of this severity and above (text, markdown)' },
      { name: 'max-comments', value: 'N', help: 'findings listed at most, the most severe first (text, markdown)' },
      { name: 'walkthrough', value: 'BOOL', help: 'a line per file of what changed, in markdown' },
      { name: 'review-depth', value: 'D', help: 'quick (one look), standard (three) or deep (+ tools)' },
      { name: 'verify', value: 'BOOL', help: 'a second look at each part’s findings before they are reported' },
      { name: 'min-confidence', value: 'N', help: 'findings under this confidence (0 to 100) are set aside' },
      { name: 'include-pre-existing', value: 'BOOL', help: 'report findings the change did not introduce too' },
      { name: 'dry-run', help: 'print the plan and the estimated cost; call no model', default: 'off' },
    ],
  },
  {
    title: 'Limits',
    flags: [
      {
        name: 'max-cost-usd',
        value: 'USD',
        help: 'no call is made that could take the review past this (none: no cap)',
      },
      { name: 'max-minutes', value: 'N', help: 'the review stops after this long, keeping what it found' },
      { name: 'concurrency', value: 'N', help: 'model calls in flight at once' },
      { name: 'chunk-tokens', value: 'N', help: 'diff tokens a call reviews at most' },
    ],
  },
];

/** Flags of the CLI's own, not action inputs. */
const OWN = new Set(['base', 'head', 'repo', 'format', 'output', 'dry-run']);
/** The action inputs that are flags of the CLI. */
export const INPUT_FLAGS = GROUPS.flatMap((g) => g.flags.map((f) => f.name)).filter(
  (name): name is InputName => !OWN.has(name) && name in INPUT_DEFAULTS,
);

function defaultOf(flag: Flag): string | undefined {
  if (flag.default !== undefined) return flag.default;
  const value = (INPUT_DEFAULTS as Readonly<Record<string, string>>)[flag.name];
  return value ? value : undefined;
}

/** The text of --help. */
export function usage(version: string): string {
  const left = (flag: Flag): string => `  --${flag.name}${flag.value ? ` ${flag.value}` : ''}`;
  // One column for every flag's help, two spaces past the longest flag: no two columns ever touch.
  const width = Math.max(...GROUPS.flatMap((g) => g.flags.map((f) => left(f).length))) + 2;
  const rows = GROUPS.map((group) => {
    const lines = group.flags.map((flag) => {
      const fallback = defaultOf(flag);
      return `${left(flag).padEnd(width)}${flag.help}${fallback ? ` (default: ${fallback})` : ''}`;
    });
    return [`${group.title}:`, ...lines].join('\n');
  });
  return [
    `claude-pr-review ${version}: reviews the git diff of the repository you run it in (base..head) with Claude.`,
    '',
    'Usage: claude-pr-review [--base REF] [--head REF] [--format F] [--output FILE] [flags]',
    '',
    'Without an API key, or with --dry-run, it prints the plan and the estimated cost, and calls no model.',
    "Untracked files are not part of a git diff: 'git add -N FILE' includes one.",
    '',
    ...rows.flatMap((row) => [row, '']),
    '  --help, -h                this text          --version, -v     the version',
    '',
    'Exit codes: 0 reviewed (or the plan alone); 1 a finding reached --fail-on, or no part could be reviewed; 2 a',
    'usage, configuration or git error (the message names the flag); 3 nothing reviewed: no key, while --fail-on,',
    '--format or --output asked for a review; 4 the report could not be written to --output (it went to standard',
    'output instead); 130 interrupted (what finished is printed and written).',
  ].join('\n');
}

/** A mistake on the command line, said in terms of flags. */
export class UsageError extends Error {}

export interface Args {
  base: string | undefined;
  /** The repository to review; the current directory when not given. */
  repo: string | undefined;
  head: string | undefined;
  format: Format;
  output: string | undefined;
  dryRun: boolean;
  /** Action inputs given as flags. */
  inputs: Record<string, string>;
}

/** The command line read: the arguments, or a request for help or the version. */
export function parseCommandLine(argv: string[]): Args | 'help' | 'version' {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        base: { type: 'string' },
        head: { type: 'string' },
        repo: { type: 'string' },
        format: { type: 'string' },
        output: { type: 'string', short: 'o' },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        ...Object.fromEntries(INPUT_FLAGS.map((f) => [f, { type: 'string' as const }])),
      },
    });
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /Unknown option '--([^']+)'/.exec(message)?.[1];
    const near = unknown ? nearestFlag(unknown) : undefined;
    throw new UsageError(`${message}${near ? ` (did you mean --${near}?)` : ''}; run with --help for the flags`);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  if (v.help) return 'help';
  if (v.version) return 'version';
  const format = (v.format ?? 'text') as string;
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format: got ${JSON.stringify(format)}; expected one of ${FORMATS.join(', ')}`);
  }
  const str = (name: string): string | undefined => (typeof v[name] === 'string' ? v[name] : undefined);
  const inputs: Record<string, string> = {};
  for (const flag of INPUT_FLAGS) {
    const value = str(flag);
    if (value !== undefined) inputs[flag] = value;
  }
  return {
    base: str('base'),
    repo: str('repo'),
    head: str('head'),
    format: format as Format,
    output: str('output'),
    dryRun: v['dry-run'] === true,
    inputs,
  };
}

/** The flag nearest to a mistyped one: a prefix of it, or within two edits; undefined when none is close. */
export function nearestFlag(name: string): string | undefined {
  const all = [...GROUPS.flatMap((g) => g.flags.map((f) => f.name)), 'help', 'version'];
  return all.find((flag) => flag.startsWith(name) || name.startsWith(flag)) ?? nearest(name, all, 2);
}

/**
 * A message of the settings or the gateway, said the CLI's way: an input is a flag (`input 'x'` and `'x'` are
 * `--x`), the key is an environment variable.
 */
export function asFlags(message: string): string {
  return message
    .replace(/Invalid action inputs/g, 'Invalid flags')
    .replace(/input 'api-key'|the secret passed as 'api-key'/g, 'the key in ANTHROPIC_API_KEY (or LLM_API_KEY)')
    .replace(/input '([a-z-]+)'/g, '--$1')
    .replace(/'([a-z-]+)'/g, (quoted, name: string) => (name in INPUT_DEFAULTS ? `--${name}` : quoted));
}
