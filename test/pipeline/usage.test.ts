// A gateway that reports usage that cannot be right (negative, absurd, fractional) must neither lower what
// the cap counts as spent nor show a negative or absurd cost: such a call is booked at its reservation, the
// cost is "unknown", and a warning names the gateway.
import { describe, expect, it } from 'vitest';
import type { FakeUsage } from '../fakes/gateway.js';
import { fakesFor, readOutputs, runInProcess, scriptedReply } from '../helpers/action.js';
import { stopAfterEach } from '../helpers/cleanup.js';
import type { ChangedFile } from '../../src/core/pull-request.js';

const KEY = 'sk-ant-usage-0123456789';
const stopLater = stopAfterEach();
const PRICING = { input: 3, output: 15 };
const CAP = 1;

/** Ten files, each a part of its own under `chunk-tokens: 2000`. */
function tenFiles(): ChangedFile[] {
  return Array.from({ length: 10 }, (_, f) => {
    const lines = Array.from({ length: 60 }, (_, i) => `+export const value${f}_${i} = compute(${i}, 'file ${f}');`);
    return {
      filename: `src/part${f}.js`,
      status: 'added',
      additions: lines.length,
      deletions: 0,
      patch: [`@@ -0,0 +1,${lines.length} @@`, ...lines].join('\n'),
    };
  });
}

async function reviewWith(reportUsage: (billed: FakeUsage) => FakeUsage) {
  const gateway = { apiKey: KEY, auth: 'x-api-key' as const, reply: scriptedReply, reportUsage };
  const fakes = await fakesFor(tenFiles(), gateway, stopLater, {
    model: 'claude-sonnet-5-5',
    pricing: JSON.stringify(PRICING),
    'max-cost-usd': String(CAP),
    'max-output-tokens': '32000',
    'chunk-tokens': '2000',
    concurrency: '1',
    context: 'diff',
    'review-depth': 'quick',
    verify: 'false',
  });
  const run = await runInProcess(fakes.env);
  const summary = fakes.github.issueComments.map((c) => c.body).join('\n');
  return { ...fakes, ...run, outputs: readOutputs(fakes.files.outputPath), summary };
}

/** USD of what the fake gateway really billed, at the run's prices. */
function billedUsd(u: FakeUsage): number {
  const input = u.input_tokens + u.cache_creation_input_tokens * 1.25 + u.cache_read_input_tokens * 0.1;
  return (input * PRICING.input + u.output_tokens * PRICING.output) / 1_000_000;
}

describe('usage a gateway reports that cannot be right', () => {
  it('books a negative output count at the reservation: the cap holds and no negative cost is shown', async () => {
    const honest = await reviewWith((billed) => billed);
    const lying = await reviewWith((billed) => ({ ...billed, output_tokens: -1_000_000 }));
    // An honest gateway's small bills leave room for every part; the lying one's calls count at their worst case.
    expect(honest.llm.calls).toHaveLength(11); // ten parts and the overview
    expect(lying.llm.calls.length).toBeGreaterThan(0);
    expect(lying.llm.calls.length).toBeLessThan(3);
    expect(billedUsd(lying.llm.billed())).toBeLessThanOrEqual(CAP);
    expect(lying.outputs['cost-usd']).toBe('unknown');
    expect(lying.outputs['output-tokens']).not.toMatch(/-/);
    expect(lying.summary).not.toMatch(/-\$|\$-|−\$/);
    expect(lying.log).toContain(`the gateway at ${lying.llm.url} reported token usage that cannot be right`);
    expect(lying.log).toMatch(/::warning::.*answered without reporting usable token usage/);
    // What the cap did not allow is named, not passed over.
    expect(lying.summary).toMatch(/max-cost-usd/);
  });

  it('shows no absurd amount for a count of 1e300, nor for a fractional one', async () => {
    for (const odd of [{ input_tokens: 1e300 }, { cache_read_input_tokens: 12.5 }]) {
      const run = await reviewWith((billed) => ({ ...billed, ...odd }));
      expect(run.outputs['cost-usd']).toBe('unknown');
      expect(run.outputs['input-tokens']).not.toMatch(/e\+|\./);
      expect(run.summary).not.toMatch(/e\+\d|1\.5e/);
      expect(run.log).toContain('reported token usage that cannot be right');
    }
  });
});
