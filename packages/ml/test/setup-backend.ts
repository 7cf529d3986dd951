import { initBackend } from '../src/index.ts';

/** Every suite runs on the wasm backend, the default of a worker here; quiet about it. */
export async function useWasm(): Promise<void> {
  await initBackend('wasm', () => {});
}
