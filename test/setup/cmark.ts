// Vitest global setup: the Markdown tests render with GitHub's engine, cmark-gfm from Debian's packages.
// Installed here when missing and the machine allows it (root with apt-get), as CI's machine does.
import { execFileSync } from 'node:child_process';

function has(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export default function setup(): void {
  if (has('cmark-gfm', ['--version'])) return;
  if (process.getuid?.() === 0 && has('apt-get', ['--version'])) {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    execFileSync('apt-get', ['install', '-y', '-qq', 'cmark-gfm'], { stdio: 'ignore' });
  }
  if (!has('cmark-gfm', ['--version']))
    throw new Error('the tests need cmark-gfm (GitHub’s Markdown engine): sudo apt-get install cmark-gfm');
}
