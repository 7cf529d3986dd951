import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import { type Dataset, type DatasetSource, loadDataset } from '@distillery/ml';
import { canonicalJson } from '@distillery/spec';
import { reviveError, type SerializedError, serializeError } from './thread-errors.ts';
import type { DatasetRequest } from './thread-protocol.ts';

type DatasetReply = { dataset: Dataset } | { error: SerializedError };

/**
 * The main thread's side: answers a training thread's data-set requests from this process's data-set cache,
 * whose sets live in SharedArrayBuffers (`configureDatasetCache({ shared: true })`), so the reply shares the
 * pixels instead of copying them and the process holds each set once, however many threads train on it. The
 * confinement to the data roots is checked here, by the same `loadDataset` a single-threaded worker calls.
 */
export function serveDatasets(port: MessagePort, replied: Int32Array): void {
  port.on('message', (request: DatasetRequest) => {
    let reply: DatasetReply;
    try {
      reply = { dataset: loadDataset(request.spec, { dataRoots: request.dataRoots }) };
    } catch (error) {
      reply = { error: serializeError(error) };
    }
    port.postMessage(reply);
    Atomics.store(replied, 0, 1);
    Atomics.notify(replied, 0);
  });
  // An idle thread's channel must not keep the process alive.
  port.unref();
}

/** How many data sets a training thread keeps (the main thread's cache bounds the memory they share). */
export const THREAD_DATASET_ENTRIES = 4;

/**
 * The training thread's side: a {@link DatasetSource} that asks the main thread and blocks until it answers
 * (packages/ml loads data sets synchronously; the main thread never waits for a training thread, so it always
 * answers). The answer is kept for the thread's next runs of the same spec and data roots: a run then neither
 * waits for a main thread busy with the store nor gets a new `Dataset` object, so what packages/ml derives once
 * per data set (the rows' digest) stays derived. A failed request is not kept.
 */
export function datasetsFromMainThread(port: MessagePort, replied: Int32Array): DatasetSource {
  const kept = new Map<string, Dataset>();
  return (spec, options) => {
    const request: DatasetRequest = { spec, dataRoots: options.dataRoots ?? [] };
    const key = canonicalJson(request);
    const hit = kept.get(key);
    if (hit) {
      kept.delete(key); // most recently used last
      kept.set(key, hit);
      return hit;
    }
    Atomics.store(replied, 0, 0);
    port.postMessage(request);
    Atomics.wait(replied, 0, 0);
    const reply = receiveMessageOnPort(port)?.message as DatasetReply | undefined;
    if (!reply) throw new Error('the main thread answered no data-set request');
    if ('error' in reply) throw reviveError(reply.error);
    kept.set(key, reply.dataset);
    while (kept.size > THREAD_DATASET_ENTRIES) kept.delete(kept.keys().next().value as string);
    return reply.dataset;
  };
}
