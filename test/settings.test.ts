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
    expect(s.model).toBe('claude-sonnet-4-5');
    expect(s.modelInfo?.id).toBe('claude-sonnet-4-5-20250929');
    expect(s.maxOutputTokens).toBe(8192);
    expect(s.temperature).toBe(0);
    expect(s.dryRun).toBe(false);
    expect(s.prNumber).toBeUndefined();
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
    ['provider', 'openrouter', /one of anthropic, runapi/],
    ['base-url', 'api.anthropic.com', /http\(s\) URL/],
    ['base-url', 'ftp://x', /http\(s\) URL/],
    ['model', 'claude sonnet', /model ID such as claude-sonnet-4-5/],
    ['pr-number', '0', /pull request number/],
    ['pr-number', 'abc', /pull request number/],
    ['max-output-tokens', 'lots', /whole number from 256 to 128000/],
    ['max-output-tokens', '10', /whole number from 256 to 128000/],
    ['max-output-tokens', '1.5', /whole number/],
    ['temperature', '1.5', /number from 0 to 1/],
    ['temperature', '-1', /number from 0 to 1/],
    ['dry-run', 'maybe', /true or false/],
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

  it('accepts an unknown model and leaves its info empty', () => {
    const s = parseSettings({ model: 'claude-opus-5-preview' });
    expect(s.modelInfo).toBeUndefined();
  });
});
