import { afterEach, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeGateway } from './fakes/gateway.js';
import { scriptedReview, userTextOf } from './helpers/action.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const CLI = join(ROOT, 'src/cli.ts');

/** A git repository with two commits: the second adds a file and changes another. */
function repo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cli-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('init', '-q');
  git('config', 'user.email', 't@example.com');
  git('config', 'user.name', 'T');
  writeFileSync(join(dir, 'app.js'), 'export function add(a, b) {\n  return a + b;\n}\n');
  git('add', '.');
  git('commit', '-qm', 'first');
  writeFileSync(join(dir, 'app.js'), 'export function add(a, b) {\n  return Number(a) + Number(b);\n}\n');
  writeFileSync(join(dir, 'util.js'), 'export const twice = (x) => x * 2;\nexport const thrice = (x) => x * 3;\n');
  writeFileSync(join(dir, 'package-lock.json'), '{}\n');
  git('add', '.');
  git('commit', '-qm', 'second: coerce numbers');
  return dir;
}

function cli(cwd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      [CLI, ...args],
      { cwd, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
      },
    );
  });
}

describe('npm run review (the CLI on a local git diff)', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  it('without a key prints the plan and the estimated cost, and exits 0', async () => {
    const { code, out } = await cli(repo(), []);
    expect(code).toBe(0);
    expect(out).toContain('Review plan for "Local changes"');
    expect(out).toContain('files: 3 changed, 2 to review, 1 skipped');
    expect(out).toContain('skipped package-lock.json: lock file');
    expect(out).toMatch(/estimated cost: \$\d/);
    expect(out).toContain('plan only, no model was called');
  });

  it('with a key reviews through the gateway and prints the findings and the cost', async () => {
    const gateway = await new FakeGateway({
      apiKey: 'cli-key',
      auth: 'x-api-key',
      reply: (body) => ({ toolInput: scriptedReview(userTextOf(body)) }),
    }).start();
    stops.push(() => gateway.stop());
    const { code, out } = await cli(repo(), ['--base', 'HEAD~1', '--head', 'HEAD', '--base-url', gateway.url], {
      ANTHROPIC_API_KEY: 'cli-key',
    });
    expect(code).toBe(0);
    expect(gateway.calls).toHaveLength(1);
    expect(out).toContain('app.js:2 [medium/bug] Unchecked input in app.js');
    expect(out).toContain(
      'app.js:99999 [low/maintainability] Finding outside the diff (line 99999 (RIGHT) is not in the diff)',
    );
    expect(out).toMatch(/\| `claude-sonnet-4-6` \| 1 \|/);
    expect(out).not.toContain('cli-key');
  });

  it('reports a bad flag value with the input name', async () => {
    const { code, out } = await cli(repo(), ['--concurrency', 'many']);
    expect(code).toBe(1);
    expect(out).toContain("input 'concurrency'");
  });
});
