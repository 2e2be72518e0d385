import { describe, expect, it } from 'vitest';
import { liveMentions } from './helpers/markdown.js';
import {
  clipMarkdown,
  codeSpan,
  logSafe,
  safeInline,
  safeMarkdown,
  safePath,
  terminalSafe,
} from '../src/publish/markdown.js';

describe('safeMarkdown', () => {
  it('neutralises @user, @org/team and @everyone, and leaves e-mail addresses alone', () => {
    const out = safeMarkdown('cc @alice and @acme/security, @everyone; mail bob@example.com');
    expect(liveMentions(out)).toEqual([]);
    expect(out).toContain('`@alice`');
    expect(out).toContain('`@acme/security`');
    expect(out).toContain('`@everyone`');
    expect(out).toContain('bob@example.com');
    // An entity that decodes to "@" stays text.
    expect(safeMarkdown('&#64;alice &commat;bob')).toBe('&amp;#64;alice &amp;commat;bob');
  });

  it('escapes raw HTML, HTML comments and our markers, so nothing hidden or forged reaches the page', () => {
    const out = safeMarkdown(
      'x <img src="https://evil.example/p.png"> <!-- claude-pr-reviewer:summary --> <details open>y</details>',
    );
    expect(out).not.toMatch(/<[a-z!/]/i);
    expect(out).toContain('&lt;img');
    expect(out).toContain('&lt;!-- claude-pr-reviewer:summary');
  });

  it('makes images and links inert: no remote load, no clickable link, inline or by reference', () => {
    const out = safeMarkdown(
      '![pixel](https://evil.example/t.png) [click](https://evil.example) ![r][1]\n[1]: https://evil.example/x.png\nsee https://evil.example/a and www.evil.example',
    );
    expect(out).not.toMatch(/(^|[^\\])!?\[[^\]]*\]\(/);
    expect(out).not.toMatch(/^\[1\]:/m);
    // Every URL sits in a code span, where GitHub does not autolink.
    for (const m of out.matchAll(/(https?:\/\/|www\.)\S+/g)) {
      const before = out.slice(0, m.index);
      expect((before.match(/`/g) ?? []).length % 2, m[0]).toBe(1);
    }
  });

  it('keeps code blocks and code spans verbatim', () => {
    const text = 'Use `a < b && @Override` here:\n```ts\nif (a < b) { tag = "<b>@x</b>"; }\n```\nDone.';
    const out = safeMarkdown(text);
    expect(out).toContain('`a < b && @Override`');
    expect(out).toContain('if (a < b) { tag = "<b>@x</b>"; }');
  });

  it('closes a fence the model left open, and turns a suggestion block of its own into plain code', () => {
    const open = safeMarkdown('Fix:\n```js\nconst x = 1;');
    expect(open.split('\n').at(-1)).toBe('```');
    const sneaky = safeMarkdown('```suggestion\nrm -rf /\n```');
    expect(sneaky).not.toContain('```suggestion');
    expect(sneaky.startsWith('```text')).toBe(true);
  });

  it('keeps an escaped bracket escaped', () => {
    expect(safeMarkdown('\\[x](https://a.b)')).not.toMatch(/[^\\]\]\(/);
  });
});

describe('inline text, paths and clipping', () => {
  it('puts a title on one line with emphasis and table pipes escaped', () => {
    const title = safeInline('Bad **bold** | cell\n# heading @bob');
    expect(title).not.toContain('\n');
    expect(title).toContain('\\*\\*bold\\*\\*');
    expect(title).toContain('\\|');
    expect(liveMentions(title)).toEqual([]);
  });

  it('shows a path as code, whatever backticks, pipes or newlines it holds', () => {
    expect(codeSpan('a`b')).toBe('``a`b``');
    expect(codeSpan('`x')).toBe('`` `x ``');
    expect(safePath('we|ird\nname.ts')).toBe('`we\\|ird name.ts`');
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
