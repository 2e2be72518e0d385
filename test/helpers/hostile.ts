// The files of the security review of 2026-12-01 that once stalled or crashed a run: for the tests and the bench.
import type { ChangedFile } from '../../src/core/pull-request.js';

/** The files of the security review's reproductions, by path. */
export function hostileFiles(): Record<string, string> {
  return {
    // 80 KB of one member chain: Babel's tree is 40,000 links deep.
    'lib/chain.js': `x = a${'.b'.repeat(40_000)};\n`,
    // One 350 KB line.
    'lib/line.js': `const s = [${'1,'.repeat(175_000)}];\n`,
    // 100,000 nested brackets: the parser overflows its stack.
    'lib/nest.js': `x = ${'['.repeat(100_000)}${']'.repeat(100_000)};\n`,
    'lib/nest.py': `x = ${'('.repeat(100_000)}${')'.repeat(100_000)}\n`,
    'lib/nul.js': 'const a = "\u0000\u0000";\nexport function f() {\n  return a;\n}\n',
    'lib/crlf.js': 'export function g() {\r\n  return 1;\r\n}\r\n',
  };
}

/** An added file as GitHub's pulls.listFiles gives it. */
export function added(path: string, text: string): ChangedFile {
  const lines = text.replace(/\n$/, '').split('\n');
  return {
    filename: path,
    status: 'added',
    additions: lines.length,
    deletions: 0,
    patch: `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}`,
  };
}
