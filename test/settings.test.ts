import { describe, expect, it } from 'vitest';
import { parseSettings, SettingsError } from '../src/settings/settings.js';

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
  it('fills the defaults of action.yml', () => {
    const s = parseSettings({});
    expect(s.provider.name).toBe('anthropic');
    expect(s.baseUrl).toBe('https://api.anthropic.com');
    expect(s.model).toBe('claude-sonnet-4-6');
    expect(s.modelChosen).toBe(false);
    expect(s.modelInfo?.id).toBe('claude-sonnet-4-6');
    expect(s.maxOutputTokens).toBe(8192);
    expect(s.temperature).toBe(0);
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
      anthropic: 'claude-sonnet-4-6',
      runapi: 'claude-sonnet-4-5-20250929',
      bytespike: 'claude-sonnet-4-5',
      aimlapi: 'anthropic/claude-sonnet-4',
      custom: 'claude-sonnet-4-6',
    });
    expect(parseSettings({ model: 'claude-sonnet-4-5' }).modelChosen).toBe(true);
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
    ['model', 'claude sonnet', /model ID such as claude-sonnet-4-6/],
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
    const problems = problemsOf({ 'max-output-tokens': '100000', model: 'claude-sonnet-4' });
    expect(problems[0]).toMatch(/at most 64000 for claude-sonnet-4/);
  });

  it('rejects a typo in the model ID, lists the known IDs and suggests the nearest', () => {
    const [problem] = problemsOf({ model: 'claude-sonet-4-5' });
    expect(problem).toContain("input 'model'");
    expect(problem).toContain('claude-sonnet-4-5-20250929, claude-sonnet-4-5,');
    expect(problem).toContain('did you mean claude-sonnet-4-5?');
    expect(problem).toContain("'context-window'");
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
      const s = parseSettings({ provider, model: provider === 'aimlapi' ? 'claude-sonnet-4' : 'claude-sonnet-4-5' });
      return [provider, s.apiFormat, s.auth, s.baseUrl, s.modelId, s.prices?.input];
    });
    expect(table).toEqual([
      ['anthropic', 'anthropic', 'x-api-key', 'https://api.anthropic.com', 'claude-sonnet-4-5', 3],
      ['runapi', 'anthropic', 'bearer', 'https://runapi.ai', 'claude-sonnet-4-5-20250929', 1.5],
      ['bytespike', 'anthropic', 'x-api-key', 'https://llm.bytespike.ai', 'claude-sonnet-4-5', undefined],
      ['aimlapi', 'openai', 'bearer', 'https://api.aimlapi.com', 'anthropic/claude-sonnet-4', undefined],
    ]);
  });

  it('lets api-format, auth and base-url override a preset, and strips a trailing /v1', () => {
    const s = parseSettings({ provider: 'custom', 'base-url': 'https://gw.example.com/v1/', 'api-format': 'openai' });
    expect([s.apiFormat, s.auth, s.baseUrl]).toEqual(['openai', 'bearer', 'https://gw.example.com']);
    expect(parseSettings({ provider: 'runapi', auth: 'x-api-key' }).auth).toBe('x-api-key');
  });

  it('needs base-url for the custom provider, and caps ByteSpike output at 16384', () => {
    expect(problemsOf({ provider: 'custom' })[0]).toMatch(/input 'base-url'.*provider is custom/);
    expect(problemsOf({ provider: 'bytespike', 'max-output-tokens': '20000' })[0]).toMatch(
      /at most 16384 for claude-sonnet-4-5 on bytespike/,
    );
  });
});
