import { Command, CommanderError } from 'commander';
import type { ServeFlags } from './commands/serve-command.ts';
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
  return cli;
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
