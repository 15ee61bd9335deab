-- Usage roll-ups (docs/decisions/0019-usage-roll-ups.md). The table comes from prisma/schema.prisma; the functions
-- below are written by hand (Prisma's schema has no functions). The audit writers add their batch to the roll-up in
-- the statement that inserts the batch's rows, so the counts are exactly the rows' and no query scans audit_events.
-- CreateTable
CREATE TABLE "usage_hourly" (
    "account_number" INTEGER NOT NULL,
    "hour" TIMESTAMPTZ(3) NOT NULL,
    "drm" "Drm" NOT NULL,
    "metric" TEXT NOT NULL,
    "count" BIGINT NOT NULL,

    CONSTRAINT "usage_hourly_pkey" PRIMARY KEY ("account_number","hour","drm","metric")
);

-- CreateIndex
CREATE INDEX "usage_hourly_hour_idx" ON "usage_hourly"("hour");

-- Adds a batch of audit rows (the JSON array the writers insert, keys of AuditEventInput) to the hourly counters.
-- p_codes[i], when not null, is row i's result code as written (the ledger's functions decide -2019 and -9002 as they
-- write). Metrics: 'tokens' (issuance, code 0), 'licenses' (redemption, code 0, not a Widevine release),
-- 'refusal:<code>' (any other code), 'level:<L1|L2|L3>' (a delivered license's device security level). Rows without
-- an account or a DRM (refused before either was known) are not counted. Keys are upserted in a fixed order, so that
-- two batches cannot deadlock on them.
CREATE FUNCTION openplay_usage_add(p_rows json, p_codes int[] DEFAULT NULL) RETURNS void LANGUAGE sql AS $$
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
$$;

-- The redemption ledger's batches, wrapped around the batch functions without changing them:
--   SELECT openplay_usage_add_granted(rows, openplay_redeem_batch_json(rows, ...))
-- The inner call writes the rows and decides; its verdicts then give each row's code as written. They return their
-- second argument, so the ledger reads the verdicts as before. -2019 and -9002 are the batch functions' codes.
CREATE FUNCTION openplay_usage_add_granted(p_rows json, p_granted boolean[]) RETURNS boolean[] LANGUAGE plpgsql AS $$
BEGIN
  PERFORM openplay_usage_add(p_rows, ARRAY(
    SELECT CASE WHEN g THEN NULL ELSE -2019 END FROM unnest(p_granted) WITH ORDINALITY AS x(g, i) ORDER BY i));
  RETURN p_granted;
END;
$$;

CREATE FUNCTION openplay_usage_add_verdicts(p_rows json, p_verdicts text[]) RETURNS text[] LANGUAGE plpgsql AS $$
BEGIN
  PERFORM openplay_usage_add(p_rows, ARRAY(
    SELECT CASE v WHEN 'no-credit' THEN -2019 WHEN 'used-up' THEN -9002 END
    FROM unnest(p_verdicts) WITH ORDINALITY AS x(v, i) ORDER BY i));
  RETURN p_verdicts;
END;
$$;
