// npm run reliability: the action run in this process against the fake GitHub and fake gateways, under
// every fault the issue lists, then a soak of 200 runs with seeded random faults. Prints one row per case
// (runs, outcome, findings lost, duplicates, leaks, spend vs cap, longest run) and exits 1 if any row breaks
// a rule: 0 crashes without a summary, 0 findings lost on recoverable faults, 0 duplicate reviews or
// comments, 0 key leaks, spend ≤ cap, and no run longer than max-minutes + 1 minute.
import { seededRandom } from './random.js';
import { FakeGitHub } from '../test/fakes/github.js';
import { billedUsd, FakeGateway, type Reply } from '../test/fakes/gateway.js';
import {
  actionEnv,
  fakePullRequest,
  publishTwiceAtOnce,
  readOutputs,
  runInProcess,
  scriptedReview,
  userTextOf,
} from '../test/helpers/action.js';
import { fingerprintOf, isSummaryBody } from '../src/publish/render.js';
import { SONNET_LIST_PRICE } from '../src/llm/models.js';

const KEY = 'sk-ant-reliability-key-0123456789abcdef';
const CAP_USD = 0.5;
const MAX_MINUTES = 0.25;
const RETRY = { maxAttempts: 5, maxTotalMs: 20_000, baseDelayMs: 5, maxDelayMs: 20 };
const IDLE_MS = 250;

/** What one run under one fault should end with. */
type Expect = 'reviewed' | 'partial' | 'failed';

interface Case {
  name: string;
  expect: Expect;
  /** The gateway's answer to call n (0-based); default: the scripted review. */
  reply?: (n: number, review: () => Reply) => Reply;
  chat?: boolean;
  inputs?: Record<string, string>;
  github?: (github: FakeGitHub) => void;
  /** Findings lost are counted only where the fault leaves the model's answers reachable. */
  recoverable: boolean;
}

const cut = (n: number, r: () => Reply): Reply =>
  n === 0 ? { ...(r() as { toolInput: unknown }), stopReason: 'max_tokens' } : r();

const CASES: Case[] = [
  { name: 'no fault', expect: 'reviewed', recoverable: true },
  {
    name: 'gateway 429 burst with retry-after',
    expect: 'reviewed',
    recoverable: true,
    reply: (n, r) =>
      n < 3
        ? { status: 429, error: { type: 'rate_limit_error', message: 'slow down' }, headers: { 'retry-after': '0.05' } }
        : r(),
  },
  {
    name: 'gateway 529 overloaded',
    expect: 'reviewed',
    recoverable: true,
    reply: (n, r) => (n < 2 ? { status: 529, error: { type: 'overloaded_error', message: 'Overloaded' } } : r()),
  },
  {
    name: 'gateway 500',
    expect: 'reviewed',
    recoverable: true,
    reply: (n, r) => (n < 1 ? { status: 500, error: { type: 'api_error', message: 'Internal error' } } : r()),
  },
  {
    name: 'connection reset mid-stream',
    expect: 'reviewed',
    recoverable: true,
    reply: (n, r) => (n < 1 ? { dropConnection: true } : r()),
  },
  {
    name: 'hung gateway (no byte)',
    expect: 'reviewed',
    recoverable: true,
    reply: (n, r) => (n < 1 ? { hangMs: 30_000, toolInput: {} } : r()),
  },
  {
    name: 'SSE error event mid-stream',
    expect: 'reviewed',
    recoverable: true,
    reply: (n, r) => (n < 1 ? { streamError: { type: 'overloaded_error', message: 'Overloaded' } } : r()),
  },
  {
    name: 'Chat Completions: malformed tool JSON',
    expect: 'failed',
    recoverable: false,
    chat: true,
    reply: () => ({ text: 'Here is my review: {"summary": "x", "comments": [' }),
  },
  {
    name: 'output cut at max_tokens',
    expect: 'reviewed',
    recoverable: true,
    reply: cut,
    inputs: { 'chunk-tokens': '3000' },
  },
  {
    name: '402 wallet empty mid-run',
    expect: 'partial',
    recoverable: false,
    inputs: { 'chunk-tokens': '2000', concurrency: '1' },
    reply: (n, r) => (n < 2 ? r() : { status: 402, error: { type: 'billing_error', message: 'Insufficient credit' } }),
  },
  {
    name: '401 bad key',
    expect: 'failed',
    recoverable: false,
    reply: () => ({ status: 401, error: { type: 'authentication_error', message: 'invalid x-api-key' } }),
  },
  {
    name: 'missing usage (Chat Completions)',
    expect: 'reviewed',
    recoverable: true,
    chat: true,
  },
  {
    name: 'key echoed in an error body',
    expect: 'reviewed',
    recoverable: true,
    reply: (n, r) =>
      n < 1 ? { status: 500, error: { type: 'api_error', message: `upstream refused key ${KEY}` } } : r(),
  },
  {
    name: 'GitHub 5xx on listFiles',
    expect: 'reviewed',
    recoverable: true,
    github: (g) => g.refusals.push({ method: 'GET', path: /\/files$/, status: 502, message: 'Bad Gateway', times: 1 }),
  },
  {
    name: 'GitHub 404 pull request',
    expect: 'failed',
    recoverable: false,
    github: (g) => g.refusals.push({ method: 'GET', path: /\/pulls\/42$/, status: 404, message: 'Not Found' }),
  },
  {
    name: 'GitHub 422 on some review comments',
    expect: 'reviewed',
    recoverable: true,
    github: (g) => {
      g.refuseComment = (c) => (c.path === 'README.md' ? 'Line could not be resolved' : undefined);
    },
  },
  {
    name: 'GitHub secondary limit on the review POST',
    expect: 'reviewed',
    recoverable: true,
    github: (g) =>
      g.refusals.push({
        method: 'POST',
        path: /\/reviews$/,
        status: 403,
        message: 'You have exceeded a secondary rate limit.',
        headers: { 'retry-after': '0' },
        times: 1,
        afterCreate: true,
      }),
  },
  {
    name: 'GitHub read-only token (403 on writes)',
    expect: 'failed',
    recoverable: false,
    github: (g) =>
      g.refusals.push({ method: 'POST', path: /./, status: 403, message: 'Resource not accessible by integration' }),
  },
];

interface Row {
  name: string;
  runs: number;
  outcome: string;
  lost: number;
  duplicates: number;
  leaks: number;
  spend: string;
  longestMs: number;
  ok: boolean;
}

/** Titles of the findings the scripted model makes for the fixture PR, from a run with no fault. */
let baseline: Set<string> | undefined;

/** The fakes of one run: fresh ones, or servers shared by the soak and reset between runs. */
interface Fakes {
  github: FakeGitHub;
  llm: FakeGateway;
  /** The gateway's answers for the case being run. */
  answer: { reply: (n: number, review: () => Reply) => Reply };
  shared: boolean;
}

async function startFakes(c: Case): Promise<Fakes> {
  const answer = { reply: (_n: number, review: () => Reply): Reply => review() };
  const github = await new FakeGitHub(fakePullRequest()).start();
  const llm = await new FakeGateway({
    apiKey: KEY,
    auth: c.chat ? 'bearer' : 'x-api-key',
    ...(c.name.startsWith('missing usage') ? { omitUsage: true } : {}),
    reply: (body, n) => answer.reply(n, () => ({ toolInput: scriptedReview(userTextOf(body)) })),
  }).start();
  return { github, llm, answer, shared: false };
}

/** Runs the action once under a case; returns what the rules look at. */
async function runCase(c: Case, given?: Fakes) {
  const fakes = given ?? (await startFakes(c));
  const { github, llm } = fakes;
  github.reset();
  llm.reset();
  fakes.answer.reply = c.reply ?? ((_n, review) => review());
  c.github?.(github);
  try {
    const inputs: Record<string, string> = {
      'api-key': KEY,
      'base-url': llm.url,
      'max-cost-usd': String(CAP_USD),
      'max-minutes': String(MAX_MINUTES),
      'min-severity': 'info',
      ...(c.chat ? { provider: 'aimlapi', model: 'claude-sonnet-4-6', pricing: '{"input": 3, "output": 15}' } : {}),
      ...c.inputs,
    };
    const { env, files } = actionEnv(github, inputs);
    const started = performance.now();
    const { exitCode, log } = await runInProcess(env, { retry: RETRY, idleMs: IDLE_MS });
    const ms = performance.now() - started;
    return { github, llm, exitCode, log, ms, outputs: readOutputs(files.outputPath) };
  } finally {
    if (!given) {
      await github.stop();
      await llm.stop();
    }
  }
}

type Result = Awaited<ReturnType<typeof runCase>>;

function texts(r: Result): string[] {
  return [
    ...r.github.reviews.flatMap((v) => [v.body, ...(v.comments as { body: string }[]).map((c) => c.body)]),
    ...r.github.reviewComments.map((c) => c.body),
    ...r.github.issueComments.map((c) => c.body),
    r.log.replace(/^::add-mask::.*$/gm, ''),
    JSON.stringify(r.outputs),
  ];
}

function judge(r: Result) {
  const summaries = r.github.issueComments.filter((c) => isSummaryBody(c.body));
  const prints = r.github.reviewComments.map((c) => fingerprintOf(c.body));
  const duplicates = prints.length - new Set(prints).size + Math.max(0, summaries.length - 1);
  const leaks = texts(r).filter((t) => t.includes(KEY) || t.includes(r.github.token)).length;
  const summary = summaries[0]?.body ?? '';
  const seen = (title: string): boolean =>
    r.github.reviewComments.some((c) => c.body.includes(title)) || summary.includes(title);
  const lost = [...(baseline ?? [])].filter((t) => !seen(t)).length;
  const spend = billedUsd(r.llm.billed(), SONNET_LIST_PRICE);
  const failedParts = /not reviewed/i.test(summary);
  const outcome: Expect = r.exitCode !== 0 ? 'failed' : failedParts ? 'partial' : 'reviewed';
  return { outcome, duplicates, leaks, lost, spend, summarized: summaries.length === 1 };
}

async function main(): Promise<void> {
  const clean = await runCase(CASES[0] as Case);
  baseline = new Set(clean.github.reviewComments.map((c) => /— \*\*(.+?)\*\*/.exec(c.body)?.[1] ?? '').filter(Boolean));
  const rows: Row[] = [];
  const limitMs = (MAX_MINUTES + 1) * 60_000;
  for (const c of CASES) {
    const r = await runCase(c);
    const j = judge(r);
    // A run that could not post anything (read-only token, no PR) must still say why, in the log.
    const explained = j.summarized || /::error::/.test(r.log);
    rows.push({
      name: c.name,
      runs: 1,
      outcome: `${j.outcome}${j.outcome === c.expect ? '' : ` (expected ${c.expect})`}`,
      lost: c.recoverable ? j.lost : 0,
      duplicates: j.duplicates,
      leaks: j.leaks,
      spend: `$${j.spend.toFixed(4)} ≤ $${CAP_USD}`,
      longestMs: r.ms,
      ok:
        j.outcome === c.expect &&
        explained &&
        (!c.recoverable || j.lost === 0) &&
        j.duplicates === 0 &&
        j.leaks === 0 &&
        j.spend <= CAP_USD &&
        r.ms <= limitMs,
    });
  }
  rows.push(await concurrentRuns());
  rows.push(await soak(200, limitMs));
  console.log('| case | runs | outcome | findings lost | duplicates | leaks | spend vs cap | longest run s | holds |');
  console.log('| --- | ---: | --- | ---: | ---: | ---: | --- | ---: | --- |');
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.runs} | ${r.outcome} | ${r.lost} | ${r.duplicates} | ${r.leaks} | ${r.spend} | ${(r.longestMs / 1000).toFixed(2)} | ${r.ok ? 'yes' : '**NO**'} |`,
    );
  }
  const broken = rows.filter((r) => !r.ok);
  console.log(`\n${rows.length - broken.length} of ${rows.length} rows hold.`);
  if (broken.length > 0) process.exitCode = 1;
}

/** Two runs of the publish stage on one pull request at once: one summary, one comment per finding. */
async function concurrentRuns(): Promise<Row> {
  const github = await new FakeGitHub(fakePullRequest()).start();
  const llm = await new FakeGateway({
    apiKey: KEY,
    auth: 'x-api-key',
    reply: (body) => ({ toolInput: scriptedReview(userTextOf(body)) }),
  }).start();
  try {
    const started = performance.now();
    await publishTwiceAtOnce(github, llm.url, KEY);
    const summaries = github.issueComments.filter((c) => isSummaryBody(c.body)).length;
    const prints = github.reviewComments.map((c) => fingerprintOf(c.body));
    const duplicates = prints.length - new Set(prints).size + Math.max(0, summaries - 1);
    const lost = [...(baseline ?? [])].filter((t) => !github.reviewComments.some((c) => c.body.includes(t))).length;
    const spend = billedUsd(llm.billed(), SONNET_LIST_PRICE);
    return {
      name: 'two runs at once on one PR',
      runs: 2,
      outcome: 'reviewed',
      lost,
      duplicates,
      leaks: 0,
      spend: `$${spend.toFixed(4)} ≤ $${CAP_USD}`,
      longestMs: performance.now() - started,
      ok: summaries === 1 && duplicates === 0 && lost === 0,
    };
  } finally {
    await github.stop();
    await llm.stop();
  }
}

/**
 * Many runs in one process, each with a fault drawn at random from the recoverable cases: every run must end
 * with one summary and none may leak, duplicate or pass the cap; memory and open handles must not grow.
 */
const WARM_UP = 50;

async function soak(runs: number, limitMs: number): Promise<Row> {
  const next = seededRandom(20261122);
  const pool = CASES.filter((c) => c.recoverable);
  const gc = (globalThis as { gc?: () => void }).gc;
  const measure = async (): Promise<{ heap: number; handles: number }> => {
    // Let sockets of the stopped fakes finish closing, then collect.
    await new Promise((resolve) => setTimeout(resolve, 200));
    gc?.();
    return { heap: process.memoryUsage().heapUsed, handles: process.getActiveResourcesInfo().length };
  };
  let first = await measure();
  let worst = { lost: 0, duplicates: 0, leaks: 0, spend: 0, ms: 0, unsummarized: 0 };
  // One set of servers per kind of gateway, reused run after run, as a long-lived process would see them.
  const kindOf = (c: Case): string => `${String(c.chat)}-${c.name.startsWith('missing usage') ? 'no-usage' : 'usage'}`;
  const fakes = new Map<string, Fakes>();
  for (const c of pool) if (!fakes.has(kindOf(c))) fakes.set(kindOf(c), await startFakes(c));
  for (let i = 0; i < runs; i++) {
    const c = pool[Math.floor(next() * pool.length)] as Case;
    const r = await runCase(c, fakes.get(kindOf(c)));
    const j = judge(r);
    worst = {
      lost: worst.lost + j.lost,
      duplicates: worst.duplicates + j.duplicates,
      leaks: worst.leaks + j.leaks,
      spend: Math.max(worst.spend, j.spend),
      ms: Math.max(worst.ms, r.ms),
      unsummarized: worst.unsummarized + (j.summarized ? 0 : 1),
    };
    // Measure after a warm-up, once module caches and connection pools (one per server) are filled.
    if (i === WARM_UP - 1) first = await measure();
  }
  const last = await measure();
  for (const f of fakes.values()) {
    await f.github.stop();
    await f.llm.stop();
  }
  const heapGrowthMb = (last.heap - first.heap) / 1e6;
  const handleGrowth = last.handles - first.handles;
  const ok =
    worst.lost === 0 &&
    worst.duplicates === 0 &&
    worst.leaks === 0 &&
    worst.unsummarized === 0 &&
    worst.spend <= CAP_USD &&
    worst.ms <= limitMs &&
    handleGrowth <= 0 &&
    heapGrowthMb < 20;
  return {
    name: `soak: seeded random faults (heap ${heapGrowthMb >= 0 ? '+' : ''}${heapGrowthMb.toFixed(1)} MB, handles ${handleGrowth >= 0 ? '+' : ''}${handleGrowth} from run ${WARM_UP} to ${runs}${gc ? '' : '; run with --expose-gc for exact heap'})`,
    runs,
    outcome: `${runs - worst.unsummarized} of ${runs} with a summary`,
    lost: worst.lost,
    duplicates: worst.duplicates,
    leaks: worst.leaks,
    spend: `max $${worst.spend.toFixed(4)} ≤ $${CAP_USD}`,
    longestMs: worst.ms,
    ok,
  };
}

await main();
