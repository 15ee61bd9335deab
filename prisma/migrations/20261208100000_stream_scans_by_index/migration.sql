-- Written by hand (Prisma's schema has no functions). The stream- and device-limited batch function reads its tables
-- through plain index scans only; its body (migration expired_token_counts_by_expiry) is unchanged.
--
-- Every stopped, released or moved stream leaves a dead tuple behind, and so does every renewal and every device
-- window (seen_at and expires_at are indexed, so those updates are never HOT). A bitmap index scan hands the heap every
-- index entry of the scope, dead or alive, and never marks the dead ones; a plain index scan marks them (LP_DEAD) the
-- first time it finds them dead, and later scans skip them. PostgreSQL plans a bitmap scan for the few rows a scope
-- holds, so under churn each statement of the loop stepped over every dead version of the scope's streams until vacuum
-- ran: one user opening streams at a limit of 2 (stop the oldest) cost the database 335 µs per license for the first
-- 2000 and 2670 µs after 20,000 where autovacuum is off (and as much between two vacuums where it is on). A plan made
-- while a table was small (a plan PL/pgSQL keeps for the session) also kept its sequential scans as the table grew:
-- the clean-up of dead streams read the whole heap every batch, and the lock of the batch's accounts (a semi-join with
-- the rows' JSON) read every account (2.75 ms a batch with 20,001 accounts, 0.05 ms through the index). With plain
-- index scans only, 195-250 µs per license throughout (docs/decisions/0025-usage-batch-index-scans.md,
-- docs/performance.md "Stream-limited tokens under churn"). Every statement of the function looks up a few rows of a
-- scope, an account or a token, or the oldest expired ones, each through an index it has; hence its own settings,
-- whatever the statistics say.
ALTER FUNCTION openplay_redeem_batch_usage(json, text, text, text, interval, interval, text, interval, text, text)
  SET enable_bitmapscan = off;
ALTER FUNCTION openplay_redeem_batch_usage(json, text, text, text, interval, interval, text, interval, text, text)
  SET enable_seqscan = off;
