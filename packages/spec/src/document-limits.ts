import { formatPath } from './validation-issue.ts';

/**
 * How large a parsed document may be before anything walks it recursively or compares its keys. A sweep file
 * is a few hundred nodes, at most ~8 levels deep, with no mapping over ~20 keys (a grid of 32); the limits
 * leave room for that many times over, while keeping every later step (validation, canonical hashing,
 * structuredClone, expansion) linear and shallow: a JSON body nested 5,000 deep used to overflow the stack of
 * the validators, and a mapping of 45,000 keys made grid expansion quadratic.
 */
export interface DocumentLimits {
  /** Values in the document (mappings, sequences and scalars, the root included). @defaultValue 20_000 */
  maxNodes: number;
  /** Nesting of mappings and sequences; the root collection is depth 1. @defaultValue 32 */
  maxDepth: number;
  /** Keys of any one mapping. @defaultValue 256 */
  maxKeys: number;
}

export const DEFAULT_DOCUMENT_LIMITS: Readonly<DocumentLimits> = Object.freeze({
  maxNodes: 20_000,
  maxDepth: 32,
  maxKeys: 256,
});

/** A well-formed document that is too large or too deep to accept. */
export class DocumentTooComplexError extends Error {
  override readonly name = 'DocumentTooComplexError';
  readonly code = 'DOCUMENT_TOO_COMPLEX';
  constructor(
    /** Which limit: `maxNodes`, `maxDepth`, `maxKeys`, `maxAliases` (YAML), or `parseBudget` (parsing ran out of its time or memory budget). */
    readonly limit: keyof DocumentLimits | 'maxAliases' | 'parseBudget',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Checks a parsed document against the limits without recursion (an explicit stack), in time linear in its
 * size and stopping at the first breach, so that it is safe on exactly the documents it refuses. Throws
 * DocumentTooComplexError naming where, the count and the limit.
 */
export function checkDocumentLimits(document: unknown, limits: DocumentLimits = DEFAULT_DOCUMENT_LIMITS): void {
  const stack: { value: unknown; depth: number; path: PropertyKey[] }[] = [{ value: document, depth: 0, path: [] }];
  let nodes = 0;
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop() as (typeof stack)[number];
    nodes += 1;
    if (nodes > limits.maxNodes) {
      throw new DocumentTooComplexError('maxNodes', `the document has more than ${limits.maxNodes} values`);
    }
    if (typeof value !== 'object' || value === null) continue;
    const where = path.length === 0 ? 'the document' : formatPath(path);
    if (depth + 1 > limits.maxDepth) {
      throw new DocumentTooComplexError(
        'maxDepth',
        `${where} is nested deeper than the limit of ${limits.maxDepth} levels`,
      );
    }
    if (Array.isArray(value)) {
      // Refused before its items are queued: a 200,000-item array costs no more than a small one.
      if (nodes + stack.length + value.length > limits.maxNodes) {
        throw new DocumentTooComplexError('maxNodes', `the document has more than ${limits.maxNodes} values`);
      }
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], depth: depth + 1, path: [...path, i] });
      continue;
    }
    const keys = Object.keys(value);
    if (keys.length > limits.maxKeys) {
      throw new DocumentTooComplexError(
        'maxKeys',
        `${where} has ${keys.length} keys, more than the limit of ${limits.maxKeys}`,
      );
    }
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i] as string;
      stack.push({ value: (value as Record<string, unknown>)[key], depth: depth + 1, path: [...path, key] });
    }
  }
}
