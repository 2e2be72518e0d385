import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import type { Usage } from '../core/usage.js';

/**
 * What our summary comment remembers between runs, hidden in it: the heads reviewed, the fingerprints of the
 * findings we posted (live, resolved or deleted since: none is posted again), and the usage and cost of all
 * runs. Read only from our own summary, and only when its seal verifies; damaged, missing or unsealed state
 * means a full review, never a crash.
 */
export interface ReviewState {
  v: 1;
  /** Head SHAs reviewed, oldest first. */
  heads: string[];
  posted: string[];
  usage: Usage;
  /** USD of all runs; null when a run's cost was unknown. */
  usd: number | null;
  runs: number;
}

const MARKER = /^<!-- claude-pr-reviewer:state ([A-Za-z0-9+/=]+)(?: ([0-9a-f]{32}))? -->$/m;

/**
 * What seals a state to this action and this pull request: a secret only the action holds (the LLM API key;
 * anyone else posting as the same bot, another workflow's GITHUB_TOKEN, does not have it) and the PR it is for.
 */
export interface Seal {
  secret: string;
  scope: string;
}

export function sealFor(secret: string, pr: { owner: string; repo: string; number: number }): Seal {
  return { secret, scope: `${pr.owner}/${pr.repo}#${pr.number}` };
}

/** The least a key must have to be taken for a secret: length, distinct characters, and estimated bits. */
const SECRET_LENGTH = 20;
const SECRET_DISTINCT = 12;
const SECRET_BITS = 80;

/**
 * Whether a key looks like a secret no one else holds, rather than a placeholder a keyless gateway is given
 * (`none`, `dummy`, `sk-xxxxxxxx…`): long enough, with a digit, many distinct characters and at least 80 bits
 * by its character frequencies. A guess, so `state-secret` is the sure way.
 */
export function looksSecret(key: string): boolean {
  if (key.length < SECRET_LENGTH || !/\d/.test(key)) return false;
  const counts = new Map<string, number>();
  for (const c of key) counts.set(c, (counts.get(c) ?? 0) + 1);
  if (counts.size < SECRET_DISTINCT) return false;
  let bits = 0;
  for (const n of counts.values()) bits -= n * Math.log2(n / key.length);
  return bits >= SECRET_BITS;
}

/**
 * What seals this run's state for this pull request: `state-secret`, else the API key when it looks like a
 * secret; none without either (then no earlier state is trusted and none is written).
 */
export function runSeal(
  settings: { stateSecret: string; apiKey: string },
  pr: { owner: string; repo: string; number: number },
): Seal | undefined {
  const secret = settings.stateSecret || (looksSecret(settings.apiKey) ? settings.apiKey : undefined);
  return secret ? sealFor(secret, pr) : undefined;
}

/** HMAC-SHA256 of the scope and a text, keyed by a key derived from the secret; `hex` characters shown. */
function signature(seal: Seal, encoded: string, hex = 32): string {
  const key = createHmac('sha256', seal.secret).update('claude-pr-reviewer state seal v1').digest();
  return createHmac('sha256', key).update(`${seal.scope}\n${encoded}`).digest('hex').slice(0, hex);
}

/** The tag that shows a comment's fingerprint marker was written by us, for this pull request (64 bits). */
export function markerTag(seal: Seal, fingerprint: string): string {
  return signature(seal, `fp ${fingerprint}`, 16);
}

/** Whether a fingerprint marker's tag is ours (constant time). */
export function tagMatches(seal: Seal, fingerprint: string, tag: string): boolean {
  const expected = Buffer.from(markerTag(seal, fingerprint));
  const given = Buffer.from(tag);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Whether a body's state line is sealed by us: `valid`, `invalid` (unsealed, forged, or another key's), or `none`. */
export function sealOf(body: string, seal: Seal): 'valid' | 'invalid' | 'none' {
  const match = MARKER.exec(body);
  if (!match) return 'none';
  const [, encoded = '', given] = match;
  if (!given) return 'invalid';
  const expected = Buffer.from(signature(seal, encoded));
  return timingSafeEqual(expected, Buffer.from(given)) ? 'valid' : 'invalid';
}
const MAX_HEADS = 50;
/** Fingerprints kept: about 26,000 characters of state, well inside the summary's 65,536. */
const MAX_POSTED = 1000;
/** What a state written by an earlier version (which kept 3,000) may hold: still read, then cut to MAX_POSTED. */
const MAX_POSTED_READ = 3000;

const count = z.number().int().nonnegative();
const schema = z.object({
  v: z.literal(1),
  heads: z.array(z.string().regex(/^[0-9a-f]{40}$/)).max(MAX_HEADS),
  posted: z.array(z.string().regex(/^[0-9a-f]{16}$/)).max(MAX_POSTED_READ),
  usage: z.object({ input: count, output: count, cacheRead: count, cacheWrite: count }),
  usd: z.number().nonnegative().nullable(),
  runs: count,
});

/** The state as a hidden line of the summary, sealed. */
export function stateMarker(state: ReviewState, seal: Seal): string {
  const encoded = Buffer.from(JSON.stringify(state)).toString('base64');
  return `<!-- claude-pr-reviewer:state ${encoded} ${signature(seal, encoded)} -->`;
}

/** The state our summary carries, or undefined when it has none, its seal does not verify, or it does not parse. */
export function readState(body: string, seal: Seal): ReviewState | undefined {
  const encoded = MARKER.exec(body)?.[1];
  if (!encoded || sealOf(body, seal) !== 'valid') return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The state after one more run. */
export function nextState(
  previous: ReviewState | undefined,
  run: { head: string; posted: readonly string[]; usage: Usage; usd: number | undefined },
): ReviewState {
  const heads = [...(previous?.heads ?? []).filter((h) => h !== run.head), run.head].slice(-MAX_HEADS);
  const posted = [...new Set([...(previous?.posted ?? []), ...run.posted])].slice(-MAX_POSTED);
  const u = previous?.usage ?? { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  const usd = previous && previous.usd === null ? null : run.usd === undefined ? null : (previous?.usd ?? 0) + run.usd;
  return {
    v: 1,
    heads,
    posted,
    usage: {
      input: u.input + run.usage.input,
      output: u.output + run.usage.output,
      cacheRead: u.cacheRead + run.usage.cacheRead,
      cacheWrite: u.cacheWrite + run.usage.cacheWrite,
    },
    usd,
    runs: (previous?.runs ?? 0) + 1,
  };
}
