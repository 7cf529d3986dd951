import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SubmittedSweep, SweepDetail, SweepList, SweepPlan, SweepSummary } from '@distillery/api';
import { ApiClient } from '../api-client.ts';
import { loadConfig, requireQueue } from '../config.ts';
import { ConfigError } from '../config-error.ts';
import { type ExecutionFlags, executionSettings, givesExecutionSettings } from '../execution-flags.ts';
import { type FrontierView, formatFrontier } from '../format-frontier.ts';
import { formatWarnings } from '../format-warnings.ts';
import { buildRuntimeApp } from '../runtime/build-runtime-app.ts';
import { formatExecutorEvent, formatExecutorSize, tellsMoreThanTheRunLines } from '../runtime/executor-lines.ts';
import { InjectClient } from '../runtime/inject-client.ts';
import { openRuntime } from '../runtime/open-runtime.ts';
import { findRunningServe, type RunningServe } from '../runtime/serve-file.ts';
import { LOCAL_TEAM } from '../runtime/team-api-key.ts';
import { watchSweep } from './sweep-watch-command.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

export interface RunFlags extends ExecutionFlags {
  /** The team the sweep belongs to (created when missing). @defaultValue local */
  team?: string;
  /**
   * Submit the sweep anew and train every run again, even when the same spec's sweep is unfinished in the store
   * or the team has identical runs. @defaultValue false
   */
  rerun?: boolean;
  /** Print the plan (runs, predicted sizes, reuse) and stop: nothing is submitted or trained. @defaultValue false */
  dryRun?: boolean;
}

/** The sweep file as given, else relative to the repository (so `examples/…` works from anywhere). */
export function findSweepFile(file: string): string {
  const path = [resolve(file), join(REPO_ROOT, file)].find((p) => existsSync(p));
  if (!path) throw new ConfigError(`sweep file not found: ${file}`);
  return path;
}

/**
 * `distillery run FILE`: runs a sweep in this process and prints its results — with nothing configured, on the
 * embedded store (no servers). Submits through the API's own code (in process, no port), executes the runs
 * here in DAG order with the worker's handler, shows progress bars (a line per run change when not on a
 * terminal), then the results table (mean ± std over seeds) and the accuracy-vs-size frontier. Exit code 0
 * only when the sweep succeeded. On a server deployment it does the same against PostgreSQL + Redis, executing
 * here alongside any other workers. When the same spec's sweep is still unfinished in the store (the last
 * `run` was interrupted), it resumes and follows that sweep instead of submitting another; `--rerun` submits
 * anew and trains every run again.
 */
export async function runCommand(file: string, flags: RunFlags = {}): Promise<void> {
  const path = findSweepFile(file);
  const text = readFileSync(path, 'utf8');
  const config = loadConfig();
  requireQueue(config, 'run');
  const execution = executionSettings(flags);
  const started = Date.now();
  const serve = config.mode === 'embedded' ? findRunningServe(config.dataDir) : undefined;
  if (flags.dryRun) {
    const { runDryRun } = await import('./run-dry-run.ts');
    return runDryRun(config, serve, text, { team: flags.team ?? LOCAL_TEAM, rerun: flags.rerun === true, execution });
  }
  if (serve) return runOnServe(serve, text, file, flags, started);
  const runtime = await openRuntime(config, {
    migrate: true,
    log: (line) => console.log(`store     ${line}`),
    execution,
  });
  // The run lines below show starts and results; the executor's own events are shown for what they alone say
  // (retries, resumes), except on a terminal, where they would tear the progress bars redrawn in place.
  const tty = process.stdout.isTTY === true;
  // Started first: the training threads load TensorFlow.js (seconds) on other cores while this thread builds
  // the app and submits the sweep; the runs wait in the queue until the executor takes jobs.
  const executing = runtime.startExecution((event) => {
    if (tty || !tellsMoreThanTheRunLines(event)) return;
    console.log(`          ${formatExecutorEvent(event)}`);
  });
  executing.catch(() => {}); // awaited below, after the submission
  const app = await buildRuntimeApp(runtime);
  let interrupted = false;
  const interrupt = () => {
    interrupted = true;
    console.error('\ninterrupted: stopping (the sweep resumes the next time this store is opened by run or serve)');
    Promise.allSettled([app.close(), runtime.close()]).then(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    const api = new InjectClient(app, await runtime.apiKey(flags.team ?? LOCAL_TEAM));
    const submitted = await submitOrResume(api, text, file, flags.rerun === true);
    const { backend, workerId, ...size } = await executing;
    console.log(`store     ${runtime.where}`);
    console.log(`executor  ${workerId} (tfjs backend: ${backend}, ${formatExecutorSize(size)})`);
    await follow(api, submitted, started, runtime.where);
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    if (!interrupted) {
      await app.close();
      await runtime.close();
    }
  }
}

/**
 * Submits (or resumes) the sweep, follows it — progress bars on a terminal, a line per run change otherwise,
 * then the results table (as `sweep watch`) — and prints its frontier; exit code 0 only when it succeeded.
 */
async function submitAndFollow(
  api: ApiClient,
  text: string,
  file: string,
  flags: RunFlags,
  started: number,
  where: string,
): Promise<void> {
  await follow(api, await submitOrResume(api, text, file, flags.rerun === true), started, where);
}

/** What {@link submitOrResume} found or submitted, and the lines that say which. */
interface Submitted {
  sweep: SweepSummary;
  lines: string[];
}

/** Prints how the sweep came to be followed, follows it to its end and prints its frontier. */
async function follow(api: ApiClient, { sweep, lines }: Submitted, started: number, where: string): Promise<void> {
  for (const line of lines) console.log(line);
  await watchSweep(api, sweep.id);
  const frontier = await api.request<FrontierView>('GET', `/v1/frontier?sweep=${sweep.id}&format=json`);
  console.log(`\n${formatFrontier(frontier)}`);
  const done = await api.request<SweepDetail>('GET', `/v1/sweeps/${sweep.id}`);
  console.log(`\nsweep ${done.state} in ${((Date.now() - started) / 1000).toFixed(1)} s (results in ${where})`);
  // Last, alone on its line, for scripts (as `sweep submit`).
  console.log(sweep.id);
  process.exitCode = done.state === 'succeeded' ? 0 : 1;
}

/**
 * The store is a running `serve`'s (its lock keeps this process out): the sweep goes to it over HTTP as its
 * local team's, and is followed from here; Ctrl-C stops following, not the sweep.
 */
async function runOnServe(
  serve: RunningServe,
  text: string,
  file: string,
  flags: RunFlags,
  started: number,
): Promise<void> {
  if ((flags.team ?? LOCAL_TEAM) !== LOCAL_TEAM) {
    throw new ConfigError(
      `--team ${flags.team}: \`distillery serve\` (process ${serve.pid}) has this store open and takes sweeps of ` +
        `team '${LOCAL_TEAM}' only; leave --team out, or stop serve first`,
    );
  }
  if (givesExecutionSettings(flags)) {
    throw new ConfigError(
      `--threads and --pack-max size this process's executor, but \`distillery serve\` (process ${serve.pid}) has ` +
        'this store open and runs the sweep with its own: leave them out, or give them to serve',
    );
  }
  console.log(`store     handed to distillery serve at ${serve.url} (process ${serve.pid}), which runs the sweep`);
  await submitAndFollow(new ApiClient(serve.url, serve.apiKey), text, file, flags, started, `serve at ${serve.url}`);
}

/**
 * The sweep to follow: the team's unfinished sweep of this very spec (same canonical hash) if there is one,
 * else a new submission (which reuses the team's identical runs unless `rerun`), with the lines that say which.
 */
async function submitOrResume(api: ApiClient, text: string, file: string, rerun: boolean): Promise<Submitted> {
  const body = { text, contentType: 'application/yaml' };
  if (!rerun) {
    const plan = await api.request<SweepPlan>('POST', '/v1/sweeps?dryRun=true', body);
    const { items } = await api.request<SweepList>('GET', `/v1/sweeps?specHash=${plan.specHash}&state=running&limit=1`);
    const unfinished = items[0];
    if (unfinished !== undefined) {
      const line =
        `sweep     '${unfinished.name}' ${unfinished.id}: resuming this unfinished sweep of ${file} ` +
        `(${unfinished.runCount} runs; --rerun submits it anew)\n`;
      return { sweep: unfinished, lines: [line] };
    }
  }
  const sweep = await api.request<SubmittedSweep>('POST', `/v1/sweeps${rerun ? '?rerun=true' : ''}`, body);
  const reused = await api.request<{ items: { reusedFrom: unknown }[] }>('GET', `/v1/sweeps/${sweep.id}/runs`);
  const count = reused.items.filter((r) => r.reusedFrom !== null).length;
  const note = count > 0 ? ` (${count} reused from earlier sweeps, not trained again)` : '';
  const lines = [`sweep     '${sweep.name}' ${sweep.id}: ${sweep.runCount} runs from ${file}${note}\n`];
  if (sweep.warnings?.length) lines.push(`${formatWarnings(sweep.warnings)}\n`);
  return { sweep, lines };
}
