-- Written by hand (Prisma's schema has no functions). The same statements, in PL/pgSQL instead of SQL: PostgreSQL plans
-- a SQL function's statement anew on every call (it is not inlined: an INSERT cannot be), while PL/pgSQL keeps its plans
-- for the session. openplay_usage_add runs in every redemption and issuance batch; planned on every call it cost 2–3×
-- the database CPU it costs in PL/pgSQL (docs/performance.md, "The redemption ledger's database CPU").
CREATE OR REPLACE FUNCTION openplay_usage_add(p_rows json, p_codes int[] DEFAULT NULL) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO usage_hourly AS u (account_number, hour, drm, metric, count)
  SELECT e.account, e.hour, e.drm, m.metric, count(*)
  FROM (
    SELECT r.account, date_trunc('hour', coalesce(r.at, now()), 'UTC') AS hour, r.drm, r.kind,
           coalesce(p_codes[r.ord::int], r.result) AS code, r.request_type IS NOT DISTINCT FROM 'release' AS release,
           r.device->>'securityLevel' AS level
    FROM ROWS FROM (json_to_recordset(p_rows) AS (
           at timestamptz, kind "AuditKind", drm "Drm", "accountNumber" int, "resultCode" int, "requestType" text,
           device jsonb)) WITH ORDINALITY AS r(at, kind, drm, account, result, request_type, device, ord)
  ) AS e
  CROSS JOIN LATERAL (VALUES
    (CASE WHEN e.code <> 0 THEN 'refusal:' || e.code
          WHEN e.kind = 'issuance' THEN 'tokens'
          WHEN NOT e.release THEN 'licenses' END),
    (CASE WHEN e.code = 0 AND e.kind = 'redemption' AND NOT e.release AND e.level IN ('L1', 'L2', 'L3')
          THEN 'level:' || e.level END)) AS m(metric)
  WHERE e.account IS NOT NULL AND e.drm IS NOT NULL AND m.metric IS NOT NULL
  GROUP BY e.account, e.hour, e.drm, m.metric
  ORDER BY e.account, e.hour, e.drm, m.metric
  ON CONFLICT (account_number, hour, drm, metric) DO UPDATE SET count = u.count + excluded.count;
END;
$$;

CREATE OR REPLACE FUNCTION openplay_stream_renew(p_scope text, p_session bytea, p_live interval)
RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  UPDATE token_streams SET seen_at = now()
  WHERE scope = p_scope AND session_id = p_session AND seen_at > now() - p_live;
  RETURN FOUND;
END;
$$;

-- The plain redemption batch (no use, stream or device limit) in two statements straight from its JSON rows: lock the
-- batch's accounts in a fixed order, then decide, spend and write in one statement whose snapshot is taken after the
-- locks (READ COMMITTED), so it sees every credit committed before. The version it replaces turned the rows into
-- fourteen arrays (one sorted aggregate each) and passed them to openplay_redeem_batch, which unnested them again:
-- about as much database CPU as the writes themselves. Same verdicts, same rows; openplay_redeem_batch stays for
-- servers of older versions during a rolling upgrade.
CREATE OR REPLACE FUNCTION openplay_redeem_batch_json(p_rows json, p_refusal_message text) RETURNS boolean[]
LANGUAGE plpgsql AS $$
DECLARE
  granted boolean[];
BEGIN
  PERFORM 1 FROM accounts
  WHERE number IN (SELECT (e->>'accountNumber')::int FROM json_array_elements(p_rows) AS e)
  ORDER BY number FOR UPDATE;

  WITH r AS MATERIALIZED (
    SELECT * FROM ROWS FROM (json_to_recordset(p_rows) AS (
           at timestamptz, kind "AuditKind", drm "Drm", environment "Environment", "accountNumber" int,
           "tokenId" text, kid text, cookie text, "resultCode" int, message text, "clientAddress" text,
           "userAgent" text, "requestType" text, device jsonb)) WITH ORDINALITY
         AS t(at, kind, drm, environment, account, token_id, kid, cookie, result, message, client, agent,
              request_type, device, ord)
  ),
  -- Credits are granted in arrival order: the n-th redemption of an account gets one while n <= its balance.
  g AS MATERIALIZED (
    SELECT r.ord, r.account,
           a.number IS NOT NULL
           AND (a.credits IS NULL OR row_number() OVER (PARTITION BY r.account ORDER BY r.ord) <= a.credits) AS ok
    FROM r LEFT JOIN accounts a ON a.number = r.account
  ),
  spent AS (
    UPDATE accounts a SET credits = a.credits - d.n
    FROM (SELECT g.account, count(*) AS n FROM g WHERE g.ok GROUP BY g.account) AS d
    WHERE a.number = d.account AND a.credits IS NOT NULL
  ),
  written AS (
    INSERT INTO audit_events
      (at, kind, drm, environment, account_number, token_id, kid, cookie, result_code, message,
       client_address, user_agent, request_type, device)
    SELECT coalesce(r.at, now()), r.kind, r.drm, r.environment, r.account, r.token_id, r.kid, r.cookie,
           CASE WHEN g.ok THEN r.result ELSE -2019 END, CASE WHEN g.ok THEN r.message ELSE p_refusal_message END,
           r.client, r.agent, r.request_type, r.device
    FROM r JOIN g ON g.ord = r.ord
  )
  SELECT array_agg(g.ok ORDER BY g.ord) INTO granted FROM g;

  RETURN granted;
END;
$$;
