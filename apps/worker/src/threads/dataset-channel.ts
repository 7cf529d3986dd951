import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import { type Dataset, type DatasetSource, loadDataset } from '@distillery/ml';
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

/**
 * The training thread's side: a {@link DatasetSource} that asks the main thread and blocks until it answers
 * (packages/ml loads data sets synchronously; the main thread never waits for a training thread, so it always
 * answers).
 */
export function datasetsFromMainThread(port: MessagePort, replied: Int32Array): DatasetSource {
  return (spec, options) => {
    Atomics.store(replied, 0, 0);
    const request: DatasetRequest = { spec, dataRoots: options.dataRoots ?? [] };
    port.postMessage(request);
    Atomics.wait(replied, 0, 0);
    const reply = receiveMessageOnPort(port)?.message as DatasetReply | undefined;
    if (!reply) throw new Error('the main thread answered no data-set request');
    if ('error' in reply) throw reviveError(reply.error);
    return reply.dataset;
  };
}
