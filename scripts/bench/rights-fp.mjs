// npm run bench:rights:fp — FairPlay CKCs/s, p50/p99 and errors of POST /hms/fp/rights/?ExpressPlayToken=… over
// loopback (rights as a child process with Apple's development credentials, an unlimited account, real Postgres),
// against a baseline (bare Fastify doing the one RSA-OAEP decryption of the SPC's wrapped key, same 1024-bit key) in
// the same run; then checks one audit row per 200. Body: Apple's FPS/spc1.bin; token: sealed here with the
// development TOKEN_KEYS (what token-gen would issue: content key, IV, cookie). One CKC is decrypted and checked
// for the token's key before measuring.
// BENCH_SECONDS (default 10 per run), BENCH_CONNECTIONS (default 32) and BENCH_ROUNDS (default 5 alternating rounds of
// baseline and rights) bound the runs; BENCH_INSTRUCTIONS=1 counts instructions under callgrind instead (harness.mjs).
// BENCH_MAX_STREAMS=N seals the bench token with `maxStreams=N&streamLimitMode=stopOldest` (docs/api.md §13): every
// CKC then goes through the stream admission, and since every request is the same device and asset, each one after
// the first extends that one stream (the path of every lease renewal).
// Needs the apps built first:
// npx turbo run build.
import { constants, createDecipheriv, createPrivateKey, privateDecrypt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  auditCheck,
  benchAccount,
  countingInstructions,
  FAIRPLAY_VECTOR,
  fairPlayTokenSealer,
  measureRuns,
  query,
  reportRuns,
  root,
  scratchDatabase,
  startServer,
} from './harness.mjs';

const seconds = Number(process.env.BENCH_SECONDS || 10);
const connections = Number(process.env.BENCH_CONNECTIONS || 32);
const databasePool = '10';

const { credentials, privateKeyFile, spc, contentKey, iv } = FAIRPLAY_VECTOR;

const { appleDevelopmentDask, deriveAntiReplayKey, openCkc, parseTllvs, FairPlayConstants } = await import(
  path.join(root, 'packages/drm/dist/index.js')
);

/** The client's side of FPS/spc1 (SK, R1, anti-replay key), recovered with the development key and DASk. */
function clientSecrets() {
  const aes = (mode, key, ivOrNull, data) => {
    const decipher = createDecipheriv(`aes-128-${mode}`, key, ivOrNull).setAutoPadding(false);
    return Buffer.concat([decipher.update(data), decipher.final()]);
  };
  const spck = privateDecrypt(
    {
      key: createPrivateKey(readFileSync(privateKeyFile)),
      padding: constants.RSA_PKCS1_OAEP_PADDING,
      oaepHash: 'sha1',
    },
    spc.subarray(24, 152),
  );
  const payload = aes('cbc', spck, spc.subarray(8, 24), spc.subarray(176, 176 + spc.readUInt32BE(172)));
  const tllvs = new Map(parseTllvs(payload).map((t) => [t.tag, t.value]));
  const skr1 = tllvs.get(FairPlayConstants.SPC_TAG.sessionKeyR1);
  const plain = aes('cbc', appleDevelopmentDask(), skr1.subarray(0, 16), skr1.subarray(16, 112));
  return {
    sk: plain.subarray(0, 16),
    antiReplayKey: deriveAntiReplayKey(plain.subarray(36, 80), tllvs.get(FairPlayConstants.SPC_TAG.antiReplaySeed)),
  };
}

function checkCkc(ckc) {
  const secrets = clientSecrets();
  const encrypted = openCkc(ckc, secrets.antiReplayKey).tllvs.find(
    (t) => t.tag === FairPlayConstants.CKC_TAG.encryptedContentKey,
  )?.value;
  const decipher = createDecipheriv('aes-128-ecb', secrets.sk, null).setAutoPadding(false);
  const key = encrypted && Buffer.concat([decipher.update(encrypted.subarray(16, 32)), decipher.final()]);
  if (!key?.equals(contentKey) || !encrypted.subarray(0, 16).equals(iv))
    throw new Error("the probe CKC does not carry the token's key and IV");
}

const db = await scratchDatabase('rights_fp');
const servers = [];
try {
  const { account } = await benchAccount(db.url, { widevine: false, fairplay: true });

  // What token-gen issues for contentKey/iv/cookie (rentalDuration 0, no rightsType), sealed under the dev key ring.
  const maxStreams = process.env.BENCH_MAX_STREAMS ? Number(process.env.BENCH_MAX_STREAMS) : null;
  const token = await fairPlayTokenSealer(
    account.number,
    maxStreams === null ? {} : { maxStreams, stopOldestStream: true },
  );
  const request = { method: 'POST', body: spc, headers: { 'content-type': 'application/octet-stream' }, connections };

  // Both servers stay up; an idle one costs nothing, and the rounds alternate between them.
  const baseline = await startServer(
    path.join(root, 'scripts/bench/baseline-fp-oaep.mjs'),
    { BASELINE_PRIVATE_KEY: privateKeyFile },
    { instructions: countingInstructions },
  );
  servers.push(baseline);
  const rights = await startServer(
    path.join(root, 'apps/rights/dist/main.js'),
    {
      DATABASE_URL: db.url,
      RIGHTS_HOST: '127.0.0.1',
      ENVIRONMENT: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_POOL_SIZE: databasePool,
      FAIRPLAY_CREDENTIALS: credentials,
    },
    { portVariable: 'RIGHTS_PORT', instructions: countingInstructions },
  );
  servers.push(rights);
  const rightsUrl = (cookie) => `${rights.origin}/hms/fp/rights/?ExpressPlayToken=${token(cookie)}`;
  const benchUrl = rightsUrl('bench');
  const warmUrl = rightsUrl('warm-up');
  // One CKC decrypted as the client would, before measuring (warm-up token): the answers are real CKCs.
  const probe = await fetch(warmUrl, {
    method: 'POST',
    body: spc,
    headers: { 'content-type': 'application/octet-stream' },
  });
  if (probe.status !== 200) throw new Error(`rights answered the probe with ${probe.status}: ${await probe.text()}`);
  checkCkc(Buffer.from(await probe.arrayBuffer()));

  const runs = await measureRuns(
    { server: baseline, options: { ...request, url: `${baseline.origin}/ckc` } },
    { server: rights, options: { ...request, url: benchUrl }, warmUpUrl: warmUrl },
    seconds,
  );
  for (const server of servers.splice(0).reverse()) await server.stop();
  const [{ n: rows }] = await query(
    db.url,
    "SELECT count(*)::int AS n FROM audit_events WHERE kind = 'redemption' AND drm = 'fp' AND result_code = 0 AND request_type = 'ckc' AND cookie = 'bench'",
  );

  reportRuns(
    'bench:rights:fp',
    `Apple's FPS/spc1 (RSA-1024 development key), pool ${databasePool}, loopback` +
      (maxStreams === null ? '' : `, token maxStreams ${maxStreams} (stopOldest)`),
    { seconds, connections },
    'CKC',
    { name: 'rights /hms/fp/rights', figures: runs.subject },
    { name: 'baseline RSA-OAEP decrypt', figures: runs.baseline },
    [auditCheck('CKCs', rows, runs)],
  );
} finally {
  for (const server of servers.reverse()) await server.stop();
  await db.drop();
}
