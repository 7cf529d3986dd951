/**
 * What a client command costs before it talks to its API: `distillery sweep list`, `results`, `compare`, `key
 * list` and `sweep submit --dry-run` run against a port nothing listens on, so each process loads its modules,
 * reads its configuration, fails to connect and exits. Per command it records the process's CPU time (user +
 * system, read by a preload at exit) and wall time, median of the rounds. With `--baseline DIR` (another checkout,
 * e.g. a `git worktree` of an older commit, with its node_modules) the same commands run from there too,
 * interleaved round by round so drifting load hits both alike.
 *
 * Run: `npx tsx bench/cli-start.ts [--rounds 5] [--baseline DIR]`. Prints a markdown table (command, machine, load).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { rounds: { type: 'string' }, baseline: { type: 'string' } } });
const ROUNDS = Number(values.rounds ?? 5);
const ROOT = join(import.meta.dirname, '..');
const checkouts: [string, string][] = [['this checkout', ROOT]];
if (values.baseline) checkouts.push(['baseline', values.baseline]);

const COMMANDS = [
  ['sweep', 'list'],
  ['results', '--kind', 'student'],
  ['compare', 'relu', 'lma-8'],
  ['key', 'list'],
  ['sweep', 'submit', join(ROOT, 'examples', 'quickstart.yaml'), '--dry-run'],
];

const scratch = mkdtempSync(join(tmpdir(), 'distillery-cli-start-'));
const report = join(scratch, 'cpu.json');
// Written at exit by the measured process itself: its own CPU time, threads included.
const preload = join(scratch, 'report-cpu.cjs');
writeFileSync(
  preload,
  `process.on('exit', () => { const c = process.cpuUsage(); require('node:fs').writeFileSync(${JSON.stringify(report)}, JSON.stringify((c.user + c.system) / 1000)); });\n`,
);

function once(root: string, args: string[]): { cpuMs: number; wallMs: number } {
  rmSync(report, { force: true });
  const started = performance.now();
  const r = spawnSync(process.execPath, ['--require', preload, join(root, 'bin', 'distillery.mjs'), ...args], {
    cwd: scratch,
    encoding: 'utf8',
    env: {
      ...process.env,
      DISTILLERY_URL: 'http://127.0.0.1:9',
      DISTILLERY_API_KEY: 'dst_bench',
      DISTILLERY_CONFIG: join(scratch, 'config.json'),
    },
  });
  const wallMs = performance.now() - started;
  if (!/cannot reach the API/.test(r.stderr)) throw new Error(`${args.join(' ')}: unexpected outcome\n${r.stderr}`);
  return { cpuMs: Number(readFileSync(report, 'utf8')), wallMs };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

const loadBefore = loadavg();
const samples = new Map<string, { cpu: number[]; wall: number[] }>();
for (let round = 0; round < ROUNDS; round++) {
  for (const args of COMMANDS) {
    for (const [name, root] of checkouts) {
      const key = `${name}\u0000${args.join(' ')}`;
      const s = samples.get(key) ?? { cpu: [], wall: [] };
      const { cpuMs, wallMs } = once(root, args);
      s.cpu.push(cpuMs);
      s.wall.push(wallMs);
      samples.set(key, s);
    }
  }
}
const loadAfter = loadavg();
rmSync(scratch, { recursive: true, force: true });

console.log(`# Client command start-up\n`);
console.log(`\`npx tsx bench/cli-start.ts ${process.argv.slice(2).join(' ')}\`, ${new Date().toISOString()}`);
console.log(`${cpus().length} × ${cpus()[0]?.model}, Node ${process.version}`);
console.log(
  `load average ${loadBefore.map((l) => l.toFixed(1)).join(' ')} → ${loadAfter.map((l) => l.toFixed(1)).join(' ')}\n`,
);
console.log(`| command | ${checkouts.map(([n]) => `${n}: CPU ms | ${n}: wall ms`).join(' | ')} |`);
console.log(`|---|${checkouts.map(() => '---:|---:').join('|')}|`);
for (const args of COMMANDS) {
  const cells = checkouts.map(([name]) => {
    const s = samples.get(`${name}\u0000${args.join(' ')}`) as { cpu: number[]; wall: number[] };
    return `${median(s.cpu).toFixed(0)} | ${median(s.wall).toFixed(0)}`;
  });
  const shown = args.map((a) => (a.startsWith('/') ? 'examples/quickstart.yaml' : a)).join(' ');
  console.log(`| \`distillery ${shown}\` | ${cells.join(' | ')} |`);
}
console.log(`\nmedian of ${ROUNDS} rounds; each process fails to connect to 127.0.0.1:9 and exits 1.`);
