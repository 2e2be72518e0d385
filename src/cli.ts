import { parseArgs } from 'node:util';
import { INPUT_DEFAULTS, parseSettings, SettingsError } from './settings/settings.js';
import { localPullRequest } from './source/local.js';
import { loadInstructions } from './prompt/instructions.js';
import { estimateCost, executePlan, makePlan } from './review.js';
import { createLlmClient } from './llm/factory.js';
import { costTable, planReport } from './publish/render.js';
import { terminalSafe } from './publish/markdown.js';

/** Action inputs that make no sense locally: the key comes from the environment, GitHub is not involved. */
const NOT_FLAGS = new Set(['api-key', 'github-token', 'pr-number', 'dry-run']);
const FLAGS = Object.keys(INPUT_DEFAULTS).filter((name) => !NOT_FLAGS.has(name));

const USAGE = `Usage: npm run review -- [--base REF] [--head REF] [--INPUT VALUE ...]

Reviews the local git diff (base..head; default: HEAD~1 against the working tree) through the same
pipeline as the action and prints the findings. Without an API key it prints the plan and the estimated cost.
Untracked files are not part of a git diff: 'git add -N FILE' includes a new file.

  --base REF    base revision (default HEAD~1, or the empty tree in a repository's first commit)
  --head REF    head revision (default: the working tree)
Any action input can be given as a flag with its default in action.yml:
${FLAGS.map((f) => `  --${f}`).join('\n')}
The API key is read from ANTHROPIC_API_KEY or LLM_API_KEY.`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      base: { type: 'string' },
      head: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      ...Object.fromEntries(FLAGS.map((f) => [f, { type: 'string' as const }])),
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const inputs: Record<string, string | undefined> = {};
  const given = values as Record<string, string | boolean | undefined>;
  for (const flag of FLAGS) {
    const value = given[flag];
    if (typeof value === 'string') inputs[flag] = value;
  }
  const settings = parseSettings({
    ...inputs,
    'api-key': process.env.ANTHROPIC_API_KEY ?? process.env.LLM_API_KEY ?? '',
  });
  const base = typeof values.base === 'string' ? values.base : undefined;
  const head = typeof values.head === 'string' ? values.head : undefined;
  const cwd = process.cwd();
  const pr = await localPullRequest({ cwd, base, head });
  const instructions = await loadInstructions(settings.instructions, settings.instructionsFile, cwd);
  const plan = makePlan(pr, settings, instructions);
  console.log(planReport(plan, estimateCost(plan, settings.prices, settings.maxOutputTokens), settings.model));
  if (!settings.apiKey) {
    console.log('\nNo API key (ANTHROPIC_API_KEY or LLM_API_KEY): plan only, no model was called.');
    return 0;
  }
  const log = (m: string): void => {
    console.error(terminalSafe(m));
  };
  const result = await executePlan(plan, settings, createLlmClient(settings, { log }), log);
  console.log('');
  for (const f of result.findings) {
    const where = `${f.path}:${f.line} [${f.severity}/${f.category}] ${f.title}${f.note ? ` (${f.note})` : ''}`;
    console.log(terminalSafe(where.replace(/\n/g, ' ')));
    console.log(`  ${terminalSafe(f.body.trim()).replace(/\n/g, '\n  ')}`);
  }
  for (const o of result.outcomes.filter((x) => x.status !== 'ok'))
    console.log(terminalSafe(`not reviewed: call ${o.chunk.index + 1}: ${o.error ?? ''}`));
  console.log(`\n${result.findings.length} findings\n${costTable(result, settings.model)}`);
  return result.outcomes.every((o) => o.status !== 'ok') && result.outcomes.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof SettingsError || error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
