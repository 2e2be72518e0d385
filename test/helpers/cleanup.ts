import { afterEach } from 'vitest';

/**
 * Stops what a test started (fake servers), after each test of the file or describe block that calls it; the
 * returned function takes the stops.
 */
export function stopAfterEach(): (...stops: (() => Promise<void>)[]) => void {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });
  return (...more) => {
    stops.push(...more);
  };
}
