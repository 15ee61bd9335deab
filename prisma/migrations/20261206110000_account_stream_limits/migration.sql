-- Account-wide stream and device limits (docs/decisions/0023-account-stream-limits.md). The columns, the enum and the
-- index come from prisma/schema.prisma; the checks and the function below are written by hand.
-- CreateEnum
CREATE TYPE "StreamLimitMode" AS ENUM ('deny', 'stopOldest');

-- AlterTable
ALTER TABLE "accounts" ADD COLUMN     "device_window" INTEGER,
ADD COLUMN     "max_devices" INTEGER,
ADD COLUMN     "max_streams" INTEGER,
ADD COLUMN     "stream_limit_mode" "StreamLimitMode";

-- AlterTable
ALTER TABLE "token_streams" ADD COLUMN     "account_number" INTEGER;

-- CreateIndex
CREATE INDEX "token_streams_account_number_seen_at_idx" ON "token_streams"("account_number", "seen_at");

-- The admin API refuses bad values with a clear message first; these keep a hand-written UPDATE from storing one the
-- rights server would misread. A mode or window is part of its limit: never set without it.
ALTER TABLE "accounts"
  ADD CONSTRAINT "accounts_max_streams_check" CHECK (max_streams BETWEEN 1 AND 100000),
  ADD CONSTRAINT "accounts_stream_limit_mode_check" CHECK (stream_limit_mode IS NULL OR max_streams IS NOT NULL),
  ADD CONSTRAINT "accounts_max_devices_check" CHECK (max_devices BETWEEN 1 AND 100),
  ADD CONSTRAINT "accounts_device_window_check"
    CHECK ((device_window IS NULL) = (max_devices IS NULL) AND device_window BETWEEN 60 AND 31536000);

-- openplay_redeem_batch_usage of the migration concurrent_streams, same signature (a rights server of the previous
-- version calls it unchanged, and its rows, which carry no account keys, are decided as before), plus:
-- * every stream row it writes carries its account number, so that an account-wide limit counts the streams of
--   token-limited licenses too;
-- * a row with "accountMaxStreams" (the account's setting, read by the rights server from its cached account row) is
--   a stream of the account: the account's dead streams are deleted and its live ones counted under the account's
--   row lock, which the batch takes first; at the limit the row is 'too-many-streams' (-9004), or, with
--   "accountStopOldest", it is granted and the account's oldest streams are deleted. A license must fit both its
--   token's limit and the account's: streams the token's own stopOldest stops are left out of the account's count.
--   The row's stream ("sessionId", in "streamScope") is recorded when either limit applies.
CREATE OR REPLACE FUNCTION openplay_redeem_batch_usage(
  p_rows json, p_no_credit_message text, p_used_up_message text, p_retry_message text, p_retry_window interval,
  p_grace interval, p_too_many_message text, p_live interval, p_too_many_devices_message text
) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
  r record;
  verdict text;
  verdicts text[] := '{}';
  v_credits bigint;
  v_uses int;
  v_hash bytea;
  v_live int;
  v_device bytea;
  v_devices int;
  v_stop int;
  v_account_live int;
BEGIN
  DELETE FROM token_uses WHERE token_id IN (
    SELECT token_id FROM token_uses WHERE expires_at < now() - p_grace ORDER BY token_id LIMIT 100
    FOR UPDATE SKIP LOCKED);
  DELETE FROM token_streams WHERE (scope, session_id) IN (
    SELECT scope, session_id FROM token_streams WHERE seen_at < now() - p_live - p_grace LIMIT 100
    FOR UPDATE SKIP LOCKED);
  DELETE FROM token_devices WHERE (scope, device_id) IN (
    SELECT scope, device_id FROM token_devices WHERE expires_at < now() - p_grace LIMIT 100
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
           "userAgent" text, "requestType" text, device jsonb, "useLimit" int, "requestHash" text,
           "maxStreams" int, "stopOldest" boolean, "streamScope" text, "sessionId" text,
           "maxDevices" int, "deviceWindow" int, "deviceId" text,
           "accountMaxStreams" int, "accountStopOldest" boolean)) WITH ORDINALITY
         AS t(at, kind, drm, environment, account, token_id, kid, cookie, result, message, client, agent,
              request_type, device, use_limit, request_hash, max_streams, stop_oldest, stream_scope, session_id,
              max_devices, device_window, device_id, account_max_streams, account_stop_oldest, ord)
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

    IF verdict = 'granted' AND r.max_devices IS NOT NULL THEN
      v_device := decode(r.device_id, 'hex');
      DELETE FROM token_devices d WHERE d.scope = r.stream_scope AND d.expires_at <= now();
      IF NOT EXISTS (SELECT 1 FROM token_devices d WHERE d.scope = r.stream_scope AND d.device_id = v_device) THEN
        SELECT count(*) INTO v_devices FROM token_devices d WHERE d.scope = r.stream_scope;
        IF v_devices >= r.max_devices THEN verdict := 'too-many-devices'; END IF;
      END IF;
    END IF;

    IF verdict = 'granted' AND r.max_streams IS NOT NULL THEN
      DELETE FROM token_streams s WHERE s.scope = r.stream_scope AND s.seen_at <= now() - p_live;
      SELECT count(*) INTO v_live FROM token_streams s WHERE s.scope = r.stream_scope;
      IF v_live >= r.max_streams AND NOT coalesce(r.stop_oldest, false) THEN verdict := 'too-many-streams'; END IF;
    END IF;

    -- The token's own stopOldest stops v_stop streams of its scope; they are the account's too, so the account's
    -- count leaves them out.
    v_stop := 0;
    IF verdict = 'granted' AND r.max_streams IS NOT NULL AND v_live >= r.max_streams THEN
      v_stop := v_live - r.max_streams + 1;
    END IF;
    IF verdict = 'granted' AND r.account_max_streams IS NOT NULL THEN
      DELETE FROM token_streams s WHERE s.account_number = r.account AND s.seen_at <= now() - p_live;
      SELECT count(*) INTO v_account_live FROM token_streams s
      WHERE s.account_number = r.account
        AND (v_stop = 0 OR (s.scope, s.session_id) NOT IN (
          SELECT o.scope, o.session_id FROM token_streams o WHERE o.scope = r.stream_scope
          ORDER BY o.started_at, o.session_id LIMIT v_stop));
      IF v_account_live >= r.account_max_streams AND NOT coalesce(r.account_stop_oldest, false) THEN
        verdict := 'too-many-streams';
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

    IF verdict = 'granted' AND v_stop > 0 THEN
      DELETE FROM token_streams
      WHERE (scope, session_id) IN (
        SELECT s.scope, s.session_id FROM token_streams s WHERE s.scope = r.stream_scope
        ORDER BY s.started_at, s.session_id LIMIT v_stop);
    END IF;
    IF verdict = 'granted' AND r.account_max_streams IS NOT NULL AND v_account_live >= r.account_max_streams THEN
      DELETE FROM token_streams
      WHERE (scope, session_id) IN (
        SELECT s.scope, s.session_id FROM token_streams s WHERE s.account_number = r.account
        ORDER BY s.started_at, s.session_id LIMIT v_account_live - r.account_max_streams + 1);
    END IF;
    IF verdict = 'granted' AND (r.max_streams IS NOT NULL OR r.account_max_streams IS NOT NULL) THEN
      INSERT INTO token_streams (scope, session_id, started_at, seen_at, account_number)
      VALUES (r.stream_scope, decode(r.session_id, 'hex'), now(), now(), r.account)
      ON CONFLICT (scope, session_id) DO UPDATE SET seen_at = excluded.seen_at;
    END IF;

    IF verdict = 'granted' AND r.max_devices IS NOT NULL THEN
      INSERT INTO token_devices (scope, device_id, expires_at)
      VALUES (r.stream_scope, v_device, now() + make_interval(secs => r.device_window))
      ON CONFLICT (scope, device_id) DO UPDATE SET expires_at = excluded.expires_at;
    END IF;

    INSERT INTO audit_events
      (at, kind, drm, environment, account_number, token_id, kid, cookie, result_code, message,
       client_address, user_agent, request_type, device)
    VALUES (coalesce(r.at, now()), r.kind, r.drm, r.environment, r.account, r.token_id, r.kid, r.cookie,
            CASE verdict WHEN 'no-credit' THEN -2019 WHEN 'used-up' THEN -9002 WHEN 'too-many-streams' THEN -9004
                         WHEN 'too-many-devices' THEN -9007 ELSE r.result END,
            CASE verdict WHEN 'no-credit' THEN p_no_credit_message WHEN 'used-up' THEN p_used_up_message
                         WHEN 'too-many-streams' THEN p_too_many_message
                         WHEN 'too-many-devices' THEN p_too_many_devices_message
                         WHEN 'retry' THEN concat_ws('; ', r.message, p_retry_message) ELSE r.message END,
            r.client, r.agent, r.request_type, r.device);
    verdicts := verdicts || verdict;
  END LOOP;
  RETURN verdicts;
END;
$$;

