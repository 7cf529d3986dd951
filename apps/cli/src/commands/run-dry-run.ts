import { availableParallelism } from 'node:os';
import type { SweepPlan } from '@distillery/api';
import { ApiClient } from '../api-client.ts';
import type { DistilleryConfig } from '../config.ts';
import type { ExecutionSettings } from '../execution-flags.ts';
import { buildRuntimeApp } from '../runtime/build-runtime-app.ts';
import { InjectClient } from '../runtime/inject-client.ts';
import { openRuntime } from '../runtime/open-runtime.ts';
import type { RunningServe } from '../runtime/serve-file.ts';
import { LOCAL_TEAM } from '../runtime/team-api-key.ts';
import { loadWorkflowConfig } from '../workflow-config.ts';
import { dryRunUrl, formatPlan } from './sweep-submit-command.ts';

/**
 * `distillery run FILE --dry-run`: the sweep's plan — every run, what it waits for, its predicted size and
 * whether it is reused — checked by the same API code as a submission, against the store `run` would use (or
 * the `serve` that has it open). No sweep is stored and nothing trains. Its estimated time includes the time with
 * as many runs training at once as `run` here would train (--threads, else DISTILLERY_THREADS, else the executor's
 * default of one per core), its packs those of --pack-max (else DISTILLERY_PACK_MAX); a `serve` has its own, so that line is left out there.
 */
export async function runDryRun(
  config: DistilleryConfig,
  serve: RunningServe | undefined,
  text: string,
  options: { team: string; rerun: boolean; execution?: ExecutionSettings },
): Promise<void> {
  const execution = options.execution ?? {};
  const url = dryRunUrl(options.rerun, process.env, execution.packMax);
  const body = { text, contentType: 'application/yaml' };
  if (serve) {
    console.log(formatPlan(await new ApiClient(serve.url, serve.apiKey).request<SweepPlan>('POST', url, body)));
    return;
  }
  const runtime = await openRuntime(config, { migrate: true, log: () => {} });
  const app = await buildRuntimeApp(runtime);
  try {
    const api = new InjectClient(app, await runtime.apiKey(options.team || LOCAL_TEAM));
    // The in-process executor's training threads: --threads, else DISTILLERY_THREADS, else one per core (its
    // documented default).
    const threads = execution.threads ?? loadWorkflowConfig().threads ?? availableParallelism();
    console.log(formatPlan(await api.request<SweepPlan>('POST', url, body), { threads }));
  } finally {
    await app.close();
    await runtime.close();
  }
}
