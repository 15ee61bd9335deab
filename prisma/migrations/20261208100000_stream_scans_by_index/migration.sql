-- Written by hand (Prisma's schema has no functions). The stream- and device-limited batch function reads its tables
-- through plain index scans only, and locks its accounts through their index.
--
-- Every stopped, released or moved stream leaves a dead tuple behind, and so does every renewal and every device
-- window (seen_at and expires_at are indexed, so those updates are never HOT). A bitmap index scan hands the heap every
-- index entry of the scope, dead or alive, and never marks the dead ones; a plain index scan marks them (LP_DEAD) the
-- first time it finds them dead, and later scans skip them. PostgreSQL plans a bitmap scan for the few rows a scope
-- holds, so under churn each statement of the loop stepped over every dead version of the scope's streams until vacuum
-- ran: one user opening streams at a limit of 2 (stop the oldest) cost the database 335 µs per license for the first
-- 2000 and 2670 µs after 20,000 where autovacuum is off (and as much between two vacuums where it is on). A plan made
-- while a table was small (a plan PL/pgSQL keeps for the session) also kept its sequential scans as the table grew:
-- the clean-up of dead streams read the whole heap every batch. With plain index scans only, 195-225 µs per license
-- throughout 32,000 (docs/performance.md, "Stream-limited tokens under churn"). Every statement of the function looks
-- up a few rows of a scope, an account or a token, or the oldest expired ones, each through an index it has; hence
-- the function's own enable_bitmapscan = off and enable_seqscan = off, whatever the statistics say.
--
-- The accounts are locked through an array of the rows' account numbers, which reads them through their unique
-- index: the semi-join with the rows' JSON, planned for a hundred rows, read every account of the table per batch
-- (2.75 ms a batch with 20,001 accounts, against 0.05 ms).
--
-- Otherwise the body of migration expired_token_counts_by_expiry, unchanged; same signature.
CREATE OR REPLACE FUNCTION openplay_redeem_batch_usage(
  p_rows json, p_no_credit_message text, p_used_up_message text, p_retry_message text, p_retry_window interval,
  p_grace interval, p_too_many_message text, p_live interval, p_too_many_devices_message text, p_stopped_message text
) RETURNS text[] LANGUAGE plpgsql SET enable_bitmapscan = off SET enable_seqscan = off AS $$
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
  v_stop int;
  v_account_live int;
  v_prior bytea;
  v_moves boolean;
  v_counted boolean;
BEGIN
  DELETE FROM token_uses WHERE token_id IN (
    SELECT token_id FROM token_uses WHERE expires_at < now() - p_grace ORDER BY expires_at LIMIT 100
    FOR UPDATE SKIP LOCKED);
  DELETE FROM token_streams WHERE (scope, session_id) IN (
    SELECT scope, session_id FROM token_streams
    WHERE seen_at < now() - p_live - p_grace AND (lease_ends_at IS NULL OR lease_ends_at < now() - p_grace) LIMIT 100
    FOR UPDATE SKIP LOCKED);
  DELETE FROM token_devices WHERE (scope, device_id) IN (
    SELECT scope, device_id FROM token_devices WHERE expires_at < now() - p_grace LIMIT 100
    FOR UPDATE SKIP LOCKED);

  PERFORM 1 FROM accounts
  WHERE number = ANY (ARRAY(SELECT (e->>'accountNumber')::int FROM json_array_elements(p_rows) AS e))
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
           "maxDevices" int, "deviceWindow" int, "deviceId" text, "streamLease" int, "streamRenewal" boolean,
           "accountMaxStreams" int, "accountStopOldest" boolean)) WITH ORDINALITY
         AS t(at, kind, drm, environment, account, token_id, kid, cookie, result, message, client, agent,
              request_type, device, use_limit, request_hash, max_streams, stop_oldest, stream_scope, session_id,
              max_devices, device_window, device_id, stream_lease, stream_renewal, account_max_streams,
              account_stop_oldest, ord)
    ORDER BY t.ord
  LOOP
    verdict := 'granted';
    v_live := 0;
    v_stop := 0;
    v_account_live := 0;
    v_extends := false;
    v_moves := false;
    v_prior := NULL;
    v_session := decode(r.session_id, 'hex');
    -- The row's stream is counted (recorded, or moved to it) when a limit of the token or the account applies.
    v_counted := r.session_id IS NOT NULL AND (r.max_streams IS NOT NULL OR r.account_max_streams IS NOT NULL);
    IF r.use_limit IS NOT NULL THEN
      v_hash := decode(r.request_hash, 'hex');
      SELECT q.session_id INTO v_prior FROM token_use_requests q
      WHERE q.token_id = r.token_id AND q.request_hash = v_hash AND q.at > now() - p_retry_window;
      IF FOUND THEN
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

    -- A retry's stream is decided as well: the stream of the answer it repeats, or else a new one.
    IF verdict IN ('granted', 'retry') AND v_counted THEN
      -- Dead streams go first (a Widevine one without a renewal within p_live, a FairPlay one past its lease).
      IF r.max_streams IS NOT NULL THEN
        DELETE FROM token_streams s WHERE s.scope = r.stream_scope AND CASE WHEN s.lease_ends_at IS NULL
          THEN s.seen_at <= now() - p_live ELSE s.lease_ends_at <= now() END;
      END IF;
      IF r.account_max_streams IS NOT NULL THEN
        DELETE FROM token_streams s WHERE s.account_number = r.account AND CASE WHEN s.lease_ends_at IS NULL
          THEN s.seen_at <= now() - p_live ELSE s.lease_ends_at <= now() END;
      END IF;
      -- What is left is live: a retry takes over the live stream of the answer it repeats, and a FairPlay CKC of a
      -- live stream extends it, whatever the limits.
      v_moves := verdict = 'retry' AND v_prior IS NOT NULL AND EXISTS (
        SELECT 1 FROM token_streams s WHERE s.scope = r.stream_scope AND s.session_id = v_prior);
      v_extends := NOT v_moves AND r.stream_lease IS NOT NULL AND EXISTS (
        SELECT 1 FROM token_streams s WHERE s.scope = r.stream_scope AND s.session_id = v_session);
      -- A lease renewal of a stream that is not live: -9005 under a limit that stops streams (the token's own, or the
      -- account's stopOldest); under the account's deny alone, a new stream like any other.
      IF NOT v_extends AND NOT v_moves AND coalesce(r.stream_renewal, false)
         AND (r.max_streams IS NOT NULL OR coalesce(r.account_stop_oldest, false)) THEN
        verdict := 'stream-stopped';
      END IF;
      IF verdict IN ('granted', 'retry') AND NOT v_extends AND NOT v_moves AND r.max_streams IS NOT NULL THEN
        SELECT count(*) INTO v_live FROM token_streams s WHERE s.scope = r.stream_scope;
        IF v_live >= r.max_streams THEN
          IF coalesce(r.stop_oldest, false) THEN v_stop := v_live - r.max_streams + 1;
          ELSE verdict := 'too-many-streams';
          END IF;
        END IF;
      END IF;
      IF verdict IN ('granted', 'retry') AND NOT v_extends AND NOT v_moves AND r.account_max_streams IS NOT NULL THEN
        SELECT count(*) INTO v_account_live FROM token_streams s
        WHERE s.account_number = r.account
          AND (v_stop = 0 OR (s.scope, s.session_id) NOT IN (
            SELECT o.scope, o.session_id FROM token_streams o WHERE o.scope = r.stream_scope
            ORDER BY o.started_at, o.session_id LIMIT v_stop));
        IF v_account_live >= r.account_max_streams AND NOT coalesce(r.account_stop_oldest, false) THEN
          verdict := 'too-many-streams';
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
      INSERT INTO token_use_requests (token_id, request_hash, at, session_id)
      VALUES (r.token_id, v_hash, now(), CASE WHEN v_counted THEN v_session END)
      ON CONFLICT (token_id, request_hash) DO UPDATE SET at = excluded.at, session_id = excluded.session_id;
    END IF;

    IF verdict = 'retry' AND v_counted THEN
      -- A later retry of the same request takes over this answer's stream. The window still runs from the use.
      UPDATE token_use_requests SET session_id = v_session WHERE token_id = r.token_id AND request_hash = v_hash;
    END IF;

    IF verdict = 'retry' AND v_moves THEN
      UPDATE token_streams SET session_id = v_session, seen_at = now(),
                               lease_ends_at = now() + make_interval(secs => r.stream_lease)
      WHERE scope = r.stream_scope AND session_id = v_prior;
    ELSIF verdict IN ('granted', 'retry') AND v_extends THEN
      UPDATE token_streams SET seen_at = now(), lease_ends_at = now() + make_interval(secs => r.stream_lease)
      WHERE scope = r.stream_scope AND session_id = v_session;
    ELSIF verdict IN ('granted', 'retry') AND v_counted THEN
      IF v_stop > 0 THEN
        DELETE FROM token_streams
        WHERE (scope, session_id) IN (
          SELECT s.scope, s.session_id FROM token_streams s WHERE s.scope = r.stream_scope
          ORDER BY s.started_at, s.session_id LIMIT v_stop);
      END IF;
      IF r.account_max_streams IS NOT NULL AND v_account_live >= r.account_max_streams THEN
        DELETE FROM token_streams
        WHERE (scope, session_id) IN (
          SELECT s.scope, s.session_id FROM token_streams s WHERE s.account_number = r.account
          ORDER BY s.started_at, s.session_id LIMIT v_account_live - r.account_max_streams + 1);
      END IF;
      INSERT INTO token_streams (scope, session_id, started_at, seen_at, lease_ends_at, account_number)
      VALUES (r.stream_scope, v_session, now(), now(), now() + make_interval(secs => r.stream_lease), r.account)
      ON CONFLICT (scope, session_id) DO UPDATE SET seen_at = excluded.seen_at, lease_ends_at = excluded.lease_ends_at;
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
