-- The ledger's guarantees, held by the database whatever the code does:
-- every statement that inserts entries leaves each transaction it touches summing to zero (the
-- legs of a transaction are written together, and entries are never changed or removed, so every
-- transaction sums to zero), on accounts that exist, and each account's balance moves with its
-- entries and nothing else. One statement-level trigger over a transition table checks a whole
-- batch at once: a payout run for 100,000 employees is one check, not 200,000 row triggers, and
-- it stands in for foreign keys, whose per-row checks cost more than the inserts themselves.
CREATE FUNCTION accounting.post_entries() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  unbalanced uuid;
  accounts_touched bigint;
  accounts_found bigint;
BEGIN
  SELECT transaction_id INTO unbalanced FROM posted GROUP BY transaction_id HAVING sum(amount) <> 0 LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ledger transaction % does not sum to zero', unbalanced USING ERRCODE = 'check_violation';
  END IF;
  WITH deltas AS (
    SELECT account_id, sum(amount) AS delta FROM posted GROUP BY account_id
  ), moved AS (
    UPDATE accounting.accounts a SET balance = a.balance + deltas.delta FROM deltas
    WHERE a.id = deltas.account_id RETURNING a.id
  )
  SELECT (SELECT count(*) FROM deltas), (SELECT count(*) FROM moved) INTO accounts_touched, accounts_found;
  IF accounts_found <> accounts_touched THEN
    RAISE EXCEPTION 'ledger entries name % accounts that do not exist', accounts_touched - accounts_found
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER entries_post AFTER INSERT ON accounting.entries
  REFERENCING NEW TABLE AS posted FOR EACH STATEMENT EXECUTE FUNCTION accounting.post_entries();
--> statement-breakpoint
CREATE FUNCTION accounting.refuse_entry_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger entries are append-only: post a correcting transaction instead'
    USING ERRCODE = 'integrity_constraint_violation';
END $$;
--> statement-breakpoint
CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON accounting.entries
  FOR EACH STATEMENT EXECUTE FUNCTION accounting.refuse_entry_change();
--> statement-breakpoint
CREATE FUNCTION accounting.refuse_balance_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'account % balance changes only through ledger entries', NEW.id
    USING ERRCODE = 'integrity_constraint_violation';
END $$;
--> statement-breakpoint
-- pg_trigger_depth() is 0 for a direct write and 1 inside post_entries().
CREATE TRIGGER accounts_balance_from_entries BEFORE UPDATE OF balance ON accounting.accounts
  FOR EACH ROW WHEN (pg_trigger_depth() = 0 AND NEW.balance IS DISTINCT FROM OLD.balance)
  EXECUTE FUNCTION accounting.refuse_balance_change();
--> statement-breakpoint
CREATE TRIGGER accounts_open_at_zero BEFORE INSERT ON accounting.accounts
  FOR EACH ROW WHEN (NEW.balance <> 0) EXECUTE FUNCTION accounting.refuse_balance_change();
--> statement-breakpoint
-- Room in each page for the new version of a row, so a balance update stays a HOT update that
-- touches no index: it halves the time a close of every account takes.
ALTER TABLE accounting.accounts SET (fillfactor = 50);
--> statement-breakpoint
INSERT INTO accounting.accounts (kind) VALUES ('company'), ('payouts');
