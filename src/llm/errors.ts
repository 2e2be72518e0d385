import { errorText } from '../core/errors.js';
import { LlmError } from './client.js';

/** The error classes both SDKs (Stainless-generated) share by shape. */
export interface SdkErrorClasses {
  APIError: abstract new (...args: never[]) => Error;
  APIConnectionError: abstract new (...args: never[]) => Error;
  APIConnectionTimeoutError: abstract new (...args: never[]) => Error;
  APIUserAbortError: abstract new (...args: never[]) => Error;
}

const TOO_LONG =
  /prompt is too long|context length|context window|maximum context|too many (input )?tokens|input is too long/i;

/** A gateway's words for a model it does not serve (ByteSpike answers 400 `unsupported_model` for retired IDs). */
const UNKNOWN_MODEL =
  /unsupported[_ ]model|model[_ ]not[_ ]found|unknown model|model .{0,80}(not found|does not exist|is not (supported|available))|no such model|invalid model/i;

/** How long the gateway asks us to wait: `retry-after-ms`, else `retry-after` in seconds or as an HTTP date. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  const ms = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number.parseFloat(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** An HTTP status from the gateway as one of our error kinds, with a message that says what to check. */
export function statusError(status: number, detail: string, retryAfter?: number): LlmError {
  const make = (kind: ConstructorParameters<typeof LlmError>[0], message: string): LlmError =>
    new LlmError(kind, message, status, retryAfter);
  if ((status === 400 || status === 404) && UNKNOWN_MODEL.test(detail)) {
    return make('not-found', `the gateway does not serve this model (${status}): ${detail}`);
  }
  if (status === 400) {
    if (TOO_LONG.test(detail)) return make('too-large', `the prompt is too long for the model (400): ${detail}`);
    return make('bad-request', `the gateway rejected the request (400): ${detail}`);
  }
  if (status === 401)
    return make(
      'auth',
      `the gateway rejected the API key (401): check the secret passed as 'api-key' and the 'auth' style. ${detail}`,
    );
  if (status === 402) return make('payment', `the gateway's wallet or credit is exhausted (402): top it up. ${detail}`);
  if (status === 403)
    return make(
      'permission',
      `the gateway refused access (403): check the key's scopes, model access and any IP allow-list. ${detail}`,
    );
  if (status === 404)
    return make(
      'not-found',
      `the model or endpoint was not found (404): this provider does not serve 'model' at 'base-url'. ${detail}`,
    );
  if (status === 413) return make('too-large', `the request is too large for the gateway (413): ${detail}`);
  if (status === 429) return make('rate-limit', `rate limited (429): ${detail}`);
  if (status === 408) return make('network', `the gateway timed out (408): ${detail}`);
  if (status >= 500) return make('server', `the gateway failed (${status}): ${detail}`);
  return make('bad-request', `the gateway answered ${status}: ${detail}`);
}

/**
 * A redirect from the gateway, not followed (the clients fetch with `redirect: 'manual'`): following it would
 * send the API key and the whole prompt wherever the gateway points. Names only the origin it pointed to.
 */
export function redirectError(status: number, location: string | null | undefined): LlmError {
  let where = 'no Location';
  try {
    if (location) where = new URL(location).origin;
  } catch {
    where = 'a relative Location';
  }
  return new LlmError(
    'redirect',
    `the gateway answered ${status}, a redirect to ${where}; not followed, since the request carries the API key and the prompt: set 'base-url' to the address that answers without a redirect`,
    status,
  );
}

/** Maps an SDK error onto our error kinds. */
export function classifySdkError(error: unknown, sdk: SdkErrorClasses): LlmError {
  if (error instanceof LlmError) return error;
  if (error instanceof sdk.APIUserAbortError) return new LlmError('network', 'the call was aborted');
  if (error instanceof sdk.APIConnectionTimeoutError)
    return new LlmError('network', `the gateway did not answer in time: ${error.message}`);
  if (error instanceof sdk.APIConnectionError)
    return new LlmError('network', `could not reach the gateway: ${error.message}${rootCause(error)}`);
  if (error instanceof sdk.APIError) {
    // The SDKs type the fields of a generic APIError as `any`; read them as unknown.
    const fields = error as unknown as { status: unknown; error: unknown; message: string; headers: unknown };
    const detail = gatewayMessage(fields.error, fields.message);
    if (typeof fields.status !== 'number')
      return new LlmError('stream', `the stream broke off with an error event: ${detail}`);
    const headers = fields.headers instanceof Headers ? fields.headers : undefined;
    if (fields.status >= 300 && fields.status < 400) return redirectError(fields.status, headers?.get('location'));
    return statusError(fields.status, detail, retryAfterMs(headers));
  }
  const message = errorText(error);
  return new LlmError('network', `the connection failed: ${message}`);
}

/** The deepest cause of a connection error (refused, DNS, TLS), as " (ECONNREFUSED: connect ...)"; empty when none. */
function rootCause(error: Error): string {
  let cause: unknown = error.cause;
  let deepest: unknown;
  for (let depth = 0; cause instanceof Error && depth < 5; depth++) {
    deepest = cause;
    cause = cause.cause;
  }
  if (!(deepest instanceof Error)) return '';
  const code = (deepest as NodeJS.ErrnoException).code;
  return ` (${code && !deepest.message.includes(code) ? `${code}: ` : ''}${truncateDetail(deepest.message)})`;
}

/** The gateway's own words from an error body (`{error: {message}}`, `{message}` or a string). */
function gatewayMessage(body: unknown, fallback: string): string {
  if (typeof body === 'string' && body) return truncateDetail(body);
  const shaped = body as { error?: { message?: unknown }; message?: unknown } | null | undefined;
  const message = shaped?.error?.message ?? shaped?.message;
  return truncateDetail(typeof message === 'string' && message ? message : fallback);
}

/** Characters of a gateway's error text we repeat: enough to act on, not a page of HTML or an echoed request. */
export const MAX_DETAIL_CHARS = 300;

/** A gateway's error text as we repeat it: on one line, at most MAX_DETAIL_CHARS characters. */
export function truncateDetail(detail: string): string {
  const flat = detail.replace(/\s+/g, ' ').trim();
  return flat.length <= MAX_DETAIL_CHARS ? flat : `${flat.slice(0, MAX_DETAIL_CHARS - 1)}…`;
}

/**
 * A token count as reported: 0 when a gateway leaves it out, the number as sent (even an odd one, for the
 * usage check to see), NaN for anything else.
 */
export function count(value: unknown): number {
  if (value === undefined || value === null) return 0;
  return typeof value === 'number' ? value : NaN;
}
