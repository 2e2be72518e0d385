import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The folders of src/, lowest first: a folder imports only folders before it in this list. `core` is the
 * vocabulary every stage shares; the action and the command line are the two entries on top.
 */
const LAYERS = [
  'core',
  'safety',
  'diff',
  'filter',
  'llm',
  'settings',
  'github',
  'findings',
  'plan',
  'context',
  'prompt',
  'run',
  'source',
  'pipeline',
  'publish',
  'converse',
  'learn',
  'cli',
  'action',
  '.',
] as const;

/** The longest function src/ may have, in lines. */
const MAX_FUNCTION_LINES = 60;
/** The longest file src/ may have, in lines: a longer one holds more than one stage's part and is split. */
const MAX_FILE_LINES = 400;

const SRC = resolve(import.meta.dirname, '../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const folderOf = (file: string): string => {
  const rel = relative(SRC, file);
  return rel.includes('/') ? (rel.split('/')[0] ?? '.') : '.';
};

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
}

/** Every relative import and re-export of a file, as the file it resolves to. */
function importsOf(source: ts.SourceFile): string[] {
  return source.statements.flatMap((statement) => {
    if (!ts.isImportDeclaration(statement) && !ts.isExportDeclaration(statement)) return [];
    const spec = statement.moduleSpecifier;
    if (!spec || !ts.isStringLiteral(spec) || !spec.text.startsWith('.')) return [];
    return [resolve(dirname(source.fileName), spec.text.replace(/\.js$/, '.ts'))];
  });
}

/** Each function of a file with its length in lines. */
function functionsOf(source: ts.SourceFile): { name: string; lines: number }[] {
  const found: { name: string; lines: number }[] = [];
  const lineOf = (pos: number): number => source.getLineAndCharacterOfPosition(pos).line;
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const named = ts.isVariableDeclaration(node.parent) ? node.parent.name.getText() : node.name?.getText();
      const line = lineOf(node.getStart()) + 1;
      found.push({
        name: `${relative(SRC, source.fileName)}:${line} ${named ?? '(anonymous)'}`,
        lines: lineOf(node.getEnd()) - line + 2,
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const files = sourceFiles(SRC).map(parse);

describe('the layout of src/', () => {
  it('lists every folder of src/ in the layers', () => {
    const folders = new Set(files.map((f) => folderOf(f.fileName)));
    expect([...folders].filter((f) => !(LAYERS as readonly string[]).includes(f))).toEqual([]);
  });

  it('has every import run down the layers: no folder imports a folder above it, so no cycle', () => {
    const upward = files.flatMap((source) => {
      const from = folderOf(source.fileName);
      return importsOf(source)
        .filter((target) => LAYERS.indexOf(folderOf(target) as never) > LAYERS.indexOf(from as never))
        .map((target) => `${relative(SRC, source.fileName)} -> ${relative(SRC, target)}`);
    });
    expect(upward).toEqual([]);
  });

  it(`has no function longer than ${MAX_FUNCTION_LINES} lines`, () => {
    const long = files
      .flatMap(functionsOf)
      .filter((f) => f.lines > MAX_FUNCTION_LINES)
      .map((f) => `${f.name} (${f.lines} lines)`);
    expect(long).toEqual([]);
  });

  it(`has no file longer than ${MAX_FILE_LINES} lines`, () => {
    const long = files
      .map((source) => ({ name: relative(SRC, source.fileName), lines: source.getLineStarts().length }))
      .filter((f) => f.lines > MAX_FILE_LINES)
      .map((f) => `${f.name} (${f.lines} lines)`);
    expect(long).toEqual([]);
  });

  it('talks to the Actions toolkit from action/ alone: every other stage is plain functions', () => {
    const toolkit = files
      .filter((source) =>
        source.statements.some(
          (st) => ts.isImportDeclaration(st) && /^@actions\/core$/.test((st.moduleSpecifier as ts.StringLiteral).text),
        ),
      )
      .map((source) => folderOf(source.fileName));
    expect(new Set(toolkit)).toEqual(new Set(['action']));
  });

  it('keeps the entry of the action at three lines', () => {
    const lines = readFileSync(join(SRC, 'index.ts'), 'utf8').trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(3);
  });
});
