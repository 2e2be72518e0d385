// Text from the model or the pull request, made safe for every writer (JSON, SARIF, URIs, Markdown, logs):
// no lone surrogate (encodeURI throws on one, and GitHub's JSON refuses it), no control character, no bidi
// override or isolate that would show a path or a sentence in another order than it is.

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
const BIDI = /[\u202a-\u202e\u2066-\u2069]/g;

/** Lone surrogates replaced by U+FFFD: a string every encoder takes. */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

/** Well-formed, control characters (but tab, LF and CR) removed, bidi overrides and isolates shown as U+FFFD. */
export function cleanText(text: string): string {
  return wellFormed(text).replace(CONTROLS, '').replace(BIDI, '\uFFFD');
}

/**
 * Every string of a tool input cleaned; a `path` and a `quote` only made well-formed, since they must still
 * match the file and the line of the diff they name.
 */
export function cleanInput(value: unknown, key = ''): unknown {
  if (typeof value === 'string') return key === 'quote' || key === 'path' ? wellFormed(value) : cleanText(value);
  if (Array.isArray(value)) return value.map((v) => cleanInput(v));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cleanInput(v, k)]));
  return value;
}
