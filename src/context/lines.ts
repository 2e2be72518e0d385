import type { CodeIndex, Definition, Import, Scope, Use } from './code-types.js';
import { extensionOf } from './files.js';

export function order(uses: Use[]): Use[] {
  return uses.sort((a, b) => Number(b.call) - Number(a.call));
}

// ---------------------------------------------------------------------------------------------------------
// Any other language: definitions by their header line, bodies by braces or indentation.

const MODIFIERS =
  '(?:(?:export|pub(?:\\([^)]*\\))?|public|private|protected|internal|static|final|abstract|async|override|inline|suspend|open|default|virtual|extern|unsafe|const)\\s+)*';
const KEYWORD_HEADER = new RegExp(
  `^(\\s*)${MODIFIERS}(def|func|fn|function|fun|class|struct|interface|trait|enum|module|object|impl|sub|proc|type)\\s+(?:\\([^)]*\\)\\s*)?([A-Za-z_$][\\w$]*)`,
);
/** A C-family function or method header: a return type, a name, an open parameter list, no `;`. */
const TYPED_HEADER = new RegExp(
  `^(\\s*)${MODIFIERS}[\\w<>\\[\\],.*&:?]+(?:\\s+[\\w<>\\[\\],.*&:?]+)*\\s+\\*?([A-Za-z_]\\w*)\\s*\\([^;]*$`,
);
const CONSTANT =
  /^(\s*)(?:export\s+)?(?:(?:const|let|var|val|final|static|public|private|readonly)\s+)*([A-Z][A-Z0-9_]{2,})\s*(?::[^=]*)?=/;
const CONTROL = /^\s*(?:if|for|while|switch|return|else|catch|new|do|try|case|throw|await|yield|elif|with)\b/;
const KEYWORDS = new Set(
  'if for while switch return else catch new do try case throw await yield elif with def func fn function fun class struct interface trait enum module object impl sub proc type print len range self this super not and or in is lambda sizeof typeof match'.split(
    ' ',
  ),
);

/** Lines longer than this are not read as definition headers. */
const MAX_HEADER_CHARS = 400;
/** A block is followed this many lines at most. */
const MAX_BLOCK_LINES = 1000;

/** The line without string literals and comments, for counting brackets. */
function code(line: string): string {
  return line
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`/g, '""')
    .replace(/\/\/.*$|#.*$|\/\*.*?\*\//, '');
}

function indentOf(line: string): number {
  return /^\s*/.exec(line)?.[0].replace(/\t/g, '    ').length ?? 0;
}

/** Where a block that starts at line index `h` ends (index): its brackets close, or its indented body ends. */
export function blockEnd(lines: readonly string[], h: number): number {
  let depth = 0;
  let opened = false;
  for (let i = h; i < lines.length; i++) {
    const text = code(lines[i] ?? '');
    for (const ch of text) {
      if (ch === '{' || ch === '(' || ch === '[') {
        depth += 1;
        opened = true;
      } else if (ch === '}' || ch === ')' || ch === ']') depth -= 1;
    }
    const trimmed = text.trimEnd();
    if (i === h && depth <= 0 && trimmed.endsWith(':')) return indentedEnd(lines, h);
    if (opened && depth <= 0 && !/[,=+\-*/&|(]$/.test(trimmed)) {
      // A header whose brackets closed on its line (`def f(x):`, `func f() {` closed later) may go on.
      if (i === h && trimmed.endsWith(':')) return indentedEnd(lines, h);
      if (!text.includes('{') && i - h < 3 && lines[i + 1]?.trim().startsWith('{')) continue;
      return i;
    }
    if (!opened && i === h && !/[,=+\-*/&|(:]$/.test(trimmed)) {
      if (lines[i + 1]?.trim().startsWith('{')) continue;
      return i;
    }
    if (i - h > MAX_BLOCK_LINES) return i;
  }
  return lines.length - 1;
}

/** The end of an indented body: the last line before a non-blank line indented no deeper than the header. */
function indentedEnd(lines: readonly string[], h: number): number {
  const base = indentOf(lines[h] ?? '');
  let last = h;
  for (let i = h + 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    if (indentOf(line) <= base) break;
    last = i;
  }
  return last;
}

export function indexByLines(path: string, text: string): CodeIndex {
  const lines = text.split('\n');
  const scopes: Scope[] = [];
  const definitions: Definition[] = [];
  const open: { indent: number; name: string; end: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    while (open.length > 0 && (open.at(-1)?.end ?? 0) < i) open.pop();
    // A very long line (minified or data) is no definition header, and would cost the patterns time.
    if (line.length > MAX_HEADER_CHARS) continue;
    const keyword = KEYWORD_HEADER.exec(line);
    const typed = keyword || CONTROL.test(line) ? undefined : TYPED_HEADER.exec(line);
    const header = keyword
      ? { indent: keyword[1] ?? '', word: keyword[2] ?? '', name: keyword[3] ?? '' }
      : typed
        ? { indent: typed[1] ?? '', word: '', name: typed[2] ?? '' }
        : undefined;
    if (header && !KEYWORDS.has(header.name)) {
      const end = blockEnd(lines, i);
      if (end > i || keyword) {
        const span = { start: withComments(lines, i) + 1, end: end + 1 };
        const owner = open.at(-1)?.name;
        const isType = /^(class|struct|interface|trait|enum|module|object|impl|type)$/.test(header.word);
        scopes.push({ ...span, name: header.name });
        definitions.push({
          ...span,
          name: header.name,
          kind: isType ? (header.word === 'type' ? 'type' : 'class') : owner ? 'method' : 'function',
          ...(owner && !isType ? { owner } : {}),
        });
        open.push({ indent: indentOf(line), name: header.name, end });
      }
      continue;
    }
    const constant = CONSTANT.exec(line);
    if (constant && open.length === 0) {
      const end = blockEnd(lines, i);
      definitions.push({ start: withComments(lines, i) + 1, end: end + 1, name: constant[2] ?? '', kind: 'value' });
    }
  }
  return {
    method: 'lines',
    scopes,
    definitions,
    imports: lineImports(path, lines),
    usesOn: (wanted) => lineUses(lines, wanted),
  };
}

/** The first line of the comment block right above line index `i` (or `i`). */
function withComments(lines: readonly string[], i: number): number {
  let start = i;
  while (start > 0 && /^\s*(#|\/\/|\/?\*|--|;;|""")/.test(lines[start - 1] ?? '')) start -= 1;
  return start;
}

/** Python's imports (the only fallback language whose imports name files). */
function lineImports(path: string, lines: readonly string[]): Map<string, Import> {
  const imports = new Map<string, Import>();
  if (extensionOf(path) !== '.py') return imports;
  for (const line of lines) {
    const from = /^\s*from\s+([.\w]+)\s+import\s+\(?([^)#]+)/.exec(line);
    if (from) {
      for (const part of (from[2] ?? '').split(',')) {
        const [imported, local] = part.trim().split(/\s+as\s+/);
        if (imported && /^\w+$/.test(imported)) imports.set(local ?? imported, { source: from[1] ?? '', imported });
      }
      continue;
    }
    const plain = /^\s*import\s+([.\w]+)(?:\s+as\s+(\w+))?\s*$/.exec(line);
    if (plain?.[1])
      imports.set(plain[2] ?? plain[1].split('.').at(-1) ?? plain[1], { source: plain[1], imported: '*' });
  }
  return imports;
}

function lineUses(lines: readonly string[], wanted: ReadonlySet<number>): Use[] {
  const uses = new Map<string, Use>();
  for (const n of wanted) {
    const text = code(lines[n - 1] ?? '');
    const header = KEYWORD_HEADER.exec(text)?.[3];
    for (const match of text.matchAll(/(?:\b([A-Za-z_$][\w$]*)\s*(?:\.|->|::)\s*)?\b([A-Za-z_$][\w$]*)\s*\(/g)) {
      const name = match[2] ?? '';
      if (KEYWORDS.has(name) || name === header) continue;
      const object = match[1];
      uses.set(`${object ?? ''}.${name}`, { name, call: true, ...(object ? { object } : {}) });
    }
    for (const match of text.matchAll(/\b[A-Z][A-Z0-9_]{2,}\b/g)) {
      if (!uses.has(`.${match[0]}`)) uses.set(`.${match[0]}`, { name: match[0], call: false });
    }
  }
  return order([...uses.values()]);
}
