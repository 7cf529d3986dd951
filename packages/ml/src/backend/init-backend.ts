import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { MlError } from '../errors.ts';
import { registerWasmKernels } from './wasm-kernels.ts';

export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** The environment variable that overrides the backend a caller asks for. */
export const BACKEND_ENV = 'DISTILLERY_BACKEND';
export const DEFAULT_BACKEND: BackendName = 'wasm';

/** Native TensorFlow bindings, tried in this order; absent here (their install needs a download), present on GPU workers. */
const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

let pending: Promise<string> | null = null;
let pendingFor: BackendName | null = null;

/**
 * Chooses and initialises the backend: 'tensorflow' (tfjs-node-gpu, else tfjs-node, loaded lazily), 'wasm'
 * (default) or 'cpu'. `DISTILLERY_BACKEND` overrides the argument. Falls back tensorflow → wasm → cpu with a
 * log line saying which backend is used. Returns the backend's name. Idempotent: later calls asking for the
 * same backend return the first call's answer.
 */
export function initBackend(preferred?: BackendName, log: (line: string) => void = console.log): Promise<string> {
  const fromEnv = process.env[BACKEND_ENV];
  if (fromEnv !== undefined && fromEnv !== '' && !(BACKENDS as readonly string[]).includes(fromEnv)) {
    return Promise.reject(
      new MlError('BACKEND', `${BACKEND_ENV}='${fromEnv}' is not a backend; expected one of ${BACKENDS.join(', ')}`),
    );
  }
  const wanted = (fromEnv || preferred || DEFAULT_BACKEND) as BackendName;
  if (!pending || pendingFor !== wanted) {
    pendingFor = wanted;
    pending = choose(wanted, log);
  }
  return pending.then(async (name) => {
    // Someone (a test comparing backends) may have switched since: make the chosen backend current again.
    if (tf.getBackend() !== name) await tf.setBackend(name);
    return name;
  });
}

async function choose(wanted: BackendName, log: (line: string) => void): Promise<string> {
  const order: BackendName[] =
    wanted === 'tensorflow' ? ['tensorflow', 'wasm', 'cpu'] : wanted === 'wasm' ? ['wasm', 'cpu'] : ['cpu'];
  const failures: string[] = [];
  for (const name of order) {
    try {
      if (name === 'tensorflow') await loadNative();
      if (!(await tf.setBackend(name))) throw new Error('setBackend returned false');
      await tf.ready();
      if (name === 'wasm') registerWasmKernels();
      const used = tf.getBackend();
      log(
        failures.length > 0
          ? `tfjs backend: ${used} (asked for ${wanted}; ${failures.join('; ')})`
          : `tfjs backend: ${used}`,
      );
      return used;
    } catch (e) {
      failures.push(`${name} unavailable: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
  }
  throw new MlError('BACKEND', `no tfjs backend could be initialised: ${failures.join('; ')}`);
}

async function loadNative(): Promise<void> {
  const errors: string[] = [];
  for (const pkg of NATIVE_PACKAGES) {
    try {
      // A variable specifier: the packages are optional and absent at type-check time.
      await import(pkg);
      if (tf.findBackend('tensorflow')) return;
      errors.push(`${pkg} loaded but registered no 'tensorflow' backend`);
    } catch (e) {
      errors.push(`${pkg}: ${(e as { code?: string }).code ?? (e as Error).message}`);
    }
  }
  throw new Error(errors.join(', '));
}

/** The backend already initialised by `initBackend`, or the default one initialised now. */
export function currentBackend(): Promise<string> {
  return pending ? initBackend(pendingFor ?? undefined) : initBackend();
}
