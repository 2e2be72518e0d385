// Bundles the action (dist/index.js, as the runner loads it: runs.using node24) and the command line
// (dist/cli.js, the package's bin), each with a source map, and writes the licences of everything bundled
// into dist/licenses.txt.
import { build } from 'esbuild';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

// Some dependencies still call require() for Node built-ins; ESM output needs it defined.
const requireShim =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

const common = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  legalComments: 'none',
  sourcemap: 'linked',
  sourcesContent: false,
  metafile: true,
  logLevel: 'warning',
};

const action = await build({
  ...common,
  entryPoints: ['src/index.ts'],
  outfile: 'dist/index.js',
  banner: { js: requireShim },
});
const cli = await build({
  ...common,
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/cli.js',
  banner: { js: `#!/usr/bin/env node\n${requireShim}` },
});

/** The package a bundled file came from: the nearest package.json above it inside node_modules. */
function packageOf(file) {
  let dir = dirname(file);
  while (dir.includes('node_modules')) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
      if (pkg.name && pkg.version) return { dir, name: pkg.name, version: pkg.version, license: pkg.license };
    }
    dir = dirname(dir);
  }
  return undefined;
}

const packages = new Map();
for (const result of [action, cli]) {
  for (const file of Object.keys(result.metafile.inputs)) {
    const pkg = packageOf(file);
    if (pkg) packages.set(`${pkg.name}@${pkg.version}`, pkg);
  }
}
const sections = [...packages.values()]
  .sort((a, b) => (a.name < b.name ? -1 : 1))
  .map((pkg) => {
    const licenseFile = readdirSync(pkg.dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
    const text = licenseFile
      ? readFileSync(join(pkg.dir, licenseFile), 'utf8').trim()
      : `License: ${pkg.license ?? 'unknown'}`;
    return `${pkg.name}@${pkg.version} (${pkg.license ?? 'see below'})\n\n${text}`;
  });
writeFileSync(
  'dist/licenses.txt',
  `Licences of the packages bundled into dist/index.js and dist/cli.js (${packages.size}).\n\n` +
    sections.join(`\n\n${'-'.repeat(78)}\n\n`) +
    '\n',
);
