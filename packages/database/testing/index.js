// Integration-test databases: one PostgreSQL server per run (TEST_DATABASE_URL, else a testcontainers
// container), migrations applied once into a template database, and a clone of it per test file.
// Plain CommonJS so that jest's globalSetup can load it without a transform.
const { execFileSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const path = require('node:path');
const { Client } = require('pg');

const PREFIX = 'openplay_t';
const STALE_AFTER_MS = 60 * 60 * 1000;
const MIGRATE = path.join(__dirname, '../scripts/migrate.mjs');

function withDatabase(url, database) {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function admin(serverUrl, fn) {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function freshName(kind) {
  return `${PREFIX}${kind}_${Date.now()}_${randomBytes(3).toString('hex')}`;
}

/** Drops test databases that earlier (crashed) runs left behind. */
async function dropStaleDatabases(serverUrl) {
  await admin(serverUrl, async (client) => {
    const { rows } = await client.query('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${PREFIX}%`]);
    for (const { datname } of rows) {
      const stamp = Number(datname.split('_')[2]);
      if (Number.isFinite(stamp) && Date.now() - stamp > STALE_AFTER_MS) {
        await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      }
    }
  });
}

/** Starts (or names) the server and builds the migrated template. Returns what globalTeardown needs. */
async function setUpTestServer() {
  let serverUrl = process.env.TEST_DATABASE_URL;
  let container = null;
  if (!serverUrl) {
    const { PostgreSqlContainer } = require('@testcontainers/postgresql');
    container = await new PostgreSqlContainer('postgres:16-alpine').start();
    serverUrl = container.getConnectionUri();
  }
  await dropStaleDatabases(serverUrl);
  const template = freshName('tpl');
  await admin(serverUrl, (client) => client.query(`CREATE DATABASE "${template}"`));
  execFileSync(process.execPath, [MIGRATE, withDatabase(serverUrl, template)], { stdio: 'pipe' });
  process.env.OPENPLAY_TEST_SERVER_URL = serverUrl;
  process.env.OPENPLAY_TEST_TEMPLATE = template;
  return { serverUrl, template, container };
}

async function tearDownTestServer({ serverUrl, template, container }) {
  await admin(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`));
  if (container) await container.stop();
}

/** A fresh, migrated database for one test file; call `drop()` when done. */
async function cloneTestDatabase() {
  const serverUrl = process.env.OPENPLAY_TEST_SERVER_URL;
  const template = process.env.OPENPLAY_TEST_TEMPLATE;
  if (!serverUrl || !template) throw new Error('integration tests need the database globalSetup (jest.int.config.js)');
  const name = freshName('');
  await admin(serverUrl, (client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  return {
    url: withDatabase(serverUrl, name),
    drop: () => admin(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
  };
}

const { startTcpProxy } = require('./tcp-proxy');

module.exports = { setUpTestServer, tearDownTestServer, cloneTestDatabase, withDatabase, startTcpProxy };
