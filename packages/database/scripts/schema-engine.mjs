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
  const adapter = bindMigrationAwareSqlAdapterFactory(wholeScripts(new PrismaPg({ connectionString, max: 2 })));
  const datamodels = [[schemaPath, readFileSync(schemaPath, 'utf8')]];
  return bindings.SchemaEngine.new({ datamodels }, log, adapter);
}

/**
 * @prisma/adapter-pg runs a migration script by splitting it on every ';', which breaks function bodies,
 * string literals and comments that contain one. PostgreSQL takes a whole script in one simple query
 * (run as one implicit transaction), so migrations are sent whole.
 */
function wholeScripts(factory) {
  const patch = (adapter) => {
    adapter.executeScript = async function executeScript(script) {
      try {
        await this.client.query(script);
      } catch (error) {
        this.onError(error);
      }
    };
    return adapter;
  };
  const connect = factory.connect.bind(factory);
  const connectToShadowDb = factory.connectToShadowDb.bind(factory);
  factory.connect = async () => patch(await connect());
  factory.connectToShadowDb = async () => patch(await connectToShadowDb());
  return factory;
}

export const noFilters = { externalTables: [], externalEnums: [] };
