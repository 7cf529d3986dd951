import { Command, CommanderError } from 'commander';
import { cliVersion } from './cli-version.ts';
import { withOutputFormat, withResultFilters } from './client/result-filter-flags.ts';
import { exitQuietlyWhenStdoutCloses } from './closed-pipe.ts';
import type { CompareFlags } from './commands/compare-command.ts';
import type { ExportFlags } from './commands/export-command.ts';
import type { FrontierFlags } from './commands/frontier-command.ts';
import type { ImportFlags } from './commands/import-command.ts';
import type { InitFlags } from './commands/init-command.ts';
import type { KeyCreateFlags } from './commands/key-commands.ts';
import type { LoginFlags } from './commands/login-command.ts';
import type { ModelDownloadFlags } from './commands/model-download-command.ts';
import type { ResultsFlags } from './commands/results-command.ts';
import type { RunFlags } from './commands/run-command.ts';
import type { ServeFlags } from './commands/serve-command.ts';
import type { SweepListFlags } from './commands/sweep-list-command.ts';
import type { SweepSubmitFlags } from './commands/sweep-submit-command.ts';
import type { WorkerFlags } from './commands/worker-command.ts';
import { ConfigError } from './config-error.ts';
import { PACK_MAX_HELP, THREADS_HELP } from './execution-flag-help.ts';
import type { ExecutionFlags } from './execution-flags.ts';

// Commands load lazily: `serve` must never load TensorFlow.js (only workers and the demo do), and
// `team create` should not pay for Fastify or tfjs start-up.
const migrateCommand = async () => (await import('./commands/migrate-command.ts')).migrateCommand();
const teamCreateCommand = async (name: string) =>
  (await import('./commands/team-create-command.ts')).teamCreateCommand(name);
const teamListCommand = async () => (await import('./commands/team-list-command.ts')).teamListCommand();
const serveCommand = async (flags: ServeFlags) => (await import('./commands/serve-command.ts')).serveCommand(flags);
const workerCommand = async (flags: WorkerFlags) => (await import('./commands/worker-command.ts')).workerCommand(flags);
const reconcileCommand = async () => (await import('./commands/reconcile-command.ts')).reconcileCommand();
const demoCommand = async (file: string, flags: ExecutionFlags) =>
  (await import('./commands/demo-command.ts')).demoCommand(file, flags);
// A sweep run in this process (the embedded store when nothing is configured), and moving results.
const initCommand = async (file: string, flags: InitFlags) =>
  (await import('./commands/init-command.ts')).initCommand(file, flags);
const runCommand = async (file: string, flags: RunFlags) =>
  (await import('./commands/run-command.ts')).runCommand(file, flags);
const exportCommand = async (file: string, flags: ExportFlags) =>
  (await import('./commands/export-command.ts')).exportCommand(file, flags);
const importCommand = async (file: string, flags: ImportFlags) =>
  (await import('./commands/import-command.ts')).importCommand(file, flags);
// Client commands talk to an API over HTTP (`distillery login` first); they load neither Prisma nor Fastify.
const loginCommand = async (flags: LoginFlags) => (await import('./commands/login-command.ts')).loginCommand(flags);
const logoutCommand = async () => (await import('./commands/login-command.ts')).logoutCommand();
const sweepSubmitCommand = async (file: string, flags: SweepSubmitFlags) =>
  (await import('./commands/sweep-submit-command.ts')).sweepSubmitCommand(file, flags);
const sweepWatchCommand = async (id: string) =>
  (await import('./commands/sweep-watch-command.ts')).sweepWatchCommand(id);
const sweepListCommand = async (flags: SweepListFlags) =>
  (await import('./commands/sweep-list-command.ts')).sweepListCommand(flags);
const sweepCancelCommand = async (id: string) =>
  (await import('./commands/sweep-cancel-command.ts')).sweepCancelCommand(id);
const resultsCommand = async (flags: ResultsFlags) =>
  (await import('./commands/results-command.ts')).resultsCommand(flags);
const frontierCommand = async (flags: FrontierFlags) =>
  (await import('./commands/frontier-command.ts')).frontierCommand(flags);
const compareCommand = async (a: string, b: string, flags: CompareFlags) =>
  (await import('./commands/compare-command.ts')).compareCommand(a, b, flags);
const modelDownloadCommand = async (run: string, flags: ModelDownloadFlags) =>
  (await import('./commands/model-download-command.ts')).modelDownloadCommand(run, flags);
const keyCreateCommand = async (name: string, flags: KeyCreateFlags) =>
  (await import('./commands/key-commands.ts')).keyCreateCommand(name, flags);
const keyListCommand = async () => (await import('./commands/key-commands.ts')).keyListCommand();
const keyRevokeCommand = async (id: string) => (await import('./commands/key-commands.ts')).keyRevokeCommand(id);

function program(): Command {
  const cli = new Command('distillery')
    .description('Knowledge-distillation sweeps for model compression: teachers, compact students, quantization.')
    .version(cliVersion(), '-V, --version', 'print the version')
    .showHelpAfterError()
    .exitOverride();
  cli
    .command('migrate')
    .description('create the database if needed and apply migrations (DATABASE_URL, else the embedded store)')
    .action(migrateCommand);
  const team = cli.command('team').description('manage teams (in DATABASE_URL, else the embedded store)');
  team
    .command('create')
    .argument('<name>', 'team name')
    .description('create a team and an API key (printed alone on the last line)')
    .action(teamCreateCommand);
  team
    .command('list')
    .description('the teams, oldest first, with their active keys and sweeps')
    .action(teamListCommand);
  cli
    .command('serve')
    .description('run the REST API')
    .option('-p, --port <port>', 'port to listen on (env PORT; default 8080)')
    .option('--host <host>', 'address to bind (env HOST; default 127.0.0.1)')
    .option('-t, --threads <n>', `${THREADS_HELP}; the embedded executor only`)
    .option('--pack-max <n>', `${PACK_MAX_HELP}; the embedded executor only`)
    .action(serveCommand);
  cli
    .command('worker')
    .description('run a worker that executes runs from the queue')
    .option('-t, --threads <n>', THREADS_HELP)
    .option('-c, --concurrency <n>', 'the former name of --threads: runs at once in this process')
    .option('--pack-max <n>', PACK_MAX_HELP)
    .option('--backend <name>', 'TensorFlow.js backend: tensorflow | wasm | cpu (env DISTILLERY_BACKEND)')
    .option('--no-reconcile', 'do not run a reconciler in this worker (run `distillery reconcile` instead)')
    .option(
      '--nice <n>',
      'scheduling priority to train at, 0 (normal) to 19 (lowest), so an API or database on the same machine is ' +
        'served first (env DISTILLERY_WORKER_NICE; default 10)',
    )
    .action(workerCommand);
  cli
    .command('reconcile')
    .description('repair the queue from PostgreSQL: re-enqueue lost runs, retry runs whose worker died')
    .action(reconcileCommand);
  cli
    .command('demo')
    .description('start the API and run execution in this process, run a sweep over HTTP and print its results')
    .argument('[file]', 'sweep file', 'examples/quickstart.yaml')
    .option('-t, --threads <n>', THREADS_HELP)
    .option('--pack-max <n>', PACK_MAX_HELP)
    .action(demoCommand);
  cli
    .command('run')
    .description(
      'run a sweep in this process, then print its results and accuracy-vs-size frontier (with DATABASE_URL and ' +
        'REDIS_URL unset: no servers, the embedded store in DISTILLERY_DATA_DIR)',
    )
    .argument('<file>', 'sweep file, YAML or JSON')
    .option('--team <name>', 'the team the sweep belongs to (created if missing)', 'local')
    .option(
      '--rerun',
      "submit anew and train every run again (default: resume this spec's unfinished sweep, reuse identical runs)",
    )
    .option('--dry-run', 'print the expanded plan with predicted sizes and reuse; submit and train nothing')
    .option('-t, --threads <n>', THREADS_HELP)
    .option('--pack-max <n>', PACK_MAX_HELP)
    .action(runCommand);
  cli
    .command('init')
    .description('write a commented starter sweep to FILE, ready for `distillery run FILE`')
    .argument('[file]', 'the sweep file to write', 'sweep.yaml')
    .option('--force', 'replace FILE if it exists')
    .action(initCommand);
  cli
    .command('export')
    .description('write the results database (sweeps, runs, metrics, results, models, events) to a file (.gz: gzip)')
    .argument('<file>', 'results file to write (JSON lines)')
    .option('--team <name>', "only this team's data (default: every team's)")
    .action(exportCommand);
  cli
    .command('import')
    .description('read a file from `distillery export` into the configured database (idempotent, ids kept)')
    .argument('<file>', 'results file (JSON lines, or .gz)')
    .requiredOption('--team <name>', 'the team that receives the data (created if missing, printing its key)')
    .action(importCommand);
  clientCommands(cli);
  return cli;
}

/** The commands researchers use against a running API: login, sweeps, results, frontier, compare, keys. */
function clientCommands(cli: Command): void {
  cli
    .command('login')
    .description('check an API key and save the API URL and key (config file, mode 0600)')
    .option('--url <url>', 'the API (env DISTILLERY_URL; default http://127.0.0.1:8080)')
    .option('--key <key>', 'the API key (env DISTILLERY_API_KEY; else read from stdin)')
    .action(loginCommand);
  cli.command('logout').description('forget the saved URL and key').action(logoutCommand);

  const sweep = cli.command('sweep').description('submit, follow, list and cancel sweeps');
  sweep
    .command('submit')
    .argument('<file>', 'sweep file, YAML or JSON')
    .description('submit a sweep; prints its id on the last line')
    .option('--dry-run', 'print the expanded plan with predicted sizes; submit nothing')
    .option('--watch', 'then follow it like `sweep watch`')
    .option('--rerun', "train every run again, even those the team already has (as the spec's `rerun: true`)")
    .action(sweepSubmitCommand);
  sweep
    .command('watch')
    .argument('<id>', 'sweep id')
    .description("follow a sweep's runs with progress bars; exits 0 if it succeeded, 1 otherwise")
    .action(sweepWatchCommand);
  sweep
    .command('list')
    .description("the team's sweeps, newest first")
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print the API answer as JSON')
    .action(sweepListCommand);
  sweep.command('cancel').argument('<id>', 'sweep id').description('cancel a sweep').action(sweepCancelCommand);

  withOutputFormat(
    withResultFilters(
      cli
        .command('results')
        .description("the team's results across sweeps: configurations with mean ± std over seeds")
        .option('--runs', 'one line per run instead of per configuration')
        .option('--sort <field>', 'accuracy, bytes, parameters, n, created; prefix - for descending', '-accuracy')
        .option('--limit <n>', 'how many (table and JSON: default 100, at most 1000)')
        .option('--offset <n>', 'skip this many'),
    ),
  ).action(resultsCommand);
  withOutputFormat(
    withResultFilters(cli.command('frontier').description('the accuracy-vs-size Pareto frontier per data set')),
  ).action(frontierCommand);
  withOutputFormat(
    withResultFilters(
      cli
        .command('compare')
        .argument('<a>', 'baseline value, e.g. relu')
        .argument('<b>', 'compared value, e.g. lma-8')
        .description(
          'B against A along one dimension, paired on seed: mean difference, 95% CI, paired t-test p, n and a verdict',
        )
        .option(
          '--dimension <name>',
          'activation, bits (32 for float), method (none for float), hidden, temperature, alpha, or a config path',
          'activation',
        )
        .option('--limit <n>', 'configuration pairs listed (the per-stratum tests cover all)'),
    ),
  ).action(compareCommand);

  cli
    .command('model')
    .description("a finished run's model, to take away")
    .command('download')
    .argument('<run>', 'run id, or a unique prefix of one')
    .option('--format <format>', 'tfjs (model.json + model.weights.bin) or packed (packed.json + packed.bin)', 'tfjs')
    .option('--out <dir>', 'folder to write into, created if missing (default: ./model-<run id>)')
    .description('write the model files: a standard tfjs-layers model, or the packed artifact as stored')
    .action(modelDownloadCommand);

  const key = cli.command('key').description("manage the team's API keys (admins)");
  key
    .command('create')
    .argument('<name>', 'who or what holds the key')
    .requiredOption('--role <role>', 'admin | member | viewer')
    .option('--expires-in-days <n>', 'the key stops working after this many days')
    .description('create a key; prints it alone on the last line, once')
    .action(keyCreateCommand);
  key.command('list').description("the team's keys (never the secrets)").action(keyListCommand);
  key.command('revoke').argument('<id>', 'key id').description('revoke a key at once').action(keyRevokeCommand);
}

/** Entry point of bin/distillery.mjs. Errors a user can fix print one line, never a stack. */
export async function main(argv: string[]): Promise<void> {
  exitQuietlyWhenStdoutCloses();
  try {
    await program().parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode;
      return;
    }
    if (e instanceof ConfigError || (e instanceof Error && 'code' in e && typeof e.code === 'string')) {
      console.error(`distillery: ${e.message}`);
      process.exitCode = 1;
      return;
    }
    throw e;
  }
}
