import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { INPUT_DEFAULTS } from '../src/settings/settings.js';
import { OUTPUT_NAMES } from '../src/action/main.js';
import { withTables } from '../scripts/update-readme.js';

const actionYml = readFileSync(new URL('../action.yml', import.meta.url), 'utf8');
const action = parse(actionYml) as {
  runs: { using: string; main: string };
  inputs: Record<string, { description: string; default?: string }>;
  outputs: Record<string, { description: string }>;
};
const designPath = new URL('../../shared/DESIGN.md', import.meta.url);

describe('action.yml, the code and the docs agree', () => {
  it('runs dist/index.js on node24', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });

  it('declares exactly the inputs the code reads, with the same defaults', () => {
    expect(Object.keys(action.inputs).sort()).toEqual(Object.keys(INPUT_DEFAULTS).sort());
    for (const [name, fallback] of Object.entries(INPUT_DEFAULTS)) {
      const declared = action.inputs[name]?.default ?? '';
      expect(name === 'github-token' ? '' : declared, name).toBe(fallback);
      expect(action.inputs[name]?.description.length, name).toBeGreaterThan(20);
    }
  });

  it('declares exactly the outputs the code sets', () => {
    expect(Object.keys(action.outputs)).toEqual([...OUTPUT_NAMES]);
  });

  it.runIf(existsSync(designPath))('uses only input and output names of the interface in shared/DESIGN.md', () => {
    const design = readFileSync(designPath, 'utf8');
    const names = (label: string): string[] =>
      [
        ...(new RegExp(`^${label}: ([^\\n]+(?:\\n[^\\n]+)*?)\\.$`, 'm').exec(design)?.[1] ?? '').matchAll(
          /`([a-z-]+)`/g,
        ),
      ].map((m) => m[1] as string);
    const inputs = names('Inputs');
    const outputs = names('Outputs');
    expect(inputs.length).toBeGreaterThan(20);
    for (const input of Object.keys(action.inputs)) expect(inputs).toContain(input);
    expect(outputs.sort()).toEqual([...OUTPUT_NAMES].sort());
  });

  it('README tables are the ones scripts/update-readme.ts writes from action.yml', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain('<!-- inputs:start -->');
    expect(readme).toContain('<!-- outputs:start -->');
    expect(readme).toBe(withTables(readme, actionYml));
  });
});
