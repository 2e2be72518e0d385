// Renders the summary comment of the three benchmark pull requests (8, 100 and 1,727 files) and of a capped run
// as GitHub renders it: the Markdown through cmark-gfm (GitHub's engine, with its GFM extensions), then a
// screenshot by headless Chromium with every fold closed. Writes .cache/summary/<name>.{md,html,png} and prints
// each one's visible lines and picture size. Needs `cmark-gfm`, `chromium` and ImageMagick (`apt-get install
// cmark-gfm chromium imagemagick fonts-noto-color-emoji`). Run: npx tsx scripts/render-summary.ts
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FakeGateway, toolAsked, type GatewayBody } from '../test/fakes/gateway.js';
import { scriptedReview, userTextOf } from '../test/helpers/action.js';
import { fakeVerdicts, type Judge } from '../test/fakes/verifier.js';
import { BENCH_PRS, benchPullRequest } from '../bench/data.js';
import { createLlmClient } from '../src/llm/factory.js';
import { executePlan, makePlan } from '../src/pipeline/stages.js';
import { dryRun } from '../src/publish/publish.js';
import { parseSettings } from '../src/settings/settings.js';

const OUT = resolve('.cache/summary');
const KEY = 'render-summary-key';

/**
 * The scripted model: a review of each part; the second look judged as a model would, from the line each finding
 * is on (a finding whose line it is not shown stays unsure, one on a blank line is refuted, the rest confirmed);
 * the overview.
 */
function reply(body: GatewayBody) {
  const asked = toolAsked(body);
  if (asked === 'submit_answer') {
    return { toolInput: { answer: 'The pull request updates the package across its modules; nothing blocks it.' } };
  }
  if (asked === 'submit_verdicts') return { toolInput: fakeVerdicts(userTextOf(body), judge) };
  return { toolInput: scriptedReview(userTextOf(body)) };
}

const judge: Judge = (candidate, line) => {
  if (line === undefined) return { verdict: 'unsure', confidence: 50 };
  if (line.trim() === '') return { verdict: 'refuted', confidence: 90, cite: { line: candidate.line, quote: line } };
  return { verdict: 'confirmed', confidence: 85 };
};

/** The tools a render needs, each with the Debian package that brings it (docs/develop.md installs them). */
const TOOLS: readonly [string, string][] = [
  ['cmark-gfm', 'cmark-gfm'],
  ['chromium', 'chromium'],
  ['convert', 'imagemagick'],
  ['identify', 'imagemagick'],
];

/** Stops with one clear message when a tool is missing, before any work. */
function checkTools(): void {
  const missing = TOOLS.filter(([tool]) => spawnSync('which', [tool]).status !== 0);
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map(([, pkg]) => pkg))].join(' ');
  console.error(
    `render-summary needs ${missing.map(([tool]) => tool).join(', ')}: apt-get install ${packages} fonts-noto-color-emoji (see docs/develop.md)`,
  );
  process.exit(1);
}

/** The summary of one benchmark pull request, reviewed by the scripted fake model, as a dry run posts it. */
async function summaryOf(index: number, inputs: Record<string, string>): Promise<string> {
  const pr = BENCH_PRS[index];
  if (!pr) throw new Error(`no benchmark PR ${index}`);
  const gateway = await new FakeGateway({ apiKey: KEY, auth: 'x-api-key', reply }).start();
  try {
    const settings = parseSettings({ 'api-key': KEY, 'base-url': gateway.url, context: 'diff', ...inputs });
    const plan = makePlan(benchPullRequest(pr), settings, '');
    const result = await executePlan(plan, settings, createLlmClient(settings));
    return dryRun(settings, result, (t) => t).summary;
  } finally {
    await gateway.stop();
  }
}

/** The lines a reader sees with the folds closed (a fold is its one summary line). */
function visibleLines(markdown: string): number {
  const closed = markdown.replace(/^<details><summary>([^<\n]*)<\/summary>$[\s\S]*?^<\/details>$/gm, '▸ $1');
  return closed.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('<!--') && !/^\| ?-/.test(l)).length;
}

const PAGE = (body: string): string => `<!doctype html><meta charset="utf-8"><style>
body{font:14px/1.5 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;max-width:780px;margin:16px;color:#1f2328}
table{border-collapse:collapse}td,th{border:1px solid #d1d9e0;padding:4px 10px}code{background:#eff1f3;padding:1px 4px}
h2{border-bottom:1px solid #d1d9e0}
</style>${body}`;

function render(name: string, markdown: string): string {
  const md = join(OUT, `${name}.md`);
  const html = join(OUT, `${name}.html`);
  const png = join(OUT, `${name}.png`);
  writeFileSync(md, markdown);
  // --unsafe keeps our <details> folds, as GitHub does; the tests check no other HTML is live.
  const body = execFileSync('cmark-gfm', ['--unsafe', '-e', 'table', '-e', 'autolink', '-e', 'strikethrough', md], {
    encoding: 'utf8',
  });
  writeFileSync(html, PAGE(body));
  execFileSync(
    'chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--hide-scrollbars',
      `--screenshot=${png}`,
      '--window-size=820,6000',
      `file://${html}`,
    ],
    { stdio: 'ignore' },
  );
  execFileSync('convert', [png, '-trim', '+repage', png]);
  return execFileSync('identify', ['-format', '%wx%h', png], { encoding: 'utf8' });
}

checkTools();
mkdirSync(OUT, { recursive: true });
const cases: [string, number, Record<string, string>][] = [
  ['semver-8-files', 0, {}],
  ['eslint-100-files', 1, {}],
  ['date-fns-1727-files', 2, {}],
  ['date-fns-capped', 2, { 'max-cost-usd': '1' }],
];
for (const [name, index, inputs] of cases) {
  const summary = await summaryOf(index, inputs);
  const size = render(name, summary);
  console.log(`${name}: ${visibleLines(summary)} visible lines, ${summary.length} characters, picture ${size} px`);
}
