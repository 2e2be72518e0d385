const PIECES = / ?[A-Za-z]+| ?\d+|\s+|[!-/:-@[-`{-~]+|[^\p{ASCII}]+/gu;

/**
 * Estimated Claude tokens of a text, on the safe side. No tokenizer of current Claude models is public, so
 * this follows how BPE tokenizers cut text: a word (with its leading space) costs one token per 5 letters,
 * a number one per 3 digits, a run of punctuation one per 2 characters, a run of whitespace half a token,
 * and text outside ASCII one token per UTF-8 byte (scripts such as Gujarati or Telugu cost that much).
 *
 * Calibrated by `npm run bench` against Anthropic's public tokenizer on the three benchmark PRs (1,835
 * files, 0.86 M tokens as the prompt shows them): 13 % over in total, and no file of over 50 tokens is
 * under-estimated by more than 5 % (worst seen: 3.1 %). A plain bytes ÷ 3 is right in total but 40 %
 * under on files in Indic scripts, whose chunks would then overflow their budget.
 */
export function estimateTokens(text: string): number {
  let tokens = 0;
  for (const [piece] of text.matchAll(PIECES)) {
    const last = piece.charCodeAt(piece.length - 1);
    if ((last >= 65 && last <= 90) || (last >= 97 && last <= 122)) tokens += Math.ceil(piece.trimStart().length / 5);
    else if (last >= 48 && last <= 57) tokens += Math.ceil(piece.trimStart().length / 3);
    else if (last >= 128) tokens += Buffer.byteLength(piece, 'utf8');
    else if (piece.trim() === '') tokens += 0.5;
    else tokens += Math.ceil(piece.length / 2);
  }
  return Math.ceil(tokens);
}

/**
 * An upper bound of a text's tokens (old tokenizer family; multiply by the model's ratio) for the cost cap:
 * the estimate's costs, except that a whitespace run costs a token per change of character (a mix of tabs
 * and spaces is nearly a token a character) plus one per 16 repeats, and a run of 33 or more non-space
 * characters (base64, hex, random letters) at least 0.75 a character. Checked by test/run/cap.test.ts against
 * Anthropic's public tokenizer on texts built to beat it; about 1.2x the real count on code.
 */
export function tokenCeiling(text: string): number {
  let tokens = 0;
  for (const [piece] of text.matchAll(PIECES)) {
    if (piece.trim() === '') {
      const same = [...piece.matchAll(/(\s)\1*/g)].map((m) => m[0].length);
      tokens += Math.max(1, same.length - 1) + same.reduce((n, len) => n + Math.floor(len / 16), 0);
    } else {
      tokens += estimateTokens(piece);
    }
  }
  for (const [run] of text.matchAll(/\S{33,}/g)) {
    tokens += Math.max(0, Math.ceil(run.length * 0.75) - estimateTokens(run));
  }
  return tokens;
}
