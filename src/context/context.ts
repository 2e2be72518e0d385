import { posix } from 'node:path';
import { halveChunk, type Chunk, type ChunkFile } from '../plan/plan.js';
import { estimateTokens } from '../core/tokens.js';
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
/** The share of a chunk's diff tokens its context may add, and the least it may always have. */
export const CONTEXT_SHARE = 0.4;
export const CONTEXT_FLOOR_TOKENS = 3000;

/** Code from the head commit that helps read a hunk: never part of the diff, never commented on. */
export interface ContextItem {
  path: string;
  start: number;
  end: number;
  /** The lines `start..end` of the head file (a long one cut in the middle: see `omitted`). */
  lines: { n: number; text: string }[];
  /** Why it is shown: "enclosing function foo", "definition of runQuery (used in src/api.ts)". */
  why: string;
  /** Usefulness: the least useful go first when a chunk has no room. */
  score: number;
  /** The reviewed files whose hunks asked for it. */
  forPaths: string[];
}

/** A chunk of the plan with the context it carries (none in `diff` mode). */
export interface ReviewChunk extends Chunk {
  context?: ChunkContext;
}

/** The context one chunk carries, after fitting. */
export interface ChunkContext {
  items: ContextItem[];
  tokens: number;
  /** Items left out for want of room. */
  dropped: number;
}

export const SCORE = { definitionCalled: 3, scope: 2, wholeFile: 2, caller: 2, definitionRead: 1 } as const;

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

/** The new-file line numbers a chunk's diff shows, by path. */
export function shownLines(chunk: Chunk): Map<string, Set<number>> {
  const shown = new Map<string, Set<number>>();
  for (const cf of chunk.files) {
    const set = shown.get(cf.file.path) ?? new Set<number>();
    for (const hunk of cf.hunks) for (const line of hunk.lines) if (line.newLine !== undefined) set.add(line.newLine);
    shown.set(cf.file.path, set);
  }
  return shown;
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

/** Items of one path merged where they overlap or touch; the merged item keeps the best score. */
function merge(items: ContextItem[]): ContextItem[] {
  const byPath = new Map<string, ContextItem[]>();
  for (const item of items) byPath.set(item.path, [...(byPath.get(item.path) ?? []), item]);
  const out: ContextItem[] = [];
  for (const list of byPath.values()) {
    list.sort((a, b) => a.start - b.start);
    let current: ContextItem | undefined;
    for (const item of list) {
      if (current && item.start <= current.end + 1) {
        const seen = new Set(current.lines.map((l) => l.n));
        current = {
          ...current,
          end: Math.max(current.end, item.end),
          lines: [...current.lines, ...item.lines.filter((l) => !seen.has(l.n))].sort((a, b) => a.n - b.n),
          why: current.why.includes(item.why) ? current.why : `${current.why}; ${item.why}`,
          score: Math.max(current.score, item.score),
          forPaths: [...new Set([...current.forPaths, ...item.forPaths])],
        };
      } else {
        if (current) out.push(current);
        current = item;
      }
    }
    if (current) out.push(current);
  }
  return out;
}

/** An item without the lines the chunk's diff already shows; undefined when nothing is left. */
function unseen(item: ContextItem, shown: Map<string, Set<number>>): ContextItem | undefined {
  const seen = shown.get(item.path);
  const lines = seen ? item.lines.filter((l) => !seen.has(l.n)) : item.lines;
  return lines.some((l) => l.text.trim() !== '') ? { ...item, lines } : undefined;
}

/** The tokens an item costs in the prompt. */
export function itemTokens(item: ContextItem): number {
  return estimateTokens(renderItem(item)) + 1;
}

/** An item as the prompt shows it: a header, then `n| text` lines, `⋮` where lines are left out. */
export function renderItem(item: ContextItem): string {
  const out = [`### ${item.path}:${item.start}-${item.end} (${item.why})`];
  let previous: number | undefined;
  for (const line of item.lines) {
    if (previous !== undefined && line.n > previous + 1) out.push('⋮');
    out.push(`${line.n}|${line.text}`);
    previous = line.n;
  }
  if (previous !== undefined && previous < item.end) out.push(`⋮ (to line ${item.end})`);
  return out.join('\n');
}

/** Room for one chunk's context: a share of its diff, at least the floor, never past what the window leaves. */
export function contextBudget(chunk: Chunk, room: number): number {
  return Math.max(0, Math.min(room - chunk.tokens, Math.max(CONTEXT_FLOOR_TOKENS, CONTEXT_SHARE * chunk.tokens)));
}

/**
 * Keeps the most useful items that fit in `budget` tokens: by score, then the smaller first; the rest are
 * dropped, least useful first. The result is in path and line order, as it is shown.
 */
export function fitContext(items: readonly ContextItem[], budget: number): ChunkContext {
  const ranked = items
    .map((item) => ({ item, tokens: itemTokens(item) }))
    .sort((a, b) => b.item.score - a.item.score || a.tokens - b.tokens);
  const kept: { item: ContextItem; tokens: number }[] = [];
  let tokens = 0;
  for (const entry of ranked) {
    if (tokens + entry.tokens > budget) continue;
    kept.push(entry);
    tokens += entry.tokens;
  }
  kept.sort((a, b) => (a.item.path < b.item.path ? -1 : a.item.path > b.item.path ? 1 : a.item.start - b.item.start));
  return { items: kept.map((k) => k.item), tokens, dropped: items.length - kept.length };
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

/** The part of a chunk's context that a piece of it (after a split) still needs. */
export function contextOf(context: ChunkContext | undefined, piece: Chunk): ChunkContext | undefined {
  if (!context) return undefined;
  const paths = new Set(piece.files.map((cf) => cf.file.path));
  const items = context.items.filter((item) => item.forPaths.some((p) => paths.has(p)));
  return { items, tokens: items.reduce((n, item) => n + itemTokens(item), 0), dropped: context.dropped };
}

/** Two halves of a chunk (plan/halveChunk), each with the part of the context it still needs. */
export function splitChunk(chunk: ReviewChunk): [ReviewChunk, ReviewChunk] | undefined {
  const halves = halveChunk(chunk);
  if (!halves) return undefined;
  const withContext = (piece: Chunk): ReviewChunk => {
    const context = contextOf(chunk.context, piece);
    return context ? { ...piece, context } : piece;
  };
  return [withContext(halves[0]), withContext(halves[1])];
}
