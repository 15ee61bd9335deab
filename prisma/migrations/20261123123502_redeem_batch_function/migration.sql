-- Written by hand (Prisma's schema has no functions; its diffs leave this one alone).
-- One round trip for a batch of redemptions: lock the batch's accounts in a fixed order, grant credits in
-- arrival order (an account with no row or no credit left is refused), spend them, and write every audit row,
-- the refused ones as -2019, all in the caller's single statement. Returns, per redemption, whether it was granted.
CREATE FUNCTION openplay_redeem_batch(
  p_at timestamptz[], p_kind "AuditKind"[], p_drm "Drm"[], p_environment "Environment"[], p_account int[],
  p_token_id text[], p_kid text[], p_cookie text[], p_result int[], p_message text[], p_client text[],
  p_agent text[], p_request_type text[], p_device jsonb[], p_refusal_message text
) RETURNS boolean[] LANGUAGE plpgsql AS $$
DECLARE
  granted boolean[];
BEGIN
  PERFORM 1 FROM accounts WHERE number = ANY (p_account) ORDER BY number FOR UPDATE;

  SELECT array_agg(s.ok ORDER BY s.ord) INTO granted
  FROM (
    SELECT r.ord, (a.number IS NOT NULL AND (a.credits IS NULL OR r.rn <= a.credits)) AS ok
    FROM (
      SELECT t.ord, t.number, row_number() OVER (PARTITION BY t.number ORDER BY t.ord) AS rn
      FROM unnest(p_account) WITH ORDINALITY AS t(number, ord)
    ) r
    LEFT JOIN accounts a ON a.number = r.number
  ) s;

  UPDATE accounts a SET credits = a.credits - d.n
  FROM (
    SELECT g.number, count(*) AS n FROM unnest(p_account, granted) AS g(number, ok) WHERE g.ok GROUP BY g.number
  ) d
  WHERE a.number = d.number AND a.credits IS NOT NULL;

  INSERT INTO audit_events
    (at, kind, drm, environment, account_number, token_id, kid, cookie, result_code, message,
     client_address, user_agent, request_type, device)
  SELECT u.at, u.kind, u.drm, u.env, u.acct, u.tok, u.kid, u.cookie,
         CASE WHEN u.ok THEN u.result ELSE -2019 END,
         CASE WHEN u.ok THEN u.msg ELSE p_refusal_message END,
         u.client, u.agent, u.rtype, u.device
  FROM unnest(p_at, p_kind, p_drm, p_environment, p_account, p_token_id, p_kid, p_cookie, p_result, p_message,
              p_client, p_agent, p_request_type, p_device, granted)
       AS u(at, kind, drm, env, acct, tok, kid, cookie, result, msg, client, agent, rtype, device, ok);

  RETURN granted;
END;
$$;
