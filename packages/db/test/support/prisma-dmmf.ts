// Prisma's own reading of schema.prisma (the DMMF), from the schema wasm that the installed `prisma` CLI ships
// (node_modules/prisma/build/prisma_schema_build_bg.wasm, the module behind `@prisma/prisma-schema-wasm`,
// which is not installed on its own). The wasm needs four wasm-bindgen imports; they are supplied here by
// name prefix because the suffixes are build hashes. Tests use this to derive the expected database schema.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface DmmfField {
  name: string;
  dbName: string | null;
  kind: 'scalar' | 'object' | 'enum' | 'unsupported';
  type: string;
  isList: boolean;
  isRequired: boolean;
  isId: boolean;
  isUnique: boolean;
  isUpdatedAt: boolean;
  hasDefaultValue: boolean;
  default?: unknown;
  nativeType?: [string, string[]] | null;
  relationName?: string;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}

export interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
  primaryKey: { name: string | null; fields: string[] } | null;
  uniqueFields: string[][];
}

export interface DmmfIndex {
  model: string;
  type: 'id' | 'normal' | 'unique' | 'fulltext';
  isDefinedOnField: boolean;
  dbName?: string;
  fields: { name: string }[];
}

export interface Dmmf {
  datamodel: { models: DmmfModel[]; enums: unknown[]; types: unknown[]; indexes: DmmfIndex[] };
}

// This project's TypeScript libs (ES2023, @types/node 20) do not declare WebAssembly: the little used is typed here.
interface WasmTable {
  get(index: number): unknown;
  set(index: number, value: unknown): void;
  grow(delta: number): number;
}
interface WasmApi {
  Module: { new (bytes: Uint8Array): object; imports(module: object): { module: string; name: string }[] };
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface SchemaWasm {
  memory: { buffer: ArrayBuffer };
  __wbindgen_externrefs: WasmTable;
  __wbindgen_malloc(size: number, align: number): number;
  __wbindgen_free(ptr: number, size: number, align: number): void;
  __externref_table_dealloc(index: number): void;
  __wbindgen_start(): void;
  get_dmmf(ptr: number, len: number): [number, number, number, number];
}

let instance: SchemaWasm | undefined;

function loadSchemaWasm(): SchemaWasm {
  if (instance) return instance;
  const require = createRequire(import.meta.url);
  const wasmPath = join(dirname(require.resolve('prisma/package.json')), 'build', 'prisma_schema_build_bg.wasm');
  const module = new WebAssemblyApi.Module(readFileSync(wasmPath));
  const decoder = new TextDecoder();
  const text = (ptr: number, len: number): string =>
    decoder.decode(new Uint8Array(exports().memory.buffer, ptr >>> 0, len));
  const exports = (): SchemaWasm => {
    if (!instance) throw new Error('schema wasm used before instantiation');
    return instance;
  };
  const implementations: [string, (...args: number[]) => unknown][] = [
    ['__wbg_set_message_', (ptr, len) => console.error(`prisma schema wasm panic: ${text(ptr, len)}`)],
    ['__wbg_Error_', (ptr, len) => new Error(text(ptr, len))],
    [
      '__wbg___wbindgen_throw_',
      (ptr, len) => {
        throw new Error(text(ptr, len));
      },
    ],
    [
      '__wbindgen_init_externref_table',
      () => {
        const table = exports().__wbindgen_externrefs;
        const offset = table.grow(4);
        table.set(0, undefined);
        table.set(offset + 0, undefined);
        table.set(offset + 1, null);
        table.set(offset + 2, true);
        table.set(offset + 3, false);
      },
    ],
  ];
  const placeholder: Record<string, (...args: number[]) => unknown> = {};
  for (const { module: from, name } of WebAssemblyApi.Module.imports(module)) {
    const implementation = implementations.find(([prefix]) => name.startsWith(prefix));
    if (from !== '__wbindgen_placeholder__' || implementation === undefined) {
      throw new Error(`prisma schema wasm needs an unknown import ${from}.${name}: update test/support/prisma-dmmf.ts`);
    }
    placeholder[name] = implementation[1];
  }
  instance = new WebAssemblyApi.Instance(module, { __wbindgen_placeholder__: placeholder })
    .exports as unknown as SchemaWasm;
  instance.__wbindgen_start();
  return instance;
}

/** The DMMF of a schema, as `prisma generate` sees it. Throws with Prisma's message on an invalid schema. */
export function getDmmf(schema: string): Dmmf {
  const wasm = loadSchemaWasm();
  const input = new TextEncoder().encode(JSON.stringify({ prismaSchema: schema }));
  const ptr = wasm.__wbindgen_malloc(input.length, 1);
  new Uint8Array(wasm.memory.buffer, ptr, input.length).set(input);
  const [outPtr, outLen, errorIndex, isError] = wasm.get_dmmf(ptr, input.length);
  if (isError) {
    const error = wasm.__wbindgen_externrefs.get(errorIndex);
    wasm.__externref_table_dealloc(errorIndex);
    throw error;
  }
  const json = new TextDecoder().decode(new Uint8Array(wasm.memory.buffer, outPtr, outLen));
  wasm.__wbindgen_free(outPtr, outLen, 1);
  return JSON.parse(json) as Dmmf;
}
