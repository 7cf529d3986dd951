import { parentPort } from 'node:worker_threads';
import { DocumentTooComplexError } from '@distillery/spec/document-limits';
import { MalformedDocumentError, parseDocument } from '@distillery/spec/parse-document';

/** What a parsing thread posts: once `ready` when loaded, then one answer per document. */
export type ParseThreadMessage =
  | { ready: true }
  | { ok: true; value: unknown }
  | { ok: false; detail: string; limit?: DocumentTooComplexError['limit'] };

/** A document to parse, as the event loop posts it. */
export interface ParseThreadRequest {
  format: 'json' | 'yaml';
  text: string;
}

/**
 * The program of a document parsing thread (DocumentParseThreads): the spec's parseDocument — the bounded YAML
 * parse, then the document limits — so that a document past the limits never travels back to the event loop.
 * Errors cross the thread boundary as plain data and are rebuilt as the spec's errors on the other side. It
 * imports the spec's parsing modules only, not the whole package, so that its bundle (DocumentParseThreads)
 * holds the parser and `yaml`, not the validators.
 */
function answer({ format, text }: ParseThreadRequest): ParseThreadMessage {
  try {
    return { ok: true, value: parseDocument(text, format) };
  } catch (e) {
    if (e instanceof DocumentTooComplexError) return { ok: false, limit: e.limit, detail: e.message };
    if (e instanceof MalformedDocumentError) return { ok: false, detail: e.detail };
    return { ok: false, detail: e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e) };
  }
}

const port = parentPort;
if (port === null) throw new Error('parse-document-thread runs as a worker thread');
port.on('message', (request: ParseThreadRequest) => {
  const message = answer(request);
  try {
    port.postMessage(message);
  } catch {
    port.postMessage({ ok: false, detail: 'the document holds values that are not plain data' });
  }
});
port.postMessage({ ready: true } satisfies ParseThreadMessage);
