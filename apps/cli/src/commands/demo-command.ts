import { readFileSync } from 'node:fs';
import type { SweepResults, SweepSummary } from '@distillery/api';
import { ApiClient } from '../api-client.ts';
import { loadConfig, requireQueue } from '../config.ts';
import { ConfigError } from '../config-error.ts';
import { type ExecutionFlags, executionSettings, givesExecutionSettings } from '../execution-flags.ts';
import { formatResultsTable } from '../format.ts';
import { type FrontierView, formatFrontier } from '../format-frontier.ts';
import { buildRuntimeApp } from '../runtime/build-runtime-app.ts';
import { formatExecutorSize } from '../runtime/executor-lines.ts';
import { followSweep } from '../runtime/follow-sweep.ts';
import { openRuntime } from '../runtime/open-runtime.ts';
import { findRunningServe } from '../runtime/serve-file.ts';
import { LOCAL_TEAM } from '../runtime/team-api-key.ts';
import { findSweepFile } from './run-command.ts';

export const DEMO_TEAM = 'demo';

/**
 * The whole product in one process: open the results database (the embedded store when nothing is configured;
 * PostgreSQL + Redis when DATABASE_URL and REDIS_URL are set, migrated first), start the API on a free port and
 * run execution, submit a sweep file over HTTP like any client, print progress as runs move, then the results
 * table and the frontier. When `distillery serve` holds the embedded store, the sweep goes to it instead (as the
 * local team's, as `run` does), which executes it; the demo follows it there.
 */
export async function demoCommand(file: string, flags: ExecutionFlags = {}): Promise<void> {
  const path = findSweepFile(file);
  const text = readFileSync(path, 'utf8');
  const config = loadConfig();
  requireQueue(config, 'demo');
  const execution = executionSettings(flags);
  const started = Date.now();
  const serve = config.mode === 'embedded' ? findRunningServe(config.dataDir) : undefined;
  if (serve) {
    if (givesExecutionSettings(flags)) {
      throw new ConfigError(
        `--threads and --pack-max size this process's executor, but \`distillery serve\` (process ${serve.pid}) ` +
          'has this store open and runs the sweep with its own: leave them out, or give them to serve',
      );
    }
    console.log(`store     handed to distillery serve at ${serve.url} (process ${serve.pid}), which runs the sweep`);
    return demoSweep(new ApiClient(serve.url, serve.apiKey), serve.url, text, file, started);
  }
  const runtime = await openRuntime(config, {
    migrate: true,
    log: (line) => console.log(`database  ${line}`),
    execution,
  });
  // Started first: the training threads load TensorFlow.js (seconds) on other cores while this thread builds
  // the app.
  const executing = runtime.startExecution(() => {});
  executing.catch(() => {}); // awaited below
  const app = await buildRuntimeApp(runtime, { logger: false });
  try {
    const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    const { backend, workerId, ...size } = await executing;
    console.log(`database  ${runtime.where}`);
    console.log(`api       ${baseUrl}   executor ${workerId} (tfjs backend: ${backend}, ${formatExecutorSize(size)})`);
    // On the embedded store the demo's sweep is the local team's, the one `serve` shows on the same store.
    const api = new ApiClient(baseUrl, await runtime.apiKey(runtime.mode === 'embedded' ? LOCAL_TEAM : DEMO_TEAM));
    await demoSweep(api, baseUrl, text, file, started);
  } finally {
    await app.close();
    await runtime.close();
  }
}

/** Submits the sweep over HTTP, prints progress as runs move, then the results table and the frontier. */
async function demoSweep(api: ApiClient, baseUrl: string, text: string, file: string, started: number) {
  const submitted = await api.request<SweepSummary>('POST', '/v1/sweeps', { text, contentType: 'application/yaml' });
  console.log(`sweep     '${submitted.name}' ${submitted.id}: ${submitted.runCount} runs from ${file}\n`);
  const sweep = await followSweep(api, submitted.id, started);
  const results = await api.request<SweepResults>('GET', `/v1/sweeps/${submitted.id}/results`);
  console.log(`\nsweep ${sweep.state} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  console.log(formatResultsTable(results));
  const frontier = await api.request<FrontierView>('GET', `/v1/frontier?sweep=${submitted.id}&format=json`);
  console.log(`\n${formatFrontier(frontier)}`);
  console.log(`\nresults: GET ${baseUrl}/v1/sweeps/${submitted.id}/results (?format=csv); API docs at /docs`);
  if (sweep.state !== 'succeeded') process.exitCode = 1;
}
