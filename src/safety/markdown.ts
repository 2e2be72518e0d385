// Untrusted text (what the model wrote, and the PR text it echoes) made safe to post as GitHub Markdown, or
// to print in a workflow log or a terminal. The text is parsed by GFM's own rules (micromark, CommonMark and
// GFM compliant like GitHub's cmark-gfm), so code is what GitHub will take as code. Everything outside code is
// made inert: raw HTML shown as text, links, images and autolinks shown with their address in code, mentions,
// issue references, URLs and e-mail addresses put in code. The result is parsed once more and checked; text
// that still holds a live construct is posted as one code block instead. Our markers cannot be forged.
import type { Nodes, PhrasingContent, Root, RootContent } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown, gfmToMarkdown } from 'mdast-util-gfm';
import { toMarkdown } from 'mdast-util-to-markdown';
import { gfm } from 'micromark-extension-gfm';
import { cleanText, quotePath } from './clean.js';

const parse = (text: string): Root => fromMarkdown(text, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
const serialize = (tree: Root): string =>
  toMarkdown(tree, { extensions: [gfmToMarkdown()], fences: true, bullet: '-', rule: '-' }).replace(/\n+$/, '');

/**
 * Text GitHub makes live outside code: a mention or team (`@user`, `@org/team`, not after a letter, digit or `_`), a URL of any scheme, `www.` and `mailto:`/`xmpp:` addresses, an e-mail address, an issue
 * reference (`#12`, `GH-12`, `owner/repo#12`, which closing keywords act on).
 */
const LIVE_TEXT = new RegExp(
  [
    // Each starts where a run of its characters starts, so a long run is scanned once, not once a character.
    String.raw`(?<![A-Za-z0-9._+-])[A-Za-z0-9._+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+`,
    String.raw`(?<![A-Za-z0-9_])@[A-Za-z0-9][A-Za-z0-9-]*(?:\/[A-Za-z0-9._-]+)?`,
    String.raw`\b[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s<>]*`,
    String.raw`\b(?:www\.|mailto:|xmpp:)[^\s<>]*`,
    String.raw`(?<![\w/#&])(?:[\w.-]+\/[\w.-]+)?#\d+\b`,
    String.raw`(?<![\w-])GH-\d+\b`,
  ].join('|'),
  'gi',
);
/** Nodes that render as something live: HTML, links, images, definitions, references. */
const LIVE_NODES = new Set([
  'html',
  'link',
  'image',
  'linkReference',
  'imageReference',
  'definition',
  'footnoteReference',
  'footnoteDefinition',
]);
/** Parents whose children are blocks: a replacement there must be a block too. */
const FLOW_PARENTS = new Set(['root', 'blockquote', 'listItem', 'footnoteDefinition']);

const text = (value: string): PhrasingContent => ({ type: 'text', value });
const code = (value: string): PhrasingContent => ({ type: 'inlineCode', value });

/** Prose with everything live in it put in code spans. */
function inertText(value: string): PhrasingContent[] {
  const out: PhrasingContent[] = [];
  let at = 0;
  for (const m of value.matchAll(LIVE_TEXT)) {
    if (m.index > at) out.push(text(value.slice(at, m.index)));
    out.push(code(m[0]));
    at = m.index + m[0].length;
  }
  if (at < value.length) out.push(text(value.slice(at)));
  return out;
}

/** The text a node shows (its phrasing flattened). */
function shownText(node: Nodes): string {
  if ('value' in node && typeof node.value === 'string') return node.value;
  if ('alt' in node && typeof node.alt === 'string') return node.alt;
  return 'children' in node ? node.children.map((c) => shownText(c as Nodes)).join('') : '';
}

/** A fence's language, kept plain; a `suggestion` block is ours to write, so one in untrusted text is plain code. */
function safeLang(lang: string | null | undefined): string | null {
  const word = (lang ?? '').replace(/[^\w+#.-]/g, '');
  if (word === '') return null;
  return word.toLowerCase() === 'suggestion' ? 'text' : word;
}

/** What a node becomes, made inert: a phrasing node list, or blocks where `flow`. */
function inert(node: Nodes, flow: boolean): Nodes[] {
  const phrasing = (nodes: PhrasingContent[]): Nodes[] => (flow ? [{ type: 'paragraph', children: nodes }] : nodes);
  switch (node.type) {
    case 'code':
      return [{ type: 'code', lang: safeLang(node.lang), meta: null, value: node.value }];
    case 'inlineCode':
      return [node];
    case 'text':
    case 'html':
      return phrasing(inertText(node.value));
    case 'link': {
      const label = shownText(node);
      // An autolink shows its address: the address in code is all there is to keep.
      if (label !== '' && node.url.replace(/^mailto:/, '').includes(label.replace(/^mailto:/, '')))
        return phrasing([code(label)]);
      return phrasing([...inertChildren(node.children, false), text(' ('), code(node.url), text(')')]);
    }
    case 'image':
      return phrasing([...inertText(node.alt ?? ''), text(' (image '), code(node.url), text(')')]);
    case 'linkReference':
    case 'imageReference':
      return phrasing(inertText(`[${shownText(node)}]`));
    case 'definition':
      return [{ type: 'paragraph', children: [...inertText(`[${node.label ?? node.identifier}]: `), code(node.url)] }];
    case 'footnoteReference':
      return phrasing(inertText(`[^${node.label ?? node.identifier}]`));
    case 'footnoteDefinition':
      return [
        { type: 'paragraph', children: inertText(`[^${node.label ?? node.identifier}]:`) },
        ...inertChildren(node.children, true),
      ];
    default:
      if ('children' in node) {
        const children = inertChildren(node.children as Nodes[], FLOW_PARENTS.has(node.type));
        return [{ ...node, children } as Nodes];
      }
      return [node];
  }
}

function inertChildren(children: readonly Nodes[], flow: boolean): PhrasingContent[] {
  return children.flatMap((c) => inert(c, flow)) as PhrasingContent[];
}

/** Whether a tree still holds anything GitHub would render live. */
function isLive(node: Nodes): boolean {
  if (LIVE_NODES.has(node.type)) return true;
  if (node.type === 'text' && new RegExp(LIVE_TEXT.source, 'i').test(node.value)) return true;
  if (node.type === 'code' && safeLang(node.lang) !== (node.lang ?? null)) return true;
  return 'children' in node && (node.children as Nodes[]).some(isLive);
}

/** Code can hold anything, but never something that reads like one of our markers. */
function unforgeable(markdown: string): string {
  return markdown.replace(/<!--(\s*)claude-pr-reviewer:/g, '<!--$1claude-pr-reviewer\u200b:');
}

/** A code block of `value`, fenced longer than any fence inside it. */
function asCode(lang: string | null | undefined, value: string): string {
  return unforgeable(
    serialize({ type: 'root', children: [{ type: 'code', lang: safeLang(lang), meta: null, value }] }),
  );
}

/** The text as one code block: always inert, the last resort. */
function asCodeBlock(value: string): string {
  return asCode('text', value);
}

/**
 * Markdown written by the model or copied from the pull request, safe to post: code kept (a fence left open is
 * closed), everything else inert, checked by parsing the result again.
 */
export function safeMarkdown(untrusted: string): string {
  const value = cleanText(untrusted);
  const tree = parse(value);
  const out = unforgeable(serialize({ type: 'root', children: inertChildren(tree.children, true) }));
  return isLive(parse(out)) ? asCodeBlock(value) : out;
}

const PHRASING = new Set(['text', 'inlineCode', 'emphasis', 'strong', 'delete', 'break', 'link', 'image']);

/** Phrasing only: emphasis unwrapped, blocks joined by spaces, code blocks as code spans. */
function flatten(nodes: readonly Nodes[]): PhrasingContent[] {
  return nodes.flatMap((node, i): PhrasingContent[] => {
    const gap = i > 0 && !PHRASING.has(node.type) ? [text(' ')] : [];
    if (node.type === 'code') return [...gap, code(node.value)];
    if (node.type === 'inlineCode' || node.type === 'text') return [node];
    if (node.type === 'break') return [text(' ')];
    return 'children' in node ? [...gap, ...flatten(node.children as Nodes[])] : gap;
  });
}

/** A one-line title or label: inert like prose, on one line, no emphasis or block, table pipes escaped. */
export function safeInline(value: string): string {
  const line = cleanText(value)
    .replace(/[\r\n]+/g, ' ')
    .trim();
  const inline = flatten(inertChildren(parse(line).children, true));
  const out = unforgeable(serialize({ type: 'root', children: [{ type: 'paragraph', children: inline }] }));
  const check = parse(out);
  const one = check.children.length <= 1 && (check.children[0]?.type ?? 'paragraph') === 'paragraph';
  return (one && !isLive(check) && !out.includes('\n') ? out : codeSpan(line)).replace(/\|/g, '\\|');
}

/** A code span holding `text` verbatim: a backtick run longer than any inside it, on one line. */
export function codeSpan(value: string): string {
  const flat = cleanText(value).replace(/[\r\n]+/g, ' ');
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || flat === '' ? ' ' : '';
  return `${ticks}${pad}${flat}${pad}${ticks}`;
}

/**
 * A file path shown as code in a list or table: quoted as git does when it holds a control character (see
 * clean.quotePath), its middle cut when it is very long, one line, pipes escaped.
 */
export function safePath(path: string): string {
  return codeSpan(quotePath(path)).replace(/\|/g, '\\|');
}

/**
 * Cuts Markdown to at most `max` characters with a note saying so. The cut falls between top-level blocks, where
 * it cannot change how the blocks before it parse; the block it falls in is cut at a line and closed (a code
 * block) or cut and made inert again (a cut can break a code span open), if some of it fits.
 */
export function clipMarkdown(
  value: string,
  max: number,
  note = '… (truncated to fit GitHub’s comment size limit)',
): string {
  if (value.length <= max) return value;
  const room = Math.max(0, max - note.length - 4);
  let end = 0;
  for (const block of parse(value).children) {
    const start = block.position?.start.offset ?? 0;
    const stop = block.position?.end.offset ?? Infinity;
    if (stop <= room) {
      end = stop;
      continue;
    }
    const gap = end > 0 ? 2 : 0;
    const piece = cutBlock(value, block, start, room - end - gap);
    return `${value.slice(0, end)}${piece ? `${'\n'.repeat(gap)}${piece}` : ''}\n\n${note}`;
  }
  return `${value.slice(0, end)}\n\n${note}`;
}

/** As much of one block as fits in `room` characters, whole in its syntax and inert; '' when too little fits. */
function cutBlock(value: string, block: RootContent, start: number, room: number): string {
  if (room < 40) return '';
  if (block.type === 'code') {
    const lines = block.value.split('\n');
    for (; lines.length > 0; lines.pop()) {
      const cut = asCode(block.lang, lines.join('\n'));
      if (cut.length <= room) return cut;
    }
    return '';
  }
  for (let n = room; n >= 40; n = Math.floor(n * 0.7)) {
    const cut = safeMarkdown(value.slice(start, start + n).replace(/[\uD800-\uDBFF]$/, ''));
    if (cut.length <= room) return cut;
  }
  return '';
}

/**
 * Untrusted text for a workflow log: CR and LF escaped, so it cannot start a line of its own, and so
 * cannot forge a `::warning::` or `::add-mask::` workflow command.
 */
export function logSafe(text: string): string {
  return text.replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

/** Untrusted text for a terminal: control characters removed (no escape sequence can move the cursor or retitle it). */
export function terminalSafe(text: string): string {
  return cleanText(text).replace(/\r/g, '');
}
