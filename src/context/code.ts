import { parse } from '@babel/parser';
import { extensionOf } from './files.js';
import { indexByLines, order } from './lines.js';
import type { CodeIndex, Definition, Import, Scope, Span, Use } from './code-types.js';

export type { CodeIndex, Definition, Import, Scope, Span, Use } from './code-types.js';

/** The name of a scope without one (a callback). */
export const ANONYMOUS = '(anonymous)';

const JS_EXTENSIONS = new Set(['.js', '.jsx', '.mjs', '.cjs', '.ts', '.tsx', '.mts', '.cts']);

/** The code of a file, indexed: with Babel's parser for JavaScript and TypeScript, by lines for anything else. */
export function indexCode(path: string, text: string): CodeIndex {
  if (JS_EXTENSIONS.has(extensionOf(path))) {
    const parsed = indexJs(path, text);
    if (parsed) return parsed;
    const why =
      text.length > MAX_PARSE_CHARS
        ? `over ${MAX_PARSE_CHARS.toLocaleString('en-US')} characters`
        : `the parser gave up (deeper than its stack, or over ${MAX_AST_NODES.toLocaleString('en-US')} nodes)`;
    return { ...indexByLines(path, text), fallback: `${path} indexed by lines: ${why}` };
  }
  return indexByLines(path, text);
}

// ---------------------------------------------------------------------------------------------------------
// JavaScript and TypeScript, with @babel/parser (error-tolerant; TypeScript and JSX plugins).

interface AstNode {
  type: string;
  loc?: { start: { line: number }; end: { line: number } } | null;
  leadingComments?: AstNode[] | null;
  [key: string]: unknown;
}

const SKIPPED_KEYS = new Set(['loc', 'start', 'end', 'extra', 'leadingComments', 'trailingComments', 'innerComments']);

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

function children(node: AstNode): AstNode[] {
  const out: AstNode[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (SKIPPED_KEYS.has(key)) continue;
    // One push at a time: a spread of a 100,000-element array would overflow the stack.
    if (Array.isArray(value)) for (const item of value as unknown[]) if (isNode(item)) out.push(item);
    if (isNode(value)) out.push(value);
  }
  return out;
}

/**
 * A node's ancestors as a chain (nearest first), shared by all its children: a walk makes one link a node,
 * where a copied array of ancestors would make the walk quadratic on a deep tree (a 40,000-link member chain).
 */
interface Ancestry {
  node: AstNode;
  up: Ancestry | undefined;
  /** Every node of the chain is the file, the program or a wrapper: a child of it is top-level. */
  topLevel: boolean;
  /** The nearest class in the chain. */
  cls: AstNode | undefined;
}

/** Nodes a walk visits at most: past it the file is indexed by lines (a parse that big is not worth its memory). */
export const MAX_AST_NODES = 1_000_000;

/** Visits every node with its ancestry; false when the tree has more than `budget` nodes (the walk stops there). */
function walk(
  root: AstNode,
  visit: (node: AstNode, up: Ancestry | undefined) => void,
  budget = MAX_AST_NODES,
): boolean {
  const stack: [AstNode, Ancestry | undefined][] = [[root, undefined]];
  for (let visited = 0; stack.length > 0; visited++) {
    if (visited >= budget) return false;
    const [node, up] = stack.pop() as [AstNode, Ancestry | undefined];
    visit(node, up);
    const here: Ancestry = {
      node,
      up,
      topLevel: (up?.topLevel ?? true) && (node.type === 'File' || node.type === 'Program' || WRAPPERS.has(node.type)),
      cls: node.type === 'ClassDeclaration' || node.type === 'ClassExpression' ? node : up?.cls,
    };
    const kids = children(node);
    for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i] as AstNode, here]);
  }
  return true;
}

function nameOf(node: unknown): string | undefined {
  if (!isNode(node)) return undefined;
  if (node.type === 'Identifier' || node.type === 'JSXIdentifier') return node.name as string;
  if (node.type === 'PrivateName') return nameOf(node.id);
  if (node.type === 'StringLiteral') return node.value as string;
  return undefined;
}

const SCOPE_TYPES = new Set([
  'FunctionDeclaration',
  'FunctionExpression',
  'ArrowFunctionExpression',
  'ClassMethod',
  'ClassPrivateMethod',
  'ObjectMethod',
  'ClassDeclaration',
  'ClassExpression',
  'TSInterfaceDeclaration',
  'TSModuleDeclaration',
  'TSEnumDeclaration',
]);

/** Nodes a declaration sits in that belong to it: `export`, `const x =`, `key:`, `x = …;`. */
const WRAPPERS = new Set([
  'VariableDeclarator',
  'VariableDeclaration',
  'ExportNamedDeclaration',
  'ExportDefaultDeclaration',
  'ObjectProperty',
  'ClassProperty',
  'ClassPrivateProperty',
  'AssignmentExpression',
  'ExpressionStatement',
]);

/** The outermost wrapper of a node, and the name the wrappers give it. */
function outer(node: AstNode, up: Ancestry | undefined): { top: AstNode; name: string | undefined } {
  let top = node;
  let name = nameOf(node.id) ?? nameOf(node.key);
  for (let link = up; link && WRAPPERS.has(link.node.type); link = link.up) {
    const parent = link.node;
    name ??= nameOf(parent.id) ?? nameOf(parent.key) ?? memberName(parent.left);
    top = parent;
  }
  return { top, name };
}

function memberName(node: unknown): string | undefined {
  if (!isNode(node)) return undefined;
  if (node.type === 'MemberExpression' && !node.computed) return nameOf(node.property);
  return nameOf(node);
}

/** A node's lines, with the comment block right above it (a doc comment explains the definition). */
function spanOf(node: AstNode): Span | undefined {
  if (!node.loc) return undefined;
  let start = node.loc.start.line;
  const comments = node.leadingComments ?? [];
  for (let i = comments.length - 1; i >= 0; i--) {
    const loc = comments[i]?.loc;
    if (!loc || loc.end.line < start - 1) break;
    start = loc.start.line;
  }
  return { start, end: node.loc.end.line };
}

/** Characters Babel is given at most: a bigger file (generated, bundled) is indexed by lines. */
export const MAX_PARSE_CHARS = 1_000_000;

function indexJs(path: string, text: string): CodeIndex | undefined {
  const program = text.length > MAX_PARSE_CHARS ? undefined : parseJs(path, text);
  if (!program) return undefined;
  const scopes: Scope[] = [];
  const definitions: Definition[] = [];
  const imports = new Map<string, Import>();
  const whole = walk(program, (node, up) => {
    if (SCOPE_TYPES.has(node.type)) {
      const { top, name } = outer(node, up);
      const span = spanOf(top);
      if (span) scopes.push({ ...span, name: name ?? ANONYMOUS });
    }
    const definition = definitionOf(node, up);
    if (definition) definitions.push(definition);
    addImports(node, imports);
  });
  if (!whole) return undefined;
  return { method: 'parser', scopes, definitions, imports, usesOn: (lines) => jsUses(program, lines, imports) };
}

/** A JavaScript or TypeScript file's syntax tree, as forgiving of errors as Babel can be; undefined if it fails. */
function parseJs(path: string, text: string): AstNode | undefined {
  const ext = extensionOf(path);
  const typescript = ext === '.ts' || ext === '.mts' || ext === '.cts';
  const plugins: ('typescript' | 'jsx')[] = typescript
    ? ['typescript']
    : ext === '.tsx'
      ? ['typescript', 'jsx']
      : ['jsx'];
  try {
    return parse(text, {
      sourceType: 'unambiguous',
      errorRecovery: true,
      allowReturnOutsideFunction: true,
      allowImportExportEverywhere: true,
      allowAwaitOutsideFunction: true,
      plugins,
    }) as unknown as AstNode;
  } catch {
    return undefined;
  }
}

/** The names an `import` declaration or a `const x = require(...)` brings in, by their local name. */
function addImports(node: AstNode, imports: Map<string, Import>): void {
  if (node.type === 'ImportDeclaration') {
    const source = (node.source as AstNode).value as string;
    for (const spec of (node.specifiers as AstNode[] | undefined) ?? []) {
      const local = nameOf(spec.local);
      if (!local) continue;
      const imported =
        spec.type === 'ImportNamespaceSpecifier'
          ? '*'
          : spec.type === 'ImportDefaultSpecifier'
            ? 'default'
            : (nameOf(spec.imported) ?? local);
      imports.set(local, { source, imported });
    }
  }
  if (node.type === 'VariableDeclarator' && isRequire(node.init)) {
    const source = (((node.init as AstNode).arguments as AstNode[])[0] as AstNode).value as string;
    const id = node.id as AstNode;
    if (id.type === 'Identifier') imports.set(id.name as string, { source, imported: '*' });
    if (id.type === 'ObjectPattern') {
      for (const prop of id.properties as AstNode[]) {
        const key = nameOf(prop.key);
        const local = nameOf(prop.value) ?? key;
        if (key && local) imports.set(local, { source, imported: key });
      }
    }
  }
}

function isRequire(node: unknown): boolean {
  if (!isNode(node) || node.type !== 'CallExpression') return false;
  const [arg] = node.arguments as AstNode[];
  return nameOf(node.callee) === 'require' && arg?.type === 'StringLiteral';
}

const FUNCTION_VALUES = new Set(['ArrowFunctionExpression', 'FunctionExpression', 'ClassExpression']);

/** The node types definitionOf knows. */
const DEFINITIONS = new Set([
  'FunctionDeclaration',
  'TSDeclareFunction',
  'ClassDeclaration',
  'TSInterfaceDeclaration',
  'TSTypeAliasDeclaration',
  'TSEnumDeclaration',
  'VariableDeclarator',
  'ClassMethod',
  'ClassPrivateMethod',
  'ClassProperty',
  'TSDeclareMethod',
]);

/** A top-level declaration, or a class member. */
function definitionOf(node: AstNode, up: Ancestry | undefined): Definition | undefined {
  if (!DEFINITIONS.has(node.type)) return undefined;
  const topLevel = up?.topLevel ?? true;
  const { top, name } = outer(node, up);
  const span = spanOf(top);
  if (!span) return undefined;
  switch (node.type) {
    case 'FunctionDeclaration':
    case 'TSDeclareFunction':
      return topLevel ? { ...span, name: name ?? 'default', kind: 'function' } : undefined;
    case 'ClassDeclaration':
      return topLevel ? { ...span, name: name ?? 'default', kind: 'class' } : undefined;
    case 'TSInterfaceDeclaration':
    case 'TSTypeAliasDeclaration':
    case 'TSEnumDeclaration':
      return topLevel && name ? { ...span, name, kind: 'type' } : undefined;
    case 'VariableDeclarator': {
      if (!topLevel || !name) return undefined;
      const init = node.init;
      return { ...span, name, kind: isNode(init) && FUNCTION_VALUES.has(init.type) ? 'function' : 'value' };
    }
    case 'ClassMethod':
    case 'ClassPrivateMethod':
    case 'ClassProperty':
    case 'TSDeclareMethod': {
      const cls = up?.cls;
      if (!name || !cls) return undefined;
      const owner = nameOf(cls.id);
      return { ...span, name, kind: 'method', ...(owner ? { owner } : {}) };
    }
    default:
      return undefined;
  }
}

/** Positions where an identifier is bound or is a key, not a use. */
function isBinding(node: AstNode, parent: AstNode | undefined): boolean {
  if (!parent) return false;
  switch (parent.type) {
    case 'VariableDeclarator':
      return parent.id === node;
    case 'FunctionDeclaration':
    case 'FunctionExpression':
    case 'ArrowFunctionExpression':
    case 'ClassMethod':
    case 'ObjectMethod':
      return parent.id === node || parent.key === node || (parent.params as unknown[]).includes(node);
    case 'ClassDeclaration':
    case 'ClassExpression':
      return parent.id === node;
    case 'ObjectProperty':
    case 'ClassProperty':
      return parent.key === node && !parent.computed;
    case 'ImportSpecifier':
    case 'ImportDefaultSpecifier':
    case 'ImportNamespaceSpecifier':
    case 'ExportSpecifier':
    case 'LabeledStatement':
    case 'BreakStatement':
    case 'ContinueStatement':
    case 'CatchClause':
    case 'AssignmentPattern':
    case 'TSPropertySignature':
    case 'TSMethodSignature':
    case 'TSParameterProperty':
      return parent.type !== 'AssignmentPattern' || parent.left === node;
    default:
      return false;
  }
}

function jsUses(program: AstNode, lines: ReadonlySet<number>, imports: ReadonlyMap<string, Import>): Use[] {
  const uses = new Map<string, Use>();
  const bound = new Set<string>();
  const add = (use: Use): void => {
    const key = `${use.object ?? ''}.${use.name}`;
    const known = uses.get(key);
    if (!known || (use.call && !known.call)) uses.set(key, use);
  };
  walk(program, (node, up) => {
    if (node.type !== 'Identifier' || !node.loc || !lines.has(node.loc.start.line)) return;
    const name = node.name as string;
    const parent = up?.node;
    const grand = up?.up?.node;
    if (isBinding(node, parent)) {
      bound.add(name);
      return;
    }
    if (parent && (parent.type === 'MemberExpression' || parent.type === 'OptionalMemberExpression')) {
      if (parent.property === node && !parent.computed) {
        const object = parent.object as AstNode;
        const objectName = object.type === 'ThisExpression' ? 'this' : nameOf(object);
        const call =
          !!grand &&
          (grand.type === 'CallExpression' || grand.type === 'OptionalCallExpression') &&
          grand.callee === parent;
        if (objectName) add({ name, call, object: objectName });
        return;
      }
    }
    const call =
      !!parent &&
      (parent.type === 'CallExpression' ||
        parent.type === 'OptionalCallExpression' ||
        parent.type === 'NewExpression') &&
      parent.callee === node;
    add({ name, call });
  });
  // A name bound on these lines is defined in the diff itself, unless the binding imports it.
  return order([...uses.values()].filter((u) => u.object !== undefined || !bound.has(u.name) || imports.has(u.name)));
}
