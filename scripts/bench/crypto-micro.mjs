// npm run bench:crypto — in-process micro-benchmark of the per-request DRM work, each against its unavoidable RSA
// baseline in the same run (no HTTP, no database): a Widevine NEW license (licenser.handle) vs one RSA-PSS (SHA-1)
// verification + one RSA-OAEP (SHA-1) encryption with the same RSA-2048 device keys; a FairPlay CKC
// (ksm.createCkcSync on Apple's FPS/spc1) vs one RSA-OAEP (SHA-1) decryption with the same 1024-bit key; and the
// token opening (openToken) on its own, on each AEAD core can run it on (see below). Prints µs per operation (median of interleaved rounds), the ratio to the
// baseline and the non-RSA cost: the subject less the RSA it runs (for Widevine, the same two operations through
// @openplay/cipher, measured as their own row; for FairPlay, the baseline).
// MICRO_SECONDS (default 1 per round), MICRO_ROUNDS (default 7). MICRO_CRYPTO_DIST / MICRO_CORE_DIST: another build
// of packages/drm / packages/core to measure (e.g. a copy of dist/ from before a change), printed alongside.
// Needs the packages built first: npx turbo run build. A copy of core's dist from before its AEAD port requires
// @openplay/cipher: run with NODE_PATH=$PWD/node_modules so that it resolves from outside the repository.
import {
  constants,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  verify,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { root } from './harness.mjs';
import { interleavedMedians } from './micro.mjs';
import { msgAndSignature } from './signed-message.mjs';

const seconds = Number(process.env.MICRO_SECONDS || 1);
const rounds = Number(process.env.MICRO_ROUNDS || 7);
const require = createRequire(import.meta.url);

const builds = [
  {
    name: 'current',
    crypto: path.join(root, 'packages/drm/dist/index.js'),
    core: path.join(root, 'packages/core/dist/index.js'),
  },
];
if (process.env.MICRO_CRYPTO_DIST || process.env.MICRO_CORE_DIST) {
  builds.push({
    name: 'other',
    crypto: process.env.MICRO_CRYPTO_DIST ? path.resolve(process.env.MICRO_CRYPTO_DIST, 'index.js') : builds[0].crypto,
    core: process.env.MICRO_CORE_DIST ? path.resolve(process.env.MICRO_CORE_DIST, 'index.js') : builds[0].core,
  });
}
for (const build of builds) {
  build.cryptoLib = require(build.crypto);
  build.coreLib = require(build.core);
}

// --- Widevine: the bench's test PKI (root, model, 4 devices) and a pool of challenges from the independent client
const pki = require('@openplay/drm/testing');
const { clientChallenge } = pki;
const keys = JSON.parse(readFileSync(pki.WIDEVINE_TEST_KEYS_FILE, 'utf8')).keys.map((pem) => {
  const privateKey = createPrivateKey(pem);
  return { privateKey, publicKey: createPublicKey(privateKey) };
});
const testRoot = await pki.createRoot(keys[0]);
const model = await pki.createModel(testRoot, 7777, { keys: keys[1] });
const devices = [];
for (let i = 0; i < 4; i++) devices.push(await pki.createDevice(model, { keys: keys[2 + i] }));
const pool = Array.from({ length: 64 }, (_, i) => ({
  device: devices[i % 4],
  challenge: clientChallenge(devices[i % 4]).challenge,
}));
const grant = {
  kid: Buffer.from('b366360da82e9c6e0b0984002a362cf2', 'hex'),
  contentKey: Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'),
  policy: { drm: 'wv', securityLevel: 1, hdcpOutputControl: 0, licenseDuration: null, extensions: [] },
  tokenId: randomBytes(16),
  issuedAt: Math.floor(Date.now() / 1000),
  expiresAt: Math.floor(Date.now() / 1000) + 3600,
};
for (const build of builds) {
  build.licenser = build.cryptoLib.createSoftwareWidevineLicenser({
    trustedRoots: [testRoot.certificate],
    devices: { 7777: { level: 'L1', status: 'valid' } },
    unknownDevices: 'reject',
    renewalSecret: Buffer.alloc(32, 7),
  });
}
/** The i-th challenge's device key, signed message and signature: what both Widevine RSA rows work on. */
const rsaInputs = (i) => {
  const { device, challenge } = pool[i % pool.length];
  return { key: device.keys.publicKey, ...msgAndSignature(challenge) };
};
const wvBaseline = (i) => {
  const { key, msg, signature } = rsaInputs(i);
  if (!verify('sha1', msg, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 20 }, signature))
    throw new Error('bad signature');
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, randomBytes(16));
};

// --- FairPlay: Apple's FPS/spc1 with the development credentials, as bench:rights:fp
const fixtures = path.join(root, 'apps/rights/test/fixtures/fairplay');
const spc = readFileSync(path.join(fixtures, 'fps-spc1.bin'));
const fpKey = createPrivateKey(readFileSync(path.join(fixtures, 'dev_private_key.pem')));
const fpGrant = {
  contentKey: Buffer.alloc(16, 0x3b),
  iv: Buffer.from('d5fbd6b82ed93e4ef98ae40931ee33b7', 'hex'),
  policy: { drm: 'fp', rentalDuration: 0, rightsType: null, extensions: [] },
};
for (const build of builds)
  build.ksm = build.cryptoLib.createSoftwareFairPlayKsm(
    build.cryptoLib.loadFairPlayCredentials(path.join(fixtures, 'credentials.json')),
  );
const fpBaseline = () =>
  privateDecrypt({ key: fpKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, spc.subarray(24, 152));

// --- token opening, as the rights server does for every request
const { DEV_TOKEN_KEYS } = require(path.join(root, 'packages/nest-kit/dist/index.js'));
for (const build of builds) {
  build.ring = build.coreLib.parseKeyRing(DEV_TOKEN_KEYS);
  const now = Math.floor(Date.now() / 1000);
  build.token = build.coreLib.sealToken(
    {
      tokenId: randomBytes(16),
      account: 123456,
      environment: 'test',
      drm: 'fp',
      issuedAt: now,
      expiresAt: now + 3600,
      cookie: 'bench',
      kid: null,
      contentKey: fpGrant.contentKey,
      iv: fpGrant.iv,
      policy: fpGrant.policy,
    },
    build.ring,
  );
}

// The licenser's RSA runs on the addon's per-key contexts (docs/decisions/0024): the same two operations through
// @openplay/cipher, so that the license's non-RSA work is measured against the RSA it actually pays.
const cipherLib = require('@openplay/cipher');
const addonRsa = (i) => {
  const { key, msg, signature } = rsaInputs(i);
  if (!cipherLib.rsaPssVerify(key, 'sha1', msg, signature)) throw new Error('bad signature');
  return cipherLib.rsaOaepSha1Encrypt(key, randomBytes(16));
};

const cases = [
  { name: 'baseline PSS verify + OAEP encrypt (RSA-2048)', group: 'wv', fn: wvBaseline },
  { name: 'the same RSA through @openplay/cipher', group: 'wv', rsa: true, fn: addonRsa },
];
for (const build of builds) {
  cases.push({
    name: `Widevine license (${build.name})`,
    group: 'wv',
    fn: (i) => {
      const outcome = build.licenser.handle(pool[i % pool.length].challenge, grant);
      if (outcome.kind !== 'license') throw new Error('no license');
    },
  });
}
cases.push({ name: 'baseline OAEP decrypt (RSA-1024)', group: 'fp', fn: fpBaseline });
for (const build of builds)
  cases.push({ name: `FairPlay CKC (${build.name})`, group: 'fp', fn: () => build.ksm.createCkcSync(spc, fpGrant) });
// Each openToken row runs on the token codec AEAD its `aead` names, installed before it is timed: core's node:crypto
// default, the addon (as the apps install it when it loads), and the code core ran before the addon (a Buffer key
// per createDecipheriv) for comparison. A build from before the port has no useTokenAead: its own backend.
const aeads = {
  'node:crypto': undefined,
  addon: cipherLib.loadNativeCipher('auto')
    ? { encryptInto: cipherLib.aes256GcmEncryptInto, decrypt: cipherLib.aes256GcmDecrypt }
    : null,
  'pre-addon code': {
    encryptInto() {
      throw new Error('not used');
    },
    decrypt(key, iv, aad, ciphertext, tag) {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
      decipher.setAAD(aad);
      decipher.setAuthTag(tag);
      const plain = decipher.update(ciphertext);
      try {
        decipher.final();
      } catch {
        return null;
      }
      return plain;
    },
  },
};
for (const build of builds) {
  const open = () => build.coreLib.openToken(build.token, build.ring, Math.floor(Date.now() / 1000));
  if (typeof build.coreLib.useTokenAead !== 'function') {
    cases.push({ name: `openToken (${build.name})`, group: 'token', fn: open });
    continue;
  }
  for (const [name, aead] of Object.entries(aeads)) {
    if (aead === null) continue; // no addon built
    cases.push({
      name: `openToken (${build.name}, ${name})`,
      group: 'token',
      setup: () => build.coreLib.useTokenAead(aead),
      fn: open,
    });
  }
}

// 50 calls between clock reads: a license or CKC takes 100 µs or more.
const medians = interleavedMedians(cases, { rounds, seconds, batch: 50 });
const lines = [`== bench:crypto — ${rounds} interleaved rounds of ${seconds} s, median µs per operation`];
const baselines = new Map();
const ownRsa = new Map();
for (const c of cases) {
  const us = medians.get(c);
  if (c.name.startsWith('baseline')) baselines.set(c.group, us);
  if (c.rsa) ownRsa.set(c.group, us);
  const base = baselines.get(c.group);
  // Non-RSA: the subject less the RSA it runs (its own RSA row where there is one, else the baseline's).
  const rsa = ownRsa.get(c.group) ?? base;
  const extra =
    base && !c.name.startsWith('baseline')
      ? `   ${(us / base).toFixed(2)}× baseline` + (c.rsa ? '' : `   non-RSA ${(us - rsa).toFixed(1)} µs`)
      : '';
  lines.push(`${c.name.padEnd(48)} ${us.toFixed(1).padStart(8)} µs${extra}`);
}
process.stdout.write(`${lines.join('\n')}\n`);
