import { describe, expect, it } from 'vitest';
import { liveOnGitHub, renderGfm } from '../helpers/gfm.js';
import { seededRandom } from '../../bench/random.js';
import {
  clipMarkdown,
  codeSpan,
  logSafe,
  safeInline,
  safeMarkdown,
  safePath,
  terminalSafe,
} from '../../src/safety/markdown.js';

/** Each bypass the security review of 2026-12-01 found, and their neighbours. */
const HOSTILE = [
  'cc @alice and @acme/security, @everyone; mail bob@example.com',
  '&#64;alice &commat;bob &#x40;carol',
  '`@octocat glued to a backtick',
  '\\`@octocat` \\`<img src=https://evil.example/p.png>` \\`<details>open` \\`[link](https://evil.example)`',
  'a code span `across two\nlines` then @octocat`',
  '_@octocat_ *@acme/security* _https://evil.example/x_ ~~@bob~~',
  'bare ftp://evil.example/f and mailto:x@evil.example and www.evil.example and x@evil.example',
  '<img src="https://evil.example/track.png"> <!-- hidden --> <details open><summary>x</summary>@mallory</details>',
  '![pixel](https://evil.example/t.png) [click](https://evil.example) ![r][1] [s][1]\n\n[1]: https://evil.example/x.png',
  '<https://evil.example/auto> <bob@evil.example>',
  '> quote @bob\n> - item <b>x</b>\n\n1. one\n2. two **bold** [l](https://evil.example)',
  '| a | b |\n| - | - |\n| @x | <img src=y> |',
  'fixes #12, closes acme/repo#3',
  'fixes GH-12, closes gh-3 (GH-4)',
  'Title ending in a lone backtick `',
  '```\n<img src=x>\n```\nafter the fence @octocat',
  '    indented code @x\n\n@y after it',
  '\\<img src=x> \\[a](https://evil.example) \\@octocat',
  '<details>\n\n@octocat inside a fold\n\n</details>',
  '[^1]\n\n[^1]: a footnote with @octocat',
];

describe('safeMarkdown, checked by GitHub’s own engine', () => {
  it.each(HOSTILE)('posts nothing live from %j', (text) => {
    expect(liveOnGitHub(safeMarkdown(text))).toEqual([]);
    expect(liveOnGitHub(safeInline(text))).toEqual([]);
  });

  it('posts nothing live whatever Markdown punctuation is glued around mentions, tags and links', () => {
    const random = seededRandom(20261201);
    const pieces = ['`', '``', '\\', '_', '*', '~', '[', ']', '(', ')', '<', '>', '!', '#', '|', '-', ' ', '\n', 'x'];
    const payloads = [
      '@octocat',
      '@acme/security',
      '<img src=x>',
      '<details>',
      'https://evil.example',
      'a@b.example',
      '&#64;x',
    ];
    for (let i = 0; i < 150; i++) {
      const parts: string[] = [];
      for (let n = 2 + Math.floor(random() * 10); n > 0; n--) {
        const pool = random() < 0.3 ? payloads : pieces;
        parts.push(pool[Math.floor(random() * pool.length)] ?? '');
      }
      const text = parts.join('');
      expect(liveOnGitHub(safeMarkdown(text)), JSON.stringify(text)).toEqual([]);
      expect(liveOnGitHub(safeInline(text)), JSON.stringify(text)).toEqual([]);
    }
  });

  it('keeps code blocks and code spans verbatim, and the model’s formatting', () => {
    const text = 'Use `a < b && @Override` here:\n```ts\nif (a < b) { tag = "<b>@x</b>"; }\n```\n- **Done** _now_.';
    const out = safeMarkdown(text);
    expect(out).toContain('`a < b && @Override`');
    expect(out).toContain('if (a < b) { tag = "<b>@x</b>"; }');
    expect(renderGfm(out)).toContain('<li><strong>Done</strong> <em>now</em>.</li>');
  });

  it('shows what it made inert: mentions and addresses in code, a link’s address beside its text', () => {
    const out = safeMarkdown('cc @alice, see [docs](https://example.org/d) and bob@example.com');
    expect(out).toBe('cc `@alice`, see docs (`https://example.org/d`) and `bob@example.com`');
  });

  it('closes a fence the model left open, and turns a suggestion block of its own into plain code', () => {
    const open = safeMarkdown('Fix:\n```js\nconst x = 1;');
    expect(open.split('\n').at(-1)).toBe('```');
    const sneaky = safeMarkdown('```suggestion\nrm -rf /\n```');
    expect(sneaky).not.toContain('```suggestion');
    expect(sneaky.startsWith('```text')).toBe(true);
  });

  it('never lets a marker of ours through, in code or out of it', () => {
    const out = safeMarkdown('x <!-- claude-pr-reviewer:summary --> y\n```\n<!-- claude-pr-reviewer:fp=1 -->\n```');
    expect(out).not.toMatch(/<!--\s*claude-pr-reviewer:/);
  });
});

describe('inline text, paths and clipping', () => {
  it('puts a title on one line, no emphasis or heading, table pipes escaped', () => {
    const title = safeInline('Bad **bold** | cell\n# heading @bob');
    expect(title).toBe('Bad bold \\| cell # heading `@bob`');
    expect(liveOnGitHub(title)).toEqual([]);
  });

  it('clips between blocks, and never leaves a code span broken open', () => {
    const text = `intro\n\n${'word `@octocat` '.repeat(60)}`;
    const clipped = clipMarkdown(text, 300);
    expect(clipped.length).toBeLessThanOrEqual(300);
    expect(clipped.startsWith('intro\n\nword')).toBe(true);
    expect(liveOnGitHub(clipped)).toEqual([]);
  });

  it('shows a path as code, whatever backticks, pipes or newlines it holds', () => {
    expect(codeSpan('a`b')).toBe('``a`b``');
    expect(codeSpan('`x')).toBe('`` `x ``');
    // Quoted as git quotes it (core.quotePath): the line break shown as \n, never as a space that hides it.
    expect(safePath('we|ird\nname.ts')).toBe('`"we\\|ird\\nname.ts"`');
    expect(safePath('plain/path.ts')).toBe('`plain/path.ts`');
    expect(safePath('bidi\u202egnp.js')).toBe('`"bidi\\u{202e}gnp.js"`');
    const long = safePath(`src/${'a'.repeat(33_000)}.js`);
    expect(long.length).toBeLessThan(320);
    expect(long).toMatch(/^`src\/a+…a+\.js`$/);
  });

  it('clips to the limit and closes a fence the cut left open', () => {
    const text = `intro\n\`\`\`\n${'x'.repeat(500)}\n\`\`\`\nend`;
    const clipped = clipMarkdown(text, 200);
    expect(clipped.length).toBeLessThanOrEqual(200);
    expect((clipped.match(/^```$/gm) ?? []).length % 2).toBe(0);
    expect(clipped).toContain('truncated');
  });

  it('escapes CR and LF for the log, so untrusted text cannot start a workflow command line', () => {
    const line = logSafe('title\n::warning::forged\r\n::add-mask::x');
    expect(line).not.toMatch(/[\r\n]/);
    expect(line.split('\n').some((l) => l.startsWith('::'))).toBe(false);
  });

  it('strips terminal escape sequences from what the CLI prints, keeping newlines and tabs', () => {
    expect(terminalSafe('a\u001b]0;pwned\u0007b\u001b[2J\tc\nd\u009b')).toBe('a]0;pwnedb[2J\tc\nd');
  });
});
