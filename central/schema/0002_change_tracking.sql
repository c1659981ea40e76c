-- Schema version 2: which transaction last changed each row, for the publisher's deltas.
--
-- changed is the top-level transaction id (pg_current_xact_id(), 64 bits: it never wraps)
-- of the last INSERT or UPDATE of the row, set by the database. A publish remembers the
-- snapshot it read in (pg_current_snapshot()); the next one reads exactly the rows whose
-- transaction that snapshot did not see: changed >= its xmin (the index) and not
-- pg_visible_in_snapshot(changed, it). A transaction that began before the last publish
-- and committed after it is in that snapshot's in-progress list, so its rows are read next
-- time: nothing is lost to commits out of order, and nothing is read twice.
--
-- A membership that moves to another NIK changes its old person too: their old person is
-- touched, so the next delta reads both.
-- Rows that existed before this version count as changed by the migration: the first
-- publish after it reads them all.

ALTER TABLE persons ADD COLUMN changed xid8 NOT NULL DEFAULT pg_current_xact_id();
ALTER TABLE memberships ADD COLUMN changed xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX persons_changed ON persons (changed);
CREATE INDEX memberships_changed ON memberships (changed);

CREATE FUNCTION kiosk_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.changed := pg_current_xact_id();
    RETURN NEW;
END $$;

CREATE FUNCTION kiosk_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE persons SET updated_at = now() WHERE nik = OLD.nik;
    RETURN NEW;
END $$;

CREATE TRIGGER persons_changed BEFORE INSERT OR UPDATE ON persons
    FOR EACH ROW EXECUTE FUNCTION kiosk_changed();
CREATE TRIGGER memberships_changed BEFORE INSERT OR UPDATE ON memberships
    FOR EACH ROW EXECUTE FUNCTION kiosk_changed();
CREATE TRIGGER memberships_moved AFTER UPDATE OF nik ON memberships
    FOR EACH ROW WHEN (OLD.nik IS DISTINCT FROM NEW.nik) EXECUTE FUNCTION kiosk_moved();
