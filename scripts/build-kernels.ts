// Compiles packages/ml/assembly (AssemblyScript, wasm SIMD) into packages/ml/src/fast/kernels.wasm, the binary
// the ml package loads. The binary is committed: `docker build` runs `npm ci` before the sources are copied in
// and then prunes dev dependencies, so an install-time build could not run there. A test compiles the sources
// again and requires the same bytes, so the committed binary is always the one these sources give.
//   tsx scripts/build-kernels.ts          write the binary
//   tsx scripts/build-kernels.ts --check  exit 1 when the committed binary is not what the sources compile to
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const KERNEL_SOURCE = join(root, 'packages', 'ml', 'assembly', 'index.ts');
export const KERNEL_BINARY = join(root, 'packages', 'ml', 'src', 'fast', 'kernels.wasm');

/** Flags of the one build: SIMD on, the TLSF allocator without a collector, no bounds assertions, -O3. */
export const ASC_FLAGS = ['--enable', 'simd', '--runtime', 'minimal', '--optimizeLevel', '3', '--shrinkLevel', '0'];

/** The module the sources compile to, in memory. */
export async function compileKernels(): Promise<Uint8Array> {
  let binary: Uint8Array | null = null;
  const stderr: string[] = [];
  const { error } = await asc.main([KERNEL_SOURCE, '--outFile', 'kernels.wasm', '--noAssert', ...ASC_FLAGS], {
    writeFile: (name, contents) => {
      if (name.endsWith('.wasm')) binary = contents as Uint8Array;
    },
    stderr: { write: (s: string | Uint8Array) => stderr.push(String(s)) } as never,
  });
  if (error) throw new Error(`asc failed: ${error.message}\n${stderr.join('')}`);
  if (!binary) throw new Error('asc wrote no .wasm');
  return binary;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const built = await compileKernels();
  if (process.argv.includes('--check')) {
    const committed = readFileSync(KERNEL_BINARY);
    if (!Buffer.from(built).equals(committed)) {
      console.error(`${KERNEL_BINARY} is not what packages/ml/assembly compiles to: run npm run build:kernels`);
      process.exit(1);
    }
    console.log(`${KERNEL_BINARY}: up to date (${committed.length} bytes)`);
  } else {
    writeFileSync(KERNEL_BINARY, built);
    console.log(`wrote ${KERNEL_BINARY} (${built.length} bytes)`);
  }
}
