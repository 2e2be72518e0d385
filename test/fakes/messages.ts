import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The part of a Messages API request body the fake reads. */
export interface MessagesBody {
  model: string;
  max_tokens: number;
  stream?: boolean;
  temperature?: number;
  system?: { type: 'text'; text: string; cache_control?: { type: string } }[] | string;
  tools?: { name: string; description?: string; input_schema: unknown; cache_control?: { type: string } }[];
  tool_choice?: { type: string; name?: string };
  messages: { role: string; content: string | { type: string; text?: string }[] }[];
}

export interface RecordedCall {
  path: string;
  headers: IncomingMessage['headers'];
  body: MessagesBody;
  status: number;
  usage?: FakeUsage;
}

export interface FakeUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/** What the scripted model answers: a tool input, or an HTTP error. */
export type Reply =
  | { toolInput: unknown; stopReason?: string }
  | { status: number; error: { type: string; message: string }; headers?: Record<string, string> };

export interface FakeMessagesOptions {
  apiKey: string;
  /** How the gateway expects the key. */
  auth: 'x-api-key' | 'bearer';
  /** Answers each call; `n` counts calls from 0. */
  reply: (body: MessagesBody, n: number) => Reply;
}

/** The fake's tokenizer: one token per 4 characters, rounded up; the code under test never sees it. */
export function fakeTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Anthropic caches no prefix shorter than this for Sonnet. */
export const MIN_CACHE_TOKENS = 1024;

/**
 * A fake Anthropic Messages API on 127.0.0.1 that speaks the real wire format (JSON and SSE), checks the
 * auth headers of its preset, and bills prompt caching by Anthropic's rules: the prefix is tools, then
 * system blocks, up to the last `cache_control` breakpoint; under 1024 tokens nothing is cached; a prefix
 * seen before is a cache read, else a cache write.
 */
export class FakeMessages {
  readonly calls: RecordedCall[] = [];
  private readonly cache = new Set<string>();
  private server: Server | undefined;

  constructor(private readonly options: FakeMessagesOptions) {}

  get url(): string {
    const address = this.server?.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.server?.close(() => {
        resolve();
      }),
    );
  }

  /** Total usage the fake billed, summed over its successful calls. */
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
      return (
        req.headers['x-api-key'] === this.options.apiKey &&
        req.headers['anthropic-version'] === '2023-06-01' &&
        !req.headers.authorization
      );
    }
    return req.headers.authorization === `Bearer ${this.options.apiKey}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as MessagesBody;
    const path = new URL(req.url ?? '/', this.url).pathname;
    const record: RecordedCall = { path, headers: req.headers, body, status: 200 };
    this.calls.push(record);
    const fail = (status: number, type: string, message: string, headers: Record<string, string> = {}): void => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify({ type: 'error', error: { type, message } }));
    };
    if (req.method !== 'POST' || path !== '/v1/messages') {
      fail(404, 'not_found_error', `no route ${req.method} ${path}`);
      return;
    }
    if (!this.authorized(req)) {
      fail(401, 'authentication_error', 'invalid x-api-key');
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
    const reply = this.options.reply(body, this.calls.length - 1);
    if ('status' in reply) {
      fail(reply.status, reply.error.type, reply.error.message, reply.headers);
      return;
    }

    const usage = this.bill(body, reply.toolInput);
    record.usage = usage;
    const message = {
      id: `msg_${this.calls.length}`,
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: [
        {
          type: 'tool_use',
          id: `toolu_${this.calls.length}`,
          name: body.tool_choice?.name ?? 'submit_review',
          input: reply.toolInput,
        },
      ],
      stop_reason: reply.stopReason ?? 'tool_use',
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
      content_block: { ...message.content[0], input: {} },
    });
    event('ping', { type: 'ping' });
    const json = JSON.stringify(reply.toolInput);
    for (let i = 0; i < json.length; i += 40) {
      event('content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'input_json_delta', partial_json: json.slice(i, i + 40) },
      });
    }
    event('content_block_stop', { type: 'content_block_stop', index: 0 });
    event('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: message.stop_reason, stop_sequence: null },
      usage: { output_tokens: usage.output_tokens },
    });
    event('message_stop', { type: 'message_stop' });
    res.end();
  }

  /** Usage by Anthropic's caching rules, with the fake's own token count. */
  private bill(body: MessagesBody, toolInput: unknown): FakeUsage {
    const tools = body.tools ?? [];
    const system =
      typeof body.system === 'string' ? [{ type: 'text' as const, text: body.system }] : (body.system ?? []);
    const pieces: { text: string; breakpoint: boolean }[] = [
      ...tools.map((t) => ({
        text: JSON.stringify({ name: t.name, description: t.description, input_schema: t.input_schema }),
        breakpoint: !!t.cache_control,
      })),
      ...system.map((s) => ({ text: s.text, breakpoint: 'cache_control' in s && !!s.cache_control })),
    ];
    const messageText = body.messages
      .map((m) => (typeof m.content === 'string' ? m.content : m.content.map((c) => c.text ?? '').join('')))
      .join('');
    const total = pieces.reduce((n, p) => n + fakeTokens(p.text), 0) + fakeTokens(messageText);
    const lastBreak = pieces.map((p) => p.breakpoint).lastIndexOf(true);
    const prefix = pieces.slice(0, lastBreak + 1);
    const prefixTokens = prefix.reduce((n, p) => n + fakeTokens(p.text), 0);
    const output = fakeTokens(JSON.stringify(toolInput));
    if (lastBreak < 0 || prefixTokens < MIN_CACHE_TOKENS) {
      return { input_tokens: total, output_tokens: output, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    }
    const key = createHash('sha256').update(body.model).update(JSON.stringify(prefix)).digest('hex');
    const hit = this.cache.has(key);
    this.cache.add(key);
    return {
      input_tokens: total - prefixTokens,
      output_tokens: output,
      cache_creation_input_tokens: hit ? 0 : prefixTokens,
      cache_read_input_tokens: hit ? prefixTokens : 0,
    };
  }
}
