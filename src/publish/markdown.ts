// Untrusted text (what the model wrote, and the PR text it echoes) made safe to post as GitHub Markdown, or
// to print in a workflow log. Posted text notifies no one, loads nothing remote, opens no hidden HTML, and
// cannot forge our markers; code blocks are kept verbatim, because GitHub renders nothing inside them.

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

interface Segment {
  code: boolean;
  text: string;
}

/** Splits one line outside fences into inline code spans and prose (a span closes on the same backtick run). */
function inlineSegments(line: string): Segment[] {
  const out: Segment[] = [];
  let rest = line;
  for (;;) {
    const open = /`+/.exec(rest);
    if (!open) break;
    const ticks = open[0];
    const after = rest.slice(open.index + ticks.length);
    const close = new RegExp(`(?<!\`)${ticks}(?!\`)`).exec(after);
    if (!close) break;
    out.push({ code: false, text: rest.slice(0, open.index) });
    out.push({ code: true, text: ticks + after.slice(0, close.index + ticks.length) });
    rest = after.slice(close.index + ticks.length);
  }
  out.push({ code: false, text: rest });
  return out;
}

/** A code span holding `text` verbatim: a backtick run longer than any inside it, on one line. */
export function codeSpan(text: string): string {
  const flat = text.replace(/[\r\n]+/g, ' ');
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || flat === '' ? ' ' : '';
  return `${ticks}${pad}${flat}${pad}${ticks}`;
}

/**
 * Prose made inert: `&` and `<` escaped (no raw HTML, HTML comments, autolinks, or entities such as `&#64;`
 * that would decode to a mention), `[` and `]` escaped (no link or
 * image, inline or by reference), bare URLs put in code (no autolink), and mentions (`@user`, `@org/team`,
 * `@everyone`) put in code so no one is notified.
 */
function inertProse(text: string): string {
  return text
    .replace(/\\(?=[[\]<&])/g, '\\\\')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/[[\]]/g, (b) => `\\${b}`)
    .replace(/\b(?:https?:\/\/|www\.)[^\s`]+/gi, (url) => codeSpan(url))
    .replace(
      /(^|[^\w`])@([A-Za-z0-9][\w-]*(?:\/[\w.-]+)?)/g,
      (_m, lead: string, name: string) => `${lead}${codeSpan(`@${name}`)}`,
    );
}

/**
 * The language after an opening fence, kept plain. A `suggestion` block is ours to write (on checked lines
 * only), so one in the model's text is shown as plain code.
 */
function infoString(info: string): string {
  const word = info.replace(/[^\w+#.-]/g, '');
  return word.toLowerCase() === 'suggestion' ? 'text' : word;
}

/**
 * Markdown written by the model or copied from the pull request, safe to post: prose made inert, code kept,
 * and a fence left open (which would swallow everything after it) closed.
 */
export function safeMarkdown(text: string): string {
  const out: string[] = [];
  let fence: string | undefined;
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    const marker = FENCE.exec(line)?.[1];
    if (fence !== undefined) {
      out.push(line);
      if (marker && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker)
        fence = undefined;
      continue;
    }
    if (marker) {
      fence = marker;
      out.push(
        line.slice(0, line.indexOf(marker) + marker.length) +
          infoString(line.slice(line.indexOf(marker) + marker.length)),
      );
      continue;
    }
    out.push(
      inlineSegments(line)
        .map((s) => (s.code ? s.text : inertProse(s.text)))
        .join(''),
    );
  }
  if (fence !== undefined) out.push(fence);
  // Code is kept, but never with something that reads like one of our markers.
  return out.join('\n').replace(/<!--(\s*)claude-pr-reviewer:/g, '<!--$1claude-pr-reviewer\u200b:');
}

/** A one-line title or label: inert like prose, on one line, with emphasis and table pipes escaped. */
export function safeInline(text: string): string {
  return safeMarkdown(text.replace(/[\r\n]+/g, ' ').trim())
    .replace(/^ {0,3}(`{3,}|~{3,}).*$/s, (m) => m.replace(/[`~]/g, (c) => `\\${c}`))
    .replace(/[*_~|]/g, (c) => `\\${c}`)
    .replace(/^([#>+-])/, '\\$1');
}

/** A file path (or any raw string) shown as code in a list or table: verbatim, one line, pipes escaped. */
export function safePath(path: string): string {
  return codeSpan(path).replace(/\|/g, '\\|');
}

/**
 * Cuts Markdown to at most `max` characters with a note saying so, closing a fence the cut left open.
 */
export function clipMarkdown(
  text: string,
  max: number,
  note = '… (truncated to fit GitHub’s comment size limit)',
): string {
  if (text.length <= max) return text;
  const room = max - note.length - 16;
  let cut = text.slice(0, Math.max(0, room));
  // Do not split a surrogate pair.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  const fence = openFence(cut);
  return `${cut}${fence ? `\n${fence}` : ''}\n\n${note}`;
}

/** The fence still open at the end of `text`, if any. */
function openFence(text: string): string | undefined {
  let fence: string | undefined;
  for (const line of text.split('\n')) {
    const marker = FENCE.exec(line)?.[1];
    if (!marker) continue;
    if (fence === undefined) fence = marker;
    else if (marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = undefined;
  }
  return fence;
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
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
}
