import { describe, expect, it } from 'vitest';
import { decide, failing, lineKey, NOTHING_EARLIER } from '../../src/publish/decide.js';
import { commentBody, fingerprintOf, MAX_BODY_CHARS, summaryBody } from '../../src/publish/render.js';
import type { Finding } from '../../src/findings/findings.js';
import type { Severity } from '../../src/core/severity.js';
import type { ReviewResult } from '../../src/pipeline/stages.js';

let next = 0;
function finding(severity: Severity, extra: Partial<Finding> = {}): Finding {
  next += 1;
  return {
    path: `src/f${next}.ts`,
    line: next,
    side: 'RIGHT',
    severity,
    category: 'bug',
    title: `Finding ${next}`,
    body: 'Body.',
    fingerprint: next.toString(16).padStart(16, '0'),
    anchor: 'line',
    ...extra,
  };
}

const noise = { minSeverity: 'low' as Severity, maxComments: 3 };

describe('decide', () => {
  it('posts the most severe first up to max-comments, and lists every other finding with its reason', () => {
    const all = [
      finding('low'),
      finding('critical'),
      finding('info'),
      finding('medium'),
      finding('high'),
      finding('medium', { anchor: 'none', note: 'file is not in the reviewed diff' }),
      finding('low', { anchor: 'file', note: 'line 9 of the new version is not in the diff' }),
      finding('high', { anchor: 'file', note: 'line 7 of the new version is not in the diff' }),
    ];
    const d = decide(all, NOTHING_EARLIER, noise);
    expect(d.inline.map((f) => f.severity)).toEqual(['critical', 'high']);
    expect(d.fileLevel.map((f) => f.severity)).toEqual(['high']);
    expect(d.listed.map((l) => [l.finding.severity, l.reason])).toEqual([
      ['medium', 'over max-comments 3'],
      ['medium', 'file is not in the reviewed diff'],
      ['low', 'over max-comments 3'],
      ['low', 'line 9 of the new version is not in the diff'],
      ['info', 'below min-severity low'],
    ]);
    // Nothing is lost: every finding is posted, listed, or already posted.
    expect(d.inline.length + d.fileLevel.length + d.listed.length + d.alreadyPosted.length).toBe(all.length);
  });

  it('does not post again what our earlier comments carry, by fingerprint or by line', () => {
    const byPrint = finding('high');
    const byLine = finding('high');
    const fresh = finding('high');
    const earlier = {
      fingerprints: new Set([byPrint.fingerprint]),
      lines: new Set([lineKey(byLine.path, byLine.side, byLine.line)]),
    };
    const d = decide([byPrint, byLine, fresh], earlier, noise);
    expect(d.alreadyPosted).toEqual([byPrint, byLine]);
    expect(d.inline).toEqual([fresh]);
  });

  it('fail-on picks the most severe finding at or above it', () => {
    const all = [finding('medium'), finding('high'), finding('low')];
    expect(failing(all, 'medium')?.severity).toBe('high');
    expect(failing(all, 'critical')).toBeUndefined();
    expect(failing(all, undefined)).toBeUndefined();
  });
});

describe('bodies within GitHub limits', () => {
  it('a huge finding is clipped before its fingerprint, and a suggestion that does not fit is left out whole', () => {
    const huge = finding('high', { body: 'y'.repeat(70_000), suggestion: 'fixed();' });
    const body = commentBody(huge);
    expect(body.length).toBeLessThanOrEqual(MAX_BODY_CHARS);
    expect(fingerprintOf(body)).toBe(huge.fingerprint);
    expect(body).not.toContain('```suggestion');
    const small = commentBody({ ...huge, body: 'short' });
    expect(small).toContain('```suggestion\nfixed();\n```');
  });

  it('a clipped summary keeps its head, Not reviewed and Cost sections', () => {
    const listed = Array.from({ length: 200 }, () => ({
      finding: finding('low', { body: 'z'.repeat(1_400) }),
      reason: 'x',
    }));
    const result = {
      plan: {
        chunks: [{}, {}],
        learnings: [],
        skipped: Array.from({ length: 500 }, (_, i) => ({ path: `gen/${i}.js`, reason: 'generated' })),
      },
      outcomes: [
        { status: 'ok', summary: 'o'.repeat(20_000), rejected: [], chunk: { files: [] } },
        {
          status: 'failed',
          summary: '',
          rejected: [],
          error: 'the gateway failed (503) after retries',
          chunk: { files: [{ file: { path: 'src/late.ts' }, hunks: [] }] },
        },
      ],
      setAside: [],
      duplicates: 0,
      usage: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0 },
      calls: 2,
      usd: 0.5,
    } as unknown as ReviewResult;
    const body = summaryBody({
      result,
      findings: listed.map((l) => l.finding),
      posted: 0,
      alreadyPosted: 0,
      listed,
      model: 'claude-sonnet-4-6',
      walkthrough: false,
    });
    expect(body.length).toBeLessThanOrEqual(MAX_BODY_CHARS);
    expect(body).toContain('truncated');
    expect(body).toContain('### Not reviewed');
    // One line a reason, with its counts; the files folded under it.
    expect(body).toContain('- **1 file**: the gateway failed (503) after retries');
    expect(body).toContain('<details><summary>the 1 file</summary>\n\n- `src/late.ts`\n\n</details>');
    expect(body).toContain('### Cost');
    // Cut inside its folds: every fold still closes, so nothing after it is hidden.
    expect(body.match(/^<details>/gm)?.length).toBe(body.match(/^<\/details>$/gm)?.length);
    expect(body).toMatch(/\| `claude-sonnet-4-6` \| 2 \| .* \| \$0\.5000 \|\n$/);
  });
});
