import OpenAI from 'openai';
import type { AuthStyle } from './providers.js';
import { LlmError, type CallOptions, type LlmClient, type LlmResult } from './client.js';
import { classifySdkError, count } from './errors.js';
import { DEFAULT_IDLE_MS, idleWatch } from './idle.js';
import { ZERO_USAGE, type Usage } from '../core/usage.js';
import { jsonInText, parseJson } from '../core/json.js';
import { strictSchema } from './strict.js';
import type { LlmRequest, SystemBlock, Turn } from './request.js';

export interface OpenAiClientOptions {
  baseUrl: string;
  apiKey: string;
  auth: AuthStyle;
  timeoutMs?: number;
  /** Milliseconds an attempt may go without a chunk from the gateway (default 60 s). */
  idleMs?: number;
  fetch?: typeof fetch;
}

/**
 * The Chat Completions adapter (AI/ML API and any OpenAI-compatible gateway), on the `openai` SDK 6.x.
 * The review tool is a forced function; the answer is streamed with `stream_options.include_usage`.
 * `cache_control` rides on the system content part, which gateways that proxy Claude pass through; a gateway
 * that refuses the field (400) gets the request again without it, and no more of it from this client.
 */
export function createOpenAiClient(options: OpenAiClientOptions): LlmClient {
  const sdk = new OpenAI({
    baseURL: `${options.baseUrl}/v1`,
    apiKey: options.apiKey,
    ...(options.auth === 'x-api-key' ? { defaultHeaders: { 'x-api-key': options.apiKey, Authorization: null } } : {}),
    maxRetries: 0,
    timeout: options.timeoutMs ?? 300_000,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  // Sent until the gateway refuses it once; then this client leaves it out.
  let cacheControl = true;
  return {
    async listModels(): Promise<string[] | undefined> {
      try {
        const ids: string[] = [];
        for await (const model of sdk.models.list()) {
          ids.push(model.id);
          if (ids.length >= 500) break;
        }
        return ids;
      } catch {
        return undefined;
      }
    },
    async call(request: LlmRequest, call: CallOptions): Promise<LlmResult> {
      try {
        return await complete(request, call, cacheControl);
      } catch (error) {
        if (
          cacheControl &&
          error instanceof LlmError &&
          error.kind === 'bad-request' &&
          REFUSED_FIELD.test(error.message)
        ) {
          cacheControl = false;
          return complete(request, call, false);
        }
        throw error;
      }
    },
  };

  async function complete(request: LlmRequest, call: CallOptions, withCacheControl: boolean): Promise<LlmResult> {
    const force = call.forceTool ?? true;
    const parts = (blocks: readonly SystemBlock[]) =>
      blocks.map((block) => ({
        type: 'text' as const,
        text: block.text,
        ...(block.cache && withCacheControl ? { cache_control: { type: 'ephemeral' } } : {}),
      }));
    const params: OpenAI.Chat.ChatCompletionCreateParamsStreaming = {
      model: call.model,
      // Claude gateways take `max_tokens`; not all of them know its successor `max_completion_tokens`.
      // eslint-disable-next-line @typescript-eslint/no-deprecated
      max_tokens: call.maxTokens,
      ...(call.temperature !== undefined ? { temperature: call.temperature } : {}),
      stream: true,
      stream_options: { include_usage: true },
      tools: request.tools.map((tool) => {
        const strict = !force && tool.final;
        return {
          type: 'function' as const,
          function: {
            name: tool.name,
            description: tool.description,
            parameters: (strict ? strictSchema(tool.inputSchema) : tool.inputSchema) as Record<string, unknown>,
            ...(strict ? { strict: true } : {}),
          },
        };
      }),
      tool_choice: !force
        ? 'auto'
        : request.choice === 'any'
          ? 'required'
          : { type: 'function', function: { name: request.tool.name } },
      messages: [
        { role: 'system', content: parts(request.system) },
        { role: 'user', content: parts(request.user) },
        ...(request.turns ?? []).flatMap((turn, i, turns) =>
          turnMessages(turn, withCacheControl && i === turns.length - 1),
        ),
      ],
    };
    // Tool calls by their index in the stream: each one's id, name and arguments arrive in pieces.
    const pending = new Map<number, { id: string; name: string; args: string }>();
    let text = '';
    let finish = 'unknown';
    let usage: Usage | undefined;
    let started = false;
    const watch = idleWatch(options.idleMs ?? DEFAULT_IDLE_MS, call.signal);
    try {
      const stream = await sdk.chat.completions.create(params, { signal: watch.signal });
      for await (const chunk of stream) {
        watch.touch();
        if (!started) {
          started = true;
          call.onStart?.();
        }
        const choice = chunk.choices[0];
        for (const toolCall of choice?.delta.tool_calls ?? []) {
          const call = pending.get(toolCall.index) ?? { id: '', name: '', args: '' };
          call.id ||= toolCall.id ?? '';
          call.name ||= toolCall.function?.name ?? '';
          call.args += toolCall.function?.arguments ?? '';
          pending.set(toolCall.index, call);
        }
        text += choice?.delta.content ?? '';
        if (choice?.finish_reason) finish = choice.finish_reason;
        if (chunk.usage) usage = usageOf(chunk.usage);
      }
      // The SDK's stream can end quietly when its signal aborts: an aborted attempt is not an answer.
      const aborted = watch.abortError();
      if (aborted) throw aborted;
    } catch (error) {
      const failed = watch.abortError() ?? classifySdkError(error, OpenAI);
      failed.started = started;
      throw failed;
    } finally {
      watch.stop();
    }
    const entries = [...pending.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, call]) => ({ ...call, id: call.id || `call_${index}` }));
    const calls = entries.map((c) => ({ id: c.id, name: c.name, input: parseJson(c.args || '{}') }));
    // A gateway may leave out the name of a forced function: a lone call is then the required tool.
    const required =
      entries.find((c) => c.name === request.tool.name) ??
      (entries.length === 1 && !entries[0]?.name ? entries[0] : undefined);
    const otherTools = entries.some((c) => c.name && c.name !== request.tool.name);
    const toolInput = required?.args ? parseJson(required.args) : otherTools ? undefined : jsonInText(text);
    if (required?.args && toolInput === undefined && finish !== 'length') {
      throw new LlmError('no-tool-call', 'the model sent tool arguments that are not valid JSON');
    }
    return {
      toolInput,
      usage: usage ?? ZERO_USAGE,
      stopReason: finish === 'length' ? 'max_tokens' : finish,
      ...(finish === 'refusal' ? { refusal: { category: null, explanation: null } } : {}),
      text: text.trim(),
      calls,
    };
  }
}

/** A 400 that names a field the gateway does not take: `cache_control` on a Chat Completions content part. */
const REFUSED_FIELD =
  /cache_control|unrecognized|unknown (field|parameter|argument)|additional propert|extra (fields|inputs)/i;

/**
 * Usage under both namings gateways use. `prompt_tokens` (OpenAI) counts cached tokens too, so the
 * uncached input is what is left after them; `input_tokens` (Anthropic, and AI/ML API's streaming since
 * Feb 2026) already excludes them.
 */
export function usageOf(raw: unknown): Usage {
  const u = (raw ?? {}) as Record<string, unknown>;
  const details = (u.prompt_tokens_details ?? {}) as Record<string, unknown>;
  const cacheRead = count(details.cached_tokens) || count(u.cache_read_input_tokens);
  const cacheWrite =
    count(u.cache_creation_input_tokens) || count(details.cache_write_tokens) || count(details.cache_creation_tokens);
  const output = typeof u.completion_tokens === 'number' ? count(u.completion_tokens) : count(u.output_tokens);
  const input =
    typeof u.prompt_tokens === 'number'
      ? Math.max(0, count(u.prompt_tokens) - cacheRead - cacheWrite)
      : typeof u.input_tokens === 'number'
        ? count(u.input_tokens)
        : Math.max(0, count(u.total_tokens) - output - cacheRead - cacheWrite);
  const reasoning = (u.completion_tokens_details ?? u.output_tokens_details ?? {}) as Record<string, unknown>;
  const thinking = count(reasoning.reasoning_tokens) || count(reasoning.thinking_tokens);
  return { input, output, cacheRead, cacheWrite, ...(thinking > 0 ? { thinking } : {}) };
}

/** A later round as Chat Completions messages: one assistant message with its tool calls, or one tool message a result. */
function turnMessages(turn: Turn, cacheLast: boolean): OpenAI.Chat.ChatCompletionMessageParam[] {
  if (turn.role === 'user') return [{ role: 'user', content: turn.text }];
  if (turn.role === 'assistant') {
    return [
      {
        role: 'assistant',
        content: turn.text || null,
        tool_calls: turn.calls.map((call) => ({
          id: call.id,
          type: 'function' as const,
          function: { name: call.name, arguments: JSON.stringify(call.input ?? {}) },
        })),
      },
    ];
  }
  return turn.results.map((result, i) => ({
    role: 'tool' as const,
    tool_call_id: result.id,
    content: [
      {
        type: 'text' as const,
        text: result.content,
        ...(cacheLast && i === turn.results.length - 1 ? { cache_control: { type: 'ephemeral' } } : {}),
      },
    ],
  }));
}
