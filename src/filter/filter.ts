import type { FileDiff } from '../diff/diff.js';

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface FilterResult {
  reviewable: FileDiff[];
  skipped: SkippedFile[];
}

/** Why a file is not reviewed, or undefined when it is. */
export function skipReason(file: FileDiff): string | undefined {
  if (file.status === 'removed') return 'deleted';
  if (file.status === 'renamed' && file.hunks.length === 0 && file.additions + file.deletions === 0) {
    return 'renamed without changes';
  }
  if (file.noPatch) return 'binary, or too large for GitHub to send a patch';
  if (file.hunks.length === 0) return 'no changed lines';
  return undefined;
}

/** Splits files into the reviewable ones and the skipped ones with reasons; nothing is dropped silently. */
export function filterFiles(files: readonly FileDiff[]): FilterResult {
  const reviewable: FileDiff[] = [];
  const skipped: SkippedFile[] = [];
  for (const file of files) {
    const reason = skipReason(file);
    if (reason === undefined) reviewable.push(file);
    else skipped.push({ path: file.path, reason });
  }
  return { reviewable, skipped };
}
