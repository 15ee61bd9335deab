// `prisma generate` without Prisma's native engines. Every Prisma CLI command first makes sure the native
// schema engine exists and otherwise tries to download it (impossible here); generation never runs it, so
// any existing file satisfies the check. Only set when the user has not pointed it at a real engine.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '../../..');
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1' };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= __filename;
const result = spawnSync(process.execPath, [require.resolve('prisma/build/index.js'), 'generate'], {
  cwd: root,
  env,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
