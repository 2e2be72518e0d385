/**
 * A block of the prompt: in the system prompt (our rules and the repository's instructions) or in the user
 * turn (data: the pull request and its diff). `cache` marks the last block of the shared prefix (a cache
 * breakpoint).
 */
export interface SystemBlock {
  text: string;
  cache: boolean;
  role: 'system' | 'user';
}

export interface ToolDefinition {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  /** A tool that ends the call (submit_review, submit_answer): marked strict where the tool cannot be forced. */
  final?: boolean;
}

/** A tool call the model made in an earlier round of the conversation. */
export interface ToolCall {
  id: string;
  name: string;
  input: unknown;
}

/** A later round of a review conversation: the model's tool calls, then our results for them. */
export type Turn =
  /** The model's answer: its tool calls and text, and its content blocks as sent (thinking included) to send back. */
  | { role: 'assistant'; calls: ToolCall[]; text: string; blocks?: unknown[] }
  | { role: 'tool'; results: { id: string; content: string }[] }
  /** A follow-up of ours: after an answer in text, the request to call the tool now. */
  | { role: 'user'; text: string };

/** Everything one review call sends, independent of the wire format. */
export interface LlmRequest {
  system: SystemBlock[];
  /** Every tool offered: the same list in every request, so all calls share one cached prefix. */
  tools: ToolDefinition[];
  /** The tool the model must call (one of `tools`). */
  tool: ToolDefinition;
  /** The user turn's blocks: the pull request's data block (the end of the cached prefix), then the diff. */
  user: SystemBlock[];
  /** `tool`: the model must call `tool`; `any`: it must call one of `tools` (explore mode). Default `tool`. */
  choice?: 'tool' | 'any';
  /** Rounds after the user turn (explore mode); the last one carries a cache breakpoint. */
  turns?: Turn[];
}

/** The user turn's text, blocks joined, as a gateway that takes one string reads it. */
export function userText(request: LlmRequest): string {
  return request.user.map((b) => b.text).join('\n\n');
}
