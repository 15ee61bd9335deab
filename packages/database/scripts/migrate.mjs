// Applies pending migrations from prisma/migrations to DATABASE_URL (or the URL given as first argument)
// and records them in Prisma's `_prisma_migrations`, so `prisma migrate deploy` elsewhere sees the same history.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSchemaEngine, noFilters } from './schema-engine.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export function migrationsList(migrationsDir) {
  const lockPath = path.join(migrationsDir, 'migration_lock.toml');
  return {
    baseDir: migrationsDir,
    lockfile: {
      path: 'migration_lock.toml',
      content: existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : null,
    },
    shadowDbInitScript: '',
    migrationDirectories: readdirSync(migrationsDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort()
      .map((name) => ({
        path: name,
        migrationFile: {
          path: 'migration.sql',
          content: { tag: 'ok', value: readFileSync(path.join(migrationsDir, name, 'migration.sql'), 'utf8') },
        },
      })),
  };
}

export async function migrate(connectionString, { quiet = false } = {}) {
  const migrationsDir = path.join(root, 'prisma/migrations');
  const engine = await createSchemaEngine(connectionString, path.join(root, 'prisma/schema.prisma'));
  try {
    const result = await engine.applyMigrations({
      migrationsList: migrationsList(migrationsDir),
      filters: noFilters,
    });
    if (!quiet) {
      const applied = result.appliedMigrationNames;
      console.log(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema is up to date');
    }
    return result;
  } finally {
    engine.free?.();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const url = process.argv[2] ?? process.env.DATABASE_URL;
  if (!url) {
    console.error('migrate: set DATABASE_URL (or pass the connection URL as the first argument)');
    process.exit(2);
  }
  migrate(url).then(
    () => process.exit(0),
    (error) => {
      console.error(`migrate: ${error?.message ?? error}`);
      process.exit(1);
    },
  );
}
