// GitHub's own Markdown engine (cmark-gfm, with GitHub's extensions) rendering what we post, and what in the
// HTML it gives would be live on GitHub: a tag (link, image, fold, ...), or a mention, e-mail address or issue
// reference in text, which GitHub links after rendering.
import { execFileSync } from 'node:child_process';

const EXTENSIONS = ['autolink', 'table', 'strikethrough', 'tasklist'];

/** HTML as GitHub's engine renders `markdown`, raw HTML kept (GitHub sanitises, but lets images, links and folds through). */
export function renderGfm(markdown: string): string {
  return execFileSync('cmark-gfm', ['--unsafe', ...EXTENSIONS.flatMap((e) => ['-e', e])], {
    input: markdown,
    encoding: 'utf8',
  });
}

/** Tags our own rendering of inert text produces. */
const INERT_TAGS = new Set([
  'p',
  'em',
  'strong',
  'del',
  'code',
  'pre',
  'ul',
  'ol',
  'li',
  'blockquote',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'br',
  'hr',
]);

const decode = (html: string): string =>
  html
    .replace(/&#(\d+);/g, (_m, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_m, n: string) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/**
 * What would be live on GitHub in `markdown`: tags other than inert formatting (and `allowed`), and outside code,
 * mentions (GitHub's rule: `@name` after a non-word character), e-mail addresses and issue references.
 */
export function liveOnGitHub(markdown: string, allowed: readonly string[] = []): string[] {
  const html = renderGfm(markdown);
  const live: string[] = [];
  for (const [tag, name] of html.matchAll(/<\/?([a-z][a-z0-9]*)\b[^>]*>/gi)) {
    const lower = (name ?? '').toLowerCase();
    if (!INERT_TAGS.has(lower) && !allowed.includes(lower)) live.push(tag);
  }
  for (const [comment] of html.matchAll(/<!--[\s\S]*?-->/g)) if (!allowed.includes('!--')) live.push(comment);
  const prose = decode(
    html
      .replace(/<pre[\s\S]*?<\/pre>/g, ' ')
      .replace(/<code>[\s\S]*?<\/code>/g, ' ')
      .replace(/<[^>]+>/g, ' '),
  );
  for (const [m] of prose.matchAll(/(?:^|[^\w])@[a-z0-9][a-z0-9-]*(?:\/[\w.-]+)?/gim)) live.push(m.trim());
  for (const [m] of prose.matchAll(/[\w.+-]+@[\w-]+\.[\w.-]+/g)) live.push(m);
  for (const [m] of prose.matchAll(/(?:^|[^\w&#/])(?:[\w.-]+\/[\w.-]+)?#\d+\b/gm)) live.push(m.trim());
  // GitHub's other issue and pull request reference: GH-26 (any case).
  for (const [m] of prose.matchAll(/(?:^|[^\w-])GH-\d+\b/gim)) live.push(m.trim());
  return live;
}
