// Writes prisma/migrations/<timestamp>_<name>/migration.sql: the SQL that takes the schema as committed at
// a git revision (default HEAD; nothing when there are no migrations yet) to prisma/schema.prisma.
// Diffing two datamodels needs no shadow database, which the WebAssembly engine cannot describe here.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSchemaEngine, noFilters } from './schema-engine.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const [name, fromRev = 'HEAD'] = process.argv.slice(2);
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('usage: node new-migration.mjs <snake_case_name> [git revision of the previous schema]');
  process.exit(2);
}
const schemaPath = path.join(root, 'prisma/schema.prisma');
const migrationsDir = path.join(root, 'prisma/migrations');
const hasMigrations = readdirSync(migrationsDir, { withFileTypes: true }).some((entry) => entry.isDirectory());
const from = hasMigrations
  ? {
      tag: 'schemaDatamodel',
      files: [
        {
          path: schemaPath,
          content: execFileSync('git', ['show', `${fromRev}:prisma/schema.prisma`], { cwd: root, encoding: 'utf8' }),
        },
      ],
    }
  : { tag: 'empty' };
const engine = await createSchemaEngine(
  process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
  schemaPath,
);
const { stdout: sql } = await engine.diff({
  from,
  to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: readFileSync(schemaPath, 'utf8') }] },
  script: true,
  shadowDatabaseUrl: null,
  exitCode: null,
  filters: noFilters,
});
if (!sql.trim() || /empty migration/i.test(sql)) {
  console.log('schema and migrations agree: nothing to write');
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const dir = path.join(migrationsDir, `${stamp}_${name}`);
mkdirSync(dir, { recursive: true });
writeFileSync(path.join(dir, 'migration.sql'), sql);
console.log(`wrote ${path.relative(root, dir)}/migration.sql`);
process.exit(0);
