import type { Chunk } from '../plan/plan.js';
import { buildRequest, type SystemBlock } from '../prompt/prompt.js';
import { LlmError, type CallOptions, type LlmClient } from '../llm/client.js';
import { ZERO_USAGE, type Usage } from '../llm/usage.js';
import { parseReview } from '../findings/findings.js';
import type { RawComment } from '../findings/schema.js';

export interface ChunkOutcome {
  chunk: Chunk;
  /** `ok`: reviewed; `failed`: the call failed; `not-run`: not attempted because the run stopped. */
  status: 'ok' | 'failed' | 'not-run';
  summary: string;
  comments: RawComment[];
  /** Comments the model sent that failed validation. */
  rejected: string[];
  usage: Usage;
  calls: number;
  error?: string;
}

export interface RunOptions {
  call: CallOptions;
  /** Calls in flight at once after the first. */
  concurrency: number;
  /** Reports progress to the log. */
  log?: (message: string) => void;
}

/**
 * Reviews every chunk. The first call goes alone, so it writes the shared prefix to the prompt cache
 * before the others read it; the rest run in parallel up to `concurrency`. A failed chunk is kept as
 * failed, the others go on; an error no later call can overcome (bad key, no credit, unknown model)
 * stops the calls not yet made, and their chunks are reported as not run.
 */
export async function runChunks(
  chunks: readonly Chunk[],
  prefix: SystemBlock[],
  llm: LlmClient,
  options: RunOptions,
): Promise<ChunkOutcome[]> {
  const outcomes: ChunkOutcome[] = new Array<ChunkOutcome>(chunks.length);
  let stopped: string | undefined;

  const reviewOne = async (chunk: Chunk): Promise<void> => {
    if (stopped !== undefined) {
      outcomes[chunk.index] = emptyOutcome(chunk, 'not-run', `not reviewed: ${stopped}`);
      return;
    }
    const request = buildRequest(prefix, chunk, chunks.length);
    try {
      const result = await llm.review(request, options.call);
      if (result.toolInput === undefined) {
        const why =
          result.stopReason === 'max_tokens'
            ? 'the answer was cut off at max-output-tokens'
            : 'the model did not call submit_review';
        outcomes[chunk.index] = { ...emptyOutcome(chunk, 'failed', why), usage: result.usage, calls: 1 };
        return;
      }
      const parsed = parseReview(result.toolInput);
      outcomes[chunk.index] = {
        chunk,
        status: 'ok',
        summary: parsed.summary,
        comments: parsed.comments,
        rejected: parsed.rejected,
        usage: result.usage,
        calls: 1,
      };
      options.log?.(`chunk ${chunk.index + 1}/${chunks.length}: ${parsed.comments.length} findings`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof LlmError && error.fatal) stopped = message;
      outcomes[chunk.index] = { ...emptyOutcome(chunk, 'failed', message), calls: 1 };
      options.log?.(`chunk ${chunk.index + 1}/${chunks.length} failed: ${message}`);
    }
  };

  const [first, ...rest] = chunks;
  if (first) await reviewOne(first);
  await pool(rest, Math.max(1, options.concurrency), reviewOne);
  return outcomes;
}

function emptyOutcome(chunk: Chunk, status: ChunkOutcome['status'], error: string): ChunkOutcome {
  return { chunk, status, summary: '', comments: [], rejected: [], usage: ZERO_USAGE, calls: 0, error };
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
