// What an index of a file's code holds: its scopes, definitions, imports and the names a line uses.

/** Lines `start..end` of a file, 1-based and inclusive. */
export interface Span {
  start: number;
  end: number;
}

/** A function, method, class, type or top-level value a name can resolve to. */
export interface Definition extends Span {
  name: string;
  kind: 'function' | 'class' | 'method' | 'value' | 'type';
  /** A method's class. */
  owner?: string;
}

/** A function, method or class body that a changed line can sit in. */
export interface Scope extends Span {
  name: string;
}

/** A name a changed line uses. */
export interface Use {
  name: string;
  /** Called (`f()`, `obj.m()`), not only read. */
  call: boolean;
  /** For `obj.m`: the object's name (`this` for this). */
  object?: string;
}

/** An imported binding: which module it comes from and under what name (`*` for a namespace, `default`). */
export interface Import {
  source: string;
  imported: string;
}

export interface CodeIndex {
  /** How the file was read: `parser` (a real parser) or `lines` (the indentation and brace fallback). */
  method: 'parser' | 'lines';
  /** Why a JavaScript or TypeScript file was indexed by lines: too large or too deep for the parser. */
  fallback?: string;
  scopes: Scope[];
  definitions: Definition[];
  imports: Map<string, Import>;
  /** The names the given lines use, calls first, without names those lines bind themselves. */
  usesOn(lines: ReadonlySet<number>): Use[];
}
