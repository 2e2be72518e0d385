import Anthropic from '@anthropic-ai/sdk';
import type { AuthStyle } from './providers.js';
import { LlmError, type CallOptions, type LlmClient, type LlmResult } from './client.js';
import type { ReviewRequest } from '../prompt/prompt.js';

export interface AnthropicClientOptions {
  baseUrl: string;
  apiKey: string;
  auth: AuthStyle;
  /** Attempts after the first for 408/409/429/5xx and connection errors; the SDK honours `retry-after`. */
  maxRetries?: number;
  /** Milliseconds one attempt may take. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * The Messages API adapter (Anthropic, RunAPI, ByteSpike and any compatible gateway), on the official SDK:
 * it brings base URLs, SSE parsing and retries with `retry-after`. SDK 1.x sends `apiKey` as a Bearer
 * token, so the `x-api-key` style sets that header itself and removes `Authorization`.
 */
export function createAnthropicClient(options: AnthropicClientOptions): LlmClient {
  const headers: Record<string, string | null> =
    options.auth === 'x-api-key'
      ? { 'x-api-key': options.apiKey, Authorization: null, 'anthropic-version': '2023-06-01' }
      : { 'anthropic-version': '2023-06-01' };
  const sdk = new Anthropic({
    baseURL: options.baseUrl,
    ...(options.auth === 'bearer' ? { authToken: options.apiKey } : { apiKey: options.apiKey }),
    defaultHeaders: headers,
    maxRetries: options.maxRetries ?? 3,
    timeout: options.timeoutMs ?? 300_000,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  return {
    async review(request: ReviewRequest, call: CallOptions): Promise<LlmResult> {
      // SDK 1.x no longer types `temperature`; the Messages API still takes it for Sonnet 4 and 4.5.
      const params: Anthropic.Messages.MessageCreateParamsNonStreaming & { temperature: number } = {
        model: call.model,
        max_tokens: call.maxTokens,
        temperature: call.temperature,
        system: request.system.map((block) => ({
          type: 'text' as const,
          text: block.text,
          ...(block.cache ? { cache_control: { type: 'ephemeral' as const } } : {}),
        })),
        tools: [
          {
            name: request.tool.name,
            description: request.tool.description,
            input_schema: request.tool.inputSchema as Anthropic.Messages.Tool.InputSchema,
          },
        ],
        tool_choice: { type: 'tool', name: request.tool.name },
        messages: [{ role: 'user', content: request.user }],
      };
      let message: Anthropic.Messages.Message;
      try {
        message = await sdk.messages.stream(params, call.signal ? { signal: call.signal } : {}).finalMessage();
      } catch (error) {
        throw classifyAnthropicError(error);
      }
      const toolUse = message.content.find(
        (block): block is Anthropic.Messages.ToolUseBlock =>
          block.type === 'tool_use' && block.name === request.tool.name,
      );
      const text = message.content
        .flatMap((block) => (block.type === 'text' ? [block.text] : []))
        .join('\n')
        .trim();
      const usage = {
        input: count(message.usage.input_tokens),
        output: count(message.usage.output_tokens),
        cacheRead: count(message.usage.cache_read_input_tokens),
        cacheWrite: count(message.usage.cache_creation_input_tokens),
      };
      return { toolInput: toolUse?.input, usage, stopReason: message.stop_reason ?? 'unknown', text };
    },
  };
}

/** Maps SDK errors onto our error kinds, with a message that says what to check. */
export function classifyAnthropicError(error: unknown): LlmError {
  if (error instanceof LlmError) return error;
  if (error instanceof Anthropic.APIConnectionTimeoutError) {
    return new LlmError('network', `the gateway did not answer in time (${error.message})`);
  }
  if (error instanceof Anthropic.APIConnectionError) {
    return new LlmError('network', `could not reach the gateway: ${error.message}`);
  }
  if (error instanceof Anthropic.APIError) {
    // The SDK types the fields of a generic APIError as `any`; read them as unknown.
    const fields = error as { status: unknown; error: unknown; message: string };
    const detail = gatewayMessage(fields.error, fields.message);
    const status = typeof fields.status === 'number' ? fields.status : undefined;
    if (status === undefined) return new LlmError('stream', `the stream broke off with an error event: ${detail}`);
    if (status === 400) return new LlmError('bad-request', `the gateway rejected the request (400): ${detail}`, status);
    if (status === 401) {
      return new LlmError(
        'auth',
        `the gateway rejected the API key (401): check the secret passed as 'api-key'. ${detail}`,
        status,
      );
    }
    if (status === 402)
      return new LlmError('payment', `the gateway's wallet or credit is exhausted (402): ${detail}`, status);
    if (status === 403) {
      return new LlmError(
        'permission',
        `the gateway refused access (403): check the key's scopes and any IP allow-list. ${detail}`,
        status,
      );
    }
    if (status === 404) {
      return new LlmError(
        'not-found',
        `the model or endpoint was not found (404): check 'model' and 'base-url'. ${detail}`,
        status,
      );
    }
    if (status === 413) return new LlmError('too-large', `the request is too large (413): ${detail}`, status);
    if (status === 429) return new LlmError('rate-limit', `rate limited (429) after retries: ${detail}`, status);
    return new LlmError('server', `the gateway failed (${status}) after retries: ${detail}`, status);
  }
  return new LlmError('network', error instanceof Error ? error.message : String(error));
}

/** The gateway's own words from an error body (`{error: {message}}` or `{message}`), else the SDK's. */
function gatewayMessage(body: unknown, fallback: string): string {
  const shaped = body as { error?: { message?: unknown }; message?: unknown } | null | undefined;
  const message = shaped?.error?.message ?? shaped?.message;
  return typeof message === 'string' && message ? message : fallback;
}

/** A token count as reported, or 0 when a gateway leaves it out. */
function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
