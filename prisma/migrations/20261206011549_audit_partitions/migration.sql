-- audit_events partitioned by time (docs/decisions/0020-audit-partitions.md): one partition per UTC day,
-- audit_events_YYYYMMDD, plus audit_events_default for any row outside them (normally empty: the servers create
-- days ahead). Written by hand: Prisma's schema cannot say PARTITION BY; the model's primary key is (id, at) as a
-- partitioned table's must hold its partition column. The existing rows are kept: the table is renamed, the
-- partitioned one created with the same columns, sequence and indexes, the rows copied over, the old one dropped.

ALTER TABLE "audit_events" RENAME TO "audit_events_unpartitioned";
ALTER TABLE "audit_events_unpartitioned" RENAME CONSTRAINT "audit_events_pkey" TO "audit_events_unpartitioned_pkey";
ALTER INDEX "audit_events_cookie_idx" RENAME TO "audit_events_unpartitioned_cookie_idx";
ALTER INDEX "audit_events_token_id_idx" RENAME TO "audit_events_unpartitioned_token_id_idx";
ALTER INDEX "audit_events_account_number_at_idx" RENAME TO "audit_events_unpartitioned_account_number_at_idx";

CREATE TABLE "audit_events" (
    "id" BIGINT NOT NULL DEFAULT nextval('audit_events_id_seq'),
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "kind" "AuditKind" NOT NULL,
    "drm" "Drm",
    "environment" "Environment" NOT NULL,
    "account_number" INTEGER,
    "token_id" TEXT,
    "kid" TEXT,
    "cookie" TEXT,
    "result_code" INTEGER NOT NULL,
    "message" TEXT,
    "client_address" TEXT,
    "user_agent" TEXT,
    "request_type" TEXT,
    "device" JSONB,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id", "at")
) PARTITION BY RANGE ("at");
ALTER SEQUENCE "audit_events_id_seq" OWNED BY "audit_events"."id";

-- On the parent: every partition gets them (the servers' new days too).
CREATE INDEX "audit_events_cookie_idx" ON "audit_events"("cookie");
CREATE INDEX "audit_events_token_id_idx" ON "audit_events"("token_id");
CREATE INDEX "audit_events_account_number_at_idx" ON "audit_events"("account_number", "at");

CREATE TABLE "audit_events_default" PARTITION OF "audit_events" DEFAULT;

-- Creates the missing daily partitions from p_first to p_last (UTC days, inclusive); returns how many. Rows of such a
-- day already in the default partition move into it: the table is created apart, filled, then attached (ATTACH takes
-- a lighter lock on audit_events than CREATE … PARTITION OF, so writers are not blocked). One caller at a time
-- (transaction advisory lock): another server calling at the same moment waits, then finds the days there.
CREATE FUNCTION openplay_audit_ensure_partitions(p_first date, p_last date) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  d date;
  v_name text;
  v_low timestamptz;
  v_high timestamptz;
  v_created int := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('openplay_audit_partitions'));
  FOR d IN SELECT generate_series(p_first, p_last, interval '1 day')::date LOOP
    v_name := 'audit_events_' || to_char(d, 'YYYYMMDD');
    CONTINUE WHEN to_regclass(v_name) IS NOT NULL;
    v_low := d::timestamp AT TIME ZONE 'UTC';
    v_high := (d + 1)::timestamp AT TIME ZONE 'UTC';
    EXECUTE format('CREATE TABLE %I (LIKE audit_events INCLUDING DEFAULTS)', v_name);
    EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (at >= %L AND at < %L)', v_name, v_name || '_range', v_low, v_high);
    EXECUTE format(
      'WITH moved AS (DELETE FROM audit_events_default WHERE at >= %L AND at < %L RETURNING *) INSERT INTO %I SELECT * FROM moved',
      v_low, v_high, v_name);
    EXECUTE format('ALTER TABLE audit_events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', v_name, v_low, v_high);
    -- The CHECK spared ATTACH its scan of the new table; the partition bound says the same from now on.
    EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', v_name, v_name || '_range');
    v_created := v_created + 1;
  END LOOP;
  RETURN v_created;
END;
$$;

-- Drops the daily partitions of days before p_before (whole tables: no row-by-row delete, no vacuum debt), and deletes
-- the default partition's rows before it. Returns how many partitions went. Same lock as above.
CREATE FUNCTION openplay_audit_drop_partitions(p_before date) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  v_name text;
  v_dropped int := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('openplay_audit_partitions'));
  FOR v_name IN
    SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'audit_events'::regclass AND c.relname ~ '^audit_events_[0-9]{8}$'
      AND to_date(substr(c.relname, 14), 'YYYYMMDD') < p_before
    ORDER BY c.relname
  LOOP
    EXECUTE format('DROP TABLE %I', v_name);
    v_dropped := v_dropped + 1;
  END LOOP;
  DELETE FROM audit_events_default WHERE at < p_before::timestamp AT TIME ZONE 'UTC';
  RETURN v_dropped;
END;
$$;

-- Days of the existing rows (at most 400 back: older rows stay in the default partition) to a week ahead.
SELECT openplay_audit_ensure_partitions(
  greatest(coalesce(min(at AT TIME ZONE 'UTC')::date, current_date), (now() AT TIME ZONE 'UTC')::date - 400),
  (now() AT TIME ZONE 'UTC')::date + 7)
FROM audit_events_unpartitioned;

INSERT INTO audit_events
  (id, at, kind, drm, environment, account_number, token_id, kid, cookie, result_code, message, client_address,
   user_agent, request_type, device)
SELECT id, at, kind, drm, environment, account_number, token_id, kid, cookie, result_code, message, client_address,
       user_agent, request_type, device
FROM audit_events_unpartitioned;

DROP TABLE "audit_events_unpartitioned";
