// Globs matched in time linear in the pattern times the path: a glob from a config (which a PR can change) is
// matched against paths a PR author names, so no pattern may backtrack exponentially, as a regular expression
// built from `**/*a*a*a*b` does in every regex-based matcher (about 26 s for one 200-character name).
// The syntax: `*` (any run in a name), `?` (one character), `[abc]`, `[a-z]`, `[!x]`/`[^x]`, `**` as a whole
// name (any number of directories), `{a,b}` alternatives (nested, at most MAX_ALTERNATIVES), `\` escapes.
// Dot files match like any other (picomatch's `dot: true`).

import { errorText } from '../core/errors.js';

/** Alternatives a glob's braces may expand to. */
export const MAX_ALTERNATIVES = 64;
/** Characters a glob may have. */
export const MAX_GLOB_LENGTH = 1024;

type Token =
  { kind: 'char'; char: string } | { kind: 'any' } | { kind: 'star' } | { kind: 'class'; test: (c: string) => boolean };

/** A glob the matcher cannot take, with what is wrong; thrown with the glob named. */
export class GlobError extends Error {}

/** Expands `{a,b}` alternatives, innermost first; throws past MAX_ALTERNATIVES. */
function expandBraces(glob: string): string[] {
  let out = [glob];
  for (;;) {
    const next: string[] = [];
    let changed = false;
    for (const g of out) {
      const brace = innermostBrace(g);
      if (!brace) {
        next.push(g);
        continue;
      }
      changed = true;
      for (const alt of brace.alternatives) next.push(g.slice(0, brace.start) + alt + g.slice(brace.end + 1));
      if (next.length > MAX_ALTERNATIVES)
        throw new GlobError(`its braces expand to more than ${MAX_ALTERNATIVES} globs`);
    }
    out = next;
    if (!changed) return out;
  }
}

/** The first `{...}` holding a top-level comma and no other brace, with its alternatives. */
function innermostBrace(glob: string): { start: number; end: number; alternatives: string[] } | undefined {
  let open = -1;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '\\') i++;
    else if (c === '{') open = i;
    else if (c === '}' && open >= 0) {
      const inner = glob.slice(open + 1, i);
      if (/(?<!\\),/.test(inner)) return { start: open, end: i, alternatives: inner.split(/(?<!\\),/) };
      open = -1;
    }
  }
  return undefined;
}

/** The tokens of one name of a glob (between slashes). */
function tokenize(name: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < name.length; i++) {
    const c = name[i] as string;
    if (c === '\\' && i + 1 < name.length) tokens.push({ kind: 'char', char: name[++i] as string });
    else if (c === '*') {
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === '?') tokens.push({ kind: 'any' });
    else if (c === '[') {
      const close = name.indexOf(']', i + 2);
      if (close < 0) {
        tokens.push({ kind: 'char', char: c });
        continue;
      }
      tokens.push({ kind: 'class', test: characterClass(name.slice(i + 1, close)) });
      i = close;
    } else tokens.push({ kind: 'char', char: c });
  }
  return tokens;
}

function characterClass(body: string): (c: string) => boolean {
  const negated = body.startsWith('!') || body.startsWith('^');
  const set = negated ? body.slice(1) : body;
  const ranges: [string, string][] = [];
  for (let i = 0; i < set.length; i++) {
    const from = set[i] as string;
    if (set[i + 1] === '-' && i + 2 < set.length) {
      ranges.push([from, set[i + 2] as string]);
      i += 2;
    } else ranges.push([from, from]);
  }
  return (c) => ranges.some(([a, b]) => c >= a && c <= b) !== negated;
}

/**
 * Whether one name matches its tokens: the classic two-pointer match that backtracks only to the last star,
 * so at most (name length × tokens) steps.
 */
function matchName(tokens: readonly Token[], name: string): boolean {
  let t = 0;
  let n = 0;
  let star = -1;
  let resume = 0;
  while (n < name.length) {
    const token = tokens[t];
    const c = name[n] as string;
    if (
      token &&
      (token.kind === 'any' || (token.kind === 'char' && token.char === c) || (token.kind === 'class' && token.test(c)))
    ) {
      t++;
      n++;
    } else if (token?.kind === 'star') {
      star = t++;
      resume = n;
    } else if (star >= 0) {
      t = star + 1;
      n = ++resume;
    } else return false;
  }
  while (tokens[t]?.kind === 'star') t++;
  return t === tokens.length;
}

type Segment = 'globstar' | Token[];

function compileOne(glob: string): Segment[] {
  return glob.split('/').map((name) => (name === '**' ? 'globstar' : tokenize(name)));
}

/**
 * Whether path names match glob segments, `**` taking any number of names: the names each segment can end at,
 * one segment after the other (at most segments × names steps, each a name match). The common shape, `**`
 * then names only, matches the last names directly.
 */
function matchSegments(segments: readonly Segment[], names: readonly string[]): boolean {
  const [first, ...rest] = segments;
  if (first === 'globstar' && rest.every((s) => s !== 'globstar')) {
    const offset = names.length - rest.length;
    return offset >= 0 && rest.every((s, i) => matchName(s, names[offset + i] as string));
  }
  let reach = new Uint8Array(names.length + 1);
  reach[0] = 1;
  for (const segment of segments) {
    const next = new Uint8Array(names.length + 1);
    let any = false;
    for (let p = 0; p <= names.length; p++) {
      if (segment === 'globstar') {
        any ||= reach[p] === 1;
        if (any) next[p] = 1;
      } else if (p < names.length && reach[p] === 1 && matchName(segment, names[p] as string)) next[p + 1] = 1;
    }
    reach = next;
  }
  return reach[names.length] === 1;
}

/** A matcher for any of `globs`, compiled once; throws GlobError naming the glob it cannot take. */
export function globMatcher(globs: readonly string[]): (path: string) => boolean {
  const compiled = globs.flatMap((glob) => {
    if (glob.length > MAX_GLOB_LENGTH)
      throw new GlobError(`${JSON.stringify(glob.slice(0, 40))}… is longer than ${MAX_GLOB_LENGTH} characters`);
    if (/[@+!]\(/.test(glob))
      throw new GlobError(`${JSON.stringify(glob)}: extended globs such as @(a|b) are not supported; use {a,b}`);
    try {
      return expandBraces(glob).map(compileOne);
    } catch (error) {
      throw new GlobError(`${JSON.stringify(glob)}: ${errorText(error)}`);
    }
  });
  if (compiled.length === 0) return () => false;
  return (path) => {
    const names = path.split('/');
    return compiled.some((segments) => matchSegments(segments, names));
  };
}
