-- FairPlay concurrent-stream and device limits (docs/decisions/0018-concurrent-streams.md, "FairPlay").
-- A FairPlay stream has no heartbeat and no release: it lives until the lease its last CKC states (plus the grace), a
-- time per row, not the server-wide renewal window of a Widevine stream. The column is null for Widevine streams, whose
-- life stays seen_at + p_live. The column comes from prisma/schema.prisma; the functions are written by hand.
-- AlterTable
ALTER TABLE "token_streams" ADD COLUMN     "lease_ends_at" TIMESTAMPTZ(3);

-- openplay_redeem_batch_usage of the migration concurrent_streams, plus one argument (the -9005 message) and, for a
-- row with "streamLease" (seconds a FairPlay stream lives from this CKC; null for Widevine): the row's stream
-- ("sessionId", a hash of the device and the content) extends itself when it is live (no slot is taken: a lease renewal
-- or a second SPC of the same playback); otherwise, with "streamRenewal" (the SPC says playback is under way), it is
-- 'stream-stopped' (-9005: stopped by a newer stream or its lease ran out; a dead stream stays dead), and without it
-- a new stream, admitted as a Widevine one. Every stream's liveness reads its lease end when it has one. Rows without
-- the new keys are decided exactly as before.

CREATE FUNCTION openplay_redeem_batch_usage(
  p_rows json, p_no_credit_message text, p_used_up_message text, p_retry_message text, p_retry_window interval,
  p_grace interval, p_too_many_message text, p_live interval, p_too_many_devices_message text, p_stopped_message text
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
  v_session bytea;
  v_extends boolean;
BEGIN
  DELETE FROM token_uses WHERE token_id IN (
    SELECT token_id FROM token_uses WHERE expires_at < now() - p_grace ORDER BY token_id LIMIT 100
    FOR UPDATE SKIP LOCKED);
  DELETE FROM token_streams WHERE (scope, session_id) IN (
    SELECT scope, session_id FROM token_streams
    WHERE seen_at < now() - p_live - p_grace AND (lease_ends_at IS NULL OR lease_ends_at < now() - p_grace) LIMIT 100
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
           "maxDevices" int, "deviceWindow" int, "deviceId" text, "streamLease" int, "streamRenewal" boolean))
           WITH ORDINALITY
         AS t(at, kind, drm, environment, account, token_id, kid, cookie, result, message, client, agent,
              request_type, device, use_limit, request_hash, max_streams, stop_oldest, stream_scope, session_id,
              max_devices, device_window, device_id, stream_lease, stream_renewal, ord)
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
      v_session := decode(r.session_id, 'hex');
      DELETE FROM token_streams s WHERE s.scope = r.stream_scope AND CASE WHEN s.lease_ends_at IS NULL
        THEN s.seen_at <= now() - p_live ELSE s.lease_ends_at <= now() END;
      -- What is left is live: a FairPlay CKC of a live stream extends it, whatever the limit.
      v_extends := r.stream_lease IS NOT NULL AND EXISTS (
        SELECT 1 FROM token_streams s WHERE s.scope = r.stream_scope AND s.session_id = v_session);
      IF NOT v_extends THEN
        IF coalesce(r.stream_renewal, false) THEN
          verdict := 'stream-stopped';
        ELSE
          SELECT count(*) INTO v_live FROM token_streams s WHERE s.scope = r.stream_scope;
          IF v_live >= r.max_streams AND NOT coalesce(r.stop_oldest, false) THEN verdict := 'too-many-streams'; END IF;
        END IF;
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

    IF verdict = 'granted' AND r.max_streams IS NOT NULL THEN
      IF v_extends THEN
        UPDATE token_streams SET seen_at = now(), lease_ends_at = now() + make_interval(secs => r.stream_lease)
        WHERE scope = r.stream_scope AND session_id = v_session;
      ELSE
        IF v_live >= r.max_streams THEN
          DELETE FROM token_streams
          WHERE (scope, session_id) IN (
            SELECT s.scope, s.session_id FROM token_streams s WHERE s.scope = r.stream_scope
            ORDER BY s.started_at, s.session_id LIMIT v_live - r.max_streams + 1);
        END IF;
        INSERT INTO token_streams (scope, session_id, started_at, seen_at, lease_ends_at)
        VALUES (r.stream_scope, v_session, now(), now(), now() + make_interval(secs => r.stream_lease))
        ON CONFLICT (scope, session_id) DO UPDATE SET seen_at = excluded.seen_at, lease_ends_at = excluded.lease_ends_at;
      END IF;
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
                         WHEN 'too-many-devices' THEN -9007 WHEN 'stream-stopped' THEN -9005 ELSE r.result END,
            CASE verdict WHEN 'no-credit' THEN p_no_credit_message WHEN 'used-up' THEN p_used_up_message
                         WHEN 'too-many-streams' THEN p_too_many_message
                         WHEN 'too-many-devices' THEN p_too_many_devices_message
                         WHEN 'stream-stopped' THEN p_stopped_message
                         WHEN 'retry' THEN concat_ws('; ', r.message, p_retry_message) ELSE r.message END,
            r.client, r.agent, r.request_type, r.device);
    verdicts := verdicts || verdict;
  END LOOP;
  RETURN verdicts;
END;
$$;

-- The previous signature, which rights servers of the previous version call during a rolling upgrade: the same
-- decisions (its rows have no FairPlay keys, so no -9005 and no message is needed), lease-aware like the new one.
CREATE OR REPLACE FUNCTION openplay_redeem_batch_usage(
  p_rows json, p_no_credit_message text, p_used_up_message text, p_retry_message text, p_retry_window interval,
  p_grace interval, p_too_many_message text, p_live interval, p_too_many_devices_message text
) RETURNS text[] LANGUAGE sql AS $$
  SELECT openplay_redeem_batch_usage(p_rows, p_no_credit_message, p_used_up_message, p_retry_message, p_retry_window,
                                     p_grace, p_too_many_message, p_live, p_too_many_devices_message, NULL::text);
$$;

-- The usage roll-up counts -9005 refusals under their code, as the other refusals (migration
-- usage_of_stream_limited_batches).
CREATE OR REPLACE FUNCTION openplay_usage_add_verdicts(p_rows json, p_verdicts text[]) RETURNS text[] LANGUAGE plpgsql AS $$
BEGIN
  PERFORM openplay_usage_add(p_rows, ARRAY(
    SELECT CASE v WHEN 'no-credit' THEN -2019 WHEN 'used-up' THEN -9002
                  WHEN 'too-many-streams' THEN -9004 WHEN 'too-many-devices' THEN -9007
                  WHEN 'stream-stopped' THEN -9005 END
    FROM unnest(p_verdicts) WITH ORDINALITY AS x(v, i) ORDER BY i));
  RETURN p_verdicts;
END;
$$;
