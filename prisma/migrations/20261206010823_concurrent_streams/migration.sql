-- Concurrent-stream limits (docs/decisions/0018-concurrent-streams.md). The table comes from prisma/schema.prisma; the
-- function below is written by hand (Prisma's schema has no functions).
-- CreateTable
CREATE TABLE "token_streams" (
    "scope" TEXT NOT NULL,
    "session_id" BYTEA NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "seen_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "token_streams_pkey" PRIMARY KEY ("scope","session_id")
);

-- CreateTable
CREATE TABLE "token_devices" (
    "scope" TEXT NOT NULL,
    "device_id" BYTEA NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "token_devices_pkey" PRIMARY KEY ("scope","device_id")
);

-- CreateIndex
CREATE INDEX "token_streams_seen_at_idx" ON "token_streams"("seen_at");

-- CreateIndex
CREATE INDEX "token_devices_expires_at_idx" ON "token_devices"("expires_at");

-- A redemption batch in which at least one Widevine license is stream- or device-limited (batches without one keep
-- openplay_redeem_batch_json or openplay_redeem_batch_limited, untouched, so that rights servers of the previous
-- version keep working during a rolling upgrade). The same as openplay_redeem_batch_limited, plus, for a row with
-- "maxStreams": the scope's dead streams (not seen within p_live) are deleted and its live ones counted, under the
-- batch's account locks (a scope belongs to one account, whose lock every admission to it holds, so two servers
-- cannot both take the last slot); at the limit the row is 'too-many-streams' (-9004), or, when "stopOldest", it is
-- granted and the oldest streams are deleted (stopped: their renewal finds no row). A granted row's stream (its
-- "sessionId") is recorded as seen now. A scope therefore holds at most its limit of rows.
-- Stream rows dead for more than p_grace go first, a bounded number per batch, skipping rows another transaction holds.
-- The extra keys of a row: "useLimit", "requestHash", "tokenExpiresAt" (as openplay_redeem_batch_limited),
-- "maxStreams" (null: no stream limit), "stopOldest", "streamScope", "sessionId" (hex), "maxDevices" (null: no device
-- limit), "deviceWindow" (seconds), "deviceId" (hex; the scope is "streamScope").
-- A row with "maxDevices": the scope's devices whose window passed are deleted; a device not among the rest while
-- "maxDevices" are is 'too-many-devices' (-9007). A granted row's device is seen now (its window starts again).
CREATE FUNCTION openplay_redeem_batch_usage(
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
           "maxDevices" int, "deviceWindow" int, "deviceId" text)) WITH ORDINALITY
         AS t(at, kind, drm, environment, account, token_id, kid, cookie, result, message, client, agent,
              request_type, device, use_limit, request_hash, max_streams, stop_oldest, stream_scope, session_id,
              max_devices, device_window, device_id, ord)
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

    IF verdict = 'granted' AND r.max_streams IS NOT NULL THEN
      IF v_live >= r.max_streams THEN
        DELETE FROM token_streams
        WHERE (scope, session_id) IN (
          SELECT s.scope, s.session_id FROM token_streams s WHERE s.scope = r.stream_scope
          ORDER BY s.started_at, s.session_id LIMIT v_live - r.max_streams + 1);
      END IF;
      INSERT INTO token_streams (scope, session_id, started_at, seen_at)
      VALUES (r.stream_scope, decode(r.session_id, 'hex'), now(), now())
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

-- A renewal of a stream-limited license: the heartbeat. True when the stream is live (its seen time moves to now);
-- false when a newer stream stopped it (its row is gone) or its renewals stopped for longer than p_live (-9005).
-- A dead stream stays dead, so no renewal can raise the count an admission has taken under its account lock.
CREATE FUNCTION openplay_stream_renew(p_scope text, p_session bytea, p_live interval)
RETURNS boolean LANGUAGE sql AS $$
  WITH renewed AS (
    UPDATE token_streams SET seen_at = now()
    WHERE scope = p_scope AND session_id = p_session AND seen_at > now() - p_live
    RETURNING 1)
  SELECT EXISTS (SELECT 1 FROM renewed);
$$;
