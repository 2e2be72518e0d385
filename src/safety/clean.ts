// Text from the model or the pull request, made safe for every writer (JSON, SARIF, URIs, Markdown, logs):
// no lone surrogate (encodeURI throws on one, and GitHub's JSON refuses it), no control character, no bidi
// override or isolate that would show a path or a sentence in another order than it is.

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** The same without the global flag, for a test that keeps no state between calls. */
const ANY_LONE_SURROGATE = new RegExp(LONE_SURROGATE.source);
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

/**
 * Characters that make a path ambiguous where it is shown: control characters (a line break can forge a file
 * header or a hunk in a prompt), line and paragraph separators, and bidi controls.
 */
// eslint-disable-next-line no-control-regex
const UNSHOWABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** Whether a path holds a character that could make it read as something else (see UNSHOWABLE). */
export function unshowablePath(path: string): boolean {
  return UNSHOWABLE.test(path) || ANY_LONE_SURROGATE.test(path);
}

const C_ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\v': '\\v',
  '\f': '\\f',
  '\r': '\\r',
  '"': '\\"',
  '\\': '\\\\',
};

/** Paths longer than this are shown with their middle cut: no model-given path can crowd out a summary. */
export const MAX_SHOWN_PATH = 300;
/** What a cut path keeps of its start (the folders) and its end (the file name). */
const SHOWN_HEAD = 200;
const SHOWN_TAIL = MAX_SHOWN_PATH - SHOWN_HEAD - 1;

/**
 * A path as git shows it with `core.quotePath`: unchanged when it is plain; else in double quotes, with C
 * escapes for control characters, quotes and backslashes and `\u{…}` for separators, bidi controls and lone
 * surrogates. A path longer than MAX_SHOWN_PATH keeps its start and end around an ellipsis.
 */
export function quotePath(path: string): string {
  const shown = path.length > MAX_SHOWN_PATH ? `${path.slice(0, SHOWN_HEAD)}…${path.slice(-SHOWN_TAIL)}` : path;
  if (!unshowablePath(shown)) return shown;
  let out = '';
  for (const c of shown) {
    const code = c.codePointAt(0) ?? 0;
    if (C_ESCAPES[c] !== undefined) out += C_ESCAPES[c];
    else if (UNSHOWABLE.test(c) || (code >= 0xd800 && code <= 0xdfff)) out += `\\u{${code.toString(16)}}`;
    else out += c;
  }
  return `"${out}"`;
}
