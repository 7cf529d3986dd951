import { parse as parseYaml, YAMLParseError } from 'yaml';

/** A body that is not well-formed JSON or YAML. */
export class MalformedDocumentError extends Error {
  override readonly name = 'MalformedDocumentError';
  readonly code = 'MALFORMED_DOCUMENT';
  constructor(
    readonly format: 'json' | 'yaml',
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`malformed ${format.toUpperCase()}: ${detail}`, options);
  }
}

/**
 * Parses a sweep file. YAML 1.2 is a superset of JSON, but JSON bodies are parsed as JSON so their errors read
 * as JSON errors. YAML aliases are capped: a "billion laughs" document must not expand in memory.
 */
export function parseDocument(text: string, format: 'json' | 'yaml'): unknown {
  if (format === 'json') {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new MalformedDocumentError('json', (e as Error).message, { cause: e });
    }
  }
  try {
    return parseYaml(text, { maxAliasCount: 100, uniqueKeys: true, prettyErrors: true });
  } catch (e) {
    if (e instanceof YAMLParseError) {
      throw new MalformedDocumentError('yaml', e.message.split('\n')[0] ?? 'syntax error', { cause: e });
    }
    throw new MalformedDocumentError('yaml', (e as Error).message, { cause: e });
  }
}
