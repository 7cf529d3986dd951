import { describe, expect, it } from 'vitest';
import { checkDocumentLimits, DocumentTooComplexError, parseDocument } from '../src/index.ts';

const limits = { maxNodes: 10, maxDepth: 3, maxKeys: 4 };

function breach(document: unknown): DocumentTooComplexError {
  try {
    checkDocumentLimits(document, limits);
  } catch (e) {
    if (e instanceof DocumentTooComplexError) return e;
    throw e;
  }
  throw new Error('expected DocumentTooComplexError');
}

describe('checkDocumentLimits', () => {
  it('accepts a document within every limit', () => {
    expect(() => checkDocumentLimits({ a: [1, 2], b: { c: 'x' } }, limits)).not.toThrow();
  });

  it('names the mapping that has too many keys, its count and the limit', () => {
    const e = breach({ grid: { a: 1, b: 2, c: 3, d: 4, e: 5 } });
    expect([e.limit, e.message]).toEqual(['maxKeys', 'grid has 5 keys, more than the limit of 4']);
  });

  it('names where the nesting goes too deep', () => {
    const e = breach({ a: [[{ b: 1 }]] });
    expect([e.limit, e.message]).toEqual(['maxDepth', 'a[0][0] is nested deeper than the limit of 3 levels']);
  });

  it('counts every value, scalars included', () => {
    expect(breach([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).limit).toBe('maxNodes');
  });

  it('walks a document nested 100,000 deep without overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(() => checkDocumentLimits(deep)).toThrow(/nested deeper than the limit of 32 levels/);
  });
});

describe('parseDocument', () => {
  it('applies the default limits to JSON and YAML alike', () => {
    const deep = `${'['.repeat(40)}${']'.repeat(40)}`;
    expect(() => parseDocument(deep, 'json')).toThrow(DocumentTooComplexError);
    expect(() => parseDocument(deep, 'yaml')).toThrow(DocumentTooComplexError);
  });
});

describe('parseYamlBounded', () => {
  it('refuses flow collections nested 5,000 deep before the recursive composer sees them, as often as asked', () => {
    // The library overflowed its stack on this text, and a second parse then aborted the whole process.
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    for (let i = 0; i < 3; i++) {
      expect(() => parseDocument(deep, 'yaml')).toThrow('the document is nested deeper than the limit of 32 levels');
    }
  });

  it('refuses more than 16 aliases', () => {
    const yaml = ['a: &a 1', ...Array.from({ length: 17 }, (_, i) => `b${i}: *a`)].join('\n');
    expect(() => parseDocument(yaml, 'yaml')).toThrow('the document has more than 16 aliases');
  });

  it('parses ordinary YAML as the library does, and reports a malformed line and column', () => {
    expect(parseDocument('a: [1, {b: c}]\nd: &x 2\ne: *x', 'yaml')).toEqual({ a: [1, { b: 'c' }], d: 2, e: 2 });
    expect(() => parseDocument('a: 1\na: 2', 'yaml')).toThrow(
      /^malformed YAML: Map keys must be unique at line 2, column 1/,
    );
  });
});
