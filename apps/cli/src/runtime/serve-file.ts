import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_KEY_FILE } from './api-key-file.ts';

/** Where a running `serve` on the embedded store says how to reach it, inside the data folder (mode 0600). */
export const SERVE_FILE = 'serve.json';

/** What the serve file holds: the loopback URL of the API and the serving process. */
export interface ServeFile {
  url: string;
  pid: number;
}

/** A running `serve` on this data folder, with the local team's key, for a second process to talk to. */
export interface RunningServe {
  url: string;
  pid: number;
  apiKey: string;
}

/**
 * The URL a process on this machine reaches `serve` at: the address it bound, or the loopback address when it
 * bound every interface (0.0.0.0, ::).
 */
export function loopbackUrl(host: string, port: number): string {
  if (host === '0.0.0.0' || host === '' || host === '::' || host === '[::]') return `http://127.0.0.1:${port}`;
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
}

/**
 * Written by `serve` once it listens, removed when it stops: the key stays in the data folder's api-key file
 * (both owner-only), so no other file or log line carries it.
 */
export function writeServeFile(dataDir: string, serve: ServeFile): () => void {
  const path = join(dataDir, SERVE_FILE);
  writeFileSync(path, `${JSON.stringify(serve)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return () => {
    try {
      if (readServeFile(dataDir)?.pid === serve.pid) rmSync(path, { force: true });
    } catch {
      // Another serve took the folder over, or it is gone already: nothing of ours to remove.
    }
  };
}

function readServeFile(dataDir: string): ServeFile | undefined {
  let text: string;
  try {
    text = readFileSync(join(dataDir, SERVE_FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const { url, pid } = JSON.parse(text) as Partial<ServeFile>;
    const valid = typeof url === 'string' && /^https?:\/\//.test(url) && Number.isInteger(pid) && (pid as number) > 0;
    return valid ? { url, pid: pid as number } : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The `serve` running on this data folder, if any: its serve file names a live process, and the local team's
 * key is there. A file left by a serve that was killed is ignored (the store's own lock decides the rest).
 */
export function findRunningServe(dataDir: string): RunningServe | undefined {
  const serve = readServeFile(dataDir);
  if (!serve || serve.pid === process.pid || !alive(serve.pid)) return undefined;
  let apiKey: string;
  try {
    apiKey = readFileSync(join(dataDir, API_KEY_FILE), 'utf8').trim();
  } catch {
    return undefined;
  }
  return apiKey === '' ? undefined : { ...serve, apiKey };
}
