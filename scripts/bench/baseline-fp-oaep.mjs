// Baseline for bench:rights:fp: a bare Fastify route doing the one private-key operation no CKC can avoid, with the
// same key: the RSA-OAEP (SHA-1) decryption of the SPC's wrapped key (bytes 24–151 of a v1 SPC) with the 1024-bit
// development private key, as the KSM does. No database, no token, no AES, no CKC. Run by rights-fp.mjs, never on
// its own. BASELINE_PRIVATE_KEY: the PEM file.
import { constants, createPrivateKey, privateDecrypt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(
  path.join(path.dirname(fileURLToPath(import.meta.url)), '../../apps/rights/package.json'),
);
const Fastify = require('fastify');

const key = createPrivateKey(readFileSync(process.env.BASELINE_PRIVATE_KEY));

const app = Fastify({ logger: false, bodyLimit: 65536 });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
app.get('/health', async () => ({ status: 'ok' }));
app.post('/ckc', async (request, reply) => {
  const spck = privateDecrypt(
    { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
    request.body.subarray(24, 152),
  );
  if (spck.length !== 16) {
    reply.code(400);
    return 'bad SPC';
  }
  reply.header('content-type', 'application/octet-stream');
  return 'ok';
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('SIGTERM', async () => {
  await app.close();
  process.exit(0);
});
