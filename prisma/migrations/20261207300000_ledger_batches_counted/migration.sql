-- Written by hand (Prisma's schema has no functions). The redemption ledger's two common batches, each with its usage
-- roll-up inside and the batch's accounts passed as an array, so that the rows' JSON is read once
-- (docs/performance.md, "Per-batch and per-row costs of the ledger"). The functions they replace stay unchanged for
-- servers of older versions during a rolling upgrade, which wrap them in openplay_usage_add_granted or
-- openplay_usage_add_verdicts as before; a server calls one or the other, never both, so no row is counted twice.

-- openplay_redeem_batch_json and openplay_usage_add_granted in one statement: the same lock, verdicts and rows; the
-- usage counters from the rows already read instead of parsing the JSON again in a second function. p_accounts: the
-- rows' account numbers (any order, duplicates allowed), locked before the statement's snapshot. A row whose account
-- is missing from it raises, which rolls the whole batch back: a row is never decided without its account's lock.
CREATE FUNCTION openplay_redeem_batch_counted(p_rows json, p_accounts int[], p_refusal_message text)
RETURNS boolean[] LANGUAGE plpgsql AS $$
DECLARE
  granted boolean[];
  locked boolean;
BEGIN
  PERFORM 1 FROM accounts WHERE number = ANY (p_accounts) ORDER BY number FOR UPDATE;

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
    -- "= ANY (p_accounts)" lets the plan read the few accounts through their index: planned for a hundred rows
    -- from the JSON, a plain join reads every account (a hash join over a scan of the table).
    FROM r LEFT JOIN accounts a ON a.number = r.account AND a.number = ANY (p_accounts)
  ),
  spent AS (
    UPDATE accounts a SET credits = a.credits - d.n
    FROM (SELECT g.account, count(*) AS n FROM g WHERE g.ok GROUP BY g.account) AS d
    WHERE a.number = d.account AND a.number = ANY (p_accounts) AND a.credits IS NOT NULL
  ),
  e AS MATERIALIZED (
    SELECT coalesce(r.at, now()) AS at, r.kind, r.drm, r.environment, r.account, r.token_id, r.kid, r.cookie,
           CASE WHEN g.ok THEN r.result ELSE -2019 END AS result,
           CASE WHEN g.ok THEN r.message ELSE p_refusal_message END AS message,
           r.client, r.agent, r.request_type, r.device
    FROM r JOIN g ON g.ord = r.ord
  ),
  written AS (
    INSERT INTO audit_events
      (at, kind, drm, environment, account_number, token_id, kid, cookie, result_code, message,
       client_address, user_agent, request_type, device)
    SELECT at, kind, drm, environment, account, token_id, kid, cookie, result, message, client, agent, request_type,
           device
    FROM e
  ),
  -- The metrics of openplay_usage_add (migration cheaper_redemption_batches), from the rows as written.
  counted AS (
    INSERT INTO usage_hourly AS u (account_number, hour, drm, metric, count)
    SELECT e.account, date_trunc('hour', e.at, 'UTC'), e.drm, m.metric, count(*)
    FROM e
    CROSS JOIN LATERAL (VALUES
      (CASE WHEN e.result <> 0 THEN 'refusal:' || e.result
            WHEN e.kind = 'issuance' THEN 'tokens'
            WHEN e.request_type IS DISTINCT FROM 'release' THEN 'licenses' END),
      (CASE WHEN e.result = 0 AND e.kind = 'redemption' AND e.request_type IS DISTINCT FROM 'release'
                 AND e.device->>'securityLevel' IN ('L1', 'L2', 'L3')
            THEN 'level:' || (e.device->>'securityLevel') END)) AS m(metric)
    WHERE e.account IS NOT NULL AND e.drm IS NOT NULL AND m.metric IS NOT NULL
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (account_number, hour, drm, metric) DO UPDATE SET count = u.count + excluded.count
  )
  SELECT array_agg(g.ok ORDER BY g.ord), coalesce(bool_and(g.account = ANY (p_accounts)), true)
  INTO granted, locked FROM g;

  IF NOT locked THEN
    RAISE EXCEPTION 'openplay_redeem_batch_counted: a row''s account is not in p_accounts';
  END IF;
  RETURN granted;
END;
$$;

-- openplay_redeem_batch_limited and openplay_usage_add_verdicts in one: the same locks, the same verdicts in arrival
-- order and the same rows (docs/decisions/0015-use-limited-tokens.md), with fewer statements per row:
-- * the loop only decides (and records a granted request's hash); the credits and uses it grants are counted in
--   local arrays and spent by one UPDATE per account and per token after it. Every such row is locked FOR UPDATE by
--   this transaction before the loop, so nothing else can change it meanwhile. An UPDATE of an account runs the
--   accounts_notify_change trigger's WHEN (two whole-row to_jsonb), which made the per-license UPDATE the loop's most
--   costly statement;
-- * the audit rows and the usage counters are written by one statement after the loop, from the rows and verdicts;
-- * expired tokens are found through token_uses_expires_at_idx (ordered by expiry): ordered by token id, the LIMIT
--   walked the primary key through every live token when few had expired, a cost growing with the table per batch.
--   SKIP LOCKED never waits, so the order of those locks cannot deadlock.
CREATE FUNCTION openplay_redeem_batch_limited_counted(
  p_rows json, p_accounts int[], p_no_credit_message text, p_used_up_message text, p_retry_message text,
  p_retry_window interval, p_grace interval
) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
  r record;
  verdict text;
  verdicts text[] := '{}';
  v_credits bigint;
  v_uses int;
  v_hash bytea;
  v_tokens text[];
  i int;
  -- What the loop has granted so far, by account and by token (parallel arrays; a batch holds few of each).
  acc_numbers int[] := '{}';
  acc_spent int[] := '{}';
  tok_ids text[] := '{}';
  tok_added int[] := '{}';
BEGIN
  DELETE FROM token_uses WHERE token_id IN (
    SELECT token_id FROM token_uses WHERE expires_at < now() - p_grace ORDER BY expires_at LIMIT 100
    FOR UPDATE SKIP LOCKED);

  PERFORM 1 FROM accounts WHERE number = ANY (p_accounts) ORDER BY number FOR UPDATE;

  SELECT array_agg(DISTINCT t."tokenId" ORDER BY t."tokenId") INTO v_tokens
  FROM json_to_recordset(p_rows) AS t("tokenId" text, "useLimit" int)
  WHERE t."useLimit" IS NOT NULL;

  INSERT INTO token_uses (token_id, uses, expires_at)
  SELECT DISTINCT t."tokenId", 0, t."tokenExpiresAt"
  FROM json_to_recordset(p_rows) AS t("tokenId" text, "useLimit" int, "tokenExpiresAt" timestamptz)
  WHERE t."useLimit" IS NOT NULL
  ORDER BY t."tokenId"
  ON CONFLICT (token_id) DO NOTHING;

  PERFORM 1 FROM token_uses WHERE token_id = ANY (v_tokens) ORDER BY token_id FOR UPDATE;

  FOR r IN
    SELECT * FROM ROWS FROM (json_to_recordset(p_rows) AS (
           "accountNumber" int, "tokenId" text, "useLimit" int, "requestHash" text)) WITH ORDINALITY
         AS t(account, token_id, use_limit, request_hash, ord)
    ORDER BY t.ord
  LOOP
    IF NOT r.account = ANY (p_accounts) THEN
      RAISE EXCEPTION 'openplay_redeem_batch_limited_counted: a row''s account is not in p_accounts';
    END IF;
    verdict := 'granted';
    IF r.use_limit IS NOT NULL THEN
      v_hash := decode(r.request_hash, 'hex');
      IF EXISTS (SELECT 1 FROM token_use_requests q
                 WHERE q.token_id = r.token_id AND q.request_hash = v_hash AND q.at > now() - p_retry_window) THEN
        verdict := 'retry';
      ELSE
        SELECT u.uses INTO v_uses FROM token_uses u WHERE u.token_id = r.token_id;
        i := array_position(tok_ids, r.token_id);
        IF v_uses + coalesce(tok_added[i], 0) >= r.use_limit THEN verdict := 'used-up'; END IF;
      END IF;
    END IF;

    IF verdict = 'granted' THEN
      SELECT a.credits INTO v_credits FROM accounts a WHERE a.number = r.account;
      IF NOT FOUND THEN
        verdict := 'no-credit';
      ELSIF v_credits IS NOT NULL THEN
        i := array_position(acc_numbers, r.account);
        IF i IS NULL THEN
          acc_numbers := acc_numbers || r.account;
          acc_spent := acc_spent || 0;
          i := cardinality(acc_numbers);
        END IF;
        IF v_credits - acc_spent[i] <= 0 THEN
          verdict := 'no-credit';
        ELSE
          acc_spent[i] := acc_spent[i] + 1;
        END IF;
      END IF;
    END IF;

    IF verdict = 'granted' AND r.use_limit IS NOT NULL THEN
      i := array_position(tok_ids, r.token_id);
      IF i IS NULL THEN
        tok_ids := tok_ids || r.token_id;
        tok_added := tok_added || 1;
      ELSE
        tok_added[i] := tok_added[i] + 1;
      END IF;
      INSERT INTO token_use_requests (token_id, request_hash, at) VALUES (r.token_id, v_hash, now())
      ON CONFLICT (token_id, request_hash) DO UPDATE SET at = excluded.at;
    END IF;
    verdicts := verdicts || verdict;
  END LOOP;

  -- One by one through the primary keys: a join with the arrays is planned for a hundred of them, as a scan.
  FOR i IN 1 .. cardinality(acc_numbers) LOOP
    IF acc_spent[i] > 0 THEN
      UPDATE accounts SET credits = credits - acc_spent[i] WHERE number = acc_numbers[i];
    END IF;
  END LOOP;
  FOR i IN 1 .. cardinality(tok_ids) LOOP
    UPDATE token_uses SET uses = uses + tok_added[i] WHERE token_id = tok_ids[i];
  END LOOP;

  WITH e AS MATERIALIZED (
    SELECT coalesce(t.at, now()) AS at, t.kind, t.drm, t.environment, t.account, t.token_id, t.kid, t.cookie,
           CASE v.verdict WHEN 'no-credit' THEN -2019 WHEN 'used-up' THEN -9002 ELSE t.result END AS result,
           CASE v.verdict WHEN 'no-credit' THEN p_no_credit_message WHEN 'used-up' THEN p_used_up_message
                          WHEN 'retry' THEN concat_ws('; ', t.message, p_retry_message) ELSE t.message END AS message,
           t.client, t.agent, t.request_type, t.device, t.ord
    FROM ROWS FROM (json_to_recordset(p_rows) AS (
           at timestamptz, kind "AuditKind", drm "Drm", environment "Environment", "accountNumber" int,
           "tokenId" text, kid text, cookie text, "resultCode" int, message text, "clientAddress" text,
           "userAgent" text, "requestType" text, device jsonb)) WITH ORDINALITY
         AS t(at, kind, drm, environment, account, token_id, kid, cookie, result, message, client, agent,
              request_type, device, ord)
    JOIN unnest(verdicts) WITH ORDINALITY AS v(verdict, ord) ON v.ord = t.ord
  ),
  written AS (
    INSERT INTO audit_events
      (at, kind, drm, environment, account_number, token_id, kid, cookie, result_code, message,
       client_address, user_agent, request_type, device)
    SELECT at, kind, drm, environment, account, token_id, kid, cookie, result, message, client, agent, request_type,
           device
    FROM e ORDER BY ord
  )
  -- The metrics of openplay_usage_add (migration cheaper_redemption_batches), from the rows as written.
  INSERT INTO usage_hourly AS u (account_number, hour, drm, metric, count)
  SELECT e.account, date_trunc('hour', e.at, 'UTC'), e.drm, m.metric, count(*)
  FROM e
  CROSS JOIN LATERAL (VALUES
    (CASE WHEN e.result <> 0 THEN 'refusal:' || e.result
          WHEN e.kind = 'issuance' THEN 'tokens'
          WHEN e.request_type IS DISTINCT FROM 'release' THEN 'licenses' END),
    (CASE WHEN e.result = 0 AND e.kind = 'redemption' AND e.request_type IS DISTINCT FROM 'release'
               AND e.device->>'securityLevel' IN ('L1', 'L2', 'L3')
          THEN 'level:' || (e.device->>'securityLevel') END)) AS m(metric)
  WHERE e.account IS NOT NULL AND e.drm IS NOT NULL AND m.metric IS NOT NULL
  GROUP BY 1, 2, 3, 4
  ORDER BY 1, 2, 3, 4
  ON CONFLICT (account_number, hour, drm, metric) DO UPDATE SET count = u.count + excluded.count;

  RETURN verdicts;
END;
$$;
