import type { AddressInfo } from 'node:net';
import { loadConfig, requireQueue, resolvePort } from '../config.ts';
import { ConfigError } from '../config-error.ts';
import { resolveEventStreamLimits } from '../event-stream-config.ts';
import { type ExecutionFlags, executionSettings, givesExecutionSettings } from '../execution-flags.ts';
import { resolveMetricsOptions } from '../metrics-config.ts';
import { resolveRateLimit } from '../rate-limit-config.ts';
import { buildRuntimeApp } from '../runtime/build-runtime-app.ts';
import { formatExecutorSize, printExecutorEvent } from '../runtime/executor-lines.ts';
import { openRuntime } from '../runtime/open-runtime.ts';
import { loopbackUrl, type ServeFile, writeServeFile } from '../runtime/serve-file.ts';
import { LOCAL_TEAM } from '../runtime/team-api-key.ts';
import { onShutdown } from '../shutdown.ts';

export const DEFAULT_PORT = 8080;

export interface ServeFlags extends ExecutionFlags {
  port?: string;
  host?: string;
}

/**
 * Runs the REST API until SIGINT/SIGTERM. On a server deployment it only serves (workers execute the runs);
 * with nothing configured it serves the embedded store and executes the runs in this process.
 */
export async function serveCommand(flags: ServeFlags): Promise<void> {
  const config = loadConfig();
  requireQueue(config, 'serve');
  const port = resolvePort(flags.port, process.env, DEFAULT_PORT);
  const host = flags.host ?? process.env.HOST ?? '127.0.0.1';
  const execution = executionSettings(flags);
  if (config.mode === 'server' && givesExecutionSettings(flags)) {
    throw new ConfigError(
      '--threads and --pack-max size the embedded executor; on a server deployment serve executes nothing ' +
        '(give them to `distillery worker`)',
    );
  }
  const runtime = await openRuntime(config, { log: console.log, execution });
  try {
    if (runtime.mode === 'embedded') {
      const { backend, workerId: _, ...size } = await runtime.startExecution(printExecutorEvent);
      console.log(
        `${runtime.where}: runs execute in this process (tfjs backend: ${backend}, ${formatExecutorSize(size)})`,
      );
      console.log(`team '${LOCAL_TEAM}', API key (also in the data folder's api-key file):`);
      console.log(await runtime.apiKey(LOCAL_TEAM));
    }
    const app = await buildRuntimeApp(runtime, {
      logger: true,
      events: { source: runtime.events, ...resolveEventStreamLimits(process.env) },
      metrics: resolveMetricsOptions(process.env),
      rateLimit: resolveRateLimit(process.env, runtime.mode === 'server' ? config.redisUrl : undefined),
    });
    const address = await app.listen({ port, host });
    const local = runtime.mode === 'embedded' ? localServe(host, app.server.address()) : undefined;
    // Plain, on its own line, to click or copy (the log lines around it are JSON). On the embedded store it opens
    // the dashboard signed in as the local team: the key rides in the fragment, which browsers never send.
    const signIn = local ? `#key=${encodeURIComponent(await runtime.apiKey(LOCAL_TEAM))}` : '';
    console.log(`dashboard: ${local?.url ?? address}/${signIn}`);
    // `run`, `results`, `sweep …` in another shell find this process through the data folder (the lock keeps
    // them out of the store itself).
    const removeServeFile = local ? writeServeFile(config.dataDir, local) : () => {};
    onShutdown(async () => {
      removeServeFile();
      await app.close();
      await runtime.close();
    });
  } catch (e) {
    await runtime.close();
    throw e;
  }
}

/** This process at its loopback URL, for the serve file and the dashboard line. */
function localServe(host: string, address: AddressInfo | string | null): ServeFile | undefined {
  if (address === null || typeof address === 'string') return undefined;
  return { url: loopbackUrl(host, address.port), pid: process.pid };
}
