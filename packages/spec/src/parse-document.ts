import { YAMLParseError } from 'yaml';
import {
  checkDocumentLimits,
  DEFAULT_DOCUMENT_LIMITS,
  type DocumentLimits,
  DocumentTooComplexError,
} from './document-limits.ts';
import { parseYamlBounded } from './parse-yaml-bounded.ts';

/** A body that is not well-formed JSON or YAML. */
export class MalformedDocumentError extends Error {
  override readonly name = 'MalformedDocumentError';
  readonly code = 'MALFORMED_DOCUMENT';
  constructor(
    readonly format: 'json' | 'yaml',
    /** What is wrong and where, without the `malformed JSON: ` prefix of the message. */
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(`malformed ${format.toUpperCase()}: ${detail}`, options);
  }
}

/**
 * How every YAML sweep file is parsed. Aliases are capped: a "billion laughs" document must not expand in
 * memory. Duplicate keys are an error, not "last one wins". Note that the library's duplicate check compares
 * every key of a mapping with every other (quadratic), and some inputs (e.g. long runs of tags) take it far
 * longer still: a server parses untrusted YAML under a time budget off its event loop (apps/api).
 */
export const YAML_PARSE_OPTIONS = {
  maxAliasCount: 100,
  uniqueKeys: true,
  prettyErrors: false,
  // Warnings (unknown tags, directives) would go to the process's stderr: the client's document is not ours to log.
  logLevel: 'error',
} as const;

/** A YAML error as parseYamlBounded words it: the problem, its line and column, and the line with a caret. */
export function yamlErrorDetail(e: unknown): string {
  if (e instanceof YAMLParseError) return e.message || 'syntax error';
  return (e as Error).message;
}

/**
 * Parses a sweep file and checks it against the document limits (DocumentTooComplexError). YAML 1.2 is a
 * superset of JSON, but JSON bodies are parsed as JSON so their errors read as JSON errors.
 */
export function parseDocument(
  text: string,
  format: 'json' | 'yaml',
  limits: DocumentLimits = DEFAULT_DOCUMENT_LIMITS,
): unknown {
  let document: unknown;
  if (format === 'json') {
    try {
      document = JSON.parse(text);
    } catch (e) {
      throw new MalformedDocumentError('json', (e as Error).message, { cause: e });
    }
  } else {
    try {
      document = parseYamlBounded(text, YAML_PARSE_OPTIONS, limits.maxDepth);
    } catch (e) {
      if (e instanceof DocumentTooComplexError) throw e;
      throw new MalformedDocumentError('yaml', yamlErrorDetail(e), { cause: e });
    }
  }
  checkDocumentLimits(document, limits);
  return document;
}
