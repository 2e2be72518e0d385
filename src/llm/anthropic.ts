import Anthropic from '@anthropic-ai/sdk';
import type { AuthStyle } from './providers.js';
import { describedModel, type CallOptions, type DescribedModel, type LlmClient, type LlmResult } from './client.js';
import { classifySdkError, count } from './errors.js';
import { DEFAULT_IDLE_MS, idleWatch } from './idle.js';
import { jsonInText } from '../core/json.js';
import { strictSchema } from './strict.js';
import type { LlmRequest, SystemBlock, Turn } from './request.js';

export interface AnthropicClientOptions {
  baseUrl: string;
  apiKey: string;
  auth: AuthStyle;
  /** The `anthropic-version` header (default 2023-06-01). */
  anthropicVersion?: string;
  /** Milliseconds one attempt may take. */
  timeoutMs?: number;
  /** Milliseconds an attempt may go without an event from the gateway (default 60 s). */
  idleMs?: number;
  fetch?: typeof fetch;
}

/**
 * The Messages API adapter (Anthropic, RunAPI, ByteSpike and any compatible gateway), on the official SDK:
 * it brings the request building and the SSE parsing. SDK 1.x sends `apiKey` as a Bearer token, so the
 * `x-api-key` style sets that header itself and removes `Authorization`.
 */
const SDK_DEPRECATION = /^The model '.+' is deprecated and will reach end-of-life/;
const QUIETED = Symbol.for('claude-pr-reviewer.quiet-sdk-deprecation');

/**
 * @anthropic-ai/sdk prints its own deprecation notice with console.warn on every call of a deprecated model,
 * so a run of 20 calls printed it 20 times. The action warns once itself (pipeline/review.ts) when such a model is
 * chosen, so that one message of the SDK is dropped; every other console.warn passes through.
 */
function quietSdkDeprecation(): void {
  const current = console.warn as typeof console.warn & { [QUIETED]?: true };
  if (current[QUIETED]) return;
  const filtered = Object.assign(
    (...args: unknown[]): void => {
      if (typeof args[0] === 'string' && SDK_DEPRECATION.test(args[0])) return;
      current(...args);
    },
    { [QUIETED]: true as const },
  );
  console.warn = filtered;
}

export function createAnthropicClient(options: AnthropicClientOptions): LlmClient {
  quietSdkDeprecation();
  const version = options.anthropicVersion ?? '2023-06-01';
  const headers: Record<string, string | null> =
    options.auth === 'x-api-key'
      ? { 'x-api-key': options.apiKey, Authorization: null, 'anthropic-version': version }
      : { 'anthropic-version': version };
  const sdk = new Anthropic({
    baseURL: options.baseUrl,
    ...(options.auth === 'bearer' ? { authToken: options.apiKey } : { apiKey: options.apiKey }),
    defaultHeaders: headers,
    // Retries are ours (llm/retry.ts): SDK 1.x does not retry streamed requests at all.
    maxRetries: 0,
    timeout: options.timeoutMs ?? 300_000,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  return {
    ...modelsApi(sdk),
    async call(request: LlmRequest, call: CallOptions): Promise<LlmResult> {
      const params = messagesParams(request, call);
      let message: Anthropic.Messages.Message;
      let started = false;
      const watch = idleWatch(options.idleMs ?? DEFAULT_IDLE_MS, call.signal);
      try {
        const stream = sdk.messages.stream(params, { signal: watch.signal });
        stream.on('streamEvent', (event) => {
          watch.touch();
          if (event.type !== 'message_start' || started) return;
          started = true;
          call.onStart?.();
        });
        message = await stream.finalMessage();
      } catch (error) {
        const failed = watch.abortError() ?? classifySdkError(error, Anthropic);
        failed.started = started;
        throw failed;
      } finally {
        watch.stop();
      }
      return resultOf(message, request.tool.name);
    },
  };
}

/** The Models API: one model described (`GET /v1/models/{id}`), or the IDs the gateway lists; undefined when it does not answer. */
function modelsApi(sdk: Anthropic): Pick<LlmClient, 'describeModel' | 'listModels'> {
  return {
    async describeModel(id: string): Promise<DescribedModel | undefined> {
      try {
        return describedModel(await sdk.models.retrieve(id));
      } catch {
        return undefined;
      }
    },
    async listModels(): Promise<string[] | undefined> {
      try {
        const ids: string[] = [];
        for await (const model of sdk.models.list({ limit: 100 })) {
          ids.push(model.id);
          if (ids.length >= 500) break;
        }
        return ids;
      } catch {
        return undefined;
      }
    },
  };
}

type Params = Anthropic.Messages.MessageCreateParamsNonStreaming & { temperature?: number };

/**
 * The Messages API body of one call. Where the model refuses forced tool choice, the final tools are offered
 * with `tool_choice: auto` and marked strict (their schema reduced to what strict mode accepts). Sampling,
 * thinking and effort are sent only when the call sets them.
 */
export function messagesParams(request: LlmRequest, call: CallOptions): Params {
  const force = call.forceTool ?? true;
  const blocks = (list: readonly SystemBlock[]) =>
    list.map((block) => ({
      type: 'text' as const,
      text: block.text,
      ...(block.cache ? { cache_control: { type: 'ephemeral' as const } } : {}),
    }));
  return {
    model: call.model,
    max_tokens: call.maxTokens,
    ...(call.temperature !== undefined ? { temperature: call.temperature } : {}),
    ...(call.thinking ? { thinking: { type: call.thinking } } : {}),
    ...(call.effort ? { output_config: { effort: call.effort } } : {}),
    system: blocks(request.system),
    tools: request.tools.map((tool) => ({
      name: tool.name,
      description: tool.description,
      input_schema: (!force && tool.final
        ? strictSchema(tool.inputSchema)
        : tool.inputSchema) as Anthropic.Messages.Tool.InputSchema,
      ...(!force && tool.final ? { strict: true } : {}),
    })),
    tool_choice: !force
      ? { type: 'auto' }
      : request.choice === 'any'
        ? { type: 'any' }
        : { type: 'tool', name: request.tool.name },
    messages: [{ role: 'user', content: blocks(request.user) }, ...(request.turns ?? []).map(turnMessage)],
  };
}

/** What a Messages API answer holds: the required tool's input (or JSON in its text), usage, refusal, blocks. */
function resultOf(message: Anthropic.Messages.Message, toolName: string): LlmResult {
  const toolUse = message.content.find(
    (block): block is Anthropic.Messages.ToolUseBlock => block.type === 'tool_use' && block.name === toolName,
  );
  const text = message.content
    .flatMap((block) => (block.type === 'text' ? [block.text] : []))
    .join('\n')
    .trim();
  const thinking = count(message.usage.output_tokens_details?.thinking_tokens);
  const usage = {
    input: count(message.usage.input_tokens),
    output: count(message.usage.output_tokens),
    cacheRead: count(message.usage.cache_read_input_tokens),
    cacheWrite: count(message.usage.cache_creation_input_tokens),
    ...(thinking > 0 ? { thinking } : {}),
  };
  const calls = message.content.flatMap((block) =>
    block.type === 'tool_use' ? [{ id: block.id, name: block.name, input: block.input }] : [],
  );
  const stopReason = message.stop_reason ?? 'unknown';
  const details = message.stop_details;
  const otherTools = calls.some((c) => c.name !== toolName);
  return {
    toolInput: toolUse?.input ?? (otherTools || stopReason === 'refusal' ? undefined : jsonInText(text)),
    usage,
    stopReason,
    ...(stopReason === 'refusal'
      ? { refusal: { category: details?.category ?? null, explanation: details?.explanation ?? null } }
      : {}),
    text,
    calls,
    blocks: message.content,
  };
}

/**
 * A later round as a Messages API message: the model's tool calls, or our results for them. The results of
 * the last round carry a cache breakpoint, so the next round reads every earlier one from the cache.
 */
function turnMessage(turn: Turn, index: number, turns: readonly Turn[]): Anthropic.Messages.MessageParam {
  if (turn.role === 'user') return { role: 'user', content: [{ type: 'text', text: turn.text }] };
  if (turn.role === 'assistant') {
    // Thinking blocks go back exactly as they came, in their place: the API refuses a round that changed one.
    if (turn.blocks) return { role: 'assistant', content: turn.blocks as Anthropic.Messages.ContentBlockParam[] };
    return {
      role: 'assistant',
      content: [
        ...(turn.text ? [{ type: 'text' as const, text: turn.text }] : []),
        ...turn.calls.map((call) => ({
          type: 'tool_use' as const,
          id: call.id,
          name: call.name,
          input: call.input,
        })),
      ],
    };
  }
  const last = index === turns.length - 1;
  return {
    role: 'user',
    content: turn.results.map((result, i) => ({
      type: 'tool_result' as const,
      tool_use_id: result.id,
      content: result.content,
      ...(last && i === turn.results.length - 1 ? { cache_control: { type: 'ephemeral' as const } } : {}),
    })),
  };
}
