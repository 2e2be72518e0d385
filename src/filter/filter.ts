import { GlobError, globMatcher } from './glob.js';
import type { FileDiff } from '../diff/diff.js';
import { unshowablePath } from '../safety/clean.js';

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface FilterResult {
  reviewable: FileDiff[];
  skipped: SkippedFile[];
}

export interface FilterOptions {
  /** Globs a file must match to be reviewed; empty = every file. */
  include: readonly string[];
  /**
   * Globs of files never reviewed, on top of the defaults. An entry starting with `!` lifts the default
   * skips (deleted, lock file, vendored, minified, generated) for the files it matches.
   */
  exclude: readonly string[];
}

/** Default skips a user expects, by reason: lock files, vendored and build output, minified and generated files. */
export const DEFAULT_EXCLUDES: readonly { reason: string; globs: readonly string[] }[] = [
  {
    reason: 'lock file',
    globs: [
      '**/package-lock.json',
      '**/npm-shrinkwrap.json',
      '**/yarn.lock',
      '**/pnpm-lock.yaml',
      '**/bun.lockb',
      '**/bun.lock',
      '**/Cargo.lock',
      '**/Gemfile.lock',
      '**/poetry.lock',
      '**/Pipfile.lock',
      '**/uv.lock',
      '**/composer.lock',
      '**/go.sum',
      '**/Podfile.lock',
      '**/packages.lock.json',
      '**/gradle.lockfile',
      '**/flake.lock',
      '**/mix.lock',
      '**/pubspec.lock',
    ],
  },
  {
    reason: 'vendored or build output',
    globs: [
      '**/node_modules/**',
      '**/vendor/**',
      '**/third_party/**',
      '**/dist/**',
      '**/build/**',
      '**/out/**',
      '**/target/**',
      '**/.next/**',
      '**/coverage/**',
      '**/__snapshots__/**',
    ],
  },
  {
    reason: 'minified or source map',
    globs: ['**/*.min.js', '**/*.min.mjs', '**/*.min.css', '**/*.map', '**/*.bundle.js', '**/*-bundle.js'],
  },
  {
    reason: 'generated',
    globs: [
      '**/*.pb.go',
      '**/*_pb2.py',
      '**/*_pb2_grpc.py',
      '**/*.pb.cc',
      '**/*.pb.h',
      '**/*.g.dart',
      '**/*.generated.*',
      '**/*.designer.cs',
    ],
  },
];

/** Markers of generated code that tools write in a file's first lines. */
const GENERATED_HEADER =
  /@generated|\bDO NOT EDIT\b|auto-?generated (file|code|by)|this file (is|was) (automatically )?generated/i;

/** True when the file's first lines, as the diff shows them, say it is generated. */
export function looksGenerated(file: FileDiff): boolean {
  const first = file.hunks[0];
  if (!first || first.newStart > 1) return false;
  return first.lines
    .filter((l) => l.newLine !== undefined && l.newLine <= 5)
    .some((l) => GENERATED_HEADER.test(l.text));
}

/** Splits an input into globs: one a line or comma-separated, blanks and `#` comments ignored. */
/**
 * Why a glob of `include`, `exclude` or a config's `path_instructions` cannot be used, or undefined when it
 * can: GitHub's paths are relative to the repository root, and the matcher refuses what it cannot match in
 * bounded time (too long, too many brace alternatives, extended globs).
 */
export function globProblem(glob: string): string | undefined {
  const body = glob.startsWith('!') ? glob.slice(1) : glob;
  if (body.startsWith('/') || body.startsWith('./') || body.split('/').includes('..')) {
    return `${JSON.stringify(glob)} is not relative to the repository root (no leading / or ./, no ..)`;
  }
  const unescaped = body.replace(/\\./g, '');
  const count = (c: string): number => unescaped.split(c).length - 1;
  if (count('{') !== count('}') || count('[') > count(']')) {
    return `${JSON.stringify(glob)} is not a valid glob (an unclosed { or [)`;
  }
  try {
    globMatcher([body]);
  } catch (error) {
    if (error instanceof GlobError) return error.message;
    throw error;
  }
  return undefined;
}

export function parseGlobs(input: string): string[] {
  return input
    .split(/[\n,]/)
    .map((g) => g.trim())
    .filter((g) => g !== '' && !g.startsWith('#'));
}

/**
 * Splits files into the reviewable ones and the skipped ones with a reason each; nothing is dropped
 * silently. Order of rules: user excludes, then what cannot be reviewed (no patch), then `include`, then
 * the default skips (deleted, lock files, vendored, minified, generated), which a `!glob` in `exclude` lifts.
 */
export function filterFiles(
  files: readonly FileDiff[],
  options: FilterOptions = { include: [], exclude: [] },
): FilterResult {
  const excluded = globMatcher(options.exclude.filter((g) => !g.startsWith('!')));
  const kept = globMatcher(options.exclude.filter((g) => g.startsWith('!')).map((g) => g.slice(1)));
  const included = globMatcher(options.include);
  const defaults = DEFAULT_EXCLUDES.map((d) => ({ reason: d.reason, match: globMatcher(d.globs) }));
  const reviewable: FileDiff[] = [];
  const skipped: SkippedFile[] = [];
  for (const file of files) {
    const reason = skipReason(file, {
      excluded: excluded(file.path),
      included: included(file.path),
      includeGiven: options.include.length > 0,
      kept: kept(file.path),
      defaultReason: defaults.find((d) => d.match(file.path))?.reason,
    });
    if (reason === undefined) reviewable.push(file);
    else skipped.push({ path: file.path, reason });
  }
  return { reviewable, skipped };
}

function skipReason(
  file: FileDiff,
  m: { excluded: boolean; included: boolean; includeGiven: boolean; kept: boolean; defaultReason: string | undefined },
): string | undefined {
  if (unshowablePath(file.path) || (file.previousPath !== undefined && unshowablePath(file.previousPath))) {
    return 'its name holds a line break or another control character, which could forge the prompt: review it by hand';
  }
  if (m.excluded) return "matches 'exclude'";
  if (file.status === 'renamed' && file.hunks.length === 0 && file.additions + file.deletions === 0) {
    return 'renamed without changes';
  }
  if (file.noPatch) return 'binary, or too large for GitHub to send a patch';
  if (file.hunks.length === 0) return 'no changed lines';
  if (m.includeGiven && !m.included) return "does not match 'include'";
  if (m.kept) return undefined;
  const lift = `add '!${file.path}' to 'exclude' to review it`;
  if (file.status === 'removed') return `deleted (${lift})`;
  if (m.defaultReason) return `${m.defaultReason} (${lift})`;
  if (looksGenerated(file)) return `generated, by its header (${lift})`;
  return undefined;
}
