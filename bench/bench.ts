// npm run bench: the full pipeline on real pull requests against the fake gateway (real HTTP, Anthropic
// cache rules, a latency model and a concurrency limit), three strategies side by side in one run.
import { execFileSync } from 'node:child_process';
import { getTokenizer } from '@anthropic-ai/tokenizer';
import { FakeGateway, toolAsked, type GatewayBody } from '../test/fakes/gateway.js';
import { userTextOf } from '../test/helpers/action.js';
import { fakeVerdicts } from '../test/fakes/verifier.js';
import { BENCH_PRS, benchFiles, benchPullRequest, type BenchPr } from './data.js';
import { makePlan, type ReviewPlan } from '../src/pipeline/stages.js';
import { parseSettings, type Settings } from '../src/settings/settings.js';
import { createLlmClient } from '../src/llm/factory.js';
import { runChunks } from '../src/run/run.js';
import { planChunks, type Chunk } from '../src/plan/plan.js';
import { estimateTokens } from '../src/core/tokens.js';
import { renderChunk, type RepoRules } from '../src/prompt/prompt.js';
import { type SystemBlock } from '../src/llm/request.js';
import { placementFigures, renderingFigures } from './placement.js';
import { placeComments } from '../src/findings/place.js';
import { decide } from '../src/publish/decide.js';
import { restrictToChanges, type ChangedLines } from '../src/source/incremental.js';
import type { PullRequest } from '../src/core/pull-request.js';
import type { ChunkOutcome } from '../src/run/run.js';
import type { Usage } from '../src/core/usage.js';
import { benchContext, billedAtList, billedUsage, contextTable, readOnceUsd, type ContextRow } from './context.js';
import { capRows, modelRows, serve } from './models.js';
import { verifyRows, verifyTable } from './verify.js';
import { learnRows, prefixRows } from './learn.js';

const KEY = 'bench-key';
const CONCURRENCY = 8;
/** Scaled down 50x from Claude's: ~2 s to first token, ~10K tokens/s prefill, ~60 tokens/s output. */
const LATENCY = { firstTokenMs: 40, prefillTokensPerSec: 500_000, outputTokensPerSec: 3_000 };
const GATEWAY_CONCURRENCY = 32;

const memo = new Map<string, number>();
// One encoder for the whole run: countTokens() builds a new one on every call.
const tokenizer = getTokenizer();
/** The gateway's count: Anthropic's public tokenizer (the closest public stand-in for Claude's). */
function claudeTokens(text: string): number {
  if (text.length > 2000) {
    const hit = memo.get(text);
    if (hit !== undefined) return hit;
  }
  const n = tokenizer.encode(text.normalize('NFKC'), 'all').length;
  if (text.length > 2000) memo.set(text, n);
  return n;
}

/** A deterministic reviewer: one finding per 120 added lines of each file it is shown, and a summary; it stands by its findings when asked again. */
function reviewerReply(body: GatewayBody) {
  // Asked for the answer tool (the overview of a PR reviewed in parts): a few sentences.
  if (toolAsked(body) === 'submit_answer') {
    return { toolInput: { answer: 'The pull request updates the package; the review found no blocking issue.' } };
  }
  // Asked for the second look: a verdict for each finding, citing its line (this reviewer stands by them).
  if (toolAsked(body) === 'submit_verdicts') return { toolInput: fakeVerdicts(userTextOf(body)) };
  const comments: Record<string, unknown>[] = [];
  let path = '';
  let added = 0;
  for (const line of userTextOf(body).split('\n')) {
    const header = /^## (\S+) \(/.exec(line);
    if (header) {
      path = header[1] ?? '';
      added = 0;
      continue;
    }
    const m = /^(\d+)\+(.*)$/.exec(line);
    if (m && ++added % 120 === 1) {
      comments.push({
        path,
        line: Number(m[1]),
        quote: m[2],
        severity: 'medium',
        category: 'bug',
        title: 'Input is used before it is validated',
        body: 'The value added here flows into the call below without a check for undefined; a caller that omits the option gets a TypeError instead of the documented default. Guard it or give it a default.',
      });
    }
  }
  return {
    toolInput: {
      summary:
        'This part of the change updates the implementation and its types; the risks are in argument validation.',
      comments,
    },
  };
}

interface Row {
  pr: string;
  strategy: string;
  calls: number;
  usage: Usage;
  usd: number;
  wallMs: number;
  lowerBoundUsd?: number;
  failed: number;
}

async function runStrategy(
  plan: ReviewPlan,
  settings: Settings,
  chunks: Chunk[],
  prefix: SystemBlock[],
  concurrency: number,
): Promise<{ row: Omit<Row, 'pr' | 'strategy'>; gateway: FakeGateway; outcomes: ChunkOutcome[] }> {
  const gateway = await new FakeGateway({
    apiKey: KEY,
    auth: 'x-api-key',
    reply: reviewerReply,
    tokens: claudeTokens,
    latency: LATENCY,
    maxConcurrent: GATEWAY_CONCURRENCY,
  }).start();
  try {
    const client = createLlmClient({ ...settings, baseUrl: gateway.url });
    const started = performance.now();
    const outcomes = await runChunks(chunks, prefix, client, {
      call: { model: settings.modelId, maxTokens: settings.maxOutputTokens, ...settings.shape },
      concurrency,
      tokenRatio: settings.tokenRatio,
      prices: settings.prices,
    });
    const wallMs = performance.now() - started;
    const usage = billedUsage(gateway);
    return {
      row: {
        calls: gateway.calls.length,
        usage,
        usd: billedAtList(gateway.calls, settings.model),
        wallMs,
        failed: outcomes.filter((o) => o.status !== 'ok').length,
      },
      gateway,
      outcomes,
    };
  } finally {
    await gateway.stop();
  }
}

/**
 * Head B of a pull request: `lines` new lines at the top of the first hunk of one file, later hunks of that
 * file shifted down, and the compare A...B GitHub would answer (one hunk, the new lines).
 */
function followUp(pr: PullRequest, lines: number): { head: PullRequest; compare: ChangedLines } | undefined {
  const index = pr.files.findIndex((f) => f.patch && /^\+/m.test(f.patch) && !/\.min\.|lock/.test(f.filename));
  const target = pr.files[index];
  if (!target?.patch) return undefined;
  const added = Array.from({ length: lines }, (_, i) => `+// follow-up change ${i + 1}: validate the input first`);
  let first = true;
  let at = 0;
  const patch = target.patch
    .split('\n')
    .flatMap((line) => {
      const h = /^@@ -(\d+)(,\d+)? \+(\d+)(?:,(\d+))? @@(.*)$/.exec(line);
      if (!h) return [line];
      const newStart = Number(h[3]) + (first ? 0 : lines);
      const newCount = Number(h[4] ?? '1') + (first ? lines : 0);
      const header = `@@ -${h[1] ?? ''}${h[2] ?? ''} +${newStart},${newCount} @@${h[5] ?? ''}`;
      if (!first) return [header];
      first = false;
      at = newStart;
      return [header, ...added];
    })
    .join('\n');
  const files = [...pr.files];
  files[index] = { ...target, patch, additions: target.additions + lines };
  const touched = new Set(Array.from({ length: lines }, (_, i) => at + i));
  return { head: { ...pr, headSha: 'c'.repeat(40), files }, compare: new Map([[target.filename, touched]]) };
}

/** A follow-up push of a few lines to a reviewed PR: its cost against the first review's, and duplicates. */
async function benchPush(pr: BenchPr, settings: Settings): Promise<string | undefined> {
  const first = benchPullRequest(pr);
  const push = followUp(first, 5);
  if (!push) return undefined;
  const planA = makePlan(first, settings, '');
  const a = await runStrategy(planA, settings, planA.chunks, planA.prefix, CONCURRENCY);
  const findingsA = placeComments(
    a.outcomes.flatMap((o) => o.comments),
    planA.reviewable,
  );
  const planB = makePlan(restrictToChanges(push.head, push.compare), settings, '');
  const b = await runStrategy(planB, settings, planB.chunks, planB.prefix, CONCURRENCY);
  const findingsB = placeComments(
    b.outcomes.flatMap((o) => o.comments),
    planB.reviewable,
  );
  const earlier = { fingerprints: new Set(findingsA.map((f) => f.fingerprint)), lines: new Set<string>() };
  const decided = decide(findingsB, earlier, { minSeverity: 'info', maxComments: 10_000 });
  const duplicates = decided.inline.filter((f) => earlier.fingerprints.has(f.fingerprint)).length;
  return `| ${pr.name} (${planA.reviewable.length} files) | ${a.row.calls} | ${a.row.usd.toFixed(4)} | ${planB.reviewable.length} | ${b.row.calls} | ${b.row.usd.toFixed(4)} | ${((b.row.usd / a.row.usd) * 100).toFixed(1)} % | ${decided.alreadyPosted.length} | ${duplicates} |`;
}

/** One call per hunk, no caching: what popular review actions do. */
function perHunk(plan: ReviewPlan): Chunk[] {
  return plan.reviewable
    .flatMap((file) => file.hunks.map((hunk) => ({ file, hunks: [hunk] })))
    .map((cf, index) => ({ index, files: [cf], tokens: 0 }));
}

/** One call per file, no caching. */
function perFile(plan: ReviewPlan): Chunk[] {
  return plan.reviewable.map((file, index) => ({ index, files: [{ file, hunks: file.hunks }], tokens: 0 }));
}

const uncached = (prefix: SystemBlock[]): SystemBlock[] => prefix.map((b) => ({ ...b, cache: false }));

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

const renderingRows: string[] = [];

async function benchPr(pr: BenchPr, settings: Settings, rows: Row[], notes: string[]): Promise<void> {
  const plan = makePlan(benchPullRequest(pr), settings, '');
  const ours = await runStrategy(plan, settings, plan.chunks, plan.prefix, CONCURRENCY);
  const prefixTokens = ours.gateway.calls[0]?.usage?.cache_creation_input_tokens ?? 0;
  const r = renderingFigures(plan, claudeTokens);
  const rawBound = readOnceUsd(settings, prefixTokens, r.rawTokens, ours.row.usage.output);
  const p = placementFigures(plan);
  const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
  renderingRows.push(
    `| ${pr.name} (${plan.reviewable.length} files) | ${fmt(r.rawTokens)} | ${(r.taggedTokens / r.rawTokens).toFixed(3)} | ${(r.leanTokens / r.rawTokens).toFixed(3)} | ${(r.sentTokens / r.rawTokens).toFixed(3)} | ${(r.numberedTokens / r.plainTokens).toFixed(3)} | ${(ours.row.usd / rawBound).toFixed(3)} | ${fmt(p.findings)} (${pct(p.miscounted)} miscounted) | ${pct(p.withQuote)} | ${pct(p.numberOnly)} |`,
  );
  const everything: Chunk = {
    index: 0,
    files: plan.reviewable.map((file) => ({ file, hunks: file.hunks })),
    tokens: 0,
  };
  const diffTokens = claudeTokens(renderChunk(everything));
  const lowerBound = readOnceUsd(settings, prefixTokens, diffTokens, ours.row.usage.output);
  const hunk = await runStrategy(plan, settings, perHunk(plan), uncached(plan.prefix), CONCURRENCY);
  const file = await runStrategy(plan, settings, perFile(plan), uncached(plan.prefix), CONCURRENCY);
  rows.push(
    {
      pr: `${pr.name} ${pr.from}→${pr.to} (${plan.reviewable.length} files)`,
      strategy: 'per hunk, no cache',
      ...hunk.row,
      lowerBoundUsd: lowerBound,
    },
    { pr: '', strategy: 'per file, no cache', ...file.row, lowerBoundUsd: lowerBound },
    { pr: '', strategy: 'ours', ...ours.row, lowerBoundUsd: lowerBound },
  );
  const estimated = planChunks(plan.reviewable, Number.MAX_SAFE_INTEGER)[0]?.tokens ?? 0;
  // The budget is in the model's tokens; the estimate in ours.
  const ideal = Math.ceil((estimated * plan.tokenRatio) / plan.chunkBudget);
  notes.push(
    `${pr.name}: ours made ${ours.row.calls} calls for ${fmt(estimated)} estimated reviewable tokens; ideal ${ideal} (budget ${fmt(plan.chunkBudget)}), limit ideal + 1 = ${ideal + 1}.`,
  );

  // Wall time at concurrency >= chunks: against the warm-up call plus the slowest call of the one wave.
  if (plan.chunks.length > 1) {
    const wide = await runStrategy(plan, settings, plan.chunks, plan.prefix, plan.chunks.length);
    const timings = wide.gateway.calls.map((c) => c.timing).filter((t) => t !== undefined);
    const [warm, ...wave] = timings;
    if (warm) {
      const reference = warm.ended - warm.arrived + Math.max(...wave.map((t) => t.ended - t.arrived));
      notes.push(
        `${pr.name}: at concurrency ${plan.chunks.length}, wall ${(wide.row.wallMs / 1000).toFixed(2)} s vs warm-up call + slowest call of the wave ${(reference / 1000).toFixed(2)} s: ${(wide.row.wallMs / reference).toFixed(2)}x (limit 1.3x).`,
      );
    }
  }
}

/** Our estimate against the gateway's count, file by file as the prompt renders them. */
function calibration(): string[] {
  const lines: string[] = [];
  let worstUnder = 0;
  let totalEst = 0;
  let totalReal = 0;
  for (const pr of BENCH_PRS) {
    const plan = makePlan(benchPullRequest(pr), parseSettings({}), '');
    for (const file of plan.reviewable) {
      const text = renderChunk({ index: 0, files: [{ file, hunks: file.hunks }], tokens: 0 });
      const est = estimateTokens(text);
      const real = claudeTokens(text);
      totalEst += est;
      totalReal += real;
      if (real > 50) worstUnder = Math.max(worstUnder, (real - est) / real);
    }
  }
  lines.push(
    `Token estimate vs the gateway's tokenizer over ${BENCH_PRS.length} PRs: total ${fmt(totalEst)} estimated vs ${fmt(totalReal)} counted (${((totalEst / totalReal - 1) * 100).toFixed(1)} %); worst under-estimate of one file (over 50 tokens): ${(worstUnder * 100).toFixed(1)} % (margin allowed: 5 %).`,
  );
  return lines;
}

/** Context modes side by side on PRs with planted cross-file bugs. */
async function contextSection(base: Settings): Promise<void> {
  const rows: ContextRow[] = [];
  for (const pr of BENCH_PRS.slice(0, 2))
    rows.push(...(await benchContext(pr, benchFiles(pr), base, LATENCY, claudeTokens)));
  console.log(`\n${contextTable(rows).join('\n')}`);
}

/** Today's models side by side, and a cap below the estimate. */
async function modelsSection(): Promise<void> {
  const prs = BENCH_PRS.map((pr) => ({ name: pr.name, pr: benchPullRequest(pr) }));
  const gateway = { reply: reviewerReply, tokens: claudeTokens, latency: LATENCY, maxConcurrent: GATEWAY_CONCURRENCY };
  console.log(`\n${(await modelRows(prs, gateway, claudeTokens)).join('\n')}`);
  console.log(`\n${(await capRows(prs.slice(1), gateway, [0.6, 0.3])).join('\n')}`);
}

/** A learn run a model, and what the learnings add to the prefix of the 100-file PR. */
async function learnSection(): Promise<void> {
  console.log(`\n${(await learnRows({ tokens: claudeTokens })).join('\n')}`);
  const eslint = BENCH_PRS[1];
  if (!eslint) return;
  const pr = benchPullRequest(eslint);
  const gateway = { reply: reviewerReply, tokens: claudeTokens, latency: LATENCY, maxConcurrent: GATEWAY_CONCURRENCY };
  const review = async (rules: RepoRules): Promise<number> => {
    const { calls } = await serve(pr, { model: 'claude-sonnet-5-5', 'max-cost-usd': 'none' }, gateway, rules);
    return billedAtList(calls, 'claude-sonnet-5-5');
  };
  console.log(`\n${(await prefixRows(pr, review)).join('\n')}`);
}

async function main(): Promise<void> {
  const base = parseSettings({ 'api-key': KEY, 'base-url': 'http://127.0.0.1:9', 'max-cost-usd': 'none' });
  if (process.argv[2] === 'learn') {
    await learnSection();
    return;
  }
  if (process.argv[2] === 'context') {
    await contextSection(base);
    return;
  }
  if (process.argv[2] === 'models') {
    await modelsSection();
    return;
  }
  if (process.argv[2] === 'verify') {
    console.log(
      `\n${verifyTable(
        await verifyRows(
          BENCH_PRS.filter((pr) => !process.argv[3] || pr.name === process.argv[3]),
          base,
          LATENCY,
          claudeTokens,
        ),
      ).join('\n')}`,
    );
    return;
  }
  const rows: Row[] = [];
  const notes: string[] = [];
  for (const pr of BENCH_PRS) {
    benchFiles(pr);
    await benchPr(pr, base, rows, notes);
    process.stderr.write(`done ${pr.name}\n`);
  }
  console.log(
    '| PR | strategy | calls | input | cache write | cache read | output | USD | wall s | USD ÷ lower bound |',
  );
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(
      `| ${r.pr} | ${r.strategy} | ${fmt(r.calls)} | ${fmt(r.usage.input)} | ${fmt(r.usage.cacheWrite)} | ${fmt(r.usage.cacheRead)} | ${fmt(r.usage.output)} | ${r.usd.toFixed(3)} | ${(r.wallMs / 1000).toFixed(2)} | ${r.lowerBoundUsd ? (r.usd / r.lowerBoundUsd).toFixed(3) : ''} |${r.failed ? ` ${r.failed} failed` : ''}`,
    );
  }
  console.log('');
  for (const note of [...notes, ...calibration()]) console.log(`- ${note}`);
  const broken = rows.filter((r) => r.strategy === 'ours' && r.failed > 0);
  if (broken.length > 0)
    throw new Error(`our review failed parts on ${broken.length} PR(s): the figures above are void`);

  console.log(
    '\n| PR | raw patch tokens | tagged ÷ raw | lean ÷ raw | sent now ÷ raw | every line numbered ÷ unnumbered | billed ÷ (raw patch + prefix once + outputs) | findings placed | on the intended line, with quote | by number only |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const row of renderingRows) console.log(row);

  console.log(
    '\n| PR | first review calls | first review USD | files in the push | push calls | push USD | push ÷ first | findings already posted | duplicates posted |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const pr of BENCH_PRS) {
    const row = await benchPush(pr, base);
    if (row) console.log(row);
  }

  await modelsSection();

  // chunk-tokens sweep, ours only: cost vs calls vs latency.
  console.log('\n| PR | chunk-tokens | calls | USD | wall s |\n| --- | ---: | ---: | ---: | ---: |');
  for (const pr of BENCH_PRS.slice(1)) {
    for (const budget of [10_000, 20_000, 40_000, 80_000]) {
      const settings = { ...base, chunkTokens: budget };
      const plan = makePlan(benchPullRequest(pr), settings, '');
      const { row } = await runStrategy(plan, settings, plan.chunks, plan.prefix, CONCURRENCY);
      console.log(
        `| ${pr.name} | ${fmt(budget)} | ${row.calls} | ${row.usd.toFixed(3)} | ${(row.wallMs / 1000).toFixed(2)} |`,
      );
    }
  }

  await contextSection(base);
  await learnSection();

  // Planning a 3000-file PR, in a fresh process so its peak memory is its own.
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/plan-3000.ts'], { encoding: 'utf8' });
  console.log(`\n- ${out.trim()}`);
  const hostile = execFileSync(process.execPath, ['--import', 'tsx', 'bench/hostile.ts'], { encoding: 'utf8' });
  console.log(`- ${hostile.trim()}`);
}

await main();
