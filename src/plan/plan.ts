import { estimateTokens } from '../core/tokens.js';
import type { DiffLine, FileDiff, Hunk } from '../diff/diff.js';
import { renderFileHeader, renderHunk, renderLine } from '../diff/render.js';

/** A file, or one part of a file too large for one chunk, inside a chunk. */
export interface ChunkFile {
  file: FileDiff;
  hunks: Hunk[];
  part?: { index: number; count: number };
}

export interface Chunk {
  index: number;
  files: ChunkFile[];
  /** Estimated tokens of the chunk's rendered diff. */
  tokens: number;
}

/** Lines of overlap repeated at the start of the next piece when one hunk is split at line borders. */
export const HUNK_OVERLAP_LINES = 3;

/** How many leading lines of `hunk` fit in `room` tokens as one sub-hunk (0 when not even one does). */
function linesThatFit(hunk: Hunk, room: number): number {
  let size = estimateTokens(hunk.header) + 24; // the sub-hunk header is a little longer
  let n = 0;
  for (const line of hunk.lines) {
    size += estimateTokens(renderLine(line)) + 1;
    if (size > room) break;
    n += 1;
  }
  return n;
}

/** Splits a hunk after `n` lines; the tail repeats the last few lines of the head for context. */
function cutHunk(hunk: Hunk, n: number): [Hunk, Hunk | undefined] {
  if (n >= hunk.lines.length) return [hunk, undefined];
  const tailStart = Math.max(n - HUNK_OVERLAP_LINES, 1);
  return [subHunk(hunk, hunk.lines.slice(0, n)), subHunk(hunk, hunk.lines.slice(tailStart))];
}

/** A hunk in two halves at a line border (the second repeats a few lines), or undefined for a one-line hunk. */
export function splitHunkInTwo(hunk: Hunk): [Hunk, Hunk] | undefined {
  if (hunk.lines.length < 2) return undefined;
  const [head, tail] = cutHunk(hunk, Math.ceil(hunk.lines.length / 2));
  return tail ? [head, tail] : undefined;
}

/** A hunk as sub-hunks of at most `budget` tokens each, split at line borders. */
export function splitHunk(hunk: Hunk, budget: number): Hunk[] {
  if (estimateTokens(renderHunk(hunk)) + 1 <= budget) return [hunk];
  const pieces: Hunk[] = [];
  let rest: Hunk | undefined = hunk;
  while (rest) {
    const n = Math.max(1, linesThatFit(rest, budget));
    const [head, tail]: [Hunk, Hunk | undefined] = cutHunk(rest, n);
    pieces.push(head);
    rest = tail && tail.lines.length < rest.lines.length ? tail : undefined;
  }
  return pieces;
}

function subHunk(hunk: Hunk, lines: DiffLine[]): Hunk {
  const oldNums = lines.flatMap((l) => (l.oldLine === undefined ? [] : [l.oldLine]));
  const newNums = lines.flatMap((l) => (l.newLine === undefined ? [] : [l.newLine]));
  const oldStart = oldNums[0] ?? hunk.oldStart;
  const newStart = newNums[0] ?? hunk.newStart;
  const section = hunk.header.replace(/^@@ [^@]* @@/, '').replace(/ \(part of a longer hunk\)$/, '');
  return {
    header: `@@ -${oldStart},${oldNums.length} +${newStart},${newNums.length} @@${section} (part of a longer hunk)`,
    oldStart,
    newStart,
    lines,
  };
}

/** Sort key that keeps files of one folder together, then by name: deterministic packing order. */
function folderOrder(a: FileDiff, b: FileDiff): number {
  const da = a.path.includes('/') ? a.path.slice(0, a.path.lastIndexOf('/')) : '';
  const db = b.path.includes('/') ? b.path.slice(0, b.path.lastIndexOf('/')) : '';
  if (da !== db) return da < db ? -1 : 1;
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** Estimated tokens of a file header, sized for the longest part label. */
function headerTokens(file: FileDiff): number {
  return estimateTokens(renderFileHeader(file, { index: 998, count: 999 })) + 1;
}

export function chunkFileTokens(cf: ChunkFile): number {
  return headerTokens(cf.file) + cf.hunks.reduce((n, h) => n + estimateTokens(renderHunk(h)) + 1, 0);
}

/** Room left in a chunk below which we close it rather than split a hunk at line borders to fill it. */
const MIN_FILL_TOKENS = 200;

/**
 * Packs the reviewable files into chunks of at most `budget` estimated tokens. Files go in folder order,
 * so a folder's files share a chunk; each chunk is filled to the brim: a file that does not fit in the
 * room left continues in the next chunk (split at hunk borders, and a hunk at line borders with a few
 * lines of overlap), each piece under its own file header. Every diff line lands in exactly one chunk,
 * overlap lines aside, and the number of chunks stays within one of total tokens ÷ budget.
 */
export function planChunks(files: readonly FileDiff[], budget: number): Chunk[] {
  const chunks: Chunk[] = [];
  let open: Chunk = { index: 0, files: [], tokens: 0 };
  const close = (): void => {
    if (open.files.length > 0) chunks.push(open);
    open = { index: chunks.length, files: [], tokens: 0 };
  };
  for (const file of [...files].sort(folderOrder)) {
    const header = headerTokens(file);
    let piece: ChunkFile | undefined;
    const queue = file.hunks.flatMap((h) => splitHunk(h, budget - header));
    while (queue.length > 0) {
      const hunk = queue.shift() as Hunk;
      const need = (piece ? 0 : header) + estimateTokens(renderHunk(hunk)) + 1;
      // An empty chunk takes the hunk whatever its size: splitHunk already cut it to the budget.
      if (open.tokens > 0 && open.tokens + need > budget) {
        const room = budget - open.tokens - (piece ? 0 : header);
        const n = room >= MIN_FILL_TOKENS ? linesThatFit(hunk, room) : 0;
        if (n > HUNK_OVERLAP_LINES) {
          const [head, tail] = cutHunk(hunk, n);
          if (tail) queue.unshift(tail);
          piece ??= addPiece(open, file);
          piece.hunks.push(head);
          open.tokens += (piece.hunks.length === 1 ? header : 0) + estimateTokens(renderHunk(head)) + 1;
        } else {
          queue.unshift(hunk);
        }
        close();
        piece = undefined;
        continue;
      }
      piece ??= addPiece(open, file);
      piece.hunks.push(hunk);
      open.tokens += need;
    }
  }
  close();
  numberParts(chunks);
  return chunks;
}

function addPiece(chunk: Chunk, file: FileDiff): ChunkFile {
  const piece: ChunkFile = { file, hunks: [] };
  chunk.files.push(piece);
  return piece;
}

/** Labels the pieces of a file that spans chunks "part k of n". */
function numberParts(chunks: Chunk[]): void {
  const pieces = new Map<FileDiff, ChunkFile[]>();
  for (const cf of chunks.flatMap((c) => c.files)) pieces.set(cf.file, [...(pieces.get(cf.file) ?? []), cf]);
  for (const list of pieces.values()) {
    if (list.length > 1) list.forEach((cf, index) => (cf.part = { index, count: list.length }));
  }
}

/** Two halves of a chunk: by files, else by hunks of its one file, else its one hunk at line borders. */
export function halveChunk(chunk: Chunk): [Chunk, Chunk] | undefined {
  const make = (files: ChunkFile[]): Chunk => ({
    index: chunk.index,
    files,
    tokens: files.reduce((n, f) => n + chunkFileTokens(f), 0),
  });
  if (chunk.files.length > 1) {
    let acc = 0;
    const half = chunk.tokens / 2;
    let cut = chunk.files.findIndex((f) => (acc += chunkFileTokens(f)) >= half);
    cut = Math.min(Math.max(cut, 1), chunk.files.length - 1);
    return [make(chunk.files.slice(0, cut)), make(chunk.files.slice(cut))];
  }
  const only = chunk.files[0];
  if (!only) return undefined;
  if (only.hunks.length > 1) {
    const cut = Math.ceil(only.hunks.length / 2);
    return [make([{ ...only, hunks: only.hunks.slice(0, cut) }]), make([{ ...only, hunks: only.hunks.slice(cut) }])];
  }
  const hunk = only.hunks[0];
  const pieces = hunk ? splitHunkInTwo(hunk) : undefined;
  if (!pieces) return undefined;
  return [make([{ ...only, hunks: [pieces[0]] }]), make([{ ...only, hunks: [pieces[1]] }])];
}

/** A chunk whose halves would both still show a change: halving one that does not only makes a call about nothing. */
export function worthHalving(chunk: Chunk): boolean {
  const halves = halveChunk(chunk);
  const changes = (piece: Chunk): boolean =>
    piece.files.some((f) => f.hunks.some((h) => h.lines.some((l) => l.kind !== 'context')));
  return halves !== undefined && halves.every(changes);
}
