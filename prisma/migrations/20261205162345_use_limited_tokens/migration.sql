-- Use-limited tokens (docs/decisions/0015-use-limited-tokens.md). The tables come from prisma/schema.prisma; the
-- function below is written by hand (Prisma's schema has no functions).
-- CreateTable
CREATE TABLE "token_uses" (
    "token_id" TEXT NOT NULL,
    "uses" INTEGER NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "token_uses_pkey" PRIMARY KEY ("token_id")
);

-- CreateTable
CREATE TABLE "token_use_requests" (
    "token_id" TEXT NOT NULL,
    "request_hash" BYTEA NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "token_use_requests_pkey" PRIMARY KEY ("token_id","request_hash")
);

-- CreateIndex
CREATE INDEX "token_uses_expires_at_idx" ON "token_uses"("expires_at");

-- AddForeignKey
ALTER TABLE "token_use_requests" ADD CONSTRAINT "token_use_requests_token_id_fkey" FOREIGN KEY ("token_id") REFERENCES "token_uses"("token_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A redemption batch in which at least one token has a use limit (batches without one keep openplay_redeem_batch_json,
-- untouched). One statement, as that one: lock the batch's accounts in a fixed order, then the limited tokens' rows
-- (created on first use) in a fixed order, then decide each redemption in arrival order:
--   'retry'     a limited token, and this request (its hash) used it within p_retry_window: delivered again, no use,
--               no credit;
--   'used-up'   a limited token with no use left: -9002 row;
--   'no-credit' the account has no credit left: -2019 row;
--   'granted'   a credit is spent and, for a limited token, a use with its request hash.
-- Rows of tokens that expired more than p_grace ago go first, a bounded number per batch, skipping any row another
-- transaction holds, so that no cron is needed and two servers never wait on each other for it.
-- The extra keys of a row: "useLimit" (null: no limit), "requestHash" (hex), "tokenExpiresAt".
CREATE FUNCTION openplay_redeem_batch_limited(
  p_rows json, p_no_credit_message text, p_used_up_message text, p_retry_message text, p_retry_window interval,
  p_grace interval
) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
  r record;
  verdict text;
  verdicts text[] := '{}';
  v_credits bigint;
  v_uses int;
  v_hash bytea;
BEGIN
  DELETE FROM token_uses WHERE token_id IN (
    SELECT token_id FROM token_uses WHERE expires_at < now() - p_grace ORDER BY token_id LIMIT 100
    FOR UPDATE SKIP LOCKED);

  PERFORM 1 FROM accounts
  WHERE number IN (SELECT (e->>'accountNumber')::int FROM json_array_elements(p_rows) AS e)
  ORDER BY number FOR UPDATE;

  INSERT INTO token_uses (token_id, uses, expires_at)
  SELECT DISTINCT t."tokenId", 0, t."tokenExpiresAt"
  FROM json_to_recordset(p_rows) AS t("tokenId" text, "useLimit" int, "tokenExpiresAt" timestamptz)
  WHERE t."useLimit" IS NOT NULL
  ORDER BY t."tokenId"
  ON CONFLICT (token_id) DO NOTHING;

  PERFORM 1 FROM token_uses
  WHERE token_id IN (SELECT t."tokenId" FROM json_to_recordset(p_rows) AS t("tokenId" text, "useLimit" int)
                     WHERE t."useLimit" IS NOT NULL)
  ORDER BY token_id FOR UPDATE;

  FOR r IN
    SELECT * FROM ROWS FROM (json_to_recordset(p_rows) AS (
           at timestamptz, kind "AuditKind", drm "Drm", environment "Environment", "accountNumber" int,
           "tokenId" text, kid text, cookie text, "resultCode" int, message text, "clientAddress" text,
           "userAgent" text, "requestType" text, device jsonb, "useLimit" int, "requestHash" text)) WITH ORDINALITY
         AS t(at, kind, drm, environment, account, token_id, kid, cookie, result, message, client, agent,
              request_type, device, use_limit, request_hash, ord)
    ORDER BY t.ord
  LOOP
    verdict := 'granted';
    IF r.use_limit IS NOT NULL THEN
      v_hash := decode(r.request_hash, 'hex');
      IF EXISTS (SELECT 1 FROM token_use_requests q
                 WHERE q.token_id = r.token_id AND q.request_hash = v_hash AND q.at > now() - p_retry_window) THEN
        verdict := 'retry';
      ELSE
        SELECT u.uses INTO v_uses FROM token_uses u WHERE u.token_id = r.token_id;
        IF v_uses >= r.use_limit THEN verdict := 'used-up'; END IF;
      END IF;
    END IF;

    IF verdict = 'granted' THEN
      SELECT a.credits INTO v_credits FROM accounts a WHERE a.number = r.account;
      IF NOT FOUND OR v_credits <= 0 THEN
        verdict := 'no-credit';
      ELSIF v_credits IS NOT NULL THEN
        UPDATE accounts SET credits = credits - 1 WHERE number = r.account;
      END IF;
    END IF;

    IF verdict = 'granted' AND r.use_limit IS NOT NULL THEN
      UPDATE token_uses SET uses = uses + 1 WHERE token_id = r.token_id;
      INSERT INTO token_use_requests (token_id, request_hash, at) VALUES (r.token_id, v_hash, now())
      ON CONFLICT (token_id, request_hash) DO UPDATE SET at = excluded.at;
    END IF;

    INSERT INTO audit_events
      (at, kind, drm, environment, account_number, token_id, kid, cookie, result_code, message,
       client_address, user_agent, request_type, device)
    VALUES (coalesce(r.at, now()), r.kind, r.drm, r.environment, r.account, r.token_id, r.kid, r.cookie,
            CASE verdict WHEN 'no-credit' THEN -2019 WHEN 'used-up' THEN -9002 ELSE r.result END,
            CASE verdict WHEN 'no-credit' THEN p_no_credit_message WHEN 'used-up' THEN p_used_up_message
                         WHEN 'retry' THEN concat_ws('; ', r.message, p_retry_message) ELSE r.message END,
            r.client, r.agent, r.request_type, r.device);
    verdicts := verdicts || verdict;
  END LOOP;
  RETURN verdicts;
END;
$$;
