import type { ApiFormat, AuthStyle } from './providers.js';
import { createAnthropicClient } from './anthropic.js';
import { createOpenAiClient } from './openai.js';
import { LlmError, optionalMethods, type LlmClient } from './client.js';
import type { LlmRequest } from './request.js';
import { usageFault, ZERO_USAGE } from '../core/usage.js';
import { findModel, lifecycleOn } from './models.js';
import { DEFAULT_RETRY_POLICY, withRetries, type RetryPolicy } from './retry.js';

export interface LlmClientOptions {
  retry?: RetryPolicy;
  /** Milliseconds one attempt may take before it counts as a timeout (default 5 minutes). */
  timeoutMs?: number;
  /** Milliseconds an attempt may go without a byte from the gateway before it is aborted (default 60 s). */
  idleMs?: number;
  /** Told of each retry, so a wait shows in the log. */
  log?: (message: string) => void;
}

/** Where the gateway is and how it is spoken to: the part of the settings the client needs. */
export interface Gateway {
  baseUrl: string;
  apiKey: string;
  auth: AuthStyle;
  apiFormat: ApiFormat;
  /** The `anthropic-version` header of Messages API requests. */
  anthropicVersion: string;
}

/** The adapter for the gateway's wire format, with bounded retries; made once in `main` and passed in. */
export function createLlmClient(settings: Gateway, options: LlmClientOptions = {}): LlmClient {
  const log = options.log;
  const base = options.retry ?? DEFAULT_RETRY_POLICY;
  const retry: RetryPolicy = log
    ? {
        ...base,
        onRetry: (info) => {
          base.onRetry?.(info);
          log(
            `attempt ${info.attempt} failed (${info.error.message}); retrying in ${(info.delayMs / 1000).toFixed(1)} s`,
          );
        },
      }
    : base;
  const connection = {
    baseUrl: settings.baseUrl,
    apiKey: settings.apiKey,
    auth: settings.auth,
    anthropicVersion: settings.anthropicVersion,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.idleMs ? { idleMs: options.idleMs } : {}),
    fetch: withoutRedirects,
  };
  const adapter = settings.apiFormat === 'openai' ? createOpenAiClient(connection) : createAnthropicClient(connection);
  const endpoint = `${settings.baseUrl}/v1/${settings.apiFormat === 'openai' ? 'chat/completions' : 'messages'}`;
  const checked = checkingUsage(adapter, settings.baseUrl, log);
  return withRetries(naming(checked, endpoint), retry);
}

/** fetch that follows no redirect: a 3xx comes back as the answer (llm/errors.redirectError), the key stays put. */
const withoutRedirects: typeof fetch = (input, init) => fetch(input, { ...init, redirect: 'manual' });

/** Tokens a request's prompt may hold beyond its own text: the gateway's tool-use system prompt and framing. */
const PROMPT_OVERHEAD = 10_000;

/**
 * The most prompt tokens a request can be billed for: a token is at least one UTF-8 byte, and a UTF-16 code unit
 * at most three, so three per character of its text (the blocks by their length: no copy of a large prompt).
 */
function promptCeiling(request: LlmRequest): number {
  const blocks = [...request.system, ...request.user].reduce((n, b) => n + b.text.length, 0);
  const rest = JSON.stringify([request.tools, request.turns ?? []]).length;
  return 3 * (blocks + rest) + PROMPT_OVERHEAD;
}

/**
 * Usage that cannot be right (a negative, fractional or absurd count, output above `max_tokens`, a prompt
 * larger than the request's text could hold) is reported as none, so the call is booked at its reservation and the cost
 * shows as unknown: never a negative or absurd amount. Said once a client, naming the gateway.
 */
function checkingUsage(client: LlmClient, gateway: string, log?: (message: string) => void): LlmClient {
  let told = false;
  return {
    ...optionalMethods(client),
    async call(request, options) {
      const result = await client.call(request, options);
      const fault = usageFault(result.usage, { output: options.maxTokens, prompt: promptCeiling(request) });
      if (fault === undefined) return result;
      if (!told)
        log?.(
          `the gateway at ${gateway} reported token usage that cannot be right (${fault}); treated as not reported`,
        );
      told = true;
      return { ...result, usage: ZERO_USAGE };
    },
  };
}

/**
 * Every gateway error says which URL was tried: a wrong base-url is the most common mistake. A model the
 * gateway does not serve is named, with the Claude models its list (`GET /v1/models`, asked once) does serve.
 */
function naming(client: LlmClient, endpoint: string): LlmClient {
  let served: Promise<string | undefined> | undefined;
  return {
    ...optionalMethods(client),
    async call(request, options) {
      try {
        return await client.call(request, options);
      } catch (error) {
        if (!(error instanceof LlmError) || error.kind === 'cancelled') throw error;
        let message = `${error.message} (POST ${endpoint})`;
        if (error.kind === 'not-found') {
          served ??= servedModels(client);
          const list = await served;
          message = `the gateway does not serve the model '${options.model}': ${message}${list ? `; it lists ${list}: set 'model' to one of them` : ''}`;
        }
        const named = new LlmError(error.kind, message, error.status, error.retryAfterMs);
        named.started = error.started;
        throw named;
      }
    },
  };
}

/**
 * The models a gateway lists, for an error message: those of our table that are current today first, else its
 * Claude models, else all, in its order; undefined if it lists none.
 */
async function servedModels(client: LlmClient): Promise<string | undefined> {
  const ids = (await client.listModels?.()) ?? [];
  const today = new Date().toISOString().slice(0, 10);
  const current = ids.filter((id) => {
    const known = findModel(id);
    return known !== undefined && lifecycleOn(known, today) !== 'retired';
  });
  const claude = ids.filter((id) => /claude/i.test(id));
  const shown = (current.length > 0 ? current : claude.length > 0 ? claude : ids).slice(0, 12);
  if (shown.length === 0) return undefined;
  return shown.join(', ') + (ids.length > shown.length ? ` and ${ids.length - shown.length} more` : '');
}
