-- Written by hand (Prisma's schema has no triggers; its diffs leave these alone).
-- Every change that an app's account cache may hold (status, DRM switches, name, authenticators, the account's
-- existence) notifies the channel openplay_account_changes with the account number, whichever process or person
-- made it; the apps LISTEN and drop that account from their caches. The notification is sent when the transaction
-- commits, and not at all when it rolls back.
-- Deliveries decrement credits on every redemption batch (without touching updated_at); such a decrement notifies
-- only when the balance runs out, so that token-gen refuses new tokens (-2019) at once. Every other change does,
-- including an admin's new balance (Prisma sets updated_at). NOTIFY serializes committing transactions, a price
-- the redemption path must not pay on every batch.
CREATE FUNCTION openplay_notify_account_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed_number int;
BEGIN
  IF TG_TABLE_NAME = 'accounts' THEN
    changed_number := CASE WHEN TG_OP = 'DELETE' THEN OLD.number ELSE NEW.number END;
    IF TG_OP = 'UPDATE' AND OLD.number <> NEW.number THEN
      PERFORM pg_notify('openplay_account_changes', OLD.number::text);
    END IF;
  ELSE
    SELECT a.number INTO changed_number FROM accounts a
    WHERE a.id = CASE WHEN TG_OP = 'DELETE' THEN OLD.account_id ELSE NEW.account_id END;
  END IF;
  -- An authenticator deleted with its account finds no account row: the account's own trigger has notified.
  IF changed_number IS NOT NULL THEN
    PERFORM pg_notify('openplay_account_changes', changed_number::text);
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER accounts_notify_change
  AFTER UPDATE ON accounts FOR EACH ROW
  WHEN ((to_jsonb(OLD) - 'credits') IS DISTINCT FROM (to_jsonb(NEW) - 'credits')
        OR (OLD.credits > 0) IS DISTINCT FROM (NEW.credits > 0))
  EXECUTE FUNCTION openplay_notify_account_change();

CREATE TRIGGER accounts_notify_delete
  AFTER DELETE ON accounts FOR EACH ROW
  EXECUTE FUNCTION openplay_notify_account_change();

CREATE TRIGGER authenticators_notify_change
  AFTER INSERT OR UPDATE OR DELETE ON authenticators FOR EACH ROW
  EXECUTE FUNCTION openplay_notify_account_change();
