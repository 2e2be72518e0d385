import OpenAI from 'openai';
import type { AuthStyle } from './providers.js';
import { LlmError, type CallOptions, type LlmClient, type LlmResult } from './client.js';
import { classifySdkError, count } from './errors.js';
import { DEFAULT_IDLE_MS, idleWatch } from './idle.js';
import { ZERO_USAGE, type Usage } from '../core/usage.js';
import { jsonInText, parseJson } from '../core/json.js';
import { strictSchema } from './strict.js';
import type { LlmRequest, SystemBlock, ToolDefinition, Turn } from './request.js';

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
  const idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  const complete = async (request: LlmRequest, call: CallOptions, withCache: boolean): Promise<LlmResult> =>
    chatResult(await streamChat(sdk, chatParams(request, call, withCache), call, idleMs), request);
  return {
    listModels: () => listModels(sdk),
    async call(request: LlmRequest, call: CallOptions): Promise<LlmResult> {
      try {
        return await complete(request, call, cacheControl);
      } catch (error) {
        const refused = error instanceof LlmError && error.kind === 'bad-request' && REFUSED_FIELD.test(error.message);
        if (!cacheControl || !refused) throw error;
        cacheControl = false;
        return complete(request, call, false);
      }
    },
  };
}

async function listModels(sdk: OpenAI): Promise<string[] | undefined> {
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
}

/**
 * The Chat Completions body of one call: the review tool forced (or offered strict with `tool_choice: auto`
 * where the model refuses forcing), `cache_control` on the cached content parts when `withCache`.
 */
export function chatParams(
  request: LlmRequest,
  call: CallOptions,
  withCache: boolean,
): OpenAI.Chat.ChatCompletionCreateParamsStreaming {
  const force = call.forceTool ?? true;
  const parts = (blocks: readonly SystemBlock[]) =>
    blocks.map((block) => ({
      type: 'text' as const,
      text: block.text,
      ...(block.cache && withCache ? { cache_control: { type: 'ephemeral' } } : {}),
    }));
  return {
    model: call.model,
    // Claude gateways take `max_tokens`; not all of them know its successor `max_completion_tokens`.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    max_tokens: call.maxTokens,
    ...(call.temperature !== undefined ? { temperature: call.temperature } : {}),
    stream: true,
    stream_options: { include_usage: true },
    tools: request.tools.map((tool) => functionTool(tool, !force && tool.final)),
    tool_choice: !force
      ? 'auto'
      : request.choice === 'any'
        ? 'required'
        : { type: 'function', function: { name: request.tool.name } },
    messages: [
      { role: 'system', content: parts(request.system) },
      { role: 'user', content: parts(request.user) },
      ...(request.turns ?? []).flatMap((turn, i, turns) => turnMessages(turn, withCache && i === turns.length - 1)),
    ],
  };
}

function functionTool(tool: ToolDefinition, strict: boolean | undefined): OpenAI.Chat.ChatCompletionFunctionTool {
  return {
    type: 'function',
    function: {
      name: tool.name,
      description: tool.description,
      parameters: (strict ? strictSchema(tool.inputSchema) : tool.inputSchema) as Record<string, unknown>,
      ...(strict ? { strict: true } : {}),
    },
  };
}

/** A streamed answer, put together: the tool calls by their index in the stream, the text, why it ended, usage. */
interface Streamed {
  pending: Map<number, { id: string; name: string; args: string }>;
  text: string;
  finish: string;
  usage: Usage | undefined;
}

/** Streams one answer; an idle gateway or the caller's signal aborts it. */
async function streamChat(
  sdk: OpenAI,
  params: OpenAI.Chat.ChatCompletionCreateParamsStreaming,
  call: CallOptions,
  idleMs: number,
): Promise<Streamed> {
  const got: Streamed = { pending: new Map(), text: '', finish: 'unknown', usage: undefined };
  let started = false;
  const watch = idleWatch(idleMs, call.signal);
  try {
    const stream = await sdk.chat.completions.create(params, { signal: watch.signal });
    for await (const chunk of stream) {
      watch.touch();
      if (!started) {
        started = true;
        call.onStart?.();
      }
      addChunk(got, chunk);
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
  return got;
}

/** One streamed chunk into the answer: each tool call's id, name and arguments arrive in pieces. */
function addChunk(got: Streamed, chunk: OpenAI.Chat.ChatCompletionChunk): void {
  const choice = chunk.choices[0];
  for (const toolCall of choice?.delta.tool_calls ?? []) {
    const call = got.pending.get(toolCall.index) ?? { id: '', name: '', args: '' };
    call.id ||= toolCall.id ?? '';
    call.name ||= toolCall.function?.name ?? '';
    call.args += toolCall.function?.arguments ?? '';
    got.pending.set(toolCall.index, call);
  }
  got.text += choice?.delta.content ?? '';
  if (choice?.finish_reason) got.finish = choice.finish_reason;
  if (chunk.usage) got.usage = usageOf(chunk.usage);
}

/** What a streamed answer holds: the required tool's input (or JSON in its text), the calls, usage, why it ended. */
function chatResult({ pending, text, finish, usage }: Streamed, request: LlmRequest): LlmResult {
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
  const prompt = count(u.prompt_tokens);
  const input =
    typeof u.prompt_tokens === 'number'
      ? prompt < 0
        ? prompt
        : Math.max(0, prompt - cacheRead - cacheWrite)
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
