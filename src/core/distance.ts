/** The edit distance (Levenshtein) between two short names, for a "did you mean". */
export function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(
        (row[j] ?? 0) + 1,
        (next[j - 1] ?? 0) + 1,
        (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    row = next;
  }
  return row[b.length] ?? 0;
}

/** The candidate nearest to `name` within `most` edits (the first of equals), for a "did you mean"; else undefined. */
export function nearest(name: string, candidates: readonly string[], most: number): string | undefined {
  let best: { candidate: string; d: number } | undefined;
  for (const candidate of candidates) {
    const d = editDistance(name, candidate);
    if (d <= most && (!best || d < best.d)) best = { candidate, d };
  }
  return best?.candidate;
}
