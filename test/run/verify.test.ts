import { describe, expect, it } from 'vitest';
import { toolAsked, type GatewayBody, type Reply } from '../fakes/gateway.js';
import { fakeVerdicts, type Judge } from '../fakes/verifier.js';
import { fakesFor, readOutputs, reviewedPullRequest, runInProcess, userTextOf } from '../helpers/action.js';
import { stopAfterEach } from '../helpers/cleanup.js';
import { toFileDiff } from '../../src/diff/diff.js';
import { planChunks } from '../../src/plan/plan.js';
import { buildPrefix, buildRequest } from '../../src/prompt/prompt.js';
import { runChunks } from '../../src/run/run.js';
import { worstCaseUsd } from '../../src/run/budget.js';
import { toCheck } from '../../src/run/verify.js';
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

/** The second look: the false finding is refuted by its own line, the unsure one unsure, the rest confirmed. */
const JUDGE: Judge = (c) =>
  c.title.includes('(false)')
    ? { verdict: 'refuted', confidence: 90 }
    : c.title.includes('(unsure)')
      ? { verdict: 'unsure', confidence: 40 }
      : { verdict: 'confirmed', confidence: 90 };

function verifyingReply(judge: Judge = JUDGE): (body: GatewayBody) => Reply {
  return (body) => {
    const text = userTextOf(body);
    if (toolAsked(body) === 'submit_verdicts') return { toolInput: fakeVerdicts(text, judge) };
    return { toolInput: { summary: 'Removes the password check.', comments: FIRST_PASS } };
  };
}

async function review(
  inputs: Record<string, string>,
  auth: 'x-api-key' | 'bearer' = 'x-api-key',
  reply: (body: GatewayBody) => Reply = verifyingReply(),
) {
  const { github, llm, env, files } = await fakesFor([AUTH], { apiKey: KEY, auth, reply }, stopLater, {
    context: 'diff',
    verify: 'true',
    ...inputs,
  });
  const { exitCode, log } = await runInProcess(env);
  const summary = github.issueComments[0]?.body ?? '';
  const posted = github.reviewComments.map(
    (c) => `${c.side ?? 'RIGHT'}:${c.line ?? 0}:${/— \*\*(.+?)\*\*/.exec(c.body)?.[1] ?? c.body}`,
  );
  return { exitCode, log, summary, posted, llm, github, outputs: readOutputs(files.outputPath) };
}

describe('the second look (verify)', () => {
  it('reads the whole part from the cache after three looks, and only a refutation citing a shown line sets a finding aside', async () => {
    const { exitCode, summary, posted, llm, github } = await review({});
    expect(exitCode).toBe(0);
    // Three looks (the same findings from each, merged), then one second look.
    expect(llm.calls.map((c) => toolAsked(c.body))).toEqual([
      'submit_review',
      'submit_review',
      'submit_review',
      'submit_verdicts',
    ]);
    const usage = llm.calls.map((c) => c.usage);
    const written = usage[0]?.cache_creation_input_tokens ?? 0;
    // The first look wrote the prefix and the part to the cache; every later call read all of it back.
    for (const later of usage.slice(1)) {
      expect(later?.cache_read_input_tokens).toBe(written);
      expect(later?.cache_creation_input_tokens).toBe(0);
    }
    // The second look sees every line the review saw: the whole diff, then the candidates as data.
    const asked = userTextOf(llm.calls[3]!.body);
    expect(asked).toContain(userTextOf(llm.calls[0]!.body).split('This look hunts')[0]!.trim());
    expect(asked).toMatch(/<candidate_findings>\n\[1\] src\/auth\.js line 3 \(RIGHT\)/);
    expect(posted).toEqual([
      'LEFT:2:Password check removed (real)',
      'RIGHT:3:Password written to the log (real)',
      'RIGHT:4:Session may be null (unsure)',
    ]);
    const bodies = github.reviewComments.map((c) => c.body);
    expect(bodies[0]).toContain('_Confirmed by a second look: confidence 90 of 100._');
    expect(bodies[2]).toContain('_Not confirmed: a second look could not tell from the code it was shown._');
    expect(summary).toMatch(/^<details><summary>Already there before this pull request \(1\)<\/summary>$/m);
    expect(summary).toMatch(
      /^<details><summary>Set aside: refuted by the second look, or under min-confidence \(1\)<\/summary>$/m,
    );
    expect(summary).toContain('refuted by the second look (checked src/auth.js:2:');
    expect(summary).toMatch(
      /The second look: 1 call over 5 findings: 3 confirmed, 1 refuted, 1 unsure, \$0\.\d{4} of it\./,
    );
    expect(summary).toMatch(
      /The looks found: logic 5, contracts 5, safety 5 \(10 repeats of a finding by another look, merged\)/,
    );
  });

  it('leaves every finding posted when the second look is unsure of all of them', async () => {
    const unsure: Judge = () => ({ verdict: 'unsure', confidence: 20 });
    const { posted, summary } = await review({ 'include-pre-existing': 'true' }, 'x-api-key', verifyingReply(unsure));
    expect(posted).toHaveLength(FIRST_PASS.length);
    expect(summary).toContain('0 confirmed, 0 refuted, 5 unsure');
    expect(summary).not.toContain('Set aside');
  });

  it('posts pre-existing findings when asked to, and unconfirmed ones whose own confidence is under min-confidence stay aside', async () => {
    const { posted } = await review({ 'include-pre-existing': 'true', 'min-confidence': '95' });
    expect(posted).toEqual([
      'LEFT:2:Password check removed (real)',
      'RIGHT:3:Password written to the log (real)',
      'RIGHT:1:No rate limit on login (real)',
    ]);
  });

  it('works the same through a Chat Completions gateway', async () => {
    const inputs = { provider: 'aimlapi', model: 'claude-sonnet-4-6', 'review-depth': 'quick' };
    const { exitCode, posted, llm } = await review(inputs, 'bearer');
    expect(exitCode).toBe(0);
    expect(llm.calls.map((c) => c.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions']);
    expect(llm.calls.map((c) => toolAsked(c.body))).toEqual(['submit_review', 'submit_verdicts']);
    expect(posted).toEqual([
      'LEFT:2:Password check removed (real)',
      'RIGHT:3:Password written to the log (real)',
      'RIGHT:4:Session may be null (unsure)',
    ]);
  });

  it('is off with verify: false: the looks alone, the review’s own confidences decide', async () => {
    const { posted, llm } = await review({ verify: 'false', 'include-pre-existing': 'true', 'review-depth': 'quick' });
    expect(llm.calls).toHaveLength(1);
    // One look and no second look: no breakpoint after the part, nothing reads it again.
    const content = (llm.calls[0]!.body.messages[0]!.content ?? []) as { cache_control?: unknown }[];
    expect(content.filter((p) => p.cache_control)).toHaveLength(1);
    expect(posted).toHaveLength(5);
  });
});

const PRICES = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 };
const RULES = { minSeverity: 'low' as const, maxFindings: 20 };
const PR = reviewedPullRequest();
const FILES = [toFileDiff(AUTH)];

/** An in-memory model: the review's findings, then what `verdicts` gives for the second look. */
function client(
  verdicts: (request: LlmRequest) => unknown,
  found: readonly Record<string, unknown>[] = FIRST_PASS,
): LlmClient & { asked: LlmRequest[] } {
  const asked: LlmRequest[] = [];
  return {
    asked,
    call(request: LlmRequest, options: CallOptions): Promise<LlmResult> {
      asked.push(request);
      options.onStart?.();
      const verify = request.tool.name === 'submit_verdicts';
      return Promise.resolve({
        toolInput: verify ? verdicts(request) : { summary: 's', comments: found },
        // A review that wrote at length: what is left under a cap just above its reservation cannot cover another call.
        usage: { input: 500, output: verify ? 300 : 2000, cacheRead: 0, cacheWrite: 0 },
        stopReason: 'tool_use',
        text: '',
      });
    },
  };
}

/** A verdict confirming finding 2 on the removed password check, citing that line. */
const ON_THE_GUARD = {
  finding: 2,
  verdict: 'confirmed',
  line: 2,
  quote: "if (!checkPassword(user, password)) throw new Error('denied');",
};

describe('the second look in a run', () => {
  const prefix = buildPrefix(PR, '', FILES);
  const chunks = planChunks(FILES, 4000);

  it('reads the review’s request up to the end of the part, then the candidates; no breakpoint after the part without it', async () => {
    const on = client(() => ({ verdicts: [] }));
    const off = client(() => ({ verdicts: [] }));
    const options = { call: { model: 'm', maxTokens: 2048 }, concurrency: 1 };
    await runChunks(chunks, prefix, on, { ...options, verify: RULES });
    await runChunks(chunks, prefix, off, { ...options });
    expect(on.asked).toHaveLength(2);
    expect(off.asked).toHaveLength(1);
    // With a second look, a breakpoint after the part; the second look sends the same blocks up to it.
    expect(on.asked[0]?.user.map((b) => b.cache)).toEqual([true, true, false]);
    expect(off.asked[0]?.user.map((b) => b.cache)).toEqual([true, false, false]);
    expect(on.asked[1]?.user.slice(0, 2)).toEqual(on.asked[0]?.user.slice(0, 2));
    expect(on.asked[1]?.user.map((b) => b.cache)).toEqual([true, true, false]);
    // One system prompt serves both: it names no one tool to call; each request's last instruction does.
    expect(on.asked[1]?.system).toEqual(on.asked[0]?.system);
    expect(on.asked[0]?.system.map((b) => b.text).join('\n')).not.toMatch(/Call the tool submit_review/);
    expect(on.asked[1]?.user.at(-1)?.text).toMatch(/Call submit_verdicts once/);
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

  it('confirms a finding whose evidence sits 40 lines above it in the same function: it sees the whole part', async () => {
    const body = Array.from({ length: 40 }, (_, i) => `+  audit(${i});`);
    const far = toFileDiff({
      filename: 'src/query.js',
      status: 'added',
      additions: 44,
      deletions: 0,
      patch: [
        '@@ -0,0 +1,44 @@',
        '+function find(req, db) {',
        '+  const id = req.query.id;',
        ...body,
        '+  return db.run(`SELECT * FROM t WHERE id = ${id}`);',
        '+}',
      ].join('\n'),
    });
    const sink = {
      ...FIRST_PASS[0],
      path: 'src/query.js',
      line: 43,
      quote: 'return db.run(`SELECT * FROM t WHERE id = ${id}`);',
      title: 'SQL injection from req.query.id',
      confidence: 95,
    };
    // A careful model: confirmed when it is shown where `id` comes from, unsure otherwise.
    const careful = (request: LlmRequest) => {
      const text = request.user.map((b) => b.text).join('\n');
      const seen = text.includes('2+  const id = req.query.id;');
      return {
        verdicts: [
          {
            finding: 1,
            verdict: seen ? 'confirmed' : 'unsure',
            confidence: seen ? 95 : 30,
            line: 2,
            quote: 'const id = req.query.id;',
            reason: 'id comes from the query string',
          },
        ],
      };
    };
    const llm: LlmClient & { asked: LlmRequest[] } = {
      asked: [],
      call(request: LlmRequest, options: CallOptions): Promise<LlmResult> {
        llm.asked.push(request);
        options.onStart?.();
        const verify = request.tool.name === 'submit_verdicts';
        return Promise.resolve({
          toolInput: verify ? careful(request) : { summary: 's', comments: [sink] },
          usage: { input: 500, output: 300, cacheRead: 0, cacheWrite: 0 },
          stopReason: 'tool_use',
          text: '',
        });
      },
    };
    const [outcome] = await runChunks(planChunks([far], 40_000), buildPrefix(PR, '', [far]), llm, {
      call: { model: 'm', maxTokens: 2048 },
      concurrency: 1,
      verify: RULES,
    });
    expect(outcome?.comments[0]?.verdict).toMatchObject({ kind: 'confirmed', line: 2, path: 'src/query.js' });
    expect(outcome?.verification).toMatchObject({ verified: 1, refuted: 0, unsure: 0 });
  });

  it('checks only what could be posted: at or above min-severity, the most severe first, up to max-comments', () => {
    const comments = FIRST_PASS.map((c, i) => ({ ...c, severity: ['low', 'critical', 'info', 'high', 'medium'][i] }));
    expect(toCheck(comments as never, { minSeverity: 'medium', maxFindings: 2 })).toEqual([1, 3]);
    expect(toCheck(comments as never, { minSeverity: 'info', maxFindings: 20 })).toEqual([0, 1, 2, 3, 4]);
  });

  it('counts a refutation only when it cites a line of code the part shows, with that line’s text', async () => {
    const llm = client(() => ({
      verdicts: [
        { finding: 1, verdict: 'refuted', confidence: 95, line: 3, quote: 'something else', reason: 'r' },
        { ...ON_THE_GUARD, confidence: 95, reason: 'the guard is gone' },
        {
          finding: 3,
          verdict: 'refuted',
          confidence: 90,
          path: 'src/other.js',
          line: 2,
          quote: 'const session = open(user);',
          reason: 'r',
        },
        {
          finding: 4,
          verdict: 'refuted',
          confidence: 90,
          line: 5,
          quote: '// end of login',
          reason: 'the author says so',
        },
        { finding: 5, real: false, confidence: 90, line: 4, quote: 'return session;', reason: 'an older answer' },
      ],
    }));
    const [outcome] = await runChunks(chunks, prefix, llm, {
      call: { model: 'm', maxTokens: 2048 },
      concurrency: 1,
      verify: RULES,
    });
    // A wrong quote, a file not shown, a comment-only line: each read as unsure; the old form still counts.
    expect(outcome?.comments.map((c) => c.verdict?.kind)).toEqual([
      'unsure',
      'confirmed',
      'unsure',
      'unsure',
      'refuted',
    ]);
    expect(outcome?.comments.map((c) => c.confidence)).toEqual([80, 95, 80, 80, 10]);
    expect(outcome?.verification).toMatchObject({ asked: 5, verified: 5, refuted: 1, unsure: 3, calls: 1 });
    const [first, second] = llm.asked;
    expect(second?.user.at(-1)?.text).toContain('<candidate_findings>');
    expect(second?.tools).toEqual(first?.tools);
  });

  it('keeps the better of two findings it names as the same problem', async () => {
    const llm = client(() => ({
      verdicts: [
        { finding: 1, verdict: 'confirmed', confidence: 90, line: 3, quote: "log('login', password);", reason: 'r' },
        { ...ON_THE_GUARD, confidence: 90, reason: 'r', same_as: 1 },
      ],
    }));
    const [outcome] = await runChunks(chunks, prefix, llm, {
      call: { model: 'm', maxTokens: 2048 },
      concurrency: 1,
      verify: RULES,
    });
    // The critical one is kept, the high one of the same problem left out and counted.
    expect(outcome?.comments.map((c) => c.title)).not.toContain('Password written to the log (real)');
    expect(outcome?.comments.map((c) => c.title)).toContain('Password check removed (real)');
    expect(outcome?.verification?.duplicates).toBe(1);
  });

  it('never folds findings in two files into one: the second look cannot hide one by calling it the same', async () => {
    const elsewhere = { ...FIRST_PASS[0], path: 'src/session.js', title: 'Password logged again' };
    const llm = client(
      () => ({ verdicts: [{ ...ON_THE_GUARD, finding: 2, confidence: 90, reason: 'r', same_as: 1 }] }),
      [FIRST_PASS[1]!, elsewhere],
    );
    const [outcome] = await runChunks(chunks, prefix, llm, {
      call: { model: 'm', maxTokens: 2048 },
      concurrency: 1,
      verify: RULES,
    });
    expect(outcome?.comments.map((c) => c.path)).toEqual(['src/auth.js', 'src/session.js']);
    expect(outcome?.verification?.duplicates).toBe(0);
  });
});
