import { describe, expect, it } from 'vitest';
import { FakeGateway, toolAsked, type GatewayBody, type Reply } from '../fakes/gateway.js';
import { FakeGitHub } from '../fakes/github.js';
import { fakeVerdicts, type Judge } from '../fakes/verifier.js';
import { actionEnv, fakePullRequest, reviewedPullRequest, runInProcess, userTextOf } from '../helpers/action.js';
import { stopAfterEach } from '../helpers/cleanup.js';
import { toFileDiff } from '../../src/diff/diff.js';
import { planChunks } from '../../src/plan/plan.js';
import { buildPrefix, buildRequest, renderChunk } from '../../src/prompt/prompt.js';
import { runChunks } from '../../src/run/run.js';
import { worstCaseUsd } from '../../src/run/budget.js';
import { toCheck } from '../../src/run/verify.js';
import { excerptFor } from '../../src/prompt/verify.js';
import type { CallOptions, LlmClient, LlmResult } from '../../src/llm/client.js';
import type { LlmRequest } from '../../src/llm/request.js';
import type { ChangedFile } from '../../src/core/pull-request.js';

const KEY = 'sk-ant-verify-0123456789';
const stopLater = stopAfterEach();

/** A login whose password check the change removes, and whose password it logs. */
const AUTH: ChangedFile = {
  filename: 'src/auth.js',
  status: 'modified',
  additions: 3,
  deletions: 1,
  patch: [
    '@@ -1,4 +1,6 @@',
    ' function login(user, password) {',
    "-  if (!checkPassword(user, password)) throw new Error('denied');",
    '+  const session = open(user);',
    "+  log('login', password);",
    '+  return session;',
    '   // end of login',
    ' }',
  ].join('\n'),
};

const finding = (over: Record<string, unknown>): Record<string, unknown> => ({
  path: 'src/auth.js',
  side: 'RIGHT',
  severity: 'high',
  category: 'security',
  body: 'Why it matters.',
  introduced: true,
  confidence: 80,
  ...over,
});

/** What a first pass reports: two real findings, a false one, a pre-existing one, and one it is unsure of. */
const FIRST_PASS = [
  finding({ line: 3, quote: "log('login', password);", title: 'Password written to the log (real)' }),
  finding({
    line: 2,
    side: 'LEFT',
    quote: "if (!checkPassword(user, password)) throw new Error('denied');",
    title: 'Password check removed (real)',
    severity: 'critical',
  }),
  finding({ line: 2, quote: 'const session = open(user);', title: 'Session opened twice (false)', category: 'bug' }),
  finding({
    line: 1,
    quote: 'function login(user, password) {',
    title: 'No rate limit on login (real)',
    introduced: false,
  }),
  finding({
    line: 4,
    quote: 'return session;',
    title: 'Session may be null (unsure)',
    category: 'bug',
    confidence: 90,
  }),
];

/** The second look: the false finding is not real, the unsure one is real at 40, the rest real at 90. */
const JUDGE: Judge = (c) =>
  c.title.includes('(false)')
    ? { real: false, confidence: 10 }
    : c.title.includes('(unsure)')
      ? { real: true, confidence: 40 }
      : { real: true, confidence: 90 };

function verifyingReply(body: GatewayBody): Reply {
  const text = userTextOf(body);
  if (toolAsked(body) === 'submit_verdicts') return { toolInput: fakeVerdicts(text, JUDGE) };
  return { toolInput: { summary: 'Removes the password check.', comments: FIRST_PASS } };
}

async function review(inputs: Record<string, string>, auth: 'x-api-key' | 'bearer' = 'x-api-key') {
  const github = await new FakeGitHub(fakePullRequest([AUTH])).start();
  const llm = await new FakeGateway({ apiKey: KEY, auth, reply: verifyingReply }).start();
  stopLater(
    () => github.stop(),
    () => llm.stop(),
  );
  const { env } = actionEnv(github, { 'api-key': KEY, 'base-url': llm.url, context: 'diff', ...inputs });
  const { exitCode, log } = await runInProcess(env);
  const summary = github.issueComments[0]?.body ?? '';
  const posted = github.reviewComments.map(
    (c) => `${c.side ?? 'RIGHT'}:${c.line ?? 0}:${/— \*\*(.+?)\*\*/.exec(c.body)?.[1] ?? c.body}`,
  );
  return { exitCode, log, summary, posted, llm, github };
}

describe('the second look (verify)', () => {
  it('reads the shared prefix from the cache and the excerpt its findings need, cites each line, keeps only what it confirms inline', async () => {
    const { exitCode, summary, posted, llm, github } = await review({ verify: 'true' });
    expect(exitCode).toBe(0);
    expect(llm.calls.map((c) => toolAsked(c.body))).toEqual(['submit_review', 'submit_verdicts']);
    const [first, second] = llm.calls.map((c) => c.usage);
    // The excerpt: the hunk lines around each finding, numbered as in the review, and the candidates as data.
    const asked = userTextOf(llm.calls[1]!.body);
    expect(asked).toContain("2-  if (!checkPassword(user, password)) throw new Error('denied');");
    expect(asked).toMatch(/<candidate_findings>\n\[1\] src\/auth\.js line 3 \(RIGHT\)/);
    // The review wrote the shared prefix to the cache; the second look read it back, and paid for little else.
    expect(first?.cache_read_input_tokens).toBe(0);
    expect(second?.cache_read_input_tokens).toBe(first?.cache_creation_input_tokens);
    expect(second?.cache_creation_input_tokens).toBe(0);
    expect(second?.input_tokens).toBeLessThan((first?.cache_creation_input_tokens ?? 0) / 4);
    expect(posted).toEqual(['LEFT:2:Password check removed (real)', 'RIGHT:3:Password written to the log (real)']);
    expect(github.reviewComments[0]?.body).toContain('_Checked by a second look: confidence 90 of 100._');
    expect(summary).toMatch(/^<details><summary>Already there before this pull request \(1\)<\/summary>$/m);
    expect(summary).toMatch(
      /^<details><summary>Set aside by the second look or under min-confidence \(2\)<\/summary>$/m,
    );
    expect(summary).toContain('judged not real by the second look (checked src/auth.js:2:');
    expect(summary).toContain('confidence 40 under min-confidence 60, by the second look');
    expect(summary).toMatch(/The second look: 1 call, 5 of 5 findings verified, \$0\.\d{4} of it\./);
    expect(summary).toContain(
      '2 set aside by the second look or under min-confidence, 1 already there before this pull request',
    );
  });

  it('posts pre-existing findings and lower confidences when asked to', async () => {
    const { posted } = await review({ verify: 'true', 'include-pre-existing': 'true', 'min-confidence': '30' });
    expect(posted).toEqual([
      'LEFT:2:Password check removed (real)',
      'RIGHT:3:Password written to the log (real)',
      'RIGHT:1:No rate limit on login (real)',
      'RIGHT:4:Session may be null (unsure)',
    ]);
  });

  it('works the same through a Chat Completions gateway', async () => {
    const inputs = { verify: 'true', provider: 'aimlapi', model: 'claude-sonnet-4-6' };
    const { exitCode, posted, llm } = await review(inputs, 'bearer');
    expect(exitCode).toBe(0);
    expect(llm.calls.map((c) => c.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions']);
    expect(llm.calls.map((c) => toolAsked(c.body))).toEqual(['submit_review', 'submit_verdicts']);
    expect(posted).toEqual(['LEFT:2:Password check removed (real)', 'RIGHT:3:Password written to the log (real)']);
  });

  it('is off with verify: false: one call, the review’s own confidences decide', async () => {
    const { posted, llm } = await review({ verify: 'false', 'include-pre-existing': 'true' });
    expect(llm.calls).toHaveLength(1);
    expect(posted).toHaveLength(5);
  });
});

const PRICES = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 };
const RULES = { minSeverity: 'low' as const, maxFindings: 20 };
const PR = reviewedPullRequest();
const FILES = [toFileDiff(AUTH)];

/** An in-memory model: the review's findings, then what `verdicts` gives for the second look. */
function client(verdicts: (request: LlmRequest) => unknown): LlmClient & { asked: LlmRequest[] } {
  const asked: LlmRequest[] = [];
  return {
    asked,
    call(request: LlmRequest, options: CallOptions): Promise<LlmResult> {
      asked.push(request);
      options.onStart?.();
      const verify = request.tool.name === 'submit_verdicts';
      return Promise.resolve({
        toolInput: verify ? verdicts(request) : { summary: 's', comments: FIRST_PASS },
        // A review that wrote at length: what is left under a cap just above its reservation cannot cover another call.
        usage: { input: 500, output: verify ? 300 : 2000, cacheRead: 0, cacheWrite: 0 },
        stopReason: 'tool_use',
        text: '',
      });
    },
  };
}

describe('the second look in a run', () => {
  const prefix = buildPrefix(PR, '', FILES);
  const chunks = planChunks(FILES, 4000);

  it('leaves the review request as it is: the same bytes with verify on and off', async () => {
    const on = client(() => ({ verdicts: [] }));
    const off = client(() => ({ verdicts: [] }));
    const options = { call: { model: 'm', maxTokens: 2048 }, concurrency: 1 };
    await runChunks(chunks, prefix, on, { ...options, verify: RULES });
    await runChunks(chunks, prefix, off, { ...options });
    expect(on.asked).toHaveLength(2);
    expect(off.asked).toHaveLength(1);
    expect(JSON.stringify(on.asked[0])).toBe(JSON.stringify(off.asked[0]));
    // The second look reads the review's prefix (its one breakpoint) and sends an excerpt of the part.
    expect(on.asked[1]?.user.map((b) => b.cache)).toEqual([true, false]);
  });

  it('is skipped, findings kept as written, when the cap leaves no room for it', async () => {
    const review = buildRequest(prefix, chunks[0]!, 1, { forceTool: false });
    const cap = worstCaseUsd(review, PRICES, 2048) + 0.0001;
    const llm = client(() => ({ verdicts: [] }));
    const [outcome] = await runChunks(chunks, prefix, llm, {
      call: { model: 'm', maxTokens: 2048, forceTool: false },
      concurrency: 1,
      prices: PRICES,
      maxCostUsd: cap,
      verify: RULES,
    });
    expect(llm.asked).toHaveLength(1);
    expect(outcome?.verification?.calls).toBe(0);
    expect(outcome?.verification?.skipped).toMatch(/would pass max-cost-usd/);
    expect(outcome?.comments).toHaveLength(FIRST_PASS.length);
    expect(outcome?.comments.every((c) => c.verdict === undefined)).toBe(true);
  });

  it('sends the lines around each finding, on its side, numbered as in the review', () => {
    const long = toFileDiff({
      filename: 'src/long.js',
      status: 'modified',
      additions: 100,
      deletions: 1,
      patch: [
        '@@ -1,2 +1,101 @@',
        ' start();',
        '-guard();',
        ...Array.from({ length: 100 }, (_, i) => `+step(${i + 2});`),
      ].join('\n'),
    });
    const chunk = planChunks([long], 40_000)[0]!;
    const at = (line: number, side: 'LEFT' | 'RIGHT') =>
      ({ ...FIRST_PASS[0], path: 'src/long.js', line, side }) as never;
    const shown = renderChunk(excerptFor(chunk, [at(60, 'RIGHT'), at(2, 'LEFT')])).split('\n');
    const numbers = shown.flatMap((l) => /^(\d+)[+ -]/.exec(l)?.[1] ?? []).map(Number);
    // The deleted line 2 (old) and the 8 lines on each side of it; then new lines 52 to 68 around line 60.
    expect(shown).toContain('2-guard();');
    expect(numbers.slice(0, 10)).toEqual([1, 2, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(numbers.slice(10)).toEqual(Array.from({ length: 17 }, (_, i) => 52 + i));
  });

  it('checks only what could be posted: at or above min-severity, the most severe first, up to max-comments', () => {
    const comments = FIRST_PASS.map((c, i) => ({ ...c, severity: ['low', 'critical', 'info', 'high', 'medium'][i] }));
    expect(toCheck(comments as never, { minSeverity: 'medium', maxFindings: 2 })).toEqual([1, 3]);
    expect(toCheck(comments as never, { minSeverity: 'info', maxFindings: 20 })).toEqual([0, 1, 2, 3, 4]);
  });

  it('counts a verdict only when it cites a line the part shows, with that line’s text', async () => {
    const llm = client(() => ({
      verdicts: [
        {
          finding: 1,
          real: false,
          confidence: 5,
          line: 3,
          quote: 'something else',
          reason: 'r',
        },
        {
          finding: 2,
          real: true,
          confidence: 95,
          line: 2,
          quote: "if (!checkPassword(user, password)) throw new Error('denied');",
          reason: 'the guard is gone',
        },
        {
          finding: 3,
          real: false,
          confidence: 90,
          path: 'src/other.js',
          line: 2,
          quote: 'const session = open(user);',
          reason: 'r',
        },
      ],
    }));
    const [outcome] = await runChunks(chunks, prefix, llm, {
      call: { model: 'm', maxTokens: 2048 },
      concurrency: 1,
      verify: RULES,
    });
    const verdicts = outcome?.comments.map((c) => c.verdict?.confidence);
    expect(verdicts).toEqual([undefined, 95, undefined, undefined, undefined]);
    expect(outcome?.verification).toMatchObject({ asked: 5, verified: 1, calls: 1 });
    // The second look reads what the review was sent, up to the part, then the candidates as data.
    const [first, second] = llm.asked;
    expect(second?.user.slice(0, -1)).toEqual(first?.user.slice(0, (second?.user.length ?? 1) - 1));
    expect(second?.user.at(-1)?.text).toContain('<candidate_findings>');
    expect(second?.tools).toEqual(first?.tools);
  });
});
