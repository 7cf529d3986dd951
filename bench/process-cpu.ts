/**
 * CPU time of processes from /proc/<pid>/stat: user + system time, all threads, in ms (the kernel counts clock
 * ticks of 10 ms on these machines). The benches put it beside wall time, since the machines are shared.
 */
import { readFileSync } from 'node:fs';

/** utime + stime of the process so far, in ms; undefined once it has ended. */
export function processCpuMs(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name in parentheses may hold spaces: the fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** utime + stime of each process so far, in ms; the ones that have ended are left out. */
export function processesCpuMs(pids: readonly number[]): Map<number, number> {
  const spent = new Map<number, number>();
  for (const pid of pids) {
    const ms = processCpuMs(pid);
    if (ms !== undefined) spent.set(pid, ms);
  }
  return spent;
}
