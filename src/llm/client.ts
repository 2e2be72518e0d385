import type { LlmRequest, ToolCall } from './request.js';
import type { Effort, ThinkingType } from './models.js';
import type { Usage } from '../core/usage.js';

/** What one review call returns: the tool input as the model sent it (validated later) and the usage. */
export interface LlmResult {
  toolInput: unknown;
  usage: Usage;
  /** `end_turn`, `tool_use`, `max_tokens`, `refusal`, … as the gateway reports it. */
  stopReason: string;
  /** With `stopReason: refusal`: the policy category the gateway named (`cyber`, `bio`, …), if any. */
  refusal?: { category: string | null; explanation: string | null };
  /**
   * The assistant turn exactly as the model sent it (Messages API content blocks, thinking blocks and their
   * signatures included), to send back unchanged in a later round.
   */
  blocks?: unknown[];
  /** Text the model wrote outside the tool call, if any. */
  text: string;
  /** Every tool call of the answer, the required tool's included (explore mode answers with several). */
  calls?: ToolCall[];
}

export interface CallOptions {
  model: string;
  maxTokens: number;
  /** Sent only when set (Claude 5 models refuse sampling parameters). */
  temperature?: number;
  /** Force the required tool (default true); false offers it with `tool_choice: auto`, marked strict. */
  forceTool?: boolean;
  /** `thinking.type` to send; none sent when undefined. */
  thinking?: ThinkingType;
  /** `output_config.effort` to send; none sent when undefined. */
  effort?: Effort;
  signal?: AbortSignal;
  /** Called once, when the answer starts to stream: from then on the prompt cache holds the prefix. */
  onStart?: () => void;
  /**
   * Called before each retry with whether the failed attempt began to answer (and so was billed); it may
   * throw (an LlmError of kind `budget`) to stop the retries.
   */
  beforeRetry?: (billed: boolean) => void;
}

/** A gateway adapter. Adapters are created once in `main` and passed in. */
export interface LlmClient {
  call(request: LlmRequest, options: CallOptions): Promise<LlmResult>;
  /** The model IDs the gateway serves (`GET /v1/models`); undefined when it does not say. */
  listModels?(): Promise<string[] | undefined>;
}

export type LlmErrorKind =
  | 'bad-request'
  | 'auth'
  | 'permission'
  | 'payment'
  | 'not-found'
  | 'too-large'
  | 'rate-limit'
  | 'server'
  | 'network'
  | 'stream'
  | 'no-tool-call'
  | 'budget'
  | 'cancelled'
  /** The gateway answered with a redirect, which is never followed: the request carries the key and the prompt. */
  | 'redirect';

/** A failed call, classified so the run can decide between stopping, retrying and reporting. */
export class LlmError extends Error {
  /** True when the attempt had begun to answer (its input was billed) before it failed. */
  started = false;

  constructor(
    readonly kind: LlmErrorKind,
    message: string,
    readonly status?: number,
    /** Milliseconds the gateway asked us to wait before trying again. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'LlmError';
  }

  /** Errors worth another attempt of the same call. */
  get retryable(): boolean {
    return this.kind === 'rate-limit' || this.kind === 'server' || this.kind === 'network' || this.kind === 'stream';
  }

  /** Errors after which no further call can succeed: stop the run, keep what was found. */
  get fatal(): boolean {
    return (
      this.kind === 'auth' ||
      this.kind === 'permission' ||
      this.kind === 'payment' ||
      this.kind === 'not-found' ||
      this.kind === 'redirect'
    );
  }
}
