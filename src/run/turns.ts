import type { LlmResult } from '../llm/client.js';
import type { LlmRequest, Turn } from '../llm/request.js';
import { runExploreTool } from '../context/explore.js';
import type { HeadFiles } from '../context/files.js';
import { REVIEW_TOOL_NAME } from '../findings/schema.js';

/** The follow-up turn that asks a model which answered in text (it cannot be forced) to call the tool. */
export const SUBMIT_NOW = `Call ${REVIEW_TOOL_NAME} now with your review of this part (an empty list of comments is fine); write nothing else.`;

/** The request once more, with the model's text answer and our request to call the tool appended. */
export function followUp(request: LlmRequest, result: LlmResult): LlmRequest {
  const turns: Turn[] = [
    ...(request.turns ?? []),
    { role: 'assistant', calls: [], text: result.text, ...(result.blocks ? { blocks: result.blocks } : {}) },
    { role: 'user', text: SUBMIT_NOW },
  ];
  return { ...request, turns };
}

/**
 * The next round of an explore conversation: the model's tool calls answered from the head's files (those past
 * the budget refused), appended to the conversation; past the budget, or after max-tool-calls rounds, the review
 * tool is required.
 */
export async function toolRound(
  request: LlmRequest,
  result: LlmResult,
  explore: { files: HeadFiles; maxToolCalls: number; base?: HeadFiles | undefined },
  used: number,
  round: number,
): Promise<{ request: LlmRequest; toolCalls: number }> {
  const calls = result.calls ?? [];
  const left = Math.max(0, explore.maxToolCalls - used);
  const toolCalls = used + Math.min(calls.length, left);
  // The budget is spent with this round: the next request is the last, and asks for the review (in words too,
  // for a model that cannot be forced).
  const force = toolCalls >= explore.maxToolCalls || round >= explore.maxToolCalls;
  const spent = `the ${explore.maxToolCalls} tool calls of this review are spent; call ${REVIEW_TOOL_NAME} now`;
  const results = await Promise.all(
    calls.map(async (call, i) => {
      if (i >= left) return { id: call.id, content: `refused: ${spent}` };
      const content = await runExploreTool(explore.files, call, explore.base);
      return { id: call.id, content: force && i === calls.length - 1 ? `${content}\n\n(${spent})` : content };
    }),
  );
  const turns = [
    ...(request.turns ?? []),
    { role: 'assistant' as const, calls, text: result.text, ...(result.blocks ? { blocks: result.blocks } : {}) },
    { role: 'tool' as const, results },
  ];
  return { request: { ...request, turns, ...(force ? { choice: 'tool' as const } : {}) }, toolCalls };
}
