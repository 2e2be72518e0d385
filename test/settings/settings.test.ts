import { describe, expect, it } from 'vitest';
import { deprecationNotice, didYouMean, parseSettings, SettingsError } from '../../src/settings/settings.js';
import { findModel } from '../../src/llm/models.js';

function problemsOf(raw: Record<string, string>): string[] {
  try {
    parseSettings(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return (error as SettingsError).problems;
  }
  throw new Error('expected a SettingsError');
}

describe('settings', () => {
  it('tells every problem at once: a bad value, and the checks across inputs with it', () => {
    const problems = problemsOf({ provider: 'custom', concurrency: '99', 'review-depth': 'deep', context: 'diff' });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^input 'concurrency': got "99"; expected a whole number from 1 to 32/);
    expect(problems[1]).toMatch(/^input 'review-depth': got "deep"/);
    expect(problems[2]).toMatch(/^input 'base-url': got ""; expected the gateway's URL when provider is custom/);
  });

  it('takes the second look and its thresholds: on by default, 60, pre-existing folded', () => {
    const s = parseSettings({});
    expect([s.verify, s.minConfidence, s.includePreExisting]).toEqual([true, 60, false]);
    const t = parseSettings({ verify: 'false', 'min-confidence': '0', 'include-pre-existing': 'true' });
    expect([t.verify, t.minConfidence, t.includePreExisting]).toEqual([false, 0, true]);
    const problems = problemsOf({ verify: 'maybe', 'min-confidence': '101' });
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toMatch(/input 'verify': got "maybe"/);
    expect(problems.join('\n')).toMatch(/input 'min-confidence': got "101"; expected a whole number from 0 to 100/);
  });

  it('fills the defaults of action.yml', () => {
    const s = parseSettings({});
    expect(s.provider.name).toBe('anthropic');
    expect(s.baseUrl).toBe('https://api.anthropic.com');
    expect(s.model).toBe('claude-sonnet-5-5');
    expect(s.modelChosen).toBe(false);
    expect(s.modelInfo?.id).toBe('claude-sonnet-5-5');
    // Sonnet 5.5 thinks by default: room for it, no sampling parameter, medium effort, not forced.
    expect(s.maxOutputTokens).toBe(16384);
    expect(s.temperature).toBeUndefined();
    expect(s.shape).toEqual({ forceTool: false, thinking: 'adaptive', effort: 'medium' });
    expect(s.tokenRatio).toBe(1.3);
    expect(s.minCacheTokens).toBe(512);
    expect(s.dryRun).toBe(false);
    expect(s.prNumber).toBeUndefined();
  });

  it("takes each preset's newest documented model when model is empty", () => {
    const defaults = Object.fromEntries(
      (['anthropic', 'runapi', 'bytespike', 'aimlapi', 'custom'] as const).map((provider) => [
        provider,
        parseSettings({ provider, 'base-url': 'https://gw.example.com' }).modelId,
      ]),
    );
    expect(defaults).toEqual({
      anthropic: 'claude-sonnet-5-5',
      runapi: 'claude-sonnet-4-6',
      bytespike: 'claude-sonnet-4-6',
      aimlapi: 'anthropic/claude-sonnet-4.6',
      custom: 'claude-sonnet-5-5',
    });
    expect(parseSettings({ model: 'claude-sonnet-4-6' }).modelChosen).toBe(true);
  });

  it('reads the values given, trims them and strips a trailing slash from base-url', () => {
    const s = parseSettings({
      provider: ' RunAPI ',
      'base-url': 'https://gw.example.com/',
      'pr-number': '17',
      'max-output-tokens': '4000',
      temperature: '0.2',
      'dry-run': 'yes',
      'api-key': ' k ',
    });
    expect(s.provider.name).toBe('runapi');
    expect(s.provider.auth).toBe('bearer');
    expect(s.baseUrl).toBe('https://gw.example.com');
    expect(s.prNumber).toBe(17);
    expect(s.maxOutputTokens).toBe(4000);
    expect(s.temperature).toBe(0.2);
    expect(s.dryRun).toBe(true);
    expect(s.apiKey).toBe('k');
  });

  const bad: [string, string, RegExp][] = [
    ['provider', 'openrouter', /one of anthropic, runapi, bytespike, aimlapi, custom/],
    ['base-url', 'api.anthropic.com', /http\(s\) URL/],
    ['base-url', 'ftp://x', /http\(s\) URL/],
    ['model', 'claude sonnet', /model ID such as claude-sonnet-5-5/],
    ['pr-number', '0', /pull request number/],
    ['pr-number', 'abc', /pull request number/],
    ['max-output-tokens', 'lots', /whole number from 256 to 128000/],
    ['max-output-tokens', '10', /whole number from 256 to 128000/],
    ['max-output-tokens', '1.5', /whole number/],
    ['temperature', '1.5', /number from 0 to 1/],
    ['temperature', '-1', /number from 0 to 1/],
    ['dry-run', 'maybe', /true or false/],
    ['api-format', 'gemini', /anthropic \(Messages API\) or openai/],
    ['auth', 'basic', /x-api-key or bearer/],
    ['pricing', '{"input": 3}', /JSON such as \{"input": 3, "output": 15/],
    ['pricing', 'cheap', /USD per million tokens/],
    ['context-window', '100', /from 4096 to 10000000/],
  ];
  it.each(bad)('rejects %s = %j and says what is accepted', (name, value, accepted) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`input '${name}'`);
    expect(problems[0]).toContain(JSON.stringify(value));
    expect(problems[0]).toMatch(accepted);
  });

  it('reports every bad input at once', () => {
    const problems = problemsOf(Object.fromEntries(bad.filter((_, i) => i % 2 === 0).map(([n, v]) => [n, v])));
    expect(problems.length).toBe(new Set(bad.filter((_, i) => i % 2 === 0).map(([n]) => n)).size);
  });

  it('never echoes a secret in an error', () => {
    const problems = problemsOf({ 'api-key': 'sk-secret', temperature: 'hot' });
    expect(problems.join('\n')).not.toContain('sk-secret');
  });

  it('caps max-output-tokens at the model limit', () => {
    const problems = problemsOf({ 'max-output-tokens': '100000', model: 'claude-haiku-4-5' });
    expect(problems[0]).toMatch(/at most 64000 for claude-haiku-4-5/);
  });

  it('takes a model outside the table with the request every Claude model accepts, and knows the nearest name', () => {
    const s = parseSettings({ model: 'claude-sonet-5-5' });
    expect(s.modelInfo).toBeUndefined();
    expect(s.shape).toEqual({ forceTool: false });
    expect(s.contextWindow).toBe(200_000);
    expect(didYouMean('claude-sonet-5-5')).toBe('claude-sonnet-5-5');
    expect(didYouMean('house-model-7')).toBeUndefined();
    // Its cost is unknown; the cap is enforced at the dearest price of its family we know.
    expect(s.prices).toBeUndefined();
    expect(s.capPrices).toEqual(findModel('claude-fable-5-1')?.listPrice);
    expect(parseSettings({ model: 'claude-sonnet-6' }).capPrices).toEqual(findModel('claude-sonnet-4-6')?.listPrice);
    expect(parseSettings({ model: 'claude-future-9' }).capPrices).toEqual(findModel('claude-fable-5-1')?.listPrice);
    expect(
      parseSettings({ provider: 'custom', 'base-url': 'https://gw.example', model: 'house-model-7' }).capPrices,
    ).toBeUndefined();
  });

  it('accepts a model outside the registry when context-window is given; its cost is unknown without pricing', () => {
    const s = parseSettings({ model: 'claude-opus-5-preview', 'context-window': '500000' });
    expect(s.modelInfo).toBeUndefined();
    expect(s.contextWindow).toBe(500_000);
    expect(s.modelId).toBe('claude-opus-5-preview');
    expect(s.prices).toBeUndefined();
    const priced = parseSettings({
      model: 'claude-opus-5-preview',
      'context-window': '500000',
      pricing: '{"input": 5, "output": 25}',
    });
    expect(priced.prices).toEqual({ input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 });
  });

  it('resolves each preset: wire format, auth, base URL, model ID and prices', () => {
    const table = ['anthropic', 'runapi', 'bytespike', 'aimlapi'].map((provider) => {
      const s = parseSettings({ provider, model: provider === 'bytespike' ? 'claude-haiku-4-5' : 'claude-sonnet-4-6' });
      return [provider, s.apiFormat, s.auth, s.baseUrl, s.modelId, s.prices?.input];
    });
    expect(table).toEqual([
      ['anthropic', 'anthropic', 'x-api-key', 'https://api.anthropic.com', 'claude-sonnet-4-6', 3],
      ['runapi', 'anthropic', 'bearer', 'https://runapi.ai', 'claude-sonnet-4-6', undefined],
      ['bytespike', 'anthropic', 'x-api-key', 'https://llm.bytespike.ai', 'claude-haiku-4-5', undefined],
      ['aimlapi', 'openai', 'bearer', 'https://api.aimlapi.com', 'anthropic/claude-sonnet-4.6', undefined],
    ]);
  });

  it('lets api-format, auth and base-url override a preset, and strips a trailing /v1', () => {
    const s = parseSettings({ provider: 'custom', 'base-url': 'https://gw.example.com/v1/', 'api-format': 'openai' });
    expect([s.apiFormat, s.auth, s.baseUrl]).toEqual(['openai', 'bearer', 'https://gw.example.com']);
    expect(parseSettings({ provider: 'runapi', auth: 'x-api-key' }).auth).toBe('x-api-key');
  });

  it('needs base-url for the custom provider, and caps ByteSpike output at 16384', () => {
    expect(problemsOf({ provider: 'custom' })[0]).toMatch(/input 'base-url'.*provider is custom/);
    expect(problemsOf({ provider: 'bytespike', model: 'claude-haiku-4-5', 'max-output-tokens': '70000' })[0]).toMatch(
      /at most 64000 for claude-haiku-4-5 on bytespike/,
    );
  });
});

describe('settings from the model table', () => {
  const problems = (raw: Record<string, string>): string[] => {
    try {
      parseSettings(raw, {}, '2026-12-01');
    } catch (error) {
      if (error instanceof SettingsError) return error.problems;
    }
    return [];
  };

  it('refuses a temperature the model refuses, naming the model, and every problem at once', () => {
    const v1 = { 'anthropic-version': '2023-06-01' };
    const found = problems({ ...v1, model: 'claude-opus-5-5', temperature: '0', effort: 'none' });
    expect(found).toHaveLength(2);
    expect(found.join('\n')).toMatch(/temperature.*claude-opus-5-5 accepts no sampling parameter/);
    expect(found.join('\n')).toMatch(/effort.*cannot turn thinking off/);
    expect(problems({ ...v1, model: 'claude-haiku-5-5', temperature: '0' })[0]).toMatch(/only temperature 1/);
    expect(problems({ ...v1, model: 'claude-haiku-5-5', temperature: '1' })).toEqual([]);
    // Anthropic's current API version (the anthropic preset's) refuses sampling on every model: said once.
    const current = problems({ model: 'claude-haiku-5-5', temperature: '1' });
    expect(current).toHaveLength(1);
    expect(current[0]).toMatch(/temperature.*API version 2026-10-21 refuses sampling parameters on every model/);
    expect(parseSettings({ ...v1, model: 'claude-sonnet-4-6', temperature: '0.2' }).shape).toEqual({
      forceTool: true,
      temperature: 0.2,
    });
  });

  it('turns thinking off where the model can, and says where it cannot', () => {
    expect(parseSettings({ model: 'claude-sonnet-5-5', effort: 'none' }).shape).toEqual({
      forceTool: false,
      thinking: 'between_tools',
    });
    // Haiku 5.5 with thinking disabled can be forced again: the old path.
    expect(parseSettings({ model: 'claude-haiku-5-5', effort: 'none' }).shape).toEqual({
      forceTool: true,
      thinking: 'disabled',
    });
    expect(problems({ model: 'claude-opus-5-5', effort: 'none' })[0]).toMatch(
      /claude-opus-5-5 cannot turn thinking off/,
    );
    expect(problems({ model: 'claude-sonnet-4-6', effort: 'high' })[0]).toMatch(/claude-sonnet-4-6 takes no effort/);
    expect(problems({ effort: 'turbo' })[0]).toMatch(/one of low, medium, high, xhigh, max, none/);
  });

  it('fails on a retired model with its date and replacement, and names only models a user can buy', () => {
    for (const model of [
      'claude-sonnet-4-5',
      'claude-sonnet-4-5-20250929',
      'claude-sonnet-4-20250514',
      'claude-sonnet-4',
    ]) {
      expect(problems({ model })[0]).toMatch(/was retired by Anthropic on 2026-(11-30|06-15).*use claude-sonnet-5-5/);
    }
    // The day before its retirement, Sonnet 4.5 still runs, with a warning that names the date and the replacement.
    const before = parseSettings({ model: 'claude-sonnet-4-5' }, {}, '2026-11-29');
    expect(deprecationNotice(before)).toMatch(/deprecated by Anthropic and retires on 2026-11-30.*claude-sonnet-5-5/);
    expect(deprecationNotice(parseSettings({ model: 'claude-sonnet-5-5' }, {}, '2026-12-01'))).toBeUndefined();
  });

  it('prices the anthropic preset at the list price of every known model, Haiku 5.5 with its long-prompt tier', () => {
    expect(parseSettings({ model: 'claude-opus-5-5' }).prices?.input).toBe(4);
    const haiku = parseSettings({ model: 'claude-haiku-5-5' }).prices;
    expect(haiku?.longPrompt?.above).toBe(100_000);
    expect(haiku?.longPrompt?.rates.output).toBe(2.5);
    expect(parseSettings({ provider: 'bytespike', model: 'claude-sonnet-5-5' }).prices).toBeUndefined();
  });
});
