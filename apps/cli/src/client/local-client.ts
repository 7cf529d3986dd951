import { join } from 'node:path';
import { InProcessQueue } from '@distillery/queue';
import type { ApiClient } from '../api-client.ts';
import { loadDataRoots } from '../data-roots-config.ts';
import { InjectClient } from '../runtime/inject-client.ts';
import { LOCAL_TEAM, storedApiKey } from '../runtime/team-api-key.ts';
import { loadWorkflowConfig } from '../workflow-config.ts';

/** The embedded store opened in this process, answered by the API's own code as its local team. */
export interface LocalClient {
  api: ApiClient;
  close(): Promise<void>;
}

/**
 * Opens the embedded store in `dataDir` and the API over it in process (no port): the client commands read and
 * write it exactly as they would a server. Nothing executes here — runs submitted or left queued stay queued in
 * the store until `serve` or `run` opens it — so TensorFlow.js is never loaded.
 */
export async function openLocalClient(dataDir: string): Promise<LocalClient> {
  const { EmbeddedStore } = await import('@distillery/db/embedded');
  const store = await EmbeddedStore.open({ dataDir });
  const queue = new InProcessQueue();
  try {
    const { buildApp } = await import('@distillery/api');
    const artifactDir = loadWorkflowConfig().artifactDir ?? join(store.dataDir, 'artifacts');
    const app = await buildApp({
      db: store,
      queue,
      redisProbe: queue,
      dataRoots: loadDataRoots({ mode: 'embedded', artifactDir }),
      events: { source: store.events },
    });
    const api = new InjectClient(app, await storedApiKey(store, store.dataDir, LOCAL_TEAM));
    return {
      api,
      async close() {
        await app.close();
        await queue.close();
        await store.close();
      },
    };
  } catch (e) {
    await queue.close();
    await store.close();
    throw e;
  }
}
