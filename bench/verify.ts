// The second look, measured: on the planted pull requests of the context benchmark, a misled first pass
// reports every planted bug it can see and also findings on lines without a bug (a planted false finding every
// FALSE_EVERY added lines). The fake second look judges each finding by the line it names, as a careful model
// would: real when that line calls a planted helper whose dangerous body the request shows. Reported with
// verify off and on, side by side: what is posted, and what the review costs.
import { FakeGateway, toolAsked, type GatewayBody, type Reply } from '../test/fakes/gateway.js';
import { fakeVerdicts, type Judge } from '../test/fakes/verifier.js';
import { userTextOf } from '../test/helpers/action.js';
import { benchPullRequest, benchFiles, type BenchPr } from './data.js';
import { billedAtList, billedUsage, model, plant } from './context.js';
import { addContext, makePlan } from '../src/pipeline/stages.js';
import type { Settings } from '../src/settings/settings.js';
import { createLlmClient } from '../src/llm/factory.js';
import { runChunks } from '../src/run/run.js';
import { placeComments } from '../src/findings/place.js';
import { dedupe } from '../src/findings/findings.js';
import { sift } from '../src/findings/sift.js';
import { passesFor } from '../src/prompt/passes.js';
import type { ReviewDepth } from '../src/settings/settings.js';

const KEY = 'bench-key';
/** One planted false finding every this many added lines a part shows. */
const FALSE_EVERY = 150;
export const FALSE_TITLE = 'Unchecked input reaches a shell command';

/** The misled first pass: the planted bugs it can see, and false findings on lines that call nothing dangerous. */
function misledModel(): (body: GatewayBody) => Reply {
  const honest = model();
  return (body) => {
    const text = userTextOf(body);
    if (toolAsked(body) === 'submit_verdicts') return { toolInput: fakeVerdicts(text, judge(text)) };
    const reply = honest(body);
    if (!('toolInput' in reply)) return reply;
    const review = reply.toolInput as { summary: string; comments: Record<string, unknown>[] };
    return { toolInput: { ...review, comments: [...review.comments, ...falseFindings(text)] } };
  };
}

function falseFindings(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let path = '';
  let added = 0;
  for (const line of text.split('\n')) {
    const header = /^## (\S+) \(/.exec(line);
    if (header) path = header[1] ?? '';
    const m = /^(\d+)\+(.*)$/.exec(line);
    if (!m || !(m[2] ?? '').trim() || /plantedHelper\d+/.test(m[2] ?? '')) continue;
    if (++added % FALSE_EVERY !== 0) continue;
    out.push({
      path,
      line: Number(m[1]),
      quote: m[2],
      severity: 'high',
      category: 'security',
      title: FALSE_TITLE,
      body: 'The value on this line comes from the caller and is passed on without validation; a crafted value runs a command.',
      confidence: 75,
      introduced: true,
    });
  }
  return out;
}

/** Real when the line named calls a planted helper whose dangerous body the request shows. */
function judge(text: string): Judge {
  return (_candidate, lineText) => {
    const name = /(plantedHelper\d+)\(/.exec(lineText ?? '')?.[1];
    const real = name !== undefined && new RegExp(`PLANTED-DANGER ${name}\\b`).test(text);
    return real ? { verdict: 'confirmed', confidence: 92 } : { verdict: 'refuted', confidence: 92 };
  };
}

export interface VerifyRow {
  pr: string;
  depth: ReviewDepth;
  verify: boolean;
  planted: number;
  realPosted: number;
  falseReported: number;
  falsePosted: number;
  calls: number;
  verifyCalls: number;
  usd: number;
  usage: ReturnType<typeof billedUsage>;
}

async function runOnce(
  pr: BenchPr,
  settings: Settings,
  depth: ReviewDepth,
  verify: boolean,
  latency: ConstructorParameters<typeof FakeGateway>[0]['latency'],
  tokens: (text: string) => number,
): Promise<VerifyRow> {
  const planted = plant(pr, benchFiles(pr));
  const runSettings = { ...settings, context: 'code' as const, verify, reviewDepth: depth };
  const plan = await addContext(
    makePlan(benchPullRequest(pr, planted.pr), runSettings, ''),
    planted.files,
    () => undefined,
  );
  const gateway = await new FakeGateway({
    apiKey: KEY,
    auth: 'x-api-key',
    reply: misledModel(),
    tokens,
    ...(latency ? { latency } : {}),
    maxConcurrent: 32,
  }).start();
  try {
    const client = createLlmClient({ ...runSettings, baseUrl: gateway.url });
    const outcomes = await runChunks(plan.chunks, plan.prefix, client, {
      call: { model: settings.modelId, maxTokens: settings.maxOutputTokens, ...settings.shape },
      concurrency: 8,
      tokenRatio: settings.tokenRatio,
      prices: settings.prices,
      verify: verify ? { minSeverity: settings.minSeverity, maxFindings: settings.maxComments } : undefined,
      passes: passesFor(depth),
      ...(depth === 'deep' ? { explore: { files: planted.files, maxToolCalls: settings.maxToolCalls } } : {}),
    });
    const all = outcomes.flatMap((o) => o.comments);
    const { kept } = sift(dedupe(placeComments(all, plan.reviewable)).fresh, runSettings);
    const real = new Set(kept.flatMap((f) => /^(plantedHelper\d+) runs/.exec(f.title)?.[1] ?? []));
    return {
      pr: `${pr.name} (${plan.reviewable.length} files)`,
      depth,
      verify,
      planted: planted.plants.length,
      realPosted: real.size,
      falseReported: all.filter((c) => c.title === FALSE_TITLE).length,
      falsePosted: kept.filter((f) => f.title === FALSE_TITLE).length,
      calls: gateway.calls.length,
      verifyCalls: gateway.calls.filter((c) => toolAsked(c.body) === 'submit_verdicts').length,
      usd: billedAtList(gateway.calls, settings.model),
      usage: billedUsage(gateway),
    };
  } finally {
    await gateway.stop();
  }
}

/** What is measured side by side on each PR: the quick look without and with the second look, then each depth. */
const RUNS: readonly { depth: ReviewDepth; verify: boolean }[] = [
  { depth: 'quick', verify: false },
  { depth: 'quick', verify: true },
  { depth: 'standard', verify: true },
  { depth: 'deep', verify: true },
];

/** Each depth, side by side, for each PR. */
export async function verifyRows(
  prs: readonly BenchPr[],
  settings: Settings,
  latency: ConstructorParameters<typeof FakeGateway>[0]['latency'],
  tokens: (text: string) => number,
): Promise<VerifyRow[]> {
  const rows: VerifyRow[] = [];
  for (const pr of prs)
    for (const run of RUNS) rows.push(await runOnce(pr, settings, run.depth, run.verify, latency, tokens));
  return rows;
}

const fmt = (n: number): string => n.toLocaleString('en-US');

export function verifyTable(rows: readonly VerifyRow[]): string[] {
  const lines = [
    '| PR | depth | second look | planted bugs posted | false findings reported | false findings posted | calls | of them second looks | input | cache write | cache read | output | USD | USD ÷ quick without |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    const base = rows.find((o) => o.pr === r.pr && o.depth === 'quick' && !o.verify);
    const first = r === base;
    lines.push(
      `| ${first ? r.pr : ''} | ${r.depth} | ${r.verify ? 'on' : 'off'} | ${r.realPosted} / ${r.planted} | ${r.falseReported} | ${r.falsePosted} | ${r.calls} | ${r.verifyCalls} | ${fmt(r.usage.input)} | ${fmt(r.usage.cacheWrite)} | ${fmt(r.usage.cacheRead)} | ${fmt(r.usage.output)} | ${r.usd.toFixed(4)} | ${base && !first ? (r.usd / base.usd).toFixed(3) : ''} |`,
    );
  }
  return lines;
}
