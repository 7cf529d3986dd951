import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { SubmittedSweep, SweepPlan } from '@distillery/api';
import { quantizedPercent } from '@distillery/spec';
import { connect } from '../client/connect.ts';
import { explainWatchInterrupt } from '../client/explain-watch-interrupt.ts';
import { formatTable, kilobytes } from '../client/table.ts';
import { ConfigError } from '../config-error.ts';
import { formatRunEstimate, formatSweepEstimate } from '../format-estimated-time.ts';
import { formatWarnings } from '../format-warnings.ts';
import { loadWorkflowConfig } from '../workflow-config.ts';

export interface SweepSubmitFlags {
  dryRun?: boolean;
  watch?: boolean;
  /** Train every run again, even those the team already has. @defaultValue false */
  rerun?: boolean;
}

/**
 * The expanded plan: one line per run with its predicted parameters and size — the share of values quantized and
 * the bytes split into codes, bucket headers, float tensors and a pruned model's index (bitmaps or SuRP stream;
 * ≈ marks an estimate), its estimated time and where that rate came from — then totals, the sweep's estimated
 * time (on one executor, with `options.threads` runs training at once when that is more than one, and along the
 * critical path) and any warnings.
 */
export function formatPlan(plan: SweepPlan, options: { threads?: number } = {}): string {
  const rows = plan.runs.map((r) => [
    r.key,
    r.kind,
    r.label,
    r.parentKey ?? r.parentRunId?.slice(0, 8) ?? '',
    String(r.predicted.parameters),
    String(r.predicted.bits),
    // ≈: an estimate, where the bytes depend on what the run finds (SuRP's stream, a pruned student's survivors).
    `${r.predicted.estimated ? '≈' : ''}${kilobytes(r.predicted.bytes)}`,
    r.predicted.quantizedValues === 0 ? '–' : quantizedPercent(r.predicted.quantizedFraction),
    [r.predicted.codeBytes, r.predicted.headerBytes, r.predicted.floatBytes, r.predicted.indexBytes]
      .map((b) => kilobytes(b))
      .join(' + '),
    r.reusedFrom ? '–' : formatRunEstimate(r.estimatedTime),
    r.reusedFrom ? `reused from sweep ${r.reusedFrom.sweepId} (run ${r.reusedFrom.runId})` : 'trains',
  ]);
  const bytes = plan.runs.reduce((s, r) => s + r.predicted.bytes, 0);
  const reuse =
    plan.reusedRunCount > 0 ? `; ${plan.reusedRunCount} reused, ${plan.runCount - plan.reusedRunCount} to train` : '';
  return [
    formatTable(
      [
        'run',
        'kind',
        'configuration',
        'waits for',
        'params',
        'bits',
        'size',
        'quantized',
        'codes + headers + float + index',
        'est. time',
        'reuse',
      ],
      rows,
      ['left', 'left', 'left', 'left', 'right', 'right', 'right', 'right', 'right', 'left', 'left'],
    ),
    '',
    ...formatSmhPools(plan),
    ...formatCremboSearches(plan),
    ...formatPacks(plan),
    ...(plan.warnings.length > 0 ? [formatWarnings(plan.warnings), ''] : []),
    `${plan.runCount} runs, ${kilobytes(bytes)} of weights in all${reuse} (dry run: nothing was submitted)`,
    formatSweepEstimate(plan, options.threads),
  ].join('\n');
}

/**
 * One line per planned pack (runs that train together, each keeping its own result), `pack of 3 (waits for
 * teacher): s0.seed1, s0.seed2, s0.seed3`, then a blank line; nothing when every run trains alone.
 */
function formatPacks(plan: SweepPlan): string[] {
  if (plan.packs.length === 0) return [];
  const packed = plan.packs.reduce((n, p) => n + p.keys.length, 0);
  return [
    `${packed} runs train in ${plan.packs.length} pack(s) of up to ${plan.packMax} (each keeps its own result):`,
    ...plan.packs.map(
      (p) => `pack of ${p.keys.length}${p.parent ? ` (waits for ${p.parent})` : ''}: ${p.keys.join(', ')}`,
    ),
    '',
  ];
}

/**
 * One line per CREMBO configuration of the plan (its seeds and variants share the bound): how many trainings its
 * search may take, `crembo s1.seed1 (+5): up to 12 trainings of 2 epochs (24 in all), bce loss, student selected
 * on 20% of the training rows`; nothing for a plan without CREMBO runs.
 */
function formatCremboSearches(plan: SweepPlan): string[] {
  const searches = new Map<string, { keys: string[]; crembo: NonNullable<SweepPlan['runs'][number]['crembo']> }>();
  for (const r of plan.runs) {
    if (!r.crembo) continue;
    const id = JSON.stringify(r.crembo);
    const search = searches.get(id) ?? { keys: [], crembo: r.crembo };
    search.keys.push(r.key);
    searches.set(id, search);
  }
  if (searches.size === 0) return [];
  const lines = [...searches.values()].map(({ keys, crembo }) => {
    const more = keys.length > 1 ? ` (+${keys.length - 1})` : '';
    const epochs = crembo.maxEpochs / crembo.thresholds;
    return (
      `crembo ${keys[0]}${more}: up to ${crembo.thresholds} trainings of ${epochs} epochs (${crembo.maxEpochs} in ` +
      `all), ${crembo.loss} loss, student selected on ${Math.round(crembo.validation * 100)}% of the training rows`
    );
  });
  return [...lines, ''];
}

/**
 * One line per distinct Structured Multi-Hashing pool of the plan (runs of one model share it): its two matrices
 * and what they stand for, `smh pool of s0.seed1 (+3): L 160×15 + R 15×160 = 4800 values for 25408 kernel values
 * (18.9%)`; nothing for a plan without SMH models.
 */
function formatSmhPools(plan: SweepPlan): string[] {
  const pools = new Map<string, { keys: string[]; smh: NonNullable<SweepPlan['runs'][number]['smh']> }>();
  for (const r of plan.runs) {
    if (!r.smh) continue;
    const id = `${r.smh.m} ${r.smh.k} ${r.smh.kernelValues}`;
    const pool = pools.get(id) ?? { keys: [], smh: r.smh };
    pool.keys.push(r.key);
    pools.set(id, pool);
  }
  if (pools.size === 0) return [];
  const lines = [...pools.values()].map(({ keys, smh }) => {
    const more = keys.length > 1 ? ` (+${keys.length - 1})` : '';
    const share = ((100 * smh.poolValues) / smh.kernelValues).toFixed(1);
    return (
      `smh pool of ${keys[0]}${more}: L ${smh.m}×${smh.k} + R ${smh.k}×${smh.m} = ${smh.poolValues} values ` +
      `for ${smh.kernelValues} kernel values (${share}%)`
    );
  });
  return [...lines, ''];
}

/**
 * The dry-run request: with the `rerun` flag, and packs planned for this machine's DISTILLERY_PACK_MAX when set
 * (else the API's default, the workers' default).
 */
export function dryRunUrl(
  rerun: boolean,
  env: NodeJS.ProcessEnv = process.env,
  packMaxFlag: number | undefined = undefined,
): string {
  const packMax = packMaxFlag ?? loadWorkflowConfig(env).packMax;
  return `/v1/sweeps?dryRun=true${rerun ? '&rerun=true' : ''}${packMax !== undefined ? `&packMax=${packMax}` : ''}`;
}

/**
 * Submits a sweep file (YAML or JSON) and prints its id on the last line (after following it with --watch), or
 * with --dry-run prints its plan and predicted sizes.
 */
export async function sweepSubmitCommand(file: string, flags: SweepSubmitFlags): Promise<void> {
  if (!existsSync(file)) throw new ConfigError(`sweep file not found: ${file}`);
  const text = readFileSync(file, 'utf8');
  const contentType = extname(file).toLowerCase() === '.json' ? 'application/json' : 'application/yaml';
  const api = connect();
  const rerun = flags.rerun === true;
  if (flags.dryRun) {
    const plan = await api.request<SweepPlan>('POST', dryRunUrl(rerun), { text, contentType });
    console.log(formatPlan(plan));
    return;
  }
  const sweep = await api.request<SubmittedSweep>('POST', `/v1/sweeps${rerun ? '?rerun=true' : ''}`, {
    text,
    contentType,
  });
  console.log(`submitted sweep '${sweep.name}': ${sweep.runCount} runs`);
  if (sweep.warnings?.length) console.error(formatWarnings(sweep.warnings));
  if (flags.watch) {
    const { watchSweep } = await import('./sweep-watch-command.ts');
    const stop = explainWatchInterrupt(sweep.id);
    try {
      await watchSweep(api, sweep.id);
    } finally {
      stop();
    }
  }
  // Last, alone on its line, for scripts (`id=$(distillery sweep submit f.yaml | tail -1)`), after any results.
  console.log(sweep.id);
}
