// Any Claude model, the day it ships: a model newer than the table is described by the gateway's Models API
// and reviewed with the request every Claude model accepts; a retired model fails before any call only on
// Anthropic's own API; the anthropic preset speaks API version 2026-10-21. Against the fake gateway, whose
// model table (test/fakes/gateway.ts) is kept apart from the code's.
import { describe, expect, it } from 'vitest';
import { billedUsd, FAKE_MODELS, toolAsked, type FakeGatewayOptions } from '../fakes/gateway.js';
import { fakesFor, readOutputs, runInProcess, scriptedReply, semverFiles } from '../helpers/action.js';
import { stopAfterEach } from '../helpers/cleanup.js';
import { MODELS } from '../../src/llm/models.js';

const KEY = 'sk-ant-models-0123456789';
const stopLater = stopAfterEach();
const quick = { 'review-depth': 'quick', verify: 'false', context: 'diff' };

async function review(gateway: Partial<FakeGatewayOptions>, inputs: Record<string, string>) {
  const options = { apiKey: KEY, auth: 'x-api-key' as const, reply: scriptedReply, ...gateway };
  const fakes = await fakesFor(semverFiles(), options, stopLater, { ...quick, ...inputs });
  const run = await runInProcess(fakes.env);
  const posts = fakes.llm.calls.filter((c) => c.path === '/v1/messages' || c.path === '/v1/chat/completions');
  return { ...fakes, ...run, posts, outputs: readOutputs(fakes.files.outputPath) };
}

describe('a model newer than the table', () => {
  it('is described by the gateway and reviews a PR with only `model` set', async () => {
    const future = { window: 2_000_000, maxOutput: 64_000, efforts: ['low', 'medium', 'high'], thinking: ['adaptive'] };
    const r = await review({ extraModels: { 'claude-future-9': future } }, { model: 'claude-future-9' });
    expect(r.exitCode).toBe(0);
    expect(r.log).toContain('claude-future-9 is newer than this version');
    expect(r.log).toContain('a 2,000,000-token window');
    expect(r.llm.modelListRequests).toBe(1);
    // Adaptive thinking at our effort, the tool offered strict with tool_choice auto, no sampling parameter.
    const body = r.posts[0]!.body;
    expect(body.thinking).toEqual({ type: 'adaptive' });
    expect(body.output_config?.effort).toBe('medium');
    expect(body.tool_choice).toEqual({ type: 'auto' });
    expect(body.tools?.find((t) => t.name === 'submit_review')?.strict).toBe(true);
    expect(body.temperature).toBeUndefined();
    expect(r.github.reviews).toHaveLength(1);
    // Its cost is unknown; the cap holds at the dearest Claude price we know, and the notice says so.
    expect(r.outputs['cost-usd']).toBe('unknown');
    expect(r.log).toMatch(/::notice::.*most expensive price of its family/);
  });

  it('one the gateway does not describe still reviews, with the request every Claude model accepts', async () => {
    const r = await review({ modelsApi: false }, { model: 'claude-future-9' });
    expect(r.exitCode).toBe(0);
    expect(r.log).toMatch(/::warning::claude-future-9 is not in this version's model table/);
    expect(r.log).toContain("planned for a 200,000-token window; set 'context-window' if it differs");
    const body = r.posts[0]!.body;
    expect(body.thinking).toBeUndefined();
    expect(body.output_config).toBeUndefined();
    expect(body.tool_choice).toEqual({ type: 'auto' });
    expect(r.posts.every((c) => c.status === 200)).toBe(true);
    expect(r.github.reviews).toHaveLength(1);
  });
});

describe('Claude Fable 5.2', () => {
  it('reviews at its own price', async () => {
    const r = await review({}, { model: 'claude-fable-5-2' });
    expect(r.exitCode).toBe(0);
    const cost = Number(r.outputs['cost-usd']);
    const expected = billedUsd(r.llm.billed(), FAKE_MODELS['claude-fable-5-2']!.price);
    expect(expected).toBeGreaterThan(0);
    expect(Math.abs(cost - expected) / expected).toBeLessThan(0.005);
    expect(r.posts[0]!.body.tool_choice).toEqual({ type: 'auto' });
  });

  it('the table and the fake agree on every price and limit both know', () => {
    for (const model of MODELS) {
      const fake = FAKE_MODELS[model.id];
      if (!fake) continue;
      const { input, output, cacheRead, cacheWrite } = model.listPrice;
      expect({ id: model.id, input, output, cacheRead, cacheWrite }).toEqual({ id: model.id, ...fake.price });
      expect([model.contextWindow, model.maxOutputTokens, model.minCacheTokens]).toEqual([
        fake.window,
        fake.maxOutput,
        fake.minCache,
      ]);
      expect(model.source).toMatch(/^https:\/\/platform\.claude\.com\/docs\//);
    }
  });
});

describe('a model Anthropic retired', () => {
  it('fails before any call on the anthropic preset, naming its retirement date and its replacement', async () => {
    const r = await review({}, { model: 'claude-sonnet-4-5' });
    expect(r.exitCode).toBe(1);
    expect(r.log).toMatch(/"claude-sonnet-4-5" was retired by Anthropic on 2026-11-30.*use claude-sonnet-5-5/);
    expect(r.llm.calls).toHaveLength(0);
  });

  it('reviews on a gateway that still serves it, with one warning', async () => {
    const r = await review({ auth: 'bearer', servesRetired: true }, { provider: 'runapi', model: 'claude-sonnet-4-5' });
    expect(r.exitCode).toBe(0);
    const warnings = r.log.split('\n').filter((l) => l.startsWith('::warning::') && l.includes('retired'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('may still serve it through another cloud');
    expect(r.github.reviews).toHaveLength(1);
  });

  it.each([
    { provider: 'runapi', style: 'anthropic' },
    { provider: 'runapi', style: 'bytespike' },
    { provider: 'aimlapi', style: 'openai' },
  ] as const)(
    'on a gateway that refuses it ($provider, $style words): at most 2 calls, the current models it serves named',
    async ({ provider, style }) => {
      const gateway = { auth: 'bearer' as const, unknownModel: style };
      const r = await review(gateway, { provider, model: 'claude-sonnet-4-5' });
      expect(r.exitCode).toBe(1);
      expect(r.posts.length + r.llm.modelListRequests).toBeLessThanOrEqual(2);
      expect(r.log).toMatch(/::error::.*does not serve the model '[^']*claude-sonnet-4.5'.*it lists claude-sonnet-5-5/);
      expect(r.log).not.toMatch(/it lists [^\n]*claude-sonnet-4-20250514/);
    },
  );
});

describe('API version', () => {
  it('the anthropic preset sends 2026-10-21, and the gateway takes every request', async () => {
    const r = await review({}, { 'review-depth': 'standard', verify: 'true' });
    expect(r.exitCode).toBe(0);
    expect(r.posts.length).toBeGreaterThan(2);
    expect(r.posts.every((c) => c.headers['anthropic-version'] === '2026-10-21')).toBe(true);
    expect(r.posts.every((c) => c.status === 200)).toBe(true);
    expect(r.posts.some((c) => toolAsked(c.body) === 'submit_verdicts')).toBe(true);
  });

  it('a gateway that takes only 2023-06-01 is sent it (bytespike), and custom chooses with anthropic-version', async () => {
    const old = { versions: ['2023-06-01'] };
    const bytespike = await review(old, { provider: 'bytespike', model: 'claude-sonnet-4-6' });
    expect(bytespike.exitCode).toBe(0);
    expect(bytespike.posts.every((c) => c.headers['anthropic-version'] === '2023-06-01')).toBe(true);
    const custom = await review(
      { versions: ['2026-10-21'] },
      { provider: 'custom', 'anthropic-version': '2026-10-21', 'max-cost-usd': 'none' },
    );
    expect(custom.exitCode).toBe(0);
    expect(custom.posts.every((c) => c.headers['anthropic-version'] === '2026-10-21')).toBe(true);
  });
});
