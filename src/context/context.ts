import { posix } from 'node:path';
import type { Chunk, ChunkFile } from '../plan/plan.js';
import {
  contextBudget,
  fitContext,
  merge,
  SCORE,
  shownLines,
  unseen,
  type ChunkContext,
  type ContextItem,
} from './items.js';
import { ANONYMOUS, indexCode, type CodeIndex, type Definition, type Scope, type Use } from './code.js';
import { definedName } from '../diff/render.js';
import { extensionOf, type HeadFiles, type SearchHit } from './files.js';

/** A file this short is shown whole (what the diff does not show of it). */
export const SMALL_FILE_LINES = 120;
/** An enclosing function longer than this is shown around the change: its header and a window. */
const MAX_SCOPE_LINES = 150;
const SCOPE_WINDOW_LINES = 40;
/** A definition longer than this is cut after its first lines. */
const MAX_DEFINITION_LINES = 80;
/** Names of one file's changed lines looked up, calls first. */
const MAX_NAMES_PER_FILE = 24;
/** Other files searched for a name that no import explains: the PR's files, then the folder's files. */
const MAX_NEIGHBOUR_FILES = 12;
/** Shared state of one review's context: files read and indexed once. */
export interface ContextSource {
  files: HeadFiles;
  index(path: string): Promise<{ text: string; lines: string[]; code: CodeIndex } | undefined>;
}

export function contextSource(files: HeadFiles, log?: (message: string) => void): ContextSource {
  const indexed = new Map<string, Promise<{ text: string; lines: string[]; code: CodeIndex } | undefined>>();
  const index = (path: string, text: string): CodeIndex => {
    const code = indexCode(path, text);
    if (code.fallback) log?.(`context: ${code.fallback}`);
    return code;
  };
  return {
    files,
    index: (path) => {
      let entry = indexed.get(path);
      if (!entry) {
        entry = files
          .read(path)
          .then((text) =>
            text === undefined ? undefined : { text, lines: text.split('\n'), code: index(path, text) },
          );
        indexed.set(path, entry);
      }
      return entry;
    },
  };
}

function addedLines(cf: ChunkFile): Set<number> {
  const added = new Set<number>();
  for (const hunk of cf.hunks)
    for (const line of hunk.lines) if (line.kind === 'add' && line.newLine !== undefined) added.add(line.newLine);
  return added;
}

/** The new-file lines a change touches: its added lines, and for deleted lines the line that follows them. */
function changedLines(cf: ChunkFile): number[] {
  const out: number[] = [];
  for (const hunk of cf.hunks) {
    let pendingDeletion = false;
    for (const l of hunk.lines) {
      if (l.kind === 'del') pendingDeletion = true;
      else if (l.kind === 'add' || pendingDeletion) {
        if (l.newLine !== undefined) out.push(l.newLine);
        pendingDeletion = false;
      }
    }
  }
  return out;
}

/** Manifests, lock files and data: their diff says what changed, a copy of the rest of them says little. */
const DATA_FILE =
  /(?:^|\/)(?:package(?:-lock)?\.json|yarn\.lock|pnpm-lock\.yaml|Cargo\.lock|go\.(?:mod|sum)|composer\.lock|Gemfile\.lock|poetry\.lock)$|\.(?:json|jsonc|json5|lock|ya?ml|toml|csv|tsv|xml|ini|cfg|conf|txt|md|rst|svg|snap|map|env|properties)$/i;

export function isDataFile(path: string): boolean {
  return DATA_FILE.test(path);
}

function slice(lines: readonly string[], start: number, end: number): { n: number; text: string }[] {
  const out: { n: number; text: string }[] = [];
  for (let n = Math.max(1, start); n <= Math.min(end, lines.length); n++) out.push({ n, text: lines[n - 1] ?? '' });
  return out;
}

/** The candidate context of one reviewed file's hunks in a chunk: its enclosing scopes and the definitions it uses. */
async function fileContext(cf: ChunkFile, chunk: Chunk, source: ContextSource): Promise<ContextItem[]> {
  const path = cf.file.path;
  const head = await source.index(path);
  if (!head) return [];
  const realLines = head.lines.at(-1) === '' ? head.lines.length - 1 : head.lines.length;
  if (isDataFile(path)) return [];
  const around =
    realLines <= SMALL_FILE_LINES
      ? [
          {
            path,
            start: 1,
            end: realLines,
            lines: slice(head.lines, 1, realLines),
            why: 'the rest of this file',
            score: SCORE.wholeFile,
            forPaths: [path],
          },
        ]
      : scopeItems(cf, head);
  return [
    ...around,
    ...(await definitionItems(cf, head.code, chunk, source)),
    ...(await callerItems(cf, head.code, chunk, source)),
  ];
}

/**
 * For every changed line, the innermost named function or class around it (a callback inside one is part
 * of it), once each: a hunk that covers only part of a function, or runs across two, gets each whole.
 */
function scopeItems(cf: ChunkFile, head: { lines: readonly string[]; code: CodeIndex }): ContextItem[] {
  const path = cf.file.path;
  const found = new Map<number, { scope: Scope; first: number; last: number }>();
  for (const line of changedLines(cf)) {
    const around = head.code.scopes
      .filter((s) => s.start <= line && s.end >= line && s.end > s.start)
      .sort((a, b) => a.end - a.start - (b.end - b.start));
    const scope = around.find((s) => s.name !== ANONYMOUS) ?? around[0];
    if (!scope) continue;
    const seen = found.get(scope.start);
    found.set(scope.start, {
      scope,
      first: Math.min(seen?.first ?? line, line),
      last: Math.max(seen?.last ?? line, line),
    });
  }
  return [...found.values()].map(({ scope, first, last }) => {
    const size = scope.end - scope.start + 1;
    const body =
      size <= MAX_SCOPE_LINES
        ? slice(head.lines, scope.start, scope.end)
        : [
            ...slice(head.lines, scope.start, Math.min(scope.start + 4, first - 1)),
            ...slice(head.lines, Math.max(scope.start + 5, first - SCOPE_WINDOW_LINES), last + SCOPE_WINDOW_LINES),
          ];
    const why =
      scope.name === ANONYMOUS ? 'the function the change sits in' : `the code the change sits in (${scope.name})`;
    return { path, start: scope.start, end: scope.end, lines: body, why, score: SCORE.scope, forPaths: [path] };
  });
}

/**
 * Lines that name a function: a search of the repository where it reads every file (git), else the part's own
 * files, so what an API search happens to have read by then cannot change the prompt from one run to the next.
 */
async function callSites(name: string, chunk: Chunk, source: ContextSource): Promise<SearchHit[]> {
  if (source.files.searchesAll) return (await source.files.search(name, 40)).hits;
  const hits: SearchHit[] = [];
  for (const path of [...new Set(chunk.files.map((cf) => cf.file.path))].sort()) {
    const file = await source.index(path);
    file?.lines.forEach((text, i) => {
      if (text.includes(name)) hits.push({ path, line: i + 1, text });
    });
  }
  return hits;
}

/** Callers shown of each changed function: a few, one hop, the PR's other files first. */
const MAX_CALLERS = 3;
const MAX_CHANGED_FUNCTIONS = 3;
/** A caller's function longer than this is shown around the call. */
const MAX_CALLER_LINES = 40;
const CALLER_WINDOW_LINES = 6;

/** The functions and methods whose bodies a change touches, most touched first. */
function changedFunctions(cf: ChunkFile, code: CodeIndex): Definition[] {
  const lines = changedLines(cf);
  return code.definitions
    .filter((d) => (d.kind === 'function' || d.kind === 'method') && d.name.length >= 3 && d.name !== 'default')
    .map((d) => ({ d, touched: lines.filter((n) => n >= d.start && n <= d.end).length }))
    .filter((x) => x.touched > 0)
    .sort((a, b) => b.touched - a.touched || a.d.start - b.d.start)
    .slice(0, MAX_CHANGED_FUNCTIONS)
    .map((x) => x.d);
}

/**
 * A few callers of each function the change touches (one hop: lines that call it by name, outside its own
 * body), shown as the calling function, or the lines around the call when that function is long.
 */
async function callerItems(
  cf: ChunkFile,
  code: CodeIndex,
  chunk: Chunk,
  source: ContextSource,
): Promise<ContextItem[]> {
  const path = cf.file.path;
  const inPr = new Set(chunk.files.map((f) => f.file.path));
  const items: ContextItem[] = [];
  for (const fn of changedFunctions(cf, code)) {
    const name = fn.name.replace(/\$/g, '\\$');
    const call = new RegExp(`(?:^|[^\\w$.])${name}\\s*\\(|\\.${name}\\s*\\(`);
    const hits = await callSites(fn.name, chunk, source);
    const calls = hits
      .filter((h) => call.test(h.text) && !(h.path === path && h.line >= fn.start && h.line <= fn.end))
      .filter((h) => definedName(h.text) !== fn.name && !isDataFile(h.path))
      .sort((a, b) => Number(inPr.has(b.path)) - Number(inPr.has(a.path)))
      .slice(0, MAX_CALLERS);
    for (const hit of calls) {
      const caller = await source.index(hit.path);
      if (!caller) continue;
      const scope = caller.code.scopes
        .filter((s) => s.start <= hit.line && s.end >= hit.line && s.name !== ANONYMOUS)
        .sort((a, b) => a.end - a.start - (b.end - b.start))[0];
      const whole = scope && scope.end - scope.start < MAX_CALLER_LINES;
      const [start, end] = whole
        ? [scope.start, scope.end]
        : [Math.max(1, hit.line - CALLER_WINDOW_LINES), hit.line + CALLER_WINDOW_LINES];
      items.push({
        path: hit.path,
        start,
        end: Math.min(end, caller.lines.length),
        lines: slice(caller.lines, start, end),
        why: `a caller of ${fn.name}, changed in ${path}`,
        score: SCORE.caller,
        forPaths: [path],
      });
    }
  }
  return items;
}

/** The definitions of the names the added lines use, wherever they are found. */
async function definitionItems(
  cf: ChunkFile,
  code: CodeIndex,
  chunk: Chunk,
  source: ContextSource,
): Promise<ContextItem[]> {
  const path = cf.file.path;
  const items: ContextItem[] = [];
  for (const use of code.usesOn(addedLines(cf)).slice(0, MAX_NAMES_PER_FILE)) {
    const found = await resolveUse(use, path, code, chunk, source);
    const target = found ? await source.index(found.path) : undefined;
    if (!found || !target) continue;
    const { definition } = found;
    const size = definition.end - definition.start + 1;
    const end = size <= MAX_DEFINITION_LINES ? definition.end : definition.start + MAX_DEFINITION_LINES - 1;
    items.push({
      path: found.path,
      start: definition.start,
      end: definition.end,
      lines: slice(target.lines, definition.start, end),
      why: `definition of ${definition.owner ? `${definition.owner}.` : ''}${definition.name}, used in ${path}`,
      score: use.call ? SCORE.definitionCalled : SCORE.definitionRead,
      forPaths: [path],
    });
  }
  return items;
}

/** Where a used name is defined: this file, the module it is imported from, or (for calls) a neighbouring file. */
async function resolveUse(
  use: Use,
  path: string,
  code: CodeIndex,
  chunk: Chunk,
  source: ContextSource,
): Promise<{ path: string; definition: Definition } | undefined> {
  const local = (defs: readonly Definition[], name: string, method: boolean): Definition | undefined =>
    defs.find((d) => d.name === name && (method ? d.kind === 'method' : d.kind !== 'method')) ??
    (method ? undefined : defs.find((d) => d.name === name));
  if (use.object === 'this' || use.object === 'self') {
    const def = local(code.definitions, use.name, true);
    return def ? { path, definition: def } : undefined;
  }
  const imported = code.imports.get(use.object ?? use.name);
  if (imported) {
    const target = await resolveModule(path, imported.source, source.files);
    if (!target) return undefined;
    const index = await source.index(target);
    if (!index) return undefined;
    const name = use.object ? use.name : imported.imported === '*' ? use.name : imported.imported;
    if (use.object && imported.imported !== '*') return undefined;
    const def =
      name === 'default'
        ? index.code.definitions.find((d) => d.name === 'default')
        : local(index.code.definitions, name, false);
    return def ? { path: target, definition: def } : undefined;
  }
  if (use.object) {
    // `obj.m()` on an object whose type is unknown: a method of this file only.
    const def = use.call ? local(code.definitions, use.name, true) : undefined;
    return def ? { path, definition: def } : undefined;
  }
  const here = local(code.definitions, use.name, false);
  if (here) return { path, definition: here };
  if (!use.call && !/^[A-Z][A-Z0-9_]+$/.test(use.name)) return undefined;
  for (const other of await neighbours(path, chunk, source.files)) {
    const index = await source.index(other);
    const def = index ? local(index.code.definitions, use.name, false) : undefined;
    if (def) return { path: other, definition: def };
  }
  return undefined;
}

/** Files a name without an import may come from: the PR's other files of the language, then the folder's. */
async function neighbours(path: string, chunk: Chunk, files: HeadFiles): Promise<string[]> {
  const ext = extensionOf(path);
  const dir = posix.dirname(path);
  const all = await files.paths();
  const prFiles = chunk.files.map((cf) => cf.file.path).filter((p) => p !== path && extensionOf(p) === ext);
  const folder = all.filter((p) => p !== path && posix.dirname(p) === dir && extensionOf(p) === ext).sort();
  return [...new Set([...prFiles, ...folder])].slice(0, MAX_NEIGHBOUR_FILES);
}

const JS_RESOLVE = [
  '',
  '.ts',
  '.tsx',
  '.js',
  '.jsx',
  '.mjs',
  '.cjs',
  '.mts',
  '.cts',
  '/index.ts',
  '/index.tsx',
  '/index.js',
  '/index.jsx',
  '/index.mjs',
];

/** The repository file a module specifier names: relative JS/TS imports and Python modules. */
export async function resolveModule(from: string, spec: string, files: HeadFiles): Promise<string | undefined> {
  const all = new Set(await files.paths());
  const dir = posix.dirname(from);
  if (extensionOf(from) === '.py') {
    const dots = /^\.*/.exec(spec)?.[0].length ?? 0;
    const rest = spec.slice(dots).replace(/\./g, '/');
    const baseDir = dots > 0 ? posix.join(dir, ...Array<string>(dots - 1).fill('..')) : '';
    const stem = posix.join(baseDir, rest);
    for (const candidate of [`${stem}.py`, `${stem}/__init__.py`]) if (all.has(candidate)) return candidate;
    if (dots === 0) return [...all].find((p) => p.endsWith(`/${rest}.py`));
    return undefined;
  }
  if (!spec.startsWith('.')) return undefined;
  const target = posix.normalize(posix.join(dir, spec));
  const stems = [target, target.replace(/\.(m|c)?js$/, '')];
  for (const stem of stems) for (const suffix of JS_RESOLVE) if (all.has(stem + suffix)) return stem + suffix;
  return undefined;
}

/** Every candidate item of a chunk, merged and without what its diff shows. */
export async function chunkCandidates(chunk: Chunk, source: ContextSource): Promise<ContextItem[]> {
  // Files are looked at side by side (their reads overlap); the result keeps the chunk's order.
  const found = (await Promise.all(chunk.files.map((cf) => fileContext(cf, chunk, source)))).flat();
  const shown = shownLines(chunk);
  return merge(found).flatMap((item) => unseen(item, shown) ?? []);
}

/** The context of every chunk, each fitted into its budget. */
export async function buildContext(
  chunks: readonly Chunk[],
  source: ContextSource,
  room: number,
): Promise<ChunkContext[]> {
  return Promise.all(
    chunks.map(async (chunk) => fitContext(await chunkCandidates(chunk, source), contextBudget(chunk, room))),
  );
}
