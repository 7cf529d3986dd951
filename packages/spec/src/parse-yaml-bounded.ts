import { Composer, LineCounter, Parser, YAMLParseError } from 'yaml';
import { DocumentTooComplexError } from './document-limits.ts';

/**
 * Most aliases (`*name`) in a YAML document. An alias repeats its anchor's subtree, so the nesting of the
 * parsed value can reach (aliases + 1) × the nesting of the text; this keeps it far from the stack's limit.
 */
export const MAX_YAML_ALIASES = 16;

/** CST tokens that open a level of nesting. */
const COLLECTIONS = new Set(['flow-collection', 'block-map', 'block-seq']);

interface CstNode {
  type?: string;
  value?: CstNode;
  items?: { key?: CstNode | null; value?: CstNode | null }[];
}

/** Widest part of a source line a code frame shows. */
const FRAME_WIDTH = 80;

/**
 * The source line `line` (1-based) with a caret under column `col`, prefixed by the line number; a long line is
 * cut to a window around the column.
 */
export function yamlCodeFrame(text: string, line: number, col: number): string {
  const source = (text.split('\n')[line - 1] ?? '').replace(/\r$/, '');
  const start = col > FRAME_WIDTH - 20 ? col - FRAME_WIDTH / 2 : 1;
  const cut = start > 1 ? '…' : '';
  const gutter = `${line} | `;
  return (
    `${gutter}${cut}${source.slice(start - 1, start - 1 + FRAME_WIDTH)}\n` +
    `${' '.repeat(gutter.length - 2)}| ${' '.repeat(col - start + cut.length)}^`
  );
}

/**
 * Parses one YAML document like the library's `parse`, but checks the nesting and the aliases on the concrete
 * syntax tree — which the library builds without recursion — before composing it, which recurses once per
 * level: a flow sequence 5,000 levels deep overflowed the stack there, and after such an overflow the next
 * parse could abort the whole process (V8 "RegExpCompiler Allocation failed"). Throws
 * DocumentTooComplexError past `maxDepth` levels or MAX_YAML_ALIASES aliases, YAMLParseError for bad YAML.
 */
export function parseYamlBounded(text: string, options: Record<string, unknown>, maxDepth: number): unknown {
  const lines = new LineCounter();
  const tokens = Array.from(new Parser(lines.addNewLine).parse(text));
  let aliases = 0;
  const stack: { node: CstNode; depth: number }[] = tokens.map((node) => ({ node: node as CstNode, depth: 0 }));
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as (typeof stack)[number];
    const level = COLLECTIONS.has(node.type ?? '') ? depth + 1 : depth;
    if (level > maxDepth) {
      throw new DocumentTooComplexError(
        'maxDepth',
        `the document is nested deeper than the limit of ${maxDepth} levels`,
      );
    }
    if (node.type === 'alias' && ++aliases > MAX_YAML_ALIASES) {
      throw new DocumentTooComplexError('maxAliases', `the document has more than ${MAX_YAML_ALIASES} aliases`);
    }
    if (node.value && typeof node.value === 'object') stack.push({ node: node.value, depth: level });
    for (const item of node.items ?? []) {
      if (item.key && typeof item.key === 'object') stack.push({ node: item.key, depth: level });
      if (item.value && typeof item.value === 'object') stack.push({ node: item.value, depth: level });
    }
  }
  const composer = new Composer(options);
  const docs = Array.from(composer.compose(tokens, true, text.length));
  const [doc, extra] = docs;
  if (!doc) return null;
  if (extra) {
    doc.errors.push(
      new YAMLParseError(extra.range.slice(0, 2) as [number, number], 'MULTIPLE_DOCS', 'more than one document'),
    );
  }
  const [error] = doc.errors;
  if (error) {
    // What the library's `prettyErrors` adds (its helper is not exported): where, and the line with a caret.
    const { line, col } = lines.linePos(error.pos[0]);
    error.message = `${error.message.split('\n')[0]} at line ${line}, column ${col}:\n${yamlCodeFrame(text, line, col)}`;
    throw error;
  }
  return doc.toJS(options);
}
