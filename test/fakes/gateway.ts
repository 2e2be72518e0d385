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
  stream_options?: { include_usage?: boolean };
  system?: TextPart[] | string;
  tools?: {
    name?: string;
    description?: string;
    input_schema?: unknown;
    type?: string;
    function?: { name: string; description?: string; parameters: unknown };
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
  | { toolUses: { name: string; input: unknown }[] };

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

/**
 * A fake LLM gateway on 127.0.0.1 speaking the real wire formats: the Anthropic Messages API
 * (`POST /v1/messages`, JSON or SSE) and OpenAI Chat Completions (`POST /v1/chat/completions`, SSE with
 * `stream_options.include_usage`). It checks the auth headers of its preset and bills prompt caching by
 * Anthropic's rules: the prefix is tools, then system blocks, up to the last `cache_control` breakpoint;
 * under 1024 tokens nothing is cached; a prefix seen before is a cache read, else a cache write.
 */
export class FakeGateway {
  readonly calls: RecordedCall[] = [];
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
    if (!chat && req.headers['anthropic-version'] !== '2023-06-01') {
      fail(400, 'invalid_request_error', 'anthropic-version header is required');
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
    if (chat && this.options.rejectCacheControl && JSON.stringify(body.messages).includes('"cache_control"')) {
      fail(400, 'invalid_request_error', 'Unrecognized request argument supplied: cache_control');
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
    const stopReason =
      'toolInput' in reply && reply.stopReason === 'max_tokens'
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
    if (chat) await this.answerChat(res, body, content, usage, stopReason, reply, outputDelay);
    else await this.answerMessages(res, body, content, usage, stopReason, reply, outputDelay);
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
            name: body.tool_choice?.name ?? 'submit_review',
            input: content.toolInput,
          };
    const message = {
      id: `msg_${this.calls.length}`,
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: [block],
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
    event('content_block_start', {
      type: 'content_block_start',
      index: 0,
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
          index: 0,
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
    event('content_block_stop', { type: 'content_block_stop', index: 0 });
    event('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: usage.output_tokens },
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
    const name = body.tool_choice?.function?.name ?? 'submit_review';
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
    const tokens = this.options.tokens ?? fakeTokens;
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
    const breaks = pieces.flatMap((p, i) => (p.breakpoint && upTo(i) >= MIN_CACHE_TOKENS ? [i] : []));
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
      .find((i) => upTo(i) >= MIN_CACHE_TOKENS && this.cache.has(keyOf(i)));
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
    blocks.forEach((block, index) => {
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
      usage: { output_tokens: usage.output_tokens },
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

/** The text a content block bills as. */
function partText(part: ContentPart): string {
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
