import type { DiffLine, FileDiff, Hunk } from '../diff/diff.js';
import { renderFileHeader, renderHunk } from '../prompt/prompt.js';

/**
 * Estimated Claude tokens of a text. No public Claude tokenizer exists; source code and diffs run at about
 * 3.5 UTF-8 bytes per token, so counting one token per 3 bytes over-estimates by roughly 15 % and keeps
 * packed chunks under the real budget.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / 3);
}

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

/** Lines of a hunk as sub-hunks whose rendered size stays under `budget` tokens each. */
export function splitHunk(hunk: Hunk, budget: number): Hunk[] {
  if (estimateTokens(renderHunk(hunk)) <= budget) return [hunk];
  const pieces: Hunk[] = [];
  let start = 0;
  while (start < hunk.lines.length) {
    let end = start;
    let size = estimateTokens(hunk.header) + 1;
    for (const line of hunk.lines.slice(start)) {
      const cost = estimateTokens(lineText(line)) + 1;
      if (end > start && size + cost > budget) break;
      size += cost;
      end += 1;
    }
    pieces.push(subHunk(hunk, hunk.lines.slice(start, end)));
    if (end >= hunk.lines.length) break;
    start = Math.max(end - HUNK_OVERLAP_LINES, start + 1);
  }
  return pieces;
}

function lineText(line: DiffLine): string {
  return `R${line.newLine ?? line.oldLine} + ${line.text}`;
}

function subHunk(hunk: Hunk, lines: DiffLine[]): Hunk {
  const oldNums = lines.flatMap((l) => (l.oldLine === undefined ? [] : [l.oldLine]));
  const newNums = lines.flatMap((l) => (l.newLine === undefined ? [] : [l.newLine]));
  const oldStart = oldNums[0] ?? hunk.oldStart;
  const newStart = newNums[0] ?? hunk.newStart;
  return {
    header: `@@ -${oldStart},${oldNums.length} +${newStart},${newNums.length} @@ (split from ${hunk.header.replace(/ @@.*$/, ' @@')})`,
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

/** A file as pieces that each fit `budget`: whole if it fits, else split at hunk borders, then line borders. */
export function splitFile(file: FileDiff, budget: number): ChunkFile[] {
  const headerTokens = estimateTokens(renderFileHeader(file, { index: 99, count: 99 })) + 1;
  const whole = headerTokens + file.hunks.reduce((n, h) => n + estimateTokens(renderHunk(h)) + 1, 0);
  if (whole <= budget) return [{ file, hunks: file.hunks }];
  const hunkBudget = Math.max(budget - headerTokens, 64);
  const groups: Hunk[][] = [];
  let current: Hunk[] = [];
  let size = headerTokens;
  for (const hunk of file.hunks.flatMap((h) => splitHunk(h, hunkBudget))) {
    const cost = estimateTokens(renderHunk(hunk)) + 1;
    if (current.length > 0 && size + cost > budget) {
      groups.push(current);
      current = [];
      size = headerTokens;
    }
    current.push(hunk);
    size += cost;
  }
  if (current.length > 0) groups.push(current);
  return groups.map((hunks, index) => ({ file, hunks, part: { index, count: groups.length } }));
}

export function chunkFileTokens(cf: ChunkFile): number {
  return (
    estimateTokens(renderFileHeader(cf.file, cf.part)) +
    1 +
    cf.hunks.reduce((n, h) => n + estimateTokens(renderHunk(h)) + 1, 0)
  );
}

/**
 * Packs the reviewable files into chunks of at most `budget` estimated tokens, in folder order, greedily:
 * a file (or file part) goes into the open chunk when it fits, else opens the next one.
 */
export function planChunks(files: readonly FileDiff[], budget: number): Chunk[] {
  const chunks: Chunk[] = [];
  let open: Chunk | undefined;
  for (const file of [...files].sort(folderOrder)) {
    for (const piece of splitFile(file, budget)) {
      const tokens = chunkFileTokens(piece);
      if (!open || open.tokens + tokens > budget) {
        open = { index: chunks.length, files: [], tokens: 0 };
        chunks.push(open);
      }
      open.files.push(piece);
      open.tokens += tokens;
    }
  }
  return chunks;
}
