-- The usage roll-up (docs/decisions/0019-usage-roll-ups.md) for batches decided by openplay_redeem_batch_usage
-- (stream and device limits, docs/decisions/0018-concurrent-streams.md): its two refusals are counted under the codes
-- their audit rows carry, as -2019 and -9002 already are. The two migrations were written side by side; this one
-- joins them. The redemption ledger wraps the stream-limited batch call in this function as it wraps the others.
CREATE OR REPLACE FUNCTION openplay_usage_add_verdicts(p_rows json, p_verdicts text[]) RETURNS text[] LANGUAGE plpgsql AS $$
BEGIN
  PERFORM openplay_usage_add(p_rows, ARRAY(
    SELECT CASE v WHEN 'no-credit' THEN -2019 WHEN 'used-up' THEN -9002
                  WHEN 'too-many-streams' THEN -9004 WHEN 'too-many-devices' THEN -9007 END
    FROM unnest(p_verdicts) WITH ORDINALITY AS x(v, i) ORDER BY i));
  RETURN p_verdicts;
END;
$$;
