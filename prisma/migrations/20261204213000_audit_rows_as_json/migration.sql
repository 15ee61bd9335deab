-- Written by hand (Prisma's schema has no functions; its diffs leave this one alone).
-- The redemption batch as one JSON array of audit rows (the keys of AuditEventInput) instead of fourteen array
-- parameters: the server then serializes a batch with one JSON.stringify rather than escaping every value of every
-- column into an array literal, which was the largest share of a redemption's database work on its event loop.
-- The rows become the columns openplay_redeem_batch takes, in their order, and that function does the rest; it
-- stays, for servers of the previous version during a rolling upgrade. A row without "at" gets the transaction's time.
CREATE FUNCTION openplay_redeem_batch_json(p_rows json, p_refusal_message text) RETURNS boolean[] LANGUAGE plpgsql AS $$
DECLARE
  c record;
BEGIN
  SELECT array_agg(coalesce(r.at, now()) ORDER BY r.ord) AS at, array_agg(r.kind ORDER BY r.ord) AS kind,
         array_agg(r.drm ORDER BY r.ord) AS drm, array_agg(r.environment ORDER BY r.ord) AS environment,
         array_agg(r."accountNumber" ORDER BY r.ord) AS account, array_agg(r."tokenId" ORDER BY r.ord) AS token_id,
         array_agg(r.kid ORDER BY r.ord) AS kid, array_agg(r.cookie ORDER BY r.ord) AS cookie,
         array_agg(r."resultCode" ORDER BY r.ord) AS result, array_agg(r.message ORDER BY r.ord) AS message,
         array_agg(r."clientAddress" ORDER BY r.ord) AS client, array_agg(r."userAgent" ORDER BY r.ord) AS agent,
         array_agg(r."requestType" ORDER BY r.ord) AS request_type, array_agg(r.device ORDER BY r.ord) AS device
  INTO c
  FROM ROWS FROM (json_to_recordset(p_rows) AS (
         at timestamptz, kind "AuditKind", drm "Drm", environment "Environment", "accountNumber" int, "tokenId" text,
         kid text, cookie text, "resultCode" int, message text, "clientAddress" text, "userAgent" text,
         "requestType" text, device jsonb)) WITH ORDINALITY
       AS r(at, kind, drm, environment, "accountNumber", "tokenId", kid, cookie, "resultCode", message, "clientAddress",
            "userAgent", "requestType", device, ord);
  RETURN openplay_redeem_batch(c.at, c.kind, c.drm, c.environment, c.account, c.token_id, c.kid, c.cookie, c.result,
                               c.message, c.client, c.agent, c.request_type, c.device, p_refusal_message);
END;
$$;
