// Prisma's schema engine compiled to WebAssembly, driven through @prisma/adapter-pg: migrations work on
// machines where Prisma's native engine cannot be downloaded. The package imports its .wasm directly
// (needs --experimental-wasm-modules); instantiating it here avoids the flag.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

export async function createSchemaEngine(connectionString, schemaPath) {
  const { PrismaPg } = require('@prisma/adapter-pg');
  const { bindMigrationAwareSqlAdapterFactory } = require('@prisma/driver-adapter-utils');
  const dir = path.dirname(require.resolve('@prisma/schema-engine-wasm'));
  const bindings = await import(path.join(dir, 'schema_engine_bg.js'));
  const { instance } = await WebAssembly.instantiate(readFileSync(path.join(dir, 'schema_engine_bg.wasm')), {
    './schema_engine_bg.js': bindings,
  });
  // The engine reports a Rust panic's text through this global before it throws.
  globalThis.PRISMA_WASM_PANIC_REGISTRY ??= {
    set_message(message) {
      process.stderr.write(`prisma schema engine panic: ${message}\n`);
    },
  };
  bindings.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start?.();
  const log = (line) => {
    if (process.env.PRISMA_SCHEMA_ENGINE_LOG) process.stderr.write(`${line}\n`);
  };
  const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg({ connectionString, max: 2 }));
  const datamodels = [[schemaPath, readFileSync(schemaPath, 'utf8')]];
  return bindings.SchemaEngine.new({ datamodels }, log, adapter);
}

export const noFilters = { externalTables: [], externalEnums: [] };
