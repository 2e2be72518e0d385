import { halveChunk, type Chunk } from '../plan/plan.js';
import { estimateTokens } from '../core/tokens.js';

/**
 * The share of a chunk's diff tokens its context may add, and the least it may always have: a small part may
 * carry its changed files whole. The other looks and the second look read it from the cache.
 */
export const CONTEXT_SHARE = 0.5;
export const CONTEXT_FLOOR_TOKENS = 5000;

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

/**
 * How useful an excerpt is, highest first: the code each changed line sits in (its enclosing function, or the
 * rest of a short file), then what the changed lines call, then their callers, then what they only read. A
 * caller never displaces an enclosing function.
 */
export const SCORE = { scope: 4, wholeFile: 4, definitionCalled: 3, caller: 2, definitionRead: 1 } as const;

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

/** Items of one path merged where they overlap or touch; the merged item keeps the best score. */
export function merge(items: ContextItem[]): ContextItem[] {
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
export function unseen(item: ContextItem, shown: Map<string, Set<number>>): ContextItem | undefined {
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

/** The share of a part's context budget the code its changes sit in takes first; the rest goes by rank. */
export const ENCLOSING_SHARE = 0.6;

/**
 * Keeps the most useful items that fit in `budget` tokens. The code each change sits in (enclosing functions,
 * the rest of a short file) goes first, up to ENCLOSING_SHARE of the budget; then what the changes call; then
 * the other enclosing code; then callers and what the changes read (the smaller first among equals), while
 * they fit: a caller never displaces an enclosing function. The result is in path and line order, as it is shown.
 */
export function fitContext(items: readonly ContextItem[], budget: number): ChunkContext {
  const ranked = items
    .map((item) => ({ item, tokens: itemTokens(item) }))
    .sort((a, b) => b.item.score - a.item.score || a.tokens - b.tokens);
  const kept = new Set<{ item: ContextItem; tokens: number }>();
  let tokens = 0;
  const take = (limit: number, which: (item: ContextItem) => boolean): void => {
    for (const entry of ranked) {
      if (kept.has(entry) || !which(entry.item) || tokens + entry.tokens > limit) continue;
      kept.add(entry);
      tokens += entry.tokens;
    }
  };
  const enclosing = (item: ContextItem): boolean => item.score >= SCORE.scope;
  take(budget * ENCLOSING_SHARE, enclosing);
  take(budget, (item) => item.score >= SCORE.definitionCalled && !enclosing(item));
  take(budget, enclosing);
  take(budget, () => true);
  const shown = [...kept].sort((a, b) =>
    a.item.path < b.item.path ? -1 : a.item.path > b.item.path ? 1 : a.item.start - b.item.start,
  );
  return { items: shown.map((k) => k.item), tokens, dropped: items.length - kept.size };
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
