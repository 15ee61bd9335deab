// Baseline for bench:token: a bare Fastify route doing one INSERT (its own transaction) per request into the
// same Postgres, with the same pool size as token-gen. Run by token.mjs, never on its own.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(
  path.join(path.dirname(fileURLToPath(import.meta.url)), '../../apps/token-gen/package.json'),
);
const Fastify = require('fastify');
const { Pool } = require('pg');

const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DATABASE_POOL_SIZE || 10),
});
const app = Fastify({ logger: false });
app.get('/health', async () => ({ status: 'ok' }));
app.get('/insert', async (request, reply) => {
  await pool.query(
    `INSERT INTO audit_events (kind, drm, environment, account_number, token_id, result_code, client_address, user_agent)
     VALUES ('issuance', 'wv', 'test', 1, $1, 0, $2, $3)`,
    [String(Date.now()), request.ip, request.headers['user-agent'] ?? null],
  );
  reply.header('content-type', 'text/uri-list');
  return 'http://localhost/hms/wv/rights/?ExpressPlayToken=baseline';
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('SIGTERM', async () => {
  await app.close();
  await pool.end();
  process.exit(0);
});
