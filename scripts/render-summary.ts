// Renders the summary comment of the three benchmark pull requests (8, 100 and 1,727 files) and of a capped run
// as GitHub renders it: the Markdown through cmark-gfm (GitHub's engine, with its GFM extensions), then a
// screenshot by headless Chromium with every fold closed. Writes .cache/summary/<name>.{md,html,png} and prints
// each one's visible lines and picture size. Needs `cmark-gfm`, `chromium` and ImageMagick (`apt-get install
// cmark-gfm chromium imagemagick fonts-noto-color-emoji`). Run: npx tsx scripts/render-summary.ts
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FakeGateway, toolAsked, type GatewayBody } from '../test/fakes/gateway.js';
import { scriptedReview, userTextOf } from '../test/helpers/action.js';
import { BENCH_PRS, benchPullRequest } from '../bench/data.js';
import { createLlmClient } from '../src/llm/factory.js';
import { executePlan, makePlan } from '../src/pipeline/stages.js';
import { dryRun } from '../src/publish/publish.js';
import { parseSettings } from '../src/settings/settings.js';

const OUT = resolve('.cache/summary');
const KEY = 'render-summary-key';

function reply(body: GatewayBody) {
  if (toolAsked(body) === 'submit_answer') {
    return { toolInput: { answer: 'The pull request updates the package across its modules; nothing blocks it.' } };
  }
  return { toolInput: scriptedReview(userTextOf(body)) };
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
