import * as core from '@actions/core';
import type { Redact } from '../safety/redact.js';
import type { ReviewPlan, ReviewResult } from '../pipeline/stages.js';
import type { Usage } from '../core/usage.js';

/** Every output of action.yml; the record below makes the compiler check that each one is set. */
export const OUTPUT_NAMES = [
  'review-id',
  'summary-comment-id',
  'comments-posted',
  'findings',
  'chunks',
  'llm-calls',
  'input-tokens',
  'output-tokens',
  'cache-read-tokens',
  'cache-write-tokens',
  'cost-usd',
  'skipped-files',
  'sarif-file',
] as const;

/** What a run posted, for the outputs; empty for a run that posted nothing. */
export interface PostedIds {
  reviewId?: number | undefined;
  summaryCommentId?: number | undefined;
  posted?: number;
  plan?: ReviewPlan;
  sarifFile?: string;
  /** What a run that reviewed nothing spent (the learn mode's call). */
  spend?: { calls: number; usage: Usage; usd: number | undefined };
}

/** Sets every output (a run that reviewed nothing sets zeros), each redacted. */
export function setOutputs(redact: Redact, result: ReviewResult | undefined, extra: PostedIds = {}): void {
  const plan = result?.plan ?? extra.plan;
  const spent = result ?? extra.spend;
  const outputs: Record<(typeof OUTPUT_NAMES)[number], string | number> = {
    'review-id': extra.reviewId ?? '',
    'summary-comment-id': extra.summaryCommentId ?? '',
    'comments-posted': extra.posted ?? 0,
    findings: result?.findings.length ?? 0,
    chunks: plan?.chunks.length ?? 0,
    'llm-calls': spent?.calls ?? 0,
    'input-tokens': spent?.usage.input ?? 0,
    'output-tokens': spent?.usage.output ?? 0,
    'cache-read-tokens': spent?.usage.cacheRead ?? 0,
    'cache-write-tokens': spent?.usage.cacheWrite ?? 0,
    'cost-usd': spent?.usd === undefined ? (spent ? 'unknown' : '0') : spent.usd.toFixed(6),
    'skipped-files': JSON.stringify(plan?.skipped ?? []),
    'sarif-file': extra.sarifFile ?? '',
  };
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, redact(String(value)));
}
