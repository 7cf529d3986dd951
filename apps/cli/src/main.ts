import { Command, CommanderError } from 'commander';
import { withOutputFormat, withResultFilters } from './client/result-filter-flags.ts';
import type { CompareFlags } from './commands/compare-command.ts';
import type { FrontierFlags } from './commands/frontier-command.ts';
import type { KeyCreateFlags } from './commands/key-commands.ts';
import type { LoginFlags } from './commands/login-command.ts';
import type { ResultsFlags } from './commands/results-command.ts';
import type { ServeFlags } from './commands/serve-command.ts';
import type { SweepListFlags } from './commands/sweep-list-command.ts';
import type { SweepSubmitFlags } from './commands/sweep-submit-command.ts';
import type { WorkerFlags } from './commands/worker-command.ts';
import { ConfigError } from './config-error.ts';

// Commands load lazily: `serve` must never load TensorFlow.js (only workers and the demo do), and
// `team create` should not pay for Fastify or tfjs start-up.
const migrateCommand = async () => (await import('./commands/migrate-command.ts')).migrateCommand();
const teamCreateCommand = async (name: string) =>
  (await import('./commands/team-create-command.ts')).teamCreateCommand(name);
const serveCommand = async (flags: ServeFlags) => (await import('./commands/serve-command.ts')).serveCommand(flags);
const workerCommand = async (flags: WorkerFlags) => (await import('./commands/worker-command.ts')).workerCommand(flags);
const reconcileCommand = async () => (await import('./commands/reconcile-command.ts')).reconcileCommand();
const demoCommand = async (file: string) => (await import('./commands/demo-command.ts')).demoCommand(file);
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
const keyCreateCommand = async (name: string, flags: KeyCreateFlags) =>
  (await import('./commands/key-commands.ts')).keyCreateCommand(name, flags);
const keyListCommand = async () => (await import('./commands/key-commands.ts')).keyListCommand();
const keyRevokeCommand = async (id: string) => (await import('./commands/key-commands.ts')).keyRevokeCommand(id);

function program(): Command {
  const cli = new Command('distillery')
    .description('Knowledge-distillation sweeps for model compression: teachers, compact students, quantization.')
    .showHelpAfterError()
    .exitOverride();
  cli
    .command('migrate')
    .description('create the database if needed and apply migrations to DATABASE_URL')
    .action(migrateCommand);
  cli
    .command('team')
    .description('manage teams')
    .command('create')
    .argument('<name>', 'team name')
    .description('create a team and an API key (printed alone on the last line)')
    .action(teamCreateCommand);
  cli
    .command('serve')
    .description('run the REST API')
    .option('-p, --port <port>', 'port to listen on (env PORT; default 8080)')
    .option('--host <host>', 'address to bind (env HOST; default 127.0.0.1)')
    .action(serveCommand);
  cli
    .command('worker')
    .description('run a worker that executes runs from the queue')
    .option('-c, --concurrency <n>', 'runs at once in this process', '1')
    .option('--backend <name>', 'TensorFlow.js backend: tensorflow | wasm | cpu (env DISTILLERY_BACKEND)')
    .option('--no-reconcile', 'do not run a reconciler in this worker (run `distillery reconcile` instead)')
    .action(workerCommand);
  cli
    .command('reconcile')
    .description('repair the queue from PostgreSQL: re-enqueue lost runs, retry runs whose worker died')
    .action(reconcileCommand);
  cli
    .command('demo')
    .description('migrate, start an API and a worker in this process, run a sweep and print its results')
    .argument('[file]', 'sweep file', 'examples/quickstart.yaml')
    .action(demoCommand);
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
        .description('B against A along one dimension at otherwise equal configuration (paired differences)')
        .option(
          '--dimension <name>',
          'activation, bits, method, hidden, temperature, alpha, or a config path',
          'activation',
        )
        .option('--limit <n>', 'pairs listed (the summary covers all)'),
    ),
  ).action(compareCommand);

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
