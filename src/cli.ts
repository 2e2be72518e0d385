import { parseArgs } from 'node:util';
import { parseSettings, SettingsError } from './settings/settings.js';
import { localPullRequest } from './source/local.js';
import { loadInstructions } from './prompt/instructions.js';
import { estimateCost, executePlan, makePlan } from './review.js';
import { createLlmClient } from './llm/factory.js';
import { costTable, planReport } from './publish/render.js';

const USAGE = `Usage: npm run review -- [--base REF] [--head REF] [options]

Reviews the local git diff (base..head; default: HEAD~1 against the working tree) through the same
pipeline as the action and prints the findings. Without an API key it prints the plan and the estimated cost.

Options:
  --base REF               base revision (default HEAD~1)
  --head REF               head revision (default: the working tree)
  --provider NAME          provider preset (default anthropic)
  --model ID               model (default claude-sonnet-4-5)
  --base-url URL           gateway base URL (default: the preset's)
  --instructions TEXT      review instructions
  --instructions-file PATH file with review instructions
  --max-output-tokens N    max output tokens per call (default 8192)
The API key is read from ANTHROPIC_API_KEY or LLM_API_KEY.`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      base: { type: 'string' },
      head: { type: 'string' },
      provider: { type: 'string' },
      model: { type: 'string' },
      'base-url': { type: 'string' },
      instructions: { type: 'string' },
      'instructions-file': { type: 'string' },
      'max-output-tokens': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const settings = parseSettings({
    'api-key': process.env.ANTHROPIC_API_KEY ?? process.env.LLM_API_KEY ?? '',
    provider: values.provider,
    model: values.model,
    'base-url': values['base-url'],
    instructions: values.instructions,
    'instructions-file': values['instructions-file'],
    'max-output-tokens': values['max-output-tokens'],
  });
  const cwd = process.cwd();
  const pr = await localPullRequest({ cwd, base: values.base, head: values.head });
  const instructions = await loadInstructions(settings.instructions, settings.instructionsFile, cwd);
  const plan = makePlan(pr, settings, instructions);
  console.log(planReport(plan, estimateCost(plan, settings.prices, settings.maxOutputTokens), settings.model));
  if (!settings.apiKey) {
    console.log('\nNo API key (ANTHROPIC_API_KEY or LLM_API_KEY): plan only, no model was called.');
    return 0;
  }
  const result = await executePlan(plan, settings, createLlmClient(settings), {
    concurrency: 4,
    log: (m) => {
      console.error(m);
    },
  });
  console.log('');
  for (const f of result.findings) {
    console.log(
      `${f.path}:${f.line} [${f.severity}/${f.category}] ${f.title}${f.inline ? '' : ` (${f.note ?? 'not on a diff line'})`}`,
    );
    console.log(`  ${f.body.trim().replace(/\n/g, '\n  ')}`);
  }
  for (const o of result.outcomes.filter((x) => x.status !== 'ok'))
    console.log(`not reviewed: call ${o.chunk.index + 1}: ${o.error}`);
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
