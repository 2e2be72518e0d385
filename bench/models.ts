// Today's models side by side on the bench PRs, through the same path as the action (settings, plan, request
// shape, cap), and a cap below the estimate: what it spends and what it reviews.
import { FakeGateway, type FakeGatewayOptions, type RecordedCall } from '../test/fakes/gateway.js';
import { billedAtList, readOnceUsd } from './context.js';
import { estimateCost, executePlan, makePlan, type ReviewResult } from '../src/pipeline/stages.js';
import { parseSettings, type Settings } from '../src/settings/settings.js';
import { createLlmClient } from '../src/llm/factory.js';
import { renderChunk, type RepoRules } from '../src/prompt/prompt.js';
import type { PullRequest } from '../src/core/pull-request.js';

/** The models a user can buy today, the current generation first. */
export const BENCH_MODELS = ['claude-sonnet-5-5', 'claude-opus-5-5', 'claude-haiku-5-5', 'claude-sonnet-4-6'];

export type GatewayShape = Omit<FakeGatewayOptions, 'apiKey' | 'auth'>;

interface Served {
  result: ReviewResult;
  calls: RecordedCall[];
  settings: Settings;
}

/** One review of `pr` by the action's own path, against a fresh fake gateway, with the repository's `rules`. */
export async function serve(
  pr: PullRequest,
  inputs: Record<string, string>,
  gateway: GatewayShape,
  rules: RepoRules | '' = '',
): Promise<Served> {
  const key = 'bench-key';
  const fake = await new FakeGateway({ apiKey: key, auth: 'x-api-key', ...gateway }).start();
  try {
    const settings = parseSettings({ 'api-key': key, 'base-url': fake.url, ...inputs });
    const plan = makePlan(pr, settings, rules);
    const result = await executePlan(plan, settings, createLlmClient(settings));
    return { result, calls: [...fake.calls], settings };
  } finally {
    await fake.stop();
  }
}

const sum = (calls: readonly RecordedCall[], of: (c: RecordedCall) => number): number =>
  calls.reduce((n, c) => n + of(c), 0);

const fmt = (n: number): string => n.toLocaleString('en-US');

/**
 * One row per PR and model: calls, tokens (thinking part of output), what the gateway billed, our reported cost
 * against it, and USD ÷ the lower bound (the prefix once, every diff token once and the outputs, at the model's
 * base rates: reading it all in one request would cost at least this).
 */
export async function modelRows(
  prs: readonly { name: string; pr: PullRequest }[],
  gateway: GatewayShape,
  tokens: (text: string) => number,
): Promise<string[]> {
  const rows = [
    '| PR | model | calls | input | cache write | cache read | output | of it thinking | billed USD | reported ÷ billed | USD ÷ lower bound | parts not reviewed |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const { name, pr } of prs) {
    for (const model of BENCH_MODELS) {
      const { result, calls, settings } = await serve(pr, { model, 'max-cost-usd': 'none' }, gateway);
      const usage = (k: 'input_tokens' | 'output_tokens' | 'cache_read_input_tokens' | 'cache_creation_input_tokens') =>
        sum(calls, (c) => c.usage?.[k] ?? 0);
      const thinking = sum(calls, (c) => c.usage?.output_tokens_details?.thinking_tokens ?? 0);
      const usd = billedAtList(calls, model);
      const everything = renderChunk({
        index: 0,
        files: result.plan.reviewable.map((file) => ({ file, hunks: file.hunks })),
        tokens: 0,
      });
      const prefix = calls[0]?.usage?.cache_creation_input_tokens ?? 0;
      const bound = readOnceUsd(settings, prefix, tokens(everything), usage('output_tokens'));
      const failed = result.outcomes.filter((o) => o.status !== 'ok').length;
      rows.push(
        `| ${name} (${result.plan.reviewable.length} files) | ${model} | ${calls.length} | ${fmt(usage('input_tokens'))} | ${fmt(usage('cache_creation_input_tokens'))} | ${fmt(usage('cache_read_input_tokens'))} | ${fmt(usage('output_tokens'))} | ${fmt(thinking)} | ${usd.toFixed(4)} | ${result.usd === undefined ? 'unknown' : (result.usd / usd).toFixed(4)} | ${(usd / bound).toFixed(3)} | ${failed} |`,
      );
      process.stderr.write(`models: ${name} ${model}\n`);
    }
  }
  return rows;
}

/**
 * A cap below the estimate, on the default model: what it spends of the cap (never more), and how many parts and
 * files it reviews against the uncapped run.
 */
export async function capRows(
  prs: readonly { name: string; pr: PullRequest }[],
  gateway: GatewayShape,
  fractions: readonly number[],
): Promise<string[]> {
  const rows = [
    '| PR | model | estimate USD | cap | billed USD | billed ÷ cap | calls | parts reviewed | files reviewed whole |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const { name, pr } of prs) {
    const full = await serve(pr, { 'max-cost-usd': 'none' }, gateway);
    const model = full.settings.model;
    const estimate = estimateCost(full.result.plan, full.settings).usd ?? 0;
    const files = full.result.plan.reviewable.length;
    const reviewedFiles = (r: ReviewResult): number => {
      const paths = (ok: boolean): Set<string> =>
        new Set(
          r.outcomes.filter((o) => (o.status === 'ok') === ok).flatMap((o) => o.chunk.files.map((f) => f.file.path)),
        );
      const missed = paths(false);
      return [...paths(true)].filter((p) => !missed.has(p)).length;
    };
    const partsOf = (r: ReviewResult): string =>
      `${r.outcomes.filter((o) => o.status === 'ok').length} of ${r.outcomes.length}`;
    const fullUsd = billedAtList(full.calls, model);
    rows.push(
      `| ${name} | ${model} | ${estimate.toFixed(4)} | none | ${fullUsd.toFixed(4)} | | ${full.calls.length} | ${partsOf(full.result)} | ${reviewedFiles(full.result)} of ${files} |`,
    );
    for (const fraction of fractions) {
      const cap = Number((estimate * fraction).toFixed(4));
      const capped = await serve(pr, { 'max-cost-usd': String(cap) }, gateway);
      const usd = billedAtList(capped.calls, model);
      rows.push(
        `| | | | ${cap.toFixed(4)} (${fraction} × estimate) | ${usd.toFixed(4)} | ${(usd / cap).toFixed(3)} | ${capped.calls.length} | ${partsOf(capped.result)} | ${reviewedFiles(capped.result)} of ${files} |`,
      );
      process.stderr.write(`cap: ${name} ${fraction}\n`);
    }
  }
  return rows;
}
