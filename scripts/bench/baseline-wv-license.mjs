// Baseline for bench:rights:wv: a bare Fastify route doing the public-key work no Widevine license can avoid,
// with the same key size (RSA-2048 device keys): one RSA-PSS (SHA-1, salt 20) verification of the challenge's
// signature over its msg, and one RSA-OAEP (SHA-1) encryption of a 16-byte session key to the device key.
// No database, no token, no KDF, no license. Run by rights-wv.mjs, never on its own.
// BASELINE_DEVICE_KEYS: JSON file, an array of device public keys (PEM); the x-bench-device header picks one.
import { constants, createPublicKey, publicEncrypt, randomBytes, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { msgAndSignature } from './signed-message.mjs';

const require = createRequire(
  path.join(path.dirname(fileURLToPath(import.meta.url)), '../../apps/rights/package.json'),
);
const Fastify = require('fastify');

const keys = JSON.parse(readFileSync(process.env.BASELINE_DEVICE_KEYS, 'utf8')).map((pem) => createPublicKey(pem));

const app = Fastify({ logger: false, bodyLimit: 65536 });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
app.get('/health', async () => ({ status: 'ok' }));
app.post('/license', async (request, reply) => {
  const key = keys[Number(request.headers['x-bench-device'] ?? 0)];
  const { msg, signature } = msgAndSignature(request.body);
  if (!verify('sha1', msg, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 20 }, signature)) {
    reply.code(400);
    return 'bad signature';
  }
  const wrapped = publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, randomBytes(16));
  reply.header('content-type', 'application/octet-stream');
  return wrapped;
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('SIGTERM', async () => {
  await app.close();
  process.exit(0);
});
