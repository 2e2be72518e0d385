// The context benchmark: real pull requests (two published versions of an npm package) with planted
// cross-file bugs. Each plant is a helper whose body is dangerous, added to a file the pull request does not
// change (in both versions), and an added line in a changed file that imports and calls it. The fake model
// finds a plant only when the helper's body is in what it received; in explore mode it searches for a helper
// it sees called but cannot read, then reads it. Reported for context diff, code and explore side by side.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import {
  billedUsdByCall,
  FakeGateway,
  type GatewayBody,
  type RecordedCall,
  type Reply,
} from '../test/fakes/gateway.js';
import { userTextOf } from '../test/helpers/action.js';
import { benchPullRequest, type BenchPr } from './data.js';
import { addContext, makePlan } from '../src/pipeline/stages.js';
import type { ContextMode, Settings } from '../src/settings/settings.js';
import { createLlmClient } from '../src/llm/factory.js';
import { runChunks } from '../src/run/run.js';
import { gitHeadFiles, type HeadFiles } from '../src/context/files.js';
import { splitGitDiff } from '../src/source/local.js';
import type { ChangedFile } from '../src/core/pull-request.js';
import type { Usage } from '../src/core/usage.js';
import { findModel } from '../src/llm/models.js';
import { type Prices } from '../src/core/usage.js';

const KEY = 'bench-key';
const PLANTS = 10;
const CACHE = '.cache/bench/planted-v3';

interface Planted {
  pr: ChangedFile[];
  files: HeadFiles;
  plants: { name: string; site: string; helper: string }[];
}

function sh(cwd: string, cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    return (error as { stdout?: string }).stdout ?? ''; // git diff --no-index exits 1 when the files differ
  }
}

const isJs = (path: string): boolean => /\.(c|m)?js$/.test(path) && !/\.min\.js$|\/dist\/|umd/.test(path);

/** The helper's body: a shell command built from its argument. The marker names the plant. */
function helper(name: string): string {
  return [
    '',
    `/** Runs a maintenance command for ${name}. */`,
    `function ${name}(input) {`,
    `  return require("child_process").execSync("sh -c " + input); // PLANTED-DANGER ${name}`,
    '}',
    `module.exports.${name} = ${name};`,
    '',
  ].join('\n');
}

/** Plants the bugs into copies of both versions, commits the head, and rebuilds the changed files' diff. */
export function plant(pr: BenchPr, original: ChangedFile[]): Planted {
  const root = join(CACHE, `${pr.name}-${pr.from}-${pr.to}`);
  const a = join(root, 'a');
  const b = join(root, 'b');
  const done = join(root, 'plants.json');
  if (!existsSync(done)) {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    cpSync(join('.cache/bench', `${pr.name}-${pr.from}`, 'package'), a, { recursive: true });
    cpSync(join('.cache/bench', `${pr.name}-${pr.to}`, 'package'), b, { recursive: true });
    const changed = new Set(original.map((f) => f.filename));
    const sites = original
      .filter((f) => isJs(f.filename) && f.status !== 'removed' && f.patch && /^\+\s*\S/m.test(f.patch))
      .map((f) => f.filename)
      .sort();
    const unchanged = sh(b, 'find', ['.', '-type', 'f', '-name', '*.js'])
      .split('\n')
      .map((p) => p.replace(/^\.\//, ''))
      .filter((p) => p && isJs(p) && !changed.has(p) && existsSync(join(a, p)))
      .sort();
    const plants: Planted['plants'] = [];
    for (let k = 0; k < PLANTS && sites.length > 0 && unchanged.length > 0; k++) {
      const site = sites[Math.floor((k * sites.length) / PLANTS)] ?? '';
      // Half the helpers beside the site, half anywhere in the package.
      const near = unchanged.filter((p) => posix.dirname(p) === posix.dirname(site));
      const pool = k % 2 === 0 && near.length > 0 ? near : unchanged;
      const helperPath = pool[(k * 7) % pool.length] ?? '';
      const name = `plantedHelper${k}`;
      for (const side of [a, b])
        writeFileSync(join(side, helperPath), readFileSync(join(side, helperPath), 'utf8') + helper(name));
      // The call is a statement of its own at the top of the file, after its one-line requires.
      const text = readFileSync(join(b, site), 'utf8').split('\n');
      let spec = posix.relative(posix.dirname(site), helperPath);
      if (!spec.startsWith('.')) spec = `./${spec}`;
      // The last plant is reached through a computed path, as dependency injection or a plugin table would:
      // no static resolver follows it, a model that searches does.
      const call =
        k === PLANTS - 1
          ? `require(require("path").join(__dirname, "${spec}")).${name}(String(process.argv[2]));`
          : `const { ${name} } = require("${spec}"); ${name}(String(process.argv[2]));`;
      text.splice(insertionPoint(text), 0, call);
      writeFileSync(join(b, site), text.join('\n'));
      plants.push({ name, site, helper: helperPath });
    }
    sh(b, 'git', ['init', '-q']);
    sh(b, 'git', ['-c', 'user.email=b@example.com', '-c', 'user.name=bench', 'add', '-A', '-f']);
    sh(b, 'git', ['-c', 'user.email=b@example.com', '-c', 'user.name=bench', 'commit', '-qm', 'head']);
    writeFileSync(done, JSON.stringify(plants));
  }
  const plants = JSON.parse(readFileSync(done, 'utf8')) as Planted['plants'];
  const sites = new Set(plants.map((p) => p.site));
  const rediffed = [...sites].flatMap((site) => {
    const before = existsSync(join(a, site)) ? join(a, site) : '/dev/null';
    const diff = sh('.', 'git', ['diff', '--no-index', '--no-color', before, join(b, site)]);
    return splitGitDiff(diff.replaceAll(`a/${a}/`, 'a/').replaceAll(`b/${b}/`, 'b/')).map((f) => ({
      ...f,
      filename: site,
    }));
  });
  const files = original.map((f) => rediffed.find((r) => r.filename === f.filename) ?? f);
  const head = sh(b, 'git', ['rev-parse', 'HEAD']).trim();
  return { pr: files, files: gitHeadFiles(b, head), plants };
}

/** Where a top-level statement can go: after a shebang, 'use strict' and the file's leading one-line requires. */
function insertionPoint(lines: readonly string[]): number {
  let at = 0;
  for (let i = 0; i < Math.min(lines.length, 60); i++) {
    const line = lines[i] ?? '';
    if (/^#!|^['"]use strict['"];?\s*$/.test(line) || /^(const|let|var) .*require\(.*\);?\s*$/.test(line)) at = i + 1;
    else if (line.trim() !== '' && !line.startsWith('//')) break;
  }
  return at;
}

/**
 * The fake model: a finding for every planted call whose helper body it has seen; in explore mode it first
 * searches for the helpers it sees called but cannot read, then reads what the search found.
 */
export function model() {
  return (body: GatewayBody): Reply => {
    const text = userTextOf(body);
    const calls: { name: string; path: string; line: number; quote: string }[] = [];
    let path = '';
    for (const line of text.split('\n')) {
      const header = /^## (\S+) \(/.exec(line);
      if (header) path = header[1] ?? '';
      const added = /^(\d+)\+(.*)$/.exec(line);
      const called = added ? /(plantedHelper\d+)\(/.exec(added[2] ?? '') : null;
      if (added && called) calls.push({ name: called[1] ?? '', path, line: Number(added[1]), quote: added[2] ?? '' });
    }
    const seen = (name: string): boolean => new RegExp(`PLANTED-DANGER ${name}\\b`).test(text);
    const missing = calls.filter((c) => !seen(c.name));
    // Explore tools offered, and the final tool not forced (Claude 5.5 models are never forced: tool_choice auto).
    const offered = (body.tools ?? []).some((t) => (t.name ?? t.function?.name) === 'search_code');
    const mayExplore = offered && body.tool_choice?.type !== 'tool';
    if (mayExplore && missing.length > 0) {
      const rounds = body.messages.filter((m) => m.role === 'assistant').length;
      if (rounds === 0) {
        return { toolUses: missing.map((c) => ({ name: 'search_code', input: { text: `function ${c.name}(` } })) };
      }
      const hits = missing.flatMap((c) => {
        const hit = new RegExp(`^(\\S+):(\\d+): function ${c.name}\\(`, 'm').exec(text);
        return hit
          ? [{ name: 'read_file', input: { path: hit[1], start_line: Number(hit[2]), end_line: Number(hit[2]) + 4 } }]
          : [];
      });
      if (rounds === 1 && hits.length > 0) return { toolUses: hits };
    }
    const comments = calls
      .filter((c) => seen(c.name))
      .map((c) => ({
        path: c.path,
        line: c.line,
        quote: c.quote,
        severity: 'critical',
        category: 'security',
        title: `${c.name} runs a shell command built from its input`,
        body: `${c.name} passes its argument to \`sh -c\`; the value here comes from process.argv.`,
      }));
    return { toolInput: { summary: 'Reviewed.', comments } };
  };
}

/** A model's list price from the model table: the bench prices every row at its model's. */
export function listPriceOf(model: string): Prices {
  const price = findModel(model)?.listPrice;
  if (!price) throw new Error(`no list price for ${model} in the model table`);
  return price;
}

/** What the gateway billed, at the model's list price, its long-prompt tier applied per request. */
export function billedAtList(calls: readonly RecordedCall[], model: string): number {
  const price = listPriceOf(model);
  return billedUsdByCall(calls, price, price.longPrompt);
}

/**
 * The prefix once, `text` tokens (the gateway's count of the older tokenizer, scaled to the model's) once and the
 * outputs, at the model's base rates: no review of that text can cost less.
 */
export function readOnceUsd(settings: Settings, prefixTokens: number, text: number, output: number): number {
  const price = listPriceOf(settings.model);
  return ((prefixTokens + Math.ceil(text * settings.tokenRatio)) * price.input + output * price.output) / 1e6;
}

/** What the fake gateway billed, as our usage. */
export function billedUsage(gateway: FakeGateway): Usage {
  const billed = gateway.billed();
  return {
    input: billed.input_tokens,
    output: billed.output_tokens,
    cacheRead: billed.cache_read_input_tokens,
    cacheWrite: billed.cache_creation_input_tokens,
  };
}

export interface ContextRow {
  pr: string;
  mode: ContextMode;
  found: number;
  planted: number;
  calls: number;
  usage: Usage;
  usd: number;
  wallMs: number;
  contextTokens: number;
}

async function runMode(
  pr: BenchPr,
  planted: Planted,
  settings: Settings,
  mode: ContextMode,
  latency: { firstTokenMs: number; prefillTokensPerSec: number; outputTokensPerSec: number },
  tokens: (text: string) => number,
): Promise<ContextRow> {
  const modeSettings = { ...settings, context: mode };
  const started = performance.now();
  let plan = makePlan(benchPullRequest(pr, planted.pr), modeSettings, '');
  if (mode !== 'diff') plan = await addContext(plan, planted.files, (m) => process.stderr.write(`${m}\n`));
  const gateway = await new FakeGateway({
    apiKey: KEY,
    auth: 'x-api-key',
    reply: model(),
    tokens,
    latency,
    maxConcurrent: 32,
  }).start();
  try {
    const client = createLlmClient({ ...modeSettings, baseUrl: gateway.url });
    const outcomes = await runChunks(plan.chunks, plan.prefix, client, {
      call: { model: settings.modelId, maxTokens: settings.maxOutputTokens, ...settings.shape },
      concurrency: 8,
      tokenRatio: settings.tokenRatio,
      prices: settings.prices,
      ...(mode === 'explore' ? { explore: { files: planted.files, maxToolCalls: settings.maxToolCalls } } : {}),
    });
    const wallMs = performance.now() - started;
    const found = new Set(
      outcomes.flatMap((o) => o.comments).flatMap((c) => /^(plantedHelper\d+) runs/.exec(c.title)?.[1] ?? []),
    );
    const usage = billedUsage(gateway);
    return {
      pr: `${pr.name} (${plan.reviewable.length} files)`,
      mode,
      found: found.size,
      planted: planted.plants.length,
      calls: gateway.calls.length,
      usage,
      usd: billedAtList(gateway.calls, settings.model),
      wallMs,
      contextTokens: plan.chunks.reduce((n, c) => n + (c.context?.tokens ?? 0), 0),
    };
  } finally {
    await gateway.stop();
  }
}

/** The three modes on one planted pull request. */
export async function benchContext(
  pr: BenchPr,
  original: ChangedFile[],
  settings: Settings,
  latency: { firstTokenMs: number; prefillTokensPerSec: number; outputTokensPerSec: number },
  tokens: (text: string) => number,
): Promise<ContextRow[]> {
  const planted = plant(pr, original);
  const rows: ContextRow[] = [];
  for (const mode of ['diff', 'code', 'explore'] as const)
    rows.push(await runMode(pr, planted, settings, mode, latency, tokens));
  return rows;
}

export function contextTable(rows: ContextRow[]): string[] {
  const lines = [
    '| PR | context | planted bugs found | recall | calls | input | cache write | cache read | output | context tokens | USD | USD ÷ diff | wall s |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const fmt = (n: number): string => n.toLocaleString('en-US');
  for (const r of rows) {
    const diff = rows.find((d) => d.pr === r.pr && d.mode === 'diff');
    lines.push(
      `| ${r.mode === 'diff' ? r.pr : ''} | ${r.mode} | ${r.found} / ${r.planted} | ${(r.found / r.planted).toFixed(2)} | ${r.calls} | ${fmt(r.usage.input)} | ${fmt(r.usage.cacheWrite)} | ${fmt(r.usage.cacheRead)} | ${fmt(r.usage.output)} | ${fmt(r.contextTokens)} | ${r.usd.toFixed(3)} | ${diff ? (r.usd / diff.usd).toFixed(2) : ''} | ${(r.wallMs / 1000).toFixed(2)} |`,
    );
  }
  return lines;
}
