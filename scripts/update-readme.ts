// Writes the inputs and outputs tables of README.md from action.yml, between the markers
// <!-- inputs:start --> … <!-- inputs:end --> and <!-- outputs:start --> … <!-- outputs:end -->.
// test/docs.test.ts fails when README.md differs from what this writes. Run: npx tsx scripts/update-readme.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';

interface ActionYaml {
  inputs: Record<string, { description: string; default?: string }>;
  outputs: Record<string, { description: string }>;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();

export function renderTables(actionYml: string): { inputs: string; outputs: string } {
  const action = parse(actionYml) as ActionYaml;
  const inputs = [
    '| input | default | what it does |',
    '| --- | --- | --- |',
    ...Object.entries(action.inputs).map(
      ([name, i]) => `| \`${name}\` | ${i.default ? `\`${cell(i.default)}\`` : ''} | ${cell(i.description)} |`,
    ),
  ].join('\n');
  const outputs = [
    '| output | what it holds |',
    '| --- | --- |',
    ...Object.entries(action.outputs).map(([name, o]) => `| \`${name}\` | ${cell(o.description)} |`),
  ].join('\n');
  return { inputs, outputs };
}

export function withTables(readme: string, actionYml: string): string {
  const { inputs, outputs } = renderTables(actionYml);
  const put = (text: string, name: string, table: string): string =>
    text.replace(
      new RegExp(`(<!-- ${name}:start -->)[\\s\\S]*?(<!-- ${name}:end -->)`),
      (_all, start: string, end: string) => `${start}\n${table}\n${end}`,
    );
  return put(put(readme, 'inputs', inputs), 'outputs', outputs);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const readme = readFileSync('README.md', 'utf8');
  writeFileSync('README.md', withTables(readme, readFileSync('action.yml', 'utf8')));
}
