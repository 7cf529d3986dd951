import { buildApp } from '@distillery/api';
import { createTeam } from '@distillery/db';
import { createTestEmbeddedStore, type TestEmbeddedStore } from '@distillery/db/testing';
import { InProcessExecutor } from '@distillery/worker';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';

/** A sweep planned, submitted and finished through the API over a fresh embedded store, as `distillery serve` runs it. */
export interface EmbeddedApiSweep<PlanRun> {
  embedded: TestEmbeddedStore;
  /** The dry run's runs, as `POST /v1/sweeps?dryRun=true` answered. */
  plan: PlanRun[];
  sweepId: string;
  /** A request to the API with the team's key. */
  request(method: 'GET' | 'POST', url: string, payload?: object): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/**
 * Starts an in-process executor and the API on a new embedded store, creates `team`, plans `spec` (dry run),
 * submits it and waits until the sweep leaves `running`, expecting it to have succeeded.
 */
export async function runEmbeddedApiSweep<PlanRun>(spec: object, team: string): Promise<EmbeddedApiSweep<PlanRun>> {
  const embedded = await createTestEmbeddedStore();
  const executor = new InProcessExecutor({ db: embedded.store, backend: 'wasm' });
  let app: FastifyInstance | undefined;
  const close = async () => {
    await app?.close();
    await executor.close();
    await embedded.remove();
  };
  try {
    await executor.start();
    app = await buildApp({ db: embedded.store, queue: executor.queue, redisProbe: executor.queue });
    const server = app;
    const { apiKey } = await createTeam(embedded.store, team);
    const headers = { authorization: `Bearer ${apiKey}` };
    const request = (method: 'GET' | 'POST', url: string, payload?: object) =>
      server.inject({ method, url, headers, ...(payload ? { payload } : {}) });
    const dry = await request('POST', '/v1/sweeps?dryRun=true', spec);
    expect(dry.statusCode, dry.body).toBe(200);
    const plan = (dry.json() as { runs: PlanRun[] }).runs;
    const res = await request('POST', '/v1/sweeps', spec);
    expect(res.statusCode, res.body).toBe(201);
    const sweepId = (res.json() as { id: string }).id;
    for (;;) {
      const { state } = (await request('GET', `/v1/sweeps/${sweepId}`)).json() as { state: string };
      if (state !== 'running') {
        expect(state).toBe('succeeded');
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return { embedded, plan, sweepId, request, close };
  } catch (error) {
    await close();
    throw error;
  }
}
