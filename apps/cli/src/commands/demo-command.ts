import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunList, SweepDetail, SweepResults, SweepSummary } from '@distillery/api';
import { buildApp } from '@distillery/api';
import { createApiKey, createTeam, type PrismaClient, TeamExistsError } from '@distillery/db';
import { RedisProbe, RunQueue } from '@distillery/queue';
import { RunWorker } from '@distillery/worker';
import { ApiClient } from '../api-client.ts';
import { loadConfig } from '../config.ts';
import { ConfigError } from '../config-error.ts';
import { formatResultsTable, formatRunLine } from '../format.ts';
import { checkRedis, connectDatabase, migrate } from '../services.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const DEMO_TEAM = 'demo';
const POLL_MS = 500;

/**
 * The whole product in one process: migrate, start the API on a free port and a worker, submit a sweep file
 * over HTTP like any client, print progress as runs move, then the results table.
 */
export async function demoCommand(file: string): Promise<void> {
  const path = [resolve(file), join(REPO_ROOT, file)].find((p) => existsSync(p));
  if (!path) throw new ConfigError(`sweep file not found: ${file}`);
  const config = loadConfig();
  const applied = await migrate(config);
  console.log(`database  migrated (${applied.length ? `applied ${applied.join(', ')}` : 'up to date'})`);
  const db = await connectDatabase(config);
  await checkRedis(config);
  const queue = new RunQueue({ redisUrl: config.redisUrl, prefix: config.queuePrefix });
  const redisProbe = new RedisProbe(config.redisUrl);
  const app = await buildApp({ db, queue, redisProbe, logger: false });
  const worker = new RunWorker({ db, redisUrl: config.redisUrl, prefix: config.queuePrefix });
  try {
    const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    await worker.start(() => {});
    console.log(`api       ${baseUrl}   worker ${worker.workerId} (tfjs backend: ${worker.backend})`);
    const api = new ApiClient(baseUrl, await demoApiKey(db));
    const submitted = await api.request<SweepSummary>('POST', '/v1/sweeps', {
      text: readFileSync(path, 'utf8'),
      contentType: 'application/yaml',
    });
    console.log(`sweep     '${submitted.name}' ${submitted.id}: ${submitted.runCount} runs from ${file}\n`);
    const started = Date.now();
    const seen = new Map<string, string>();
    let sweep: SweepDetail;
    do {
      await new Promise((r) => setTimeout(r, POLL_MS));
      sweep = await api.request<SweepDetail>('GET', `/v1/sweeps/${submitted.id}`);
      const { items } = await api.request<RunList>('GET', `/v1/sweeps/${submitted.id}/runs`);
      for (const run of items) {
        const line = formatRunLine(run);
        if (seen.get(run.id) !== line) {
          seen.set(run.id, line);
          console.log(`${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s  ${line}`);
        }
      }
    } while (sweep.state === 'running');
    const results = await api.request<SweepResults>('GET', `/v1/sweeps/${submitted.id}/results`);
    console.log(`\nsweep ${sweep.state} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    console.log(formatResultsTable(results));
    console.log(`\nresults: GET ${baseUrl}/v1/sweeps/${submitted.id}/results (?format=csv); API docs at /docs`);
    if (sweep.state !== 'succeeded') process.exitCode = 1;
  } finally {
    await worker.close();
    await app.close();
    await Promise.all([queue.close(), redisProbe.close()]);
    await db.$disconnect();
  }
}

/** The demo team's key: the team is created on first use, and every demo gets a fresh key. */
async function demoApiKey(db: PrismaClient): Promise<string> {
  try {
    return (await createTeam(db, DEMO_TEAM)).apiKey;
  } catch (e) {
    if (!(e instanceof TeamExistsError)) throw e;
    const team = await db.team.findUniqueOrThrow({ where: { name: DEMO_TEAM } });
    return (await createApiKey(db, team.id)).apiKey;
  }
}
