import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenLocal, readBody, type LocalServer } from './http.js';

type TextPart = { type: 'text'; text: string; cache_control?: { type: string } };
/** A content block of a message: text, or (Messages API) tool_use / tool_result. */
interface ContentPart {
  type: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
  tool_use_id?: string;
  content?: unknown;
  cache_control?: { type: string };
}
/** A message as either wire format sends it (Chat Completions: tool calls on the assistant, tool results as messages). */
export interface WireMessage {
  role: string;
  content: string | ContentPart[] | null;
  tool_calls?: { id: string; type: string; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

/** The parts of a Messages or Chat Completions request body the fake reads. */
export interface GatewayBody {
  model: string;
  max_tokens: number;
  stream?: boolean;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  thinking?: { type: string };
  output_config?: { effort?: string };
  stream_options?: { include_usage?: boolean };
  system?: TextPart[] | string;
  tools?: {
    name?: string;
    description?: string;
    input_schema?: unknown;
    strict?: boolean;
    type?: string;
    function?: { name: string; description?: string; parameters: unknown; strict?: boolean };
    cache_control?: { type: string };
  }[];
  tool_choice?: { type: string; name?: string; function?: { name: string } };
  messages: WireMessage[];
}

export interface FakeUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens_details?: { thinking_tokens: number };
}

export interface RecordedCall {
  path: string;
  headers: IncomingMessage['headers'];
  body: GatewayBody;
  status: number;
  /** What the fake billed for this call; set only when the answer was delivered whole. */
  usage?: FakeUsage;
  timing?: CallTiming;
}

/** What the scripted gateway does with one call. */
export type Reply =
  | { toolInput: unknown; stopReason?: 'tool_use' | 'max_tokens' }
  /** Answer in text instead of a tool call (some OpenAI-compatible gateways do). */
  | { text: string }
  | { status: number; error: { type: string; message: string }; headers?: Record<string, string> }
  /** Start streaming the answer, then send an SSE error event instead of the rest. */
  | { streamError: { type: string; message: string } }
  /** Start streaming the answer, then drop the connection. */
  | { dropConnection: true }
  /** Wait this long before answering with the review (to trip the client's timeout). */
  | { hangMs: number; toolInput: unknown; stopReason?: undefined }
  /** Start streaming the answer, then send nothing for this long before the rest (a stalled stream). */
  | { stallMs: number; toolInput: unknown; stopReason?: undefined }
  /** Call these tools (other than the required one) and stop for their results, as a model exploring does. */
  | { toolUses: { name: string; input: unknown }[] }
  /** Decline: `stop_reason: refusal` with `stop_details` (HTTP 200, no content). */
  | { refusal: { category: string | null; explanation: string | null } };

export interface FakeGatewayOptions {
  apiKey: string;
  /** How the gateway expects the key. */
  auth: 'x-api-key' | 'bearer';
  /** Answers each call; `n` counts calls from 0. */
  reply: (body: GatewayBody, n: number) => Reply;
  /** Usage field names on /v1/chat/completions: OpenAI's (default) or Anthropic's (AI/ML API streaming since Feb 2026). */
  chatUsage?: 'openai' | 'anthropic';
  /** The gateway's token count (default: one token per 4 characters). */
  tokens?: (text: string) => number;
  /** A latency model: time to first token grows with the input, then output streams at a fixed rate. */
  latency?: { firstTokenMs: number; prefillTokensPerSec: number; outputTokensPerSec: number };
  /** Requests served at once; the rest wait in line. */
  maxConcurrent?: number;
  /** Answer 400 to a Chat Completions request whose content parts carry `cache_control`, as strict gateways do. */
  rejectCacheControl?: boolean;
  /** Leave the usage out of Chat Completions streams, as some gateways do whatever the request asks. */
  omitUsage?: boolean;
  /** What the gateway reports in place of the usage it billed (a broken or hostile gateway). */
  reportUsage?: (billed: FakeUsage) => FakeUsage;
  /** Models it serves beyond FAKE_MODELS (a model newer than the code under test's table), with their limits. */
  extraModels?: Readonly<Record<string, Pick<FakeModel, 'window' | 'maxOutput' | 'efforts' | 'thinking'>>>;
  /** Answer the Models API routes (default true); false answers them 404, as a gateway without them does. */
  modelsApi?: boolean;
  /** Serve the models Anthropic retired (a gateway reaching them through another cloud) instead of a 404. */
  servesRetired?: boolean;
  /** How it refuses a model it does not serve: Anthropic's 404 (default), ByteSpike's 400 `unsupported_model`, OpenAI's `model_not_found`. */
  unknownModel?: 'anthropic' | 'bytespike' | 'openai';
  /** `anthropic-version` values it takes (default both 2023-06-01 and 2026-10-21). */
  versions?: readonly string[];
  /** The model IDs `GET /v1/models` lists (default: every model of FAKE_MODELS that is not retired). */
  models?: readonly string[];
  /** Thinking tokens a thinking answer spends, by effort (default THINKING_BY_EFFORT). */
  thinkingTokens?: (effort: string) => number;
}

/**
 * Anthropic's documented request rules per model (as of 2026-12-01), kept apart from the code under test's
 * table: forced tool choice, sampling, thinking types (the first is the default; `adaptive` thinks), the
 * cache minimum and the tokenizer's count per token of the older tokenizer.
 */
export interface FakeModel {
  forced: boolean;
  sampling: 'any' | 'none' | number;
  thinking: readonly string[];
  minCache: number;
  tokenRatio: number;
  /** Context window and the most `max_tokens` may be, as `GET /v1/models/{id}` reports them. */
  window: number;
  maxOutput: number;
  /** Effort levels `output_config.effort` takes (empty: none). */
  efforts: readonly string[];
  /** Anthropic's list price per million tokens (pricing page): input, output, cache read, 5-minute cache write. */
  price: { input: number; output: number; cacheRead: number; cacheWrite: number };
}
const ALL_EFFORTS = ['low', 'medium', 'high', 'xhigh', 'max'];
const OPUS_4_EFFORTS = ['low', 'medium', 'high', 'max'];
const OPUS_4_PRICE = { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 };
const SONNET_4_PRICE = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 };
/** What the Claude 5.x models (and Opus 4.7 and 4.8) share: the tokenizer, a 1M window, 128K output. */
const CLAUDE_5 = { tokenRatio: 1.3, window: 1_000_000, maxOutput: 128_000, efforts: ALL_EFFORTS } as const;
/** Adaptive thinking always on: no forced tool, no sampling. */
const ADAPTIVE_ONLY = { ...CLAUDE_5, forced: false, sampling: 'none', thinking: ['adaptive'] } as const;
/** Adaptive thinking by default, `disabled` to turn it off (then the tool can be forced); no sampling. */
const SWITCHABLE = { ...CLAUDE_5, forced: true, sampling: 'none', thinking: ['adaptive', 'disabled'] } as const;
const CLAUDE_4 = { tokenRatio: 1, forced: true, sampling: 'any', efforts: [] } as const;
export const FAKE_MODELS: Readonly<Record<string, FakeModel>> = {
  'claude-sonnet-5-5': {
    ...ADAPTIVE_ONLY,
    thinking: ['adaptive', 'between_tools'],
    minCache: 512,
    price: { input: 2, output: 10, cacheRead: 0.1, cacheWrite: 2.5 },
  },
  'claude-opus-5-5': {
    ...ADAPTIVE_ONLY,
    minCache: 512,
    price: { input: 4, output: 20, cacheRead: 0.2, cacheWrite: 5 },
  },
  'claude-haiku-5-5': {
    ...SWITCHABLE,
    sampling: 1,
    minCache: 512,
    price: { input: 0.1, output: 0.5, cacheRead: 0.01, cacheWrite: 0.125 },
  },
  'claude-fable-5-2': {
    ...ADAPTIVE_ONLY,
    minCache: 1024,
    price: { input: 8, output: 40, cacheRead: 0.2, cacheWrite: 10 },
  },
  'claude-fable-5-1': {
    ...ADAPTIVE_ONLY,
    minCache: 1024,
    price: { input: 10, output: 50, cacheRead: 0.25, cacheWrite: 12.5 },
  },
  'claude-sonnet-5': {
    ...SWITCHABLE,
    minCache: 1024,
    price: { input: 2, output: 10, cacheRead: 0.2, cacheWrite: 2.5 },
  },
  'claude-opus-5': { ...SWITCHABLE, minCache: 1024, price: OPUS_4_PRICE },
  'claude-opus-4-8': { ...SWITCHABLE, efforts: OPUS_4_EFFORTS, minCache: 1024, price: OPUS_4_PRICE },
  'claude-opus-4-7': { ...SWITCHABLE, efforts: OPUS_4_EFFORTS, minCache: 2048, price: OPUS_4_PRICE },
  'claude-opus-4-6': {
    ...CLAUDE_4,
    thinking: ['disabled', 'adaptive'],
    minCache: 4096,
    window: 1_000_000,
    maxOutput: 128_000,
    efforts: OPUS_4_EFFORTS,
    price: OPUS_4_PRICE,
  },
  'claude-opus-4-5-20251101': {
    ...CLAUDE_4,
    thinking: ['disabled'],
    minCache: 4096,
    window: 200_000,
    maxOutput: 64_000,
    price: OPUS_4_PRICE,
  },
  'claude-sonnet-4-6': {
    ...CLAUDE_4,
    thinking: ['disabled', 'adaptive'],
    minCache: 1024,
    window: 1_000_000,
    maxOutput: 128_000,
    price: SONNET_4_PRICE,
  },
  'claude-haiku-4-5-20251001': {
    ...CLAUDE_4,
    thinking: ['disabled'],
    minCache: 4096,
    window: 200_000,
    maxOutput: 64_000,
    price: { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 },
  },
};
/** The `anthropic-version` values Anthropic's API takes. */
export const API_VERSIONS = ['2023-06-01', '2026-10-21'];

/**
 * What API version 2026-10-21 refuses on every model: sampling parameters, an assistant `document` block and
 * `citations` on user text.
 */
function refusedOn20261021(body: GatewayBody): string | undefined {
  for (const name of ['temperature', 'top_p', 'top_k'] as const) {
    if (body[name] !== undefined) return `${name}: sampling parameters are not supported on API version 2026-10-21.`;
  }
  for (const m of body.messages) {
    const parts = Array.isArray(m.content) ? (m.content as { type?: string; citations?: unknown }[]) : [];
    if (m.role === 'assistant' && parts.some((p) => p.type === 'document'))
      return 'messages: assistant document blocks are not supported on API version 2026-10-21.';
    if (m.role === 'user' && parts.some((p) => p.type === 'text' && p.citations !== undefined))
      return 'messages: citations on user text are not supported on API version 2026-10-21.';
  }
  return undefined;
}

/** IDs Anthropic retired: requests to them answer 404. */
export const RETIRED_MODELS = [
  'claude-sonnet-4-5-20250929',
  'claude-sonnet-4-5',
  'claude-sonnet-4-20250514',
  'claude-sonnet-4',
];
/** Thinking tokens an answer spends by effort, when the model thinks. */
export const THINKING_BY_EFFORT: Readonly<Record<string, number>> = {
  low: 200,
  medium: 600,
  high: 1500,
  xhigh: 3000,
  max: 5000,
};

/** A request's model as the fake knows it: gateway spellings (`anthropic/claude-sonnet-4.6`) and aliases folded. */
export function fakeModelOf(model: string): { id: string; rules: FakeModel | undefined } {
  const id = model.replace(/^anthropic\//, '').replace(/(\d)\.(\d)/g, '$1-$2');
  const dated: Record<string, string> = {
    'claude-haiku-4-5': 'claude-haiku-4-5-20251001',
    'claude-opus-4-5': 'claude-opus-4-5-20251101',
  };
  const known = dated[id] ?? id;
  return { id: known, rules: FAKE_MODELS[known] };
}

/**
 * The tool a model calls to finish: the forced one, else the one the prompt asks for (a question asks for
 * submit_answer), as a model that follows its instructions does.
 */
export function toolAsked(body: GatewayBody): string {
  const forced = body.tool_choice?.name ?? body.tool_choice?.function?.name;
  if (forced) return forced;
  const text = JSON.stringify(body.messages);
  if (text.includes('Call submit_verdicts once')) return 'submit_verdicts';
  if (text.includes('with the record_learnings tool')) return 'record_learnings';
  return text.includes('with the submit_answer tool') ? 'submit_answer' : 'submit_review';
}

/** The signature the fake gives a thinking block: bound to the model and the text. */
function signatureOf(model: string, thinking: string): string {
  return createHash('sha256').update(`${model}\n${thinking}`).digest('base64');
}

/** When a call arrived, began to stream and ended, in ms of the gateway's clock. */
export interface CallTiming {
  arrived: number;
  started: number;
  ended: number;
}

/** The fake's tokenizer: one token per 4 characters, rounded up; the code under test never sees it. */
export function fakeTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** USD of what the fake billed, at prices per million tokens; computed here, apart from the code under test. */
export function billedUsd(
  u: FakeUsage,
  p: { input: number; output: number; cacheRead: number; cacheWrite: number },
): number {
  return (
    (u.input_tokens * p.input +
      u.output_tokens * p.output +
      u.cache_read_input_tokens * p.cacheRead +
      u.cache_creation_input_tokens * p.cacheWrite) /
    1e6
  );
}

/** Anthropic caches no prefix shorter than this for Sonnet. */
export const MIN_CACHE_TOKENS = 1024;
/** Blocks with `cache_control` one request may carry. */
export const MAX_BREAKPOINTS = 4;

/**
 * A fake LLM gateway on 127.0.0.1 speaking the real wire formats: the Anthropic Messages API
 * (`POST /v1/messages`, JSON or SSE) and OpenAI Chat Completions (`POST /v1/chat/completions`, SSE with
 * `stream_options.include_usage`). It checks the auth headers of its preset and bills prompt caching by
 * Anthropic's rules: the prefix is tools, then system blocks, up to the last `cache_control` breakpoint;
 * under 1024 tokens nothing is cached; a prefix seen before is a cache read, else a cache write.
 */
export class FakeGateway {
  readonly calls: RecordedCall[] = [];
  /** `GET /v1/models` requests served (not in `calls`, which are the billed POSTs). */
  modelListRequests = 0;
  private readonly cache = new Set<string>();

  /** Forgets every call and the prompt cache, so one server can stand in for many runs. */
  reset(): void {
    this.calls.length = 0;
    this.cache.clear();
  }
  private server: LocalServer | undefined;
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly options: FakeGatewayOptions) {}

  get url(): string {
    if (!this.server) throw new Error('the fake gateway is not started');
    return this.server.url;
  }

  async start(): Promise<this> {
    this.server = await listenLocal(
      (req, res) => this.handle(req, res),
      (error) => ({ type: 'error', error: { type: 'api_error', message: `fake gateway failed: ${String(error)}` } }),
    );
    return this;
  }

  async stop(): Promise<void> {
    await this.server?.stop();
  }

  /** Total usage the fake billed, summed over its delivered answers. */
  billed(): FakeUsage {
    const total: FakeUsage = {
      input_tokens: 0,
      output_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    };
    for (const call of this.calls) {
      if (!call.usage) continue;
      total.input_tokens += call.usage.input_tokens;
      total.output_tokens += call.usage.output_tokens;
      total.cache_creation_input_tokens += call.usage.cache_creation_input_tokens;
      total.cache_read_input_tokens += call.usage.cache_read_input_tokens;
    }
    return total;
  }

  private authorized(req: IncomingMessage): boolean {
    if (this.options.auth === 'x-api-key') {
      return req.headers['x-api-key'] === this.options.apiKey && !req.headers.authorization;
    }
    return req.headers.authorization === `Bearer ${this.options.apiKey}` && !req.headers['x-api-key'];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = JSON.parse((await readBody(req)) || '{}') as GatewayBody;
    const path = new URL(req.url ?? '/', this.url).pathname;
    if (req.method === 'GET' && path.startsWith('/v1/models') && this.options.modelsApi === false) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: `no route GET ${path}` } }));
      return;
    }
    if (req.method === 'GET' && path === '/v1/models') {
      this.modelListRequests += 1;
      const ids = this.options.models ?? [...Object.keys(FAKE_MODELS), ...Object.keys(this.options.extraModels ?? {})];
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          data: ids.map((id) => this.modelInfo(id)),
          has_more: false,
          first_id: ids[0] ?? null,
          last_id: ids.at(-1) ?? null,
          object: 'list',
        }),
      );
      return;
    }
    if (req.method === 'GET' && path.startsWith('/v1/models/')) {
      this.modelListRequests += 1;
      const id = decodeURIComponent(path.slice('/v1/models/'.length));
      const info = this.served(id) ? this.modelInfo(id) : undefined;
      res.writeHead(info ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(info ?? { type: 'error', error: { type: 'not_found_error', message: `model: ${id}` } }));
      return;
    }
    const record: RecordedCall = { path, headers: req.headers, body, status: 200 };
    this.calls.push(record);
    const chat = path === '/v1/chat/completions';
    const fail = (status: number, type: string, message: string, headers: Record<string, string> = {}): void => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(
        JSON.stringify(chat ? { error: { message, type, code: status } } : { type: 'error', error: { type, message } }),
      );
    };
    if (req.method !== 'POST' || (path !== '/v1/messages' && !chat)) {
      fail(404, 'not_found_error', `no route ${req.method ?? ''} ${path}`);
      return;
    }
    if (!this.authorized(req)) {
      fail(401, 'authentication_error', 'invalid x-api-key');
      return;
    }
    const version = req.headers['anthropic-version'];
    if (!chat && (typeof version !== 'string' || !(this.options.versions ?? API_VERSIONS).includes(version))) {
      fail(400, 'invalid_request_error', `anthropic-version: ${String(version)} is not a version this gateway takes`);
      return;
    }
    if (
      !body.model ||
      !Number.isInteger(body.max_tokens) ||
      !Array.isArray(body.messages) ||
      body.messages.length === 0
    ) {
      fail(400, 'invalid_request_error', 'model, max_tokens and messages are required');
      return;
    }
    const badTurns = unansweredToolCall(body.messages, chat);
    if (badTurns) {
      fail(400, 'invalid_request_error', badTurns);
      return;
    }
    if (!this.served(body.model)) {
      this.refuseModel(body.model, chat, fail);
      return;
    }
    const refused =
      (!chat && version === '2026-10-21' ? refusedOn20261021(body) : undefined) ?? this.refusedByRules(body, chat);
    if (refused) {
      fail(400, 'invalid_request_error', refused);
      return;
    }
    if (chat && this.options.rejectCacheControl && JSON.stringify(body.messages).includes('"cache_control"')) {
      fail(400, 'invalid_request_error', 'Unrecognized request argument supplied: cache_control');
      return;
    }
    // Anthropic: "A maximum of 4 blocks with cache_control may be provided."
    const breakpoints = JSON.stringify([body.tools, body.system, body.messages]).split('"cache_control"').length - 1;
    if (breakpoints > MAX_BREAKPOINTS) {
      fail(
        400,
        'invalid_request_error',
        `A maximum of ${MAX_BREAKPOINTS} blocks with cache_control may be provided. Found ${breakpoints}.`,
      );
      return;
    }
    const arrived = Date.now();
    await this.acquire();
    try {
      await this.serve(req, res, body, record, chat, arrived);
    } finally {
      this.release();
    }
  }

  /** Whether the gateway serves a model: not one Anthropic retired (unless `servesRetired`), and one it lists when given a list. */
  private served(model: string): boolean {
    const { id } = fakeModelOf(model);
    if (RETIRED_MODELS.includes(id) && !this.options.servesRetired) return false;
    return !this.options.models || this.options.models.includes(model);
  }

  /** A model it does not serve, refused in the gateway's own words. */
  private refuseModel(
    model: string,
    chat: boolean,
    fail: (status: number, type: string, message: string) => void,
  ): void {
    const style = this.options.unknownModel ?? (chat ? 'openai' : 'anthropic');
    if (style === 'bytespike') fail(400, 'unsupported_model', `unsupported_model: ${model} is not available`);
    else if (style === 'openai')
      fail(404, 'model_not_found', `The model \`${model}\` does not exist or you do not have access to it.`);
    else fail(404, 'not_found_error', `model: ${model}`);
  }

  /** A model as the Models API describes it: its limits and capabilities, when the fake knows them. */
  private modelInfo(id: string): Record<string, unknown> {
    const { rules } = fakeModelOf(id);
    const known = rules ?? this.options.extraModels?.[id];
    const supported = (yes: boolean) => ({ supported: yes });
    return {
      type: 'model',
      id,
      object: 'model',
      display_name: id,
      created_at: '2026-10-01T00:00:00Z',
      max_input_tokens: known?.window ?? null,
      max_tokens: known?.maxOutput ?? null,
      capabilities: known
        ? {
            effort: {
              supported: known.efforts.length > 0,
              ...Object.fromEntries(
                ['low', 'medium', 'high', 'xhigh', 'max'].map((e) => [e, supported(known.efforts.includes(e))]),
              ),
            },
            thinking: {
              supported: known.thinking.some((t) => t !== 'disabled'),
              types: { adaptive: supported(known.thinking.includes('adaptive')), enabled: supported(false) },
            },
            structured_outputs: supported(true),
          }
        : null,
    };
  }

  /** Thinking blocks the fake issued, by the id of the tool call they came with: they must come back unchanged. */
  private readonly issuedThinking = new Map<string, { thinking: string; signature: string }>();

  /** What Anthropic's documented rules refuse in this request for its model; undefined when it passes. */
  private refusedByRules(body: GatewayBody, chat: boolean): string | undefined {
    const { rules } = fakeModelOf(body.model);
    if (!rules) return undefined;
    const thinks = this.thinks(body);
    const forced = chat
      ? body.tool_choice !== undefined &&
        (body.tool_choice as unknown) !== 'auto' &&
        (body.tool_choice as unknown) !== 'none'
      : body.tool_choice?.type === 'tool' || body.tool_choice?.type === 'any';
    if (forced && (!rules.forced || thinks))
      return 'tool_choice: type "tool" and "any" are not supported for this model.';
    for (const name of ['temperature', 'top_p', 'top_k'] as const) {
      const value = body[name];
      if (value === undefined || rules.sampling === 'any') continue;
      if (rules.sampling === 'none' || name !== 'temperature' || value !== rules.sampling)
        return `${name}: sampling parameters are not supported for this model.`;
    }
    if (body.thinking && !rules.thinking.includes(body.thinking.type))
      return `thinking.type: "${body.thinking.type}" is not supported for this model; use one of ${rules.thinking.join(', ')}.`;
    for (const tool of body.tools ?? []) {
      const strict = tool.strict ?? tool.function?.strict;
      const schema = tool.input_schema ?? tool.function?.parameters;
      const problem = strict ? strictProblem(schema) : undefined;
      if (problem) return `tools.${tool.name ?? tool.function?.name ?? ''}: strict schema: ${problem}`;
    }
    if (!chat) {
      for (const m of body.messages) {
        if (m.role !== 'assistant' || !Array.isArray(m.content)) continue;
        for (const part of m.content) {
          const issued = part.type === 'tool_use' && part.id ? this.issuedThinking.get(part.id) : undefined;
          if (!issued) continue;
          const back = m.content.find((c) => c.type === 'thinking') as
            { thinking?: string; signature?: string } | undefined;
          if (!back || back.thinking !== issued.thinking || back.signature !== issued.signature)
            return 'messages: thinking blocks in the latest assistant message cannot be modified or removed.';
        }
      }
    }
    return undefined;
  }

  /** Whether the model thinks on this request: a thinking type other than `disabled` (the model's default when none is sent). */
  private thinks(body: GatewayBody): boolean {
    const { rules } = fakeModelOf(body.model);
    if (!rules) return false;
    const type = body.thinking?.type ?? rules.thinking[0];
    return type === 'adaptive' || type === 'between_tools';
  }

  /** The thinking tokens this request spends (0 when the model does not think). */
  private thinkingTokensOf(body: GatewayBody): number {
    if (!this.thinks(body) || body.thinking?.type === 'between_tools') return this.thinks(body) ? 50 : 0;
    const effort = body.output_config?.effort ?? 'high';
    return (this.options.thinkingTokens ?? ((e: string) => THINKING_BY_EFFORT[e] ?? 1500))(effort);
  }

  private async acquire(): Promise<void> {
    const limit = this.options.maxConcurrent ?? Infinity;
    if (this.active < limit) {
      this.active += 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active -= 1;
  }

  private async serve(
    req: IncomingMessage,
    res: ServerResponse,
    body: GatewayBody,
    record: RecordedCall,
    chat: boolean,
    arrived: number,
  ): Promise<void> {
    const fail = (status: number, type: string, message: string, headers: Record<string, string> = {}): void => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(
        JSON.stringify(chat ? { error: { message, type, code: status } } : { type: 'error', error: { type, message } }),
      );
    };
    const reply = this.options.reply(body, this.calls.indexOf(record));
    if ('hangMs' in reply) {
      await sleep(reply.hangMs, res);
      if (res.destroyed || req.socket.destroyed) return;
    }
    if ('status' in reply) {
      fail(reply.status, reply.error.type, reply.error.message, reply.headers);
      return;
    }
    if ('refusal' in reply) {
      const { usage } = this.billPrompt(body, chat, '');
      record.usage = { ...usage, output_tokens: 0 };
      this.answerRefusal(res, body, record.usage, reply.refusal, chat);
      return;
    }
    if ('toolUses' in reply) {
      const { usage, cacheKeys } = this.bill(body, chat, JSON.stringify(reply.toolUses));
      record.usage = usage;
      for (const key of cacheKeys) this.cache.add(key);
      const started = Date.now();
      if (chat) this.answerChatToolUses(res, body, reply.toolUses, usage);
      else this.answerToolUses(res, body, reply.toolUses, usage);
      record.timing = { arrived, started, ended: Date.now() };
      return;
    }
    const content =
      'text' in reply
        ? { text: reply.text }
        : { toolInput: 'toolInput' in reply ? reply.toolInput : { summary: 'partial', comments: [] } };
    const { usage, cacheKeys } = this.bill(body, chat, JSON.stringify(content.text ?? content.toolInput));
    const whole = 'toolInput' in reply || 'text' in reply;
    if (whole) record.usage = usage;
    // Thinking counts against max_tokens: an answer that does not fit is cut off there.
    const overLimit = usage.output_tokens > body.max_tokens;
    if (overLimit && whole) record.usage = { ...usage, output_tokens: body.max_tokens };
    const stopReason =
      ('toolInput' in reply && reply.stopReason === 'max_tokens') || overLimit
        ? 'max_tokens'
        : 'text' in reply
          ? 'end_turn'
          : 'tool_use';
    const latency = this.options.latency;
    if (latency) {
      const prompt = usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens;
      await sleep(latency.firstTokenMs + (1000 * prompt) / latency.prefillTokensPerSec);
    }
    // From the first streamed byte on, the prefix this call wrote can be read by others.
    for (const key of cacheKeys) this.cache.add(key);
    const started = Date.now();
    const outputDelay = latency ? (1000 * usage.output_tokens) / latency.outputTokensPerSec : 0;
    const reported = this.options.reportUsage?.(usage) ?? usage;
    if (chat) await this.answerChat(res, body, content, reported, stopReason, reply, outputDelay);
    else await this.answerMessages(res, body, content, reported, stopReason, reply, outputDelay);
    record.timing = { arrived, started, ended: Date.now() };
  }

  private async answerMessages(
    res: ServerResponse,
    body: GatewayBody,
    content: { text?: string; toolInput?: unknown },
    usage: FakeUsage,
    stopReason: string,
    reply: Reply,
    outputDelay: number,
  ): Promise<void> {
    const block =
      content.text !== undefined
        ? { type: 'text', text: content.text }
        : {
            type: 'tool_use',
            id: `toolu_${this.calls.length}`,
            name: toolAsked(body),
            input: content.toolInput,
          };
    const thought = this.thinkingBlock(body, block.type === 'tool_use' ? [block.id as string] : []);
    const message = {
      id: `msg_${this.calls.length}`,
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: thought ? [thought, block] : [block],
      stop_reason: stopReason,
      stop_sequence: null,
      usage,
    };
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(message));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const event = (name: string, data: unknown): void => {
      res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    event('message_start', {
      type: 'message_start',
      message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } },
    });
    const at = thought ? 1 : 0;
    if (thought) streamThinking(event, thought);
    event('content_block_start', {
      type: 'content_block_start',
      index: at,
      content_block: block.type === 'text' ? { type: 'text', text: '' } : { ...block, input: {} },
    });
    event('ping', { type: 'ping' });
    const delivered = await this.streamPayload(
      res,
      reply,
      content,
      outputDelay,
      (piece) => {
        event('content_block_delta', {
          type: 'content_block_delta',
          index: at,
          delta:
            block.type === 'text'
              ? { type: 'text_delta', text: piece }
              : { type: 'input_json_delta', partial_json: piece },
        });
      },
      (error) => {
        event('error', { type: 'error', error });
      },
    );
    if (!delivered) return;
    event('content_block_stop', { type: 'content_block_stop', index: at });
    event('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: {
        output_tokens: Math.min(usage.output_tokens, body.max_tokens),
        ...(usage.output_tokens_details ? { output_tokens_details: usage.output_tokens_details } : {}),
      },
    });
    event('message_stop', { type: 'message_stop' });
    res.end();
  }

  /** The thinking block of a thinking answer (Messages API), remembered by the tool calls it comes with. */
  private thinkingBlock(
    body: GatewayBody,
    toolIds: string[],
  ): { type: 'thinking'; thinking: string; signature: string } | undefined {
    if (this.thinkingTokensOf(body) === 0) return undefined;
    const thinking = `Reading part ${this.calls.length} of the diff before answering.`;
    const block = { type: 'thinking' as const, thinking, signature: signatureOf(body.model, thinking) };
    for (const id of toolIds) this.issuedThinking.set(id, block);
    return block;
  }

  /** A refusal: HTTP 200, no content, `stop_reason: refusal` and `stop_details` on message_delta. */
  private answerRefusal(
    res: ServerResponse,
    body: GatewayBody,
    usage: FakeUsage,
    details: { category: string | null; explanation: string | null },
    chat: boolean,
  ): void {
    if (chat) {
      const { base, data } = this.chatStream(res, body);
      data({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
      data({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'refusal' }] });
      if (body.stream_options?.include_usage) data({ ...base, choices: [], usage: this.chatUsage(usage) });
      res.write('data: [DONE]\n\n');
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const event = (name: string, data: unknown): void => {
      res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    event('message_start', {
      type: 'message_start',
      message: {
        id: `msg_${this.calls.length}`,
        type: 'message',
        role: 'assistant',
        model: body.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 0 },
      },
    });
    event('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: 'refusal', stop_sequence: null, stop_details: { type: 'refusal', ...details } },
      usage: { output_tokens: 0 },
    });
    event('message_stop', { type: 'message_stop' });
    res.end();
  }

  private async answerChat(
    res: ServerResponse,
    body: GatewayBody,
    content: { text?: string; toolInput?: unknown },
    usage: FakeUsage,
    stopReason: string,
    reply: Reply,
    outputDelay: number,
  ): Promise<void> {
    const { base, data } = this.chatStream(res, body);
    const name = toolAsked(body);
    const tool = content.text === undefined;
    data({
      ...base,
      choices: [
        {
          index: 0,
          delta: tool
            ? {
                role: 'assistant',
                content: null,
                tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name, arguments: '' } }],
              }
            : { role: 'assistant', content: '' },
          finish_reason: null,
        },
      ],
    });
    const delivered = await this.streamPayload(
      res,
      reply,
      content,
      outputDelay,
      (piece) => {
        data({
          ...base,
          choices: [
            {
              index: 0,
              delta: tool ? { tool_calls: [{ index: 0, function: { arguments: piece } }] } : { content: piece },
              finish_reason: null,
            },
          ],
        });
      },
      (error) => {
        data({ error });
      },
    );
    if (!delivered) return;
    const finish = stopReason === 'max_tokens' ? 'length' : tool ? 'tool_calls' : 'stop';
    data({ ...base, choices: [{ index: 0, delta: {}, finish_reason: finish }] });
    if (body.stream_options?.include_usage && !this.options.omitUsage)
      data({ ...base, choices: [], usage: this.chatUsage(usage) });
    res.write('data: [DONE]\n\n');
    res.end();
  }

  /**
   * Streams the answer in 40-character pieces after the output delay; halfway through, carries out a
   * scripted failure (an error event, or a dropped connection). False when the stream ended early.
   */
  private async streamPayload(
    res: ServerResponse,
    reply: Reply,
    content: { text?: string; toolInput?: unknown },
    outputDelay: number,
    sendPiece: (piece: string) => void,
    sendError: (error: { type: string; message: string }) => void,
  ): Promise<boolean> {
    if (outputDelay > 0) await sleep(outputDelay);
    const payload = content.text ?? JSON.stringify(content.toolInput);
    const pieces = Math.ceil(payload.length / 40);
    for (let i = 0; i < pieces; i++) {
      if (i === Math.floor(pieces / 2)) {
        if ('streamError' in reply) {
          sendError(reply.streamError);
          res.end();
          return false;
        }
        if ('dropConnection' in reply) {
          res.socket?.destroy();
          return false;
        }
        if ('stallMs' in reply) {
          await sleep(reply.stallMs, res);
          if (res.destroyed || res.socket?.destroyed !== false) return false;
        }
      }
      sendPiece(payload.slice(i * 40, i * 40 + 40));
    }
    return true;
  }

  private chatUsage(usage: FakeUsage): Record<string, unknown> {
    if (this.options.chatUsage === 'anthropic') return { ...usage };
    const prompt = usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens;
    return {
      prompt_tokens: prompt,
      completion_tokens: usage.output_tokens,
      total_tokens: prompt + usage.output_tokens,
      prompt_tokens_details: { cached_tokens: usage.cache_read_input_tokens },
      cache_creation_input_tokens: usage.cache_creation_input_tokens,
    };
  }

  /**
   * Usage by Anthropic's caching rules, with the fake's own token count: the longest prefix that ends at a
   * breakpoint and was cached before is read; the prefix up to the last breakpoint is written (what lies
   * between the two), when it reaches the minimum.
   */
  private bill(body: GatewayBody, chat: boolean, output: string): { usage: FakeUsage; cacheKeys: string[] } {
    const billed = this.billPrompt(body, chat, output);
    const thinking = chat ? 0 : this.thinkingTokensOf(body);
    if (thinking === 0) return billed;
    const usage = {
      ...billed.usage,
      output_tokens: billed.usage.output_tokens + thinking,
      output_tokens_details: { thinking_tokens: thinking },
    };
    return { usage, cacheKeys: billed.cacheKeys };
  }

  private billPrompt(body: GatewayBody, chat: boolean, output: string): { usage: FakeUsage; cacheKeys: string[] } {
    const { rules } = fakeModelOf(body.model);
    const base = this.options.tokens ?? fakeTokens;
    const ratio = rules?.tokenRatio ?? 1;
    const tokens = ratio === 1 ? base : (text: string): number => Math.ceil(base(text) * ratio);
    const minCache = rules?.minCache ?? MIN_CACHE_TOKENS;
    const toolText = (body.tools ?? []).map((t) => ({
      text: JSON.stringify(t.function ?? { name: t.name, description: t.description, input_schema: t.input_schema }),
      breakpoint: !!t.cache_control,
    }));
    let systemParts: TextPart[] = [];
    let messages = body.messages;
    if (chat) {
      const system = body.messages.filter((m) => m.role === 'system');
      systemParts = system.flatMap((m) =>
        typeof m.content === 'string'
          ? [{ type: 'text' as const, text: m.content }]
          : (m.content ?? []).map((c) => ({
              type: 'text' as const,
              text: c.text ?? '',
              ...(c.cache_control ? { cache_control: c.cache_control } : {}),
            })),
      );
      messages = body.messages.filter((m) => m.role !== 'system');
    } else if (body.system) {
      systemParts = typeof body.system === 'string' ? [{ type: 'text', text: body.system }] : body.system;
    }
    // The prefix runs tools → system → messages, up to the last breakpoint, wherever it is.
    const messageParts = messages.flatMap((m) => [
      ...(typeof m.content === 'string'
        ? [{ text: m.content, breakpoint: false }]
        : (m.content ?? []).map((c) => ({ text: partText(c), breakpoint: !!c.cache_control }))),
      ...(m.tool_calls ?? []).map((t) => ({ text: JSON.stringify(t.function), breakpoint: false })),
    ]);
    const pieces = [
      ...toolText,
      ...systemParts.map((s) => ({ text: s.text, breakpoint: !!s.cache_control })),
      ...messageParts,
    ];
    const total = pieces.reduce((n, p) => n + tokens(p.text), 0);
    const upTo = (i: number): number => pieces.slice(0, i + 1).reduce((n, p) => n + tokens(p.text), 0);
    // A cached prefix is known by its text alone, wherever the breakpoints of later requests sit.
    const keyOf = (i: number): string =>
      createHash('sha256')
        .update(body.model)
        .update(JSON.stringify(pieces.slice(0, i + 1).map((p) => p.text)))
        .digest('hex');
    const breaks = pieces.flatMap((p, i) => (p.breakpoint && upTo(i) >= minCache ? [i] : []));
    const outputTokens = tokens(output);
    const last = breaks.at(-1);
    if (last === undefined) {
      return {
        usage: {
          input_tokens: total,
          output_tokens: outputTokens,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
        },
        cacheKeys: [],
      };
    }
    // Like the API, a breakpoint also finds a prefix cached at an earlier block boundary (a previous round's end).
    const hit = pieces
      .map((_, i) => i)
      .slice(0, last + 1)
      .reverse()
      .find((i) => upTo(i) >= minCache && this.cache.has(keyOf(i)));
    const read = hit === undefined ? 0 : upTo(hit);
    const written = hit === last ? 0 : upTo(last) - read;
    return {
      usage: {
        input_tokens: total - read - written,
        output_tokens: outputTokens,
        cache_creation_input_tokens: written,
        cache_read_input_tokens: read,
      },
      cacheKeys: written > 0 ? breaks.map(keyOf) : [],
    };
  }

  /** A Messages answer that calls tools and stops for their results (stop_reason tool_use). */
  private answerToolUses(
    res: ServerResponse,
    body: GatewayBody,
    uses: { name: string; input: unknown }[],
    usage: FakeUsage,
  ): void {
    const blocks = uses.map((u, i) => ({
      type: 'tool_use',
      id: `toolu_${this.calls.length}_${i}`,
      name: u.name,
      input: u.input,
    }));
    const thought = this.thinkingBlock(
      body,
      blocks.map((b) => b.id),
    );
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const event = (name: string, data: unknown): void => {
      res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    event('message_start', {
      type: 'message_start',
      message: {
        id: `msg_${this.calls.length}`,
        type: 'message',
        role: 'assistant',
        model: body.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1 },
      },
    });
    const at = thought ? 1 : 0;
    if (thought) streamThinking(event, thought);
    blocks.forEach((block, i) => {
      const index = i + at;
      event('content_block_start', { type: 'content_block_start', index, content_block: { ...block, input: {} } });
      event('content_block_delta', {
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) },
      });
      event('content_block_stop', { type: 'content_block_stop', index });
    });
    event('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: {
        output_tokens: usage.output_tokens,
        ...(usage.output_tokens_details ? { output_tokens_details: usage.output_tokens_details } : {}),
      },
    });
    event('message_stop', { type: 'message_stop' });
    res.end();
  }

  /** Starts a Chat Completions SSE answer: the fields every chunk repeats, and a writer of `data:` events. */
  private chatStream(
    res: ServerResponse,
    body: GatewayBody,
  ): { base: Record<string, unknown>; data: (value: unknown) => void } {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    return {
      base: {
        id: `chatcmpl-${this.calls.length}`,
        object: 'chat.completion.chunk',
        created: 1_763_000_000,
        model: body.model,
      },
      data: (value) => {
        res.write(`data: ${JSON.stringify(value)}\n\n`);
      },
    };
  }

  /** A Chat Completions answer with several tool calls (finish_reason tool_calls). */
  private answerChatToolUses(
    res: ServerResponse,
    body: GatewayBody,
    uses: { name: string; input: unknown }[],
    usage: FakeUsage,
  ): void {
    const { base, data } = this.chatStream(res, body);
    uses.forEach((use, index) => {
      const id = `call_${this.calls.length}_${index}`;
      data({
        ...base,
        choices: [
          {
            index: 0,
            delta: {
              role: 'assistant',
              content: null,
              tool_calls: [{ index, id, type: 'function', function: { name: use.name, arguments: '' } }],
            },
            finish_reason: null,
          },
        ],
      });
      data({
        ...base,
        choices: [
          {
            index: 0,
            delta: { tool_calls: [{ index, function: { arguments: JSON.stringify(use.input) } }] },
            finish_reason: null,
          },
        ],
      });
    });
    data({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] });
    if (body.stream_options?.include_usage) data({ ...base, choices: [], usage: this.chatUsage(usage) });
    res.write('data: [DONE]\n\n');
    res.end();
  }
}

/** A thinking block as the Messages API streams it: start, thinking delta, signature delta, stop (index 0). */
function streamThinking(
  event: (name: string, data: unknown) => void,
  block: { thinking: string; signature: string },
): void {
  event('content_block_start', {
    type: 'content_block_start',
    index: 0,
    content_block: { type: 'thinking', thinking: '', signature: '' },
  });
  event('content_block_delta', {
    type: 'content_block_delta',
    index: 0,
    delta: { type: 'thinking_delta', thinking: block.thinking },
  });
  event('content_block_delta', {
    type: 'content_block_delta',
    index: 0,
    delta: { type: 'signature_delta', signature: block.signature },
  });
  event('content_block_stop', { type: 'content_block_stop', index: 0 });
}

/** What strict tool use refuses in a schema: an object without `additionalProperties: false`, a refused keyword, too many optional fields. */
export function strictProblem(schema: unknown): string | undefined {
  let optional = 0;
  const walk = (node: unknown, at: string): string | undefined => {
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) {
        const p = walk(item, `${at}[${i}]`);
        if (p) return p;
      }
      return undefined;
    }
    if (!node || typeof node !== 'object') return undefined;
    const o = node as Record<string, unknown>;
    for (const key of [
      'minLength',
      'maxLength',
      'minimum',
      'maximum',
      'exclusiveMinimum',
      'exclusiveMaximum',
      'multipleOf',
    ]) {
      if (key in o) return `${at}: '${key}' is not supported in strict mode`;
    }
    if (o.type === 'object') {
      if (o.additionalProperties !== false) return `${at}: objects must set additionalProperties: false`;
      const props = Object.keys(o.properties ?? {});
      const required = Array.isArray(o.required) ? o.required : [];
      optional += props.filter((p) => !required.includes(p)).length;
    }
    for (const [key, value] of Object.entries(o)) {
      if (key === 'properties' && value && typeof value === 'object') {
        for (const [name, sub] of Object.entries(value)) {
          const p = walk(sub, `${at}.${name}`);
          if (p) return p;
        }
      } else if (key !== 'enum' && key !== 'required') {
        const p = walk(value, `${at}.${key}`);
        if (p) return p;
      }
    }
    return undefined;
  };
  const problem = walk(schema, 'input_schema');
  if (problem) return problem;
  return optional > 24 ? `${optional} optional parameters; at most 24 are supported` : undefined;
}

/** USD of what the fake billed, call by call, with a long-prompt tier (Haiku 5.5) applied per request. */
export function billedUsdByCall(
  calls: readonly RecordedCall[],
  p: { input: number; output: number; cacheRead: number; cacheWrite: number },
  long?: { above: number; rates: { input: number; output: number; cacheRead: number; cacheWrite: number } },
): number {
  return calls.reduce((sum, call) => {
    if (!call.usage) return sum;
    const u = call.usage;
    const prompt = u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens;
    return sum + billedUsd(u, long && prompt > long.above ? long.rates : p);
  }, 0);
}

/** The text a content block bills as. */
function partText(part: ContentPart): string {
  if (part.type === 'thinking') return (part as { thinking?: string }).thinking ?? '';
  if (part.type === 'tool_use') return JSON.stringify({ name: part.name, input: part.input });
  if (part.type === 'tool_result')
    return typeof part.content === 'string' ? part.content : JSON.stringify(part.content);
  return part.text ?? '';
}

/**
 * What the real APIs refuse with a 400: a tool call of the model that the next message does not answer (Messages:
 * a tool_result for every tool_use, in the user message right after; Chat Completions: a tool message for every
 * tool call).
 */
function unansweredToolCall(messages: readonly WireMessage[], chat: boolean): string | undefined {
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as WireMessage;
    if (m.role !== 'assistant') continue;
    const ids = chat
      ? (m.tool_calls ?? []).map((t) => t.id)
      : (Array.isArray(m.content) ? m.content : []).flatMap((c) => (c.type === 'tool_use' && c.id ? [c.id] : []));
    const answered = chat
      ? messages.slice(i + 1).flatMap((n) => (n.role === 'tool' && n.tool_call_id ? [n.tool_call_id] : []))
      : (() => {
          const next = messages[i + 1];
          return next?.role === 'user' && Array.isArray(next.content)
            ? next.content.flatMap((c) => (c.type === 'tool_result' && c.tool_use_id ? [c.tool_use_id] : []))
            : [];
        })();
    const missing = ids.find((id) => !answered.includes(id));
    if (missing) return `tool_use ids were found without tool_result blocks immediately after: ${missing}`;
  }
  return undefined;
}

/** Waits `ms`, or less when the client goes away first (a timer must not outlive the request it delays). */
function sleep(ms: number, res?: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    res?.once('close', done);
    function done(): void {
      clearTimeout(timer);
      res?.off('close', done);
      resolve();
    }
  });
}
