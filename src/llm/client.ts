import type { LlmRequest, ToolCall } from './request.js';
import { EFFORTS, type Effort, type ThinkingType } from './model-types.js';
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
  /** What the gateway says of one model (`GET /v1/models/{id}`); undefined when it does not describe it. */
  describeModel?(id: string): Promise<DescribedModel | undefined>;
}

/** A model as a gateway's Models API describes it: the limits and capabilities it reports, each when reported. */
export interface DescribedModel {
  id: string;
  contextWindow?: number;
  maxOutputTokens?: number;
  /** `thinking.type: adaptive` is accepted. */
  adaptiveThinking: boolean;
  /** The `output_config.effort` levels accepted. */
  efforts: Effort[];
}

/** A client's optional methods, for a wrapper that passes them through unchanged. */
export function optionalMethods(client: LlmClient): Pick<LlmClient, 'listModels' | 'describeModel'> {
  return {
    ...(client.listModels ? { listModels: () => client.listModels?.() ?? Promise.resolve(undefined) } : {}),
    ...(client.describeModel
      ? { describeModel: (id: string) => client.describeModel?.(id) ?? Promise.resolve(undefined) }
      : {}),
  };
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

/**
 * A Models API answer (Anthropic's `ModelInfo`: `max_input_tokens`, `max_tokens`, `capabilities.thinking.types`,
 * `capabilities.effort.<level>`), read defensively: a field of another shape counts as not reported.
 */
export function describedModel(raw: unknown): DescribedModel | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const info = raw as Record<string, unknown>;
  if (typeof info.id !== 'string') return undefined;
  const limit = (v: unknown): number | undefined =>
    typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : undefined;
  const caps = (info.capabilities ?? {}) as Record<string, unknown>;
  const supported = (node: unknown): boolean =>
    node !== null && typeof node === 'object' && (node as { supported?: unknown }).supported === true;
  const thinking = (caps.thinking ?? {}) as { types?: Record<string, unknown> };
  const effort = (caps.effort ?? {}) as Record<string, unknown>;
  const contextWindow = limit(info.max_input_tokens);
  const maxOutputTokens = limit(info.max_tokens);
  return {
    id: info.id,
    ...(contextWindow ? { contextWindow } : {}),
    ...(maxOutputTokens ? { maxOutputTokens } : {}),
    adaptiveThinking: supported(thinking.types?.adaptive),
    efforts: supported(effort) ? EFFORTS.filter((level) => supported(effort[level])) : [],
  };
}
