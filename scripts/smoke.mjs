#!/usr/bin/env node
// Smoke test of a running deployment, over HTTP only:
//   npm run -s smoke -- <token-gen base URL> <rights base URL>
// The admin key comes from ADMIN_API_KEY, else from .data/admin-api-key (what `npm start` generates in the test
// environment). The deployment must run in the test environment with the development Widevine PKI trusted
// (apps/rights/dev/widevine, `npm start`'s default) and Apple's FairPlay development credentials.
//
// Steps: create an account through the admin API; store a key in the key store; get a Widevine token by kek+kid and
// redeem it with the npm `widevine` client as the development device (service certificate checked against the
// development root, privacy mode), which must recover exactly the stored key; get a FairPlay token with Apple's
// development content key and IV and redeem Apple's FPS/spc1 vector, opening the CKC as the client does (SPC keys
// from Apple's development private key and DASk); get a Clear Key token by kek+kid and ask for its key set as a
// browser does; find every issuance and redemption by cookie in record retrieval
// and the admin logs; check the credits used; disable the smoke account. Secrets (keys, authenticators) are never
// printed. Prints one line per step and `smoke: N passed, M failed`; exits 1 on any failure.
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  privateDecrypt,
  randomBytes,
  verify,
} from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { LicenseType, Widevine } = require('widevine');

// ------------------------------------------------------------------------------------------------ inputs

const usage = 'usage: npm run -s smoke -- <token-gen base URL> <rights base URL>';
const [tokenGenArg, rightsArg] = process.argv.slice(2);
if (!tokenGenArg || !rightsArg) fatal(usage);
const tokenGen = baseUrl(tokenGenArg);
const rights = baseUrl(rightsArg);
const adminKey = process.env.ADMIN_API_KEY?.trim() || readIfExists(path.join(root, '.data', 'admin-api-key'));
if (!adminKey) fatal('no admin key: set ADMIN_API_KEY, or run `npm start` (test environment) in this checkout first');

/** The development Widevine PKI: the device the smoke test plays as, and the root its service certificate chains to. */
const WV_DEV = path.join(root, 'apps/rights/dev/widevine');
const WV_DEVICE = readFileSync(path.join(WV_DEV, 'device.wvd'));
const WV_ROOT = readFileSync(path.join(WV_DEV, 'root.bin'));
const WV_DEV_SYSTEM_ID = 7000;
/** ExpressPlay's recommended PSSH data: WidevinePsshData naming the dummy key id 000102…0f, provider "intertrust". */
const EXPRESSPLAY_PSSH = Buffer.from('CAESEAABAgMEBQYHCAkKCwwNDg8aCmludGVydHJ1c3QiASo=', 'base64');

/** Apple's FPS Server SDK 4.1.0 development credentials and its FPS/spc1 vector, answered by FPS/ckc1 with this key and IV. */
const FP_FIXTURES = path.join(root, 'apps/rights/test/fixtures/fairplay');
const FP_SPC = readFileSync(path.join(FP_FIXTURES, 'fps-spc1.bin'));
const FP_PRIVATE_KEY = createPrivateKey(readFileSync(path.join(FP_FIXTURES, 'dev_private_key.pem')));
const FP_DASK = Buffer.from(
  JSON.parse(readFileSync(path.join(FP_FIXTURES, 'credentials.json'), 'utf8'))[0].dask,
  'hex',
);
const FP_CONTENT_KEY = '3b'.repeat(16);
const FP_IV = 'd5fbd6b82ed93e4ef98ae40931ee33b7';

const USER_AGENT = 'openplay-smoke/1';
const CREDITS = 10;

// ------------------------------------------------------------------------------------------------ the steps

const cookie = `smoke-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
const kek = randomBytes(16).toString('hex');
const kid = randomBytes(16).toString('hex');
const contentKey = randomBytes(16).toString('hex');
const fpKid = randomBytes(16).toString('hex');
const state = {};

const steps = [
  [
    'admin API: create an account',
    [],
    async () => {
      const { status, body } = await admin('POST', '/accounts', { name: `smoke ${cookie}`, credits: CREDITS });
      expect(status === 201, `answered ${status}: ${clip(body)}`);
      const created = JSON.parse(body);
      expect(Number.isInteger(created.account), `no account number: ${clip(body)}`);
      const authenticator = created.authenticators?.test;
      expect(
        typeof authenticator === 'string' && new RegExp(`^${created.account},[0-9a-f]{32}$`).test(authenticator),
        'no test authenticator',
      );
      Object.assign(state, { account: created.account, auth: authenticator });
      return `account ${created.account}, ${CREDITS} credits`;
    },
  ],

  [
    'key store: store a key under a kek, read it back',
    ['admin API: create an account'],
    async () => {
      const stored = await call(tokenGen, `/keystore/keys?${query({ customerAuthenticator: state.auth, kek })}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kid, k: contentKey, info: 'smoke' }),
      });
      expect(stored.status === 201, `POST /keystore/keys answered ${stored.status}: ${clip(stored.body)}`);
      const kekId = `#1.${createHash('sha1').update(`KEKID_1${kek}`, 'ascii').digest('hex').toUpperCase()}`;
      const object = JSON.parse(stored.body);
      expect(
        object.kid === kid.toUpperCase() && object.kekId === kekId && object.k === contentKey.toUpperCase(),
        'the stored key object differs from the one sent',
      );
      expect(/^[0-9A-F]{48}$/.test(object.ek), 'no wrapped key (ek)');
      const read = await call(tokenGen, `/keystore/keys/${kid}?${query({ customerAuthenticator: state.auth, kek })}`);
      expect(read.status === 200, `GET /keystore/keys/{kid} answered ${read.status}: ${clip(read.body)}`);
      expect(JSON.parse(read.body).k === contentKey.toUpperCase(), 'the key read back differs');
      return `kid ${kid}, kekId ${kekId.slice(0, 11)}…`;
    },
  ],

  [
    'widevine: token by kek+kid',
    ['key store: store a key under a kek, read it back'],
    async () => {
      state.wvUrl = await token('wv', { kid, kek, securityLevel: 5, hdcpOutputControl: 0 });
      return 'security level 5 (an L1 device), no content key in the request';
    },
  ],

  [
    'widevine: service certificate (08 04), signed by the development root',
    ['widevine: token by kek+kid'],
    async () => {
      const session = Widevine.initWVD(WV_DEVICE).createSession(EXPRESSPLAY_PSSH, LicenseType.STREAMING);
      const { status, body, type } = await redeem(state.wvUrl, session.getServiceCertificateChallenge());
      expect(status === 200, `answered ${status} ${type}: ${clip(body)}`);
      const signed = fields(body);
      expect(signed.get(1)?.[0] === 5, `not a SERVICE_CERTIFICATE message (type ${signed.get(1)?.[0]})`);
      const certificate = fields(signed.get(2)[0]);
      const drmCertificate = certificate.get(1)[0];
      const rootKey = createPublicKey({
        key: fields(fields(WV_ROOT).get(1)[0]).get(4)[0],
        format: 'der',
        type: 'pkcs1',
      });
      const pss = { key: rootKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 20 };
      expect(
        verify('sha1', drmCertificate, pss, certificate.get(2)[0]),
        'the service certificate is not signed by the development root',
      );
      const drm = fields(drmCertificate);
      expect(drm.get(1)?.[0] === 3, `the certificate has type ${drm.get(1)?.[0]}, not SERVICE`);
      state.serviceDrmCertificate = drmCertificate;
      return `provider ${drm.get(7)?.[0]?.toString('utf8')}`;
    },
  ],

  [
    'widevine: license for the development device (npm widevine client, privacy mode)',
    ['widevine: service certificate (08 04), signed by the development root'],
    async () => {
      const session = Widevine.initWVD(WV_DEVICE).createSession(EXPRESSPLAY_PSSH, LicenseType.STREAMING);
      // The client accepts only service certificates signed by Google's root: the one checked above is handed to it
      // the way the e2e tests do (assigned to its private field); the client then encrypts its identification.
      session.serviceCertificate = { drmCertificate: state.serviceDrmCertificate };
      const { status, body, type } = await redeem(state.wvUrl, session.generateChallenge());
      expect(status === 200 && type === 'application/octet-stream', `answered ${status} ${type}: ${clip(body)}`);
      const keys = session.parseLicense(body).filter(Boolean);
      expect(keys.length === 1, `the license carries ${keys.length} content keys`);
      expect(keys[0].kid === kid, 'the license key id is not the stored kid');
      expect(keys[0].key === contentKey, 'the client recovered another key than the stored one');
      return 'the client recovered exactly the stored key under its kid';
    },
  ],

  [
    'fairplay: application certificate matches the SPC',
    [],
    async () => {
      const { status, body } = await call(rights, '/hms/fp/cert');
      expect(status === 200, `GET /hms/fp/cert answered ${status}: ${clip(body)}`);
      const sha1 = createHash('sha1').update(body).digest();
      expect(sha1.equals(FP_SPC.subarray(152, 172)), "the served certificate is not the one Apple's SPC was made for");
      return `SHA-1 ${sha1.toString('hex')}`;
    },
  ],

  [
    'fairplay: token',
    ['admin API: create an account'],
    async () => {
      state.fpUrl = await token('fp', {
        kid: fpKid,
        contentKey: FP_CONTENT_KEY,
        iv: FP_IV,
        rightsType: 'BuyToOwn',
        analogVideoOPL: 0,
        compressedDigitalAudioOPL: 0,
        compressedDigitalVideoOPL: 0,
        uncompressedDigitalAudioOPL: 0,
        uncompressedDigitalVideoOPL: 0,
      });
      return "Apple's development content key and IV";
    },
  ],

  [
    "fairplay: CKC for Apple's FPS/spc1, opened as the client does",
    ['fairplay: token', 'fairplay: application certificate matches the SPC'],
    async () => {
      const { status, body, type } = await redeem(state.fpUrl, FP_SPC);
      expect(status === 200 && type === 'application/octet-stream', `answered ${status} ${type}: ${clip(body)}`);
      const spc = openSpc(FP_SPC);
      const ckc = openCkc(body, spc.antiReplayKey);
      const encrypted = ckc.get('58b38165af0e3d5a');
      expect(encrypted?.length === 32, 'no 32-byte encrypted content key TLLV');
      expect(encrypted.subarray(0, 16).toString('hex') === FP_IV, 'the content IV differs from the token');
      expect(
        aes('ecb', false, spc.sk, null, encrypted.subarray(16)).toString('hex') === FP_CONTENT_KEY,
        'the content key differs from the token',
      );
      expect(ckc.get('ea74c4645d5efee9')?.equals(spc.r1), 'the CKC does not carry the SPC R1');
      expect(
        ckc.get('1bf7f53f5d5d5a1f')?.equals(spc.tllvs.get('1bf7f53f5d5d5a1f')),
        'the asset id the SPC asked back is missing',
      );
      return `CKC v${body.readUInt32BE(0)}, ${ckc.size} TLLVs: the token's content key and IV, R1 and the requested echoes`;
    },
  ],

  [
    'clear key: token by kek+kid',
    ['key store: store a key under a kek, read it back'],
    async () => {
      state.ckUrl = await token('ck', { kid, kek });
      return 'the stored key, no content key in the request';
    },
  ],

  [
    'clear key: key set for the stored kid, asked as Chromium asks',
    ['clear key: token by kek+kid'],
    async () => {
      const base64url = (hex) => Buffer.from(hex, 'hex').toString('base64url');
      // Chromium's Clear Key CDM posts this JSON with no Content-Type, from the player's origin.
      const { status, body, type, cors } = await call(rights, state.ckUrl, {
        method: 'POST',
        headers: { origin: 'https://player.example' },
        body: JSON.stringify({ kids: [base64url(kid)], type: 'temporary' }),
      });
      expect(status === 200 && type?.startsWith('application/json'), `answered ${status} ${type}: ${clip(body)}`);
      expect(cors !== null, 'no Access-Control-Allow-Origin: a browser player would not see the answer');
      const set = JSON.parse(body);
      expect(set.type === 'temporary' && set.keys?.length === 1, `not one key: ${set.keys?.length}`);
      const [jwk] = set.keys;
      expect(jwk.kty === 'oct' && jwk.kid === base64url(kid), 'the key set names another key id');
      expect(Buffer.from(jwk.k, 'base64url').toString('hex') === contentKey, 'the key set carries another key');
      return 'one JSON Web Key: the stored key under its kid, with CORS';
    },
  ],

  [
    'record retrieval: every step by cookie',
    [
      'widevine: license for the development device (npm widevine client, privacy mode)',
      "fairplay: CKC for Apple's FPS/spc1, opened as the client does",
      'clear key: key set for the stored kid, asked as Chromium asks',
    ],
    async () => {
      const { status, body } = await call(
        tokenGen,
        `/cmiapi/getrecord/?${query({ customerAuthenticator: state.auth, errorFormat: 'json', cookie })}`,
      );
      expect(status === 200, `answered ${status}: ${clip(body)}`);
      checkRecords(JSON.parse(body).records);
      return `${JSON.parse(body).records.length} records: wv, fp and ck issuance; wv service-certificate and new, fp ckc, ck new`;
    },
  ],

  [
    'admin API: logs by cookie, credits used, account disabled',
    ['record retrieval: every step by cookie'],
    async () => {
      const logs = await admin('GET', `/logs?${query({ cookie })}`);
      expect(logs.status === 200, `GET /admin/logs answered ${logs.status}: ${clip(logs.body)}`);
      const records = JSON.parse(logs.body);
      checkRecords(records);
      expect(
        records.every((record) => record.account === state.account),
        'a logged record belongs to another account',
      );
      const shown = await admin('GET', `/accounts/${state.account}`);
      expect(shown.status === 200, `GET /admin/accounts/{n} answered ${shown.status}`);
      const credits = JSON.parse(shown.body).credits;
      expect(
        credits === CREDITS - 3,
        `credits ${credits}, expected ${CREDITS - 3} (one license, one CKC, one key set)`,
      );
      const disabled = await admin('POST', `/accounts/${state.account}/disable`);
      expect(
        disabled.status === 200 || disabled.status === 201,
        `disable answered ${disabled.status}: ${clip(disabled.body)}`,
      );
      return `${CREDITS} → ${credits} credits; the smoke account is left disabled`;
    },
  ],
];

/** The records of the smoke cookie: exactly the three issuances and four redemptions, each successful and tied together. */
function checkRecords(records) {
  const find = (kind, drm, requestType) =>
    records.filter(
      (r) => r.kind === kind && r.drm === drm && (requestType === undefined || r.requestType === requestType),
    );
  const issued = { wv: find('issuance', 'wv'), fp: find('issuance', 'fp'), ck: find('issuance', 'ck') };
  const redeemed = {
    wvCert: find('redemption', 'wv', 'service-certificate'),
    wvNew: find('redemption', 'wv', 'new'),
    fpCkc: find('redemption', 'fp', 'ckc'),
    ckNew: find('redemption', 'ck', 'new'),
  };
  const counts = [...Object.values(issued), ...Object.values(redeemed)].map((list) => list.length);
  expect(
    records.length === 7 && counts.every((n) => n === 1),
    `expected 7 records, one of each kind; got ${records.length}: ${records.map((r) => `${r.kind}/${r.drm}/${r.requestType ?? '-'}`).join(', ')}`,
  );
  for (const record of records) {
    expect(record.cookie === cookie, `record ${record.id} has another cookie`);
    expect(
      record.resultCode === 0,
      `record ${record.id} (${record.kind}/${record.drm}) has result ${record.resultCode}: ${record.message}`,
    );
  }
  expect(
    issued.wv[0].kid === kid && issued.fp[0].kid === fpKid && issued.ck[0].kid === kid,
    'an issuance record names another kid',
  );
  for (const [redemption, issuance] of [
    [redeemed.wvCert, issued.wv],
    [redeemed.wvNew, issued.wv],
    [redeemed.fpCkc, issued.fp],
    [redeemed.ckNew, issued.ck],
  ]) {
    expect(
      redemption[0].tokenId && redemption[0].tokenId === issuance[0].tokenId,
      `the ${redemption[0].drm} redemption names another token than its issuance`,
    );
  }
  expect(
    redeemed.wvNew[0].device?.systemId === WV_DEV_SYSTEM_ID,
    `the license row's device is ${JSON.stringify(redeemed.wvNew[0].device)}`,
  );
  expect(redeemed.wvNew[0].userAgent === USER_AGENT, 'the license row has another user agent');
}

// ------------------------------------------------------------------------------------------------ HTTP

async function call(base, pathAndQuery, init = {}) {
  const response = await fetch(`${base}${pathAndQuery}`, {
    ...init,
    headers: { 'user-agent': USER_AGENT, ...init.headers },
    signal: AbortSignal.timeout(15_000),
  });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    cors: response.headers.get('access-control-allow-origin'),
    body: Buffer.from(await response.arrayBuffer()),
  };
}

async function admin(method, pathAndQuery, json) {
  const headers = { authorization: `Bearer ${adminKey}`, ...(json ? { 'content-type': 'application/json' } : {}) };
  const response = await call(tokenGen, `/admin${pathAndQuery}`, {
    method,
    headers,
    body: json ? JSON.stringify(json) : undefined,
  });
  return { ...response, body: response.body.toString('utf8') };
}

/** Asks token-gen for a token with the smoke cookie; returns the redemption URL on the rights base URL given. */
async function token(drm, params) {
  const { status, body } = await call(
    tokenGen,
    `/hms/${drm}/token?${query({ customerAuthenticator: state.auth, errorFormat: 'json', cookie, ...params })}`,
  );
  const text = body.toString('utf8');
  expect(status === 200, `answered ${status}: ${clip(text)}`);
  const url = new URL(text);
  expect(
    url.pathname === `/hms/${drm}/rights/` && url.searchParams.get('ExpressPlayToken'),
    `not a ${drm} rights URL: ${clip(text.replace(/ExpressPlayToken=[^&]*/, 'ExpressPlayToken=…'))}`,
  );
  // The token's URL names the deployment's public rights address; the smoke test talks to the one it was given.
  return `${url.pathname}${url.search}`;
}

function redeem(pathAndQuery, body) {
  return call(rights, pathAndQuery, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });
}

const query = (params) => new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();

// ------------------------------------------------------------------------------------------------ formats

/** Protobuf fields of a message by number (varints as numbers, length-delimited as Buffers); enough for certificates. */
function fields(bytes) {
  const out = new Map();
  let at = 0;
  const varint = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (at >= bytes.length || shift > 49) throw new Error('truncated or bad protobuf varint');
      const byte = bytes[at++];
      value += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) return value;
    }
  };
  while (at < bytes.length) {
    const key = varint();
    const number = Math.floor(key / 8);
    let value;
    switch (key & 7) {
      case 0:
        value = varint();
        break;
      case 2: {
        const length = varint();
        if (at + length > bytes.length) throw new Error('truncated protobuf field');
        value = bytes.subarray(at, at + length);
        at += length;
        break;
      }
      case 1:
        value = bytes.subarray(at, (at += 8));
        break;
      case 5:
        value = bytes.subarray(at, (at += 4));
        break;
      default:
        throw new Error(`unsupported protobuf wire type ${key & 7}`);
    }
    out.set(number, [...(out.get(number) ?? []), value]);
  }
  return out;
}

function aes(mode, encrypt, key, iv, data) {
  const cipher = (encrypt ? createCipheriv : createDecipheriv)(`aes-128-${mode}`, key, iv).setAutoPadding(false);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

/** TLLVs (tag u64 ‖ block length ‖ value length ‖ value ‖ padding) by tag in hex. */
function tllvs(payload) {
  const out = new Map();
  for (let at = 0; at < payload.length;) {
    if (at + 16 > payload.length) throw new Error('truncated TLLV header');
    const block = payload.readUInt32BE(at + 8);
    const length = payload.readUInt32BE(at + 12);
    if (length > block || at + 16 + block > payload.length) throw new Error('bad TLLV lengths');
    out.set(payload.subarray(at, at + 8).toString('hex'), payload.subarray(at + 16, at + 16 + length));
    at += 16 + block;
  }
  return out;
}

/** The client's secrets of a v1 SPC: SPCK by RSA-OAEP-SHA1, payload AES-CBC, [SK..R1] under the DASk (Apple's FPS Server SDK). */
function openSpc(spc) {
  const spck = privateDecrypt(
    { key: FP_PRIVATE_KEY, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
    spc.subarray(24, 152),
  );
  const payload = aes('cbc', false, spck, spc.subarray(8, 24), spc.subarray(176, 176 + spc.readUInt32BE(172)));
  const all = tllvs(payload);
  const skR1 = all.get('3d1a10b8bffac2ec');
  const plain = aes('cbc', false, FP_DASK, skR1.subarray(0, 16), skR1.subarray(16, 112));
  if (!plain.subarray(80, 96).equals(all.get('b349d4809e910687')))
    throw new Error('the SPC integrity check fails: wrong DASk?');
  const r1 = plain.subarray(36, 80);
  const antiReplayKey = aes(
    'ecb',
    true,
    createHash('sha1').update(r1).digest().subarray(0, 16),
    null,
    all.get('89c90f12204106b2'),
  );
  return { sk: plain.subarray(0, 16), r1, antiReplayKey, tllvs: all };
}

/** A CKC (version ‖ reserved ‖ IV ‖ length ‖ AES-CBC(anti-replay key) payload) opened into its TLLVs. */
function openCkc(ckc, antiReplayKey) {
  expect(ckc.length >= 28 && ckc.readUInt32BE(0) === 1, 'not a version 1 CKC');
  const length = ckc.readUInt32BE(24);
  expect(28 + length === ckc.length && length % 16 === 0, 'the CKC payload length does not match');
  return tllvs(aes('cbc', false, antiReplayKey, ckc.subarray(8, 24), ckc.subarray(28)));
}

// ------------------------------------------------------------------------------------------------ running

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

function clip(text) {
  const s = (Buffer.isBuffer(text) ? text.toString('utf8') : String(text)).replace(/\s+/g, ' ').trim();
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

function baseUrl(text) {
  let url;
  try {
    url = new URL(text);
  } catch {
    fatal(`not a URL: ${text}\n${usage}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fatal(`not an http(s) URL: ${text}`);
  return url.href.replace(/\/+$/, '');
}

function readIfExists(file) {
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

function fatal(message) {
  process.stderr.write(`smoke: ${message}\n`);
  process.exit(2);
}

async function run() {
  process.stdout.write(`smoke: token-gen ${tokenGen}, rights ${rights}, cookie ${cookie}\n`);
  const failed = new Set();
  let passed = 0;
  for (const [index, [name, needs, fn]] of steps.entries()) {
    const label = `${String(index + 1).padStart(2)} ${name}`;
    const missing = needs.filter((need) => failed.has(need));
    if (missing.length > 0) {
      failed.add(name);
      process.stdout.write(`FAIL ${label}: not run, needs "${missing[0]}"\n`);
      continue;
    }
    const started = Date.now();
    try {
      const detail = await fn();
      passed += 1;
      process.stdout.write(`ok   ${label} (${Date.now() - started} ms)${detail ? `: ${detail}` : ''}\n`);
    } catch (error) {
      failed.add(name);
      const cause = error?.cause ? ` (${error.cause.code ?? error.cause.message ?? error.cause})` : '';
      process.stdout.write(`FAIL ${label}: ${error?.message ?? error}${cause}\n`);
    }
  }
  process.stdout.write(`smoke: ${passed} passed, ${failed.size} failed\n`);
  process.exit(failed.size > 0 ? 1 : 0);
}

await run();
