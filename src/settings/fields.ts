// The zod fields the inputs are read with: booleans, bounded integers, pricing, globs and severities.
import * as z from 'zod';
import type { Prices } from '../core/usage.js';
import { SEVERITIES } from '../core/severity.js';
import { globProblem, parseGlobs } from '../filter/filter.js';

const booleanWords = ['true', 'false', 'yes', 'no', '1', '0', 'on', 'off'];
/** A boolean input: true/false, yes/no, on/off or 1/0, in any case. */
export const yesNo = () =>
  z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => booleanWords.includes(v), { message: 'true or false' })
    .transform((v) => ['true', 'yes', '1', 'on'].includes(v));

export function intIn(min: number, max: number) {
  return z
    .string()
    .trim()
    .regex(/^\d+$/, { message: `a whole number from ${min} to ${max}` })
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min, { message: `a whole number from ${min} to ${max}` })
        .max(max, { message: `a whole number from ${min} to ${max}` }),
    );
}

const perMillion = z.number().nonnegative();
/** `pricing`: USD per million tokens; cache prices default to Anthropic's ratios (0.1x and 1.25x input). */
export const pricingSchema = z
  .object({
    input: perMillion,
    output: perMillion,
    cache_read: perMillion.optional(),
    cache_write: perMillion.optional(),
  })
  .strict()
  .transform((p): Prices => ({
    input: p.input,
    output: p.output,
    cacheRead: p.cache_read ?? p.input * 0.1,
    cacheWrite: p.cache_write ?? p.input * 1.25,
  }));
export const PRICING_FORM =
  'JSON such as {"input": 3, "output": 15, "cache_read": 0.3, "cache_write": 3.75} (USD per million tokens)';

/** `include` / `exclude`: globs one per line or comma-separated, each able to match a repository path. */
export const globs = z.string().transform((v, ctx) => {
  const list = parseGlobs(v);
  const problems = list.map(globProblem).filter((p): p is string => p !== undefined);
  if (problems.length === 0) return list;
  ctx.addIssue({
    code: 'custom',
    message: `globs such as src/**/*.ts or !dist/**, one per line or comma-separated (${problems.join('; ')})`,
  });
  return z.NEVER;
});

export const severity = (extra: readonly string[] = []) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum([...SEVERITIES, ...extra], { message: `one of ${[...SEVERITIES, ...extra].join(', ')}` }));
