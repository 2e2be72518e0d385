import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
    // The inputs the design names, those since added, and those it announces: the depth input of the quality
    // issue and `state-secret` of the hostile-input issue.
    const announced = [
      ...(/a depth input\s+\(quick \/ standard \/ deep/.test(design) ? ['review-depth'] : []),
      ...(/`state-secret` \(the hostile-input issue\)/.test(design) ? ['state-secret'] : []),
      // Named by the model issue (26), which the design's "API version" paragraph describes.
      ...(/API version `2026-10-21`/.test(design) ? ['anthropic-version'] : []),
      // "a learning mode and its window (the learning issue)": issue 30 names the file it keeps them in.
      ...(/a learning mode and its window/.test(design) ? ['learn', 'learn-window', 'learnings-file'] : []),
    ];
    const inputs = [...names('Inputs'), ...names('Since added'), ...announced];
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

describe('the README and docs/', () => {
  const files = ['README.md', ...readdirSync(new URL('../docs/', import.meta.url)).map((f) => `docs/${f}`)];
  const read = (file: string): string => readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
  /** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
  const anchorOf = (heading: string): string =>
    heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N} -]/gu, '')
      .replace(/ /g, '-');

  it('link only inside the repository (to files and headings that exist) or to public documentation', () => {
    const PUBLIC =
      /^https:\/\/(docs\.github\.com|docs\.anthropic\.com|console\.anthropic\.com|github\.com\/(actions|github)\/)/;
    for (const file of files) {
      for (const [, target = ''] of read(file).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^https?:/.test(target)) {
          expect(target, `${file} links out`).toMatch(PUBLIC);
          continue;
        }
        const [path = '', anchor] = target.split('#');
        const linked = path ? join(dirname(file), path) : file;
        expect(existsSync(new URL(`../${linked}`, import.meta.url)), `${file} -> ${target}`).toBe(true);
        if (anchor) {
          const headings = [...read(linked).matchAll(/^#+ (.+)$/gm)].map((m) => anchorOf(m[1] ?? ''));
          expect(headings, `${file} -> ${target}`).toContain(anchor);
        }
      }
    }
  });

  it('keeps the README short before its inputs table, starting with the two commands', () => {
    const readme = read('README.md');
    expect(readme.slice(0, readme.indexOf('## Inputs')).split('\n').length).toBeLessThanOrEqual(120);
    expect(readme).toMatch(/^# .+\n\n```sh\nnpm ci && npm run review .*\nnpm ci && npm test /);
  });
});
