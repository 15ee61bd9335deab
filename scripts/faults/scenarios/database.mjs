// The database in trouble: restarted under load, stopped, frozen. The apps must answer every request within a few
// seconds, a 200 with its durable audit row or a 503 with Retry-After, and serve again once it is back, unrestarted.
import { faultAnswerProblem, firstProblems, tally } from '../context.mjs';
import { sleep, timed } from '../net.mjs';
import { ANSWER_WITHIN_MS, CLIENT_TIMEOUT_MS, LOAD_CLIENTS, LOAD_MS, READY_WITHIN_MS } from '../settings.mjs';

/** LOAD_CLIENTS clients for `ms`, alternating token requests and FairPlay redemptions; each answer with its cookie. */
export async function load(ctx, ms, { tokens = true, redemptions = true } = {}) {
  const answers = [];
  const end = Date.now() + ms;
  const client = async (n) => {
    for (let i = n; Date.now() < end; i++) {
      const kind = !redemptions || (tokens && i % 2 === 0) ? 'token' : 'ckc';
      const cookie = ctx.cookie(kind);
      const result = kind === 'token' ? await ctx.token(cookie) : await ctx.redeem(cookie);
      answers.push({ kind, cookie, ...result });
      // A refused connection (an app down) comes back at once: pace it rather than spin.
      if (result.error) await sleep(50);
    }
  };
  await Promise.all(Array.from({ length: LOAD_CLIENTS }, (_, n) => client(n)));
  return answers;
}

/** The 200s among `answers` without their success row: an issuance for a token, a redemption for a CKC. */
export async function missingRows(ctx, answers) {
  const ok = answers.filter((a) => a.status === 200);
  // The audit writers commit in groups: give the last group its moment.
  await sleep(1000);
  const rows = await ctx.auditRows(ok.map((a) => a.cookie));
  const missing = ok.filter(
    (a) =>
      !(rows.get(a.cookie) ?? []).some(
        (r) => r.resultCode === 0 && r.kind === (a.kind === 'token' ? 'issuance' : 'redemption'),
      ),
  );
  return { ok, missing };
}

function appsUnrestarted(ctx, pids) {
  const { tokenGen, rights } = ctx.apps;
  return tokenGen.alive() && rights.alive() && tokenGen.pid === pids[0] && rights.pid === pids[1];
}

async function recoveryCheck(ctx, check, scenario, pids) {
  const ms = await ctx.recovery();
  const same = appsUnrestarted(ctx, pids);
  check(
    `${scenario}: serves again once the database is back, the apps not restarted`,
    ms !== null && same,
    ms === null
      ? 'no 200 for a token and a CKC within the recovery time'
      : `token and CKC 200 after ${ms} ms${same ? '' : '; an app exited or was replaced'}`,
  );
}

export async function restartUnderLoad(ctx, check) {
  const scenario = 'database restart under load';
  const pids = [ctx.apps.tokenGen.pid, ctx.apps.rights.pid];
  const running = load(ctx, LOAD_MS);
  await sleep(1500);
  const started = Date.now();
  await ctx.cluster.restart();
  const restartMs = Date.now() - started;
  const answers = await running;
  await recoveryCheck(ctx, check, scenario, pids);
  const { ok, missing } = await missingRows(ctx, answers);
  check(
    `${scenario}: every 200 has its durable audit row`,
    ok.length > 0 && missing.length === 0,
    `${ok.filter((a) => a.kind === 'token').length} token and ${ok.filter((a) => a.kind === 'ckc').length} CKC 200s` +
      (missing.length ? `; ${missing.length} without a row (e.g. ${missing[0].kind})` : ', each with its row'),
  );
  const errors = answers.filter((a) => a.status !== 200);
  check(
    `${scenario}: every other answer is a 503 with Retry-After in the documented shape, within ${ANSWER_WITHIN_MS / 1000} s`,
    errors.every((a) => !faultAnswerProblem(a, ANSWER_WITHIN_MS)),
    `pg_ctl restart -m fast took ${restartMs} ms; ${answers.length} answers: ${tally(answers)}` +
      (errors.some((a) => faultAnswerProblem(a, ANSWER_WITHIN_MS))
        ? `; ${firstProblems(errors.map((a) => faultAnswerProblem(a, ANSWER_WITHIN_MS)))}`
        : ''),
  );
}

/** The requests of a database outage, all at once: tokens, redemptions and each app's readiness. */
async function duringOutage(ctx, check, scenario) {
  const { tokenGen, rights } = ctx.apps;
  const [tokens, ckcs, ready, live] = await Promise.all([
    Promise.all([1, 2, 3].map(() => ctx.token(ctx.cookie('outage')))),
    Promise.all([1, 2, 3].map(() => ctx.redeem(ctx.cookie('outage')))),
    Promise.all([tokenGen, rights].map((app) => timed(`${app.base}/health/ready`, { timeout: CLIENT_TIMEOUT_MS }))),
    // Liveness must not hang on the database: a supervisor would restart apps that are fine.
    Promise.all([tokenGen, rights].map((app) => timed(`${app.base}/health`, { timeout: CLIENT_TIMEOUT_MS }))),
  ]);
  check(
    `${scenario}: /health (liveness) stays 200 within ${READY_WITHIN_MS} ms (both apps)`,
    live.every((a) => a.status === 200 && a.ms <= READY_WITHIN_MS),
    live.map((a) => `${a.error ?? a.status} in ${a.ms.toFixed(0)} ms`).join(', '),
  );
  for (const [what, answers] of [
    ['token requests', tokens],
    ['FairPlay redemptions', ckcs],
  ]) {
    const problems = answers.map((a) =>
      a.status === 200 ? '200 during the outage' : faultAnswerProblem(a, ANSWER_WITHIN_MS),
    );
    check(
      `${scenario}: ${what} get 503 with Retry-After in the documented shape within ${ANSWER_WITHIN_MS / 1000} s`,
      problems.every((p) => !p),
      `${tally(answers)}, slowest ${Math.max(...answers.map((a) => a.ms)).toFixed(0)} ms` +
        (problems.some(Boolean) ? `; ${firstProblems(problems)}` : ''),
    );
  }
  const readyProblems = ready.map((a, i) =>
    a.error
      ? `${['token-gen', 'rights'][i]}: ${a.error}`
      : a.status !== 503 || a.ms > READY_WITHIN_MS
        ? `${['token-gen', 'rights'][i]}: ${a.status} after ${a.ms.toFixed(0)} ms`
        : null,
  );
  check(
    `${scenario}: /health/ready answers 503 within ${READY_WITHIN_MS} ms (both apps)`,
    readyProblems.every((p) => !p),
    readyProblems.some(Boolean)
      ? firstProblems(readyProblems)
      : ready.map((a) => `${a.status} in ${a.ms.toFixed(0)} ms`).join(', '),
  );
}

export async function down(ctx, check) {
  const scenario = 'database down';
  const pids = [ctx.apps.tokenGen.pid, ctx.apps.rights.pid];
  await ctx.cluster.stop();
  try {
    await duringOutage(ctx, check, scenario);
  } finally {
    await ctx.cluster.start();
  }
  await recoveryCheck(ctx, check, scenario, pids);
}

export async function frozen(ctx, check) {
  const scenario = 'database frozen';
  const pids = [ctx.apps.tokenGen.pid, ctx.apps.rights.pid];
  // Requests already hold pooled connections to live backends: those freeze with the cluster as well.
  const processes = ctx.cluster.freeze();
  try {
    await duringOutage(ctx, check, `${scenario} (SIGSTOP of its ${processes} processes)`);
  } finally {
    ctx.cluster.thaw();
  }
  await recoveryCheck(ctx, check, scenario, pids);
}
