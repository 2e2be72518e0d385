import * as core from '@actions/core';
import { logSafe } from '../safety/markdown.js';
import { redactor, type Redact } from '../safety/redact.js';

/** Where the run writes: log lines (one line each: they carry paths, gateway and model text) with secrets redacted. */
export interface Out {
  redact: Redact;
  /** A text made fit for one log line: redacted, control characters shown. */
  safe: (message: string) => string;
  info: (message: string) => void;
  /** A warning, as an annotation on a file and line when given. */
  warn: (message: string, where?: { file: string; line: number }) => void;
}

/** The run's log, with each secret masked by the runner (core.setSecret) and redacted by us. */
export function logFor(secrets: readonly string[]): Out {
  for (const secret of secrets) core.setSecret(secret);
  const redact = redactor(secrets);
  const safe = (message: string): string => logSafe(redact(message));
  return {
    redact,
    safe,
    info: (message) => {
      core.info(safe(message));
    },
    warn: (message, where) => {
      core.warning(safe(message), where ? { file: where.file, startLine: where.line } : undefined);
    },
  };
}
