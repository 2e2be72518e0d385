/** A count and its noun, `1 file`, `3 files`; severity words (`critical`, `high`) are adjectives and stay as they are. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 || word === 'critical' || word === 'high' ? '' : 's'}`;
}
