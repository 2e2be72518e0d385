import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadInstructions, MAX_INSTRUCTIONS_BYTES } from '../../src/prompt/instructions.js';

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ws-'));
  mkdirSync(join(dir, '.github'));
  writeFileSync(join(dir, '.github', 'review.md'), 'Prefer early returns.\n');
  return dir;
}

describe('instructions-file', () => {
  it('reads a relative file of the repository after the instructions text', async () => {
    const dir = workspace();
    expect(await loadInstructions('Be brief.', '.github/review.md', dir)).toBe('Be brief.\n\nPrefer early returns.');
    symlinkSync(join(dir, '.github', 'review.md'), join(dir, 'link.md'));
    expect(await loadInstructions('', 'link.md', dir)).toBe('Prefer early returns.');
  });

  it('refuses absolute paths, paths out of the repository, and symlinks that lead out of it', async () => {
    const dir = workspace();
    const outside = join(mkdtempSync(join(tmpdir(), 'out-')), 'secret.txt');
    writeFileSync(outside, 'API_KEY=sk-live');
    symlinkSync(outside, join(dir, 'evil.md'));
    symlinkSync('/proc/self/environ', join(dir, 'environ.md'));
    await expect(loadInstructions('', outside, dir)).rejects.toThrow(/'instructions-file'.*absolute path/);
    await expect(loadInstructions('', '../x.md', dir)).rejects.toThrow(/'instructions-file'/);
    await expect(loadInstructions('', 'evil.md', dir)).rejects.toThrow(/leads outside the repository/);
    await expect(loadInstructions('', 'environ.md', dir)).rejects.toThrow(/leads outside the repository/);
  });

  it('refuses a directory and a file over the size cap, naming the input and the limit', async () => {
    const dir = workspace();
    writeFileSync(join(dir, 'big.md'), 'x'.repeat(MAX_INSTRUCTIONS_BYTES + 1));
    await expect(loadInstructions('', '.github', dir)).rejects.toThrow(/not a regular file/);
    await expect(loadInstructions('', 'big.md', dir)).rejects.toThrow(/'instructions-file'.*at most 64 KiB/);
    await expect(loadInstructions('', 'missing.md', dir)).rejects.toThrow(/cannot be read \(ENOENT\)/);
  });
});
