// kill -9 of rights in the middle of FairPlay redemptions: no credit spent without its delivered-license row, and
// no row without its credit; rights comes back (started again here, as a supervisor would) and token-gen never stops.
import { sleep, timed } from '../net.mjs';
import { ACCOUNT_CREDITS, LOAD_MS } from '../settings.mjs';
import { load, missingRows } from './database.mjs';

export async function killRights(ctx, check) {
  const scenario = 'kill -9 of rights under load';
  const { rights, tokenGen } = ctx.apps;
  const running = load(ctx, LOAD_MS, { tokens: false });
  // token-gen's liveness meanwhile, every 200 ms.
  const tokenGenAnswers = [];
  const watching = (async () => {
    const end = Date.now() + LOAD_MS;
    while (Date.now() < end) {
      tokenGenAnswers.push(await timed(`${tokenGen.base}/health`, { timeout: 2000 }));
      await sleep(200);
    }
  })();
  await sleep(1500);
  const killed = rights.pid;
  await rights.stop('SIGKILL');
  const restarted = Date.now();
  await rights.start();
  const backMs = Date.now() - restarted;
  const [answers] = await Promise.all([running, watching]);

  const { ok, missing } = await missingRows(ctx, answers);
  check(
    `${scenario}: every 200 has its delivered-license row`,
    ok.length > 0 && missing.length === 0,
    `rights (pid ${killed}) killed 1.5 s in, answering again after ${backMs} ms; ${ok.length} CKC 200s` +
      (missing.length ? `, ${missing.length} without a row` : ''),
  );
  const [{ credits }] = await ctx.query('SELECT credits::text AS credits FROM accounts WHERE number = $1', [
    ctx.account.number,
  ]);
  const [{ delivered }] = await ctx.query(
    "SELECT count(*)::int AS delivered FROM audit_events WHERE account_number = $1 AND kind = 'redemption' AND result_code = 0 AND request_type IN ('ckc', 'new', 'renewal')",
    [ctx.account.number],
  );
  const spent = ACCOUNT_CREDITS - Number(credits);
  check(
    `${scenario}: credits spent = delivered-license rows (the whole run's)`,
    spent === delivered,
    `${spent} credits spent, ${delivered} delivered-license rows`,
  );
  const down = tokenGenAnswers.filter((a) => a.status !== 200);
  check(
    `${scenario}: token-gen kept answering`,
    tokenGenAnswers.length > 0 && down.length === 0,
    `${tokenGenAnswers.length - down.length}/${tokenGenAnswers.length} /health 200`,
  );
}
