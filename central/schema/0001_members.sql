-- Schema version 1: persons and their memberships, the record the members file holds.
--
-- One row of the members file (central/rows.py: COLUMNS) is one membership (a KPJ) of a
-- person (a NIK); what every row of a person repeats (name, birth date, mother's maiden name)
-- lives once in persons. The values are the file's after its checks: a NIK of 16 digits, a
-- KPJ as central.rows normalises it, programmes and paid months as sorted text arrays
-- (JKK JKM JHT JP JKP; 'YYYY-MM'), '' for an empty code or month. The publisher reads
-- every row back through the same checks as a file, so a row an operator edits by hand
-- is validated all the same.
--
-- updated_at is maintained by the database: an UPDATE that does not set it gets now(), an
-- INSERT without one too; an import sets it explicitly to the instant the export gives.
-- A membership is never removed: DELETE makes it a tombstone (deleted, deleted_at, a new
-- updated_at), which the publisher reads as the kiosks' cue to forget it. A person is a
-- tombstone when every one of their memberships is.

CREATE TABLE persons (
    nik text PRIMARY KEY,
    name text NOT NULL,
    birth_date date NOT NULL,
    mother_name text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE memberships (
    kpj text PRIMARY KEY,
    -- A key that names the row and nothing about the member: bad rows are reported by it.
    id bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    nik text NOT NULL REFERENCES persons (nik) ON UPDATE CASCADE,
    segment text NOT NULL,
    status text NOT NULL,
    status_code text NOT NULL DEFAULT '',
    employer_name text NOT NULL DEFAULT '',
    npp text NOT NULL DEFAULT '',
    programs text[] NOT NULL,
    membership_start date NOT NULL,
    membership_end date,
    last_paid_period text NOT NULL DEFAULT '',
    paid_periods text[] NOT NULL DEFAULT '{}',
    jht_balance bigint NOT NULL DEFAULT 0,
    jht_as_of date,
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted boolean NOT NULL DEFAULT false,
    deleted_at timestamptz
);

CREATE INDEX memberships_nik ON memberships (nik);

CREATE FUNCTION kiosk_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION kiosk_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE memberships SET deleted = true WHERE kpj = OLD.kpj;
    RETURN NULL;
END $$;

CREATE FUNCTION kiosk_deleted_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.deleted AND (TG_OP = 'INSERT' OR NOT OLD.deleted) THEN
        NEW.deleted_at := now();
    ELSIF NOT NEW.deleted THEN
        NEW.deleted_at := NULL;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER persons_touch BEFORE UPDATE ON persons
    FOR EACH ROW EXECUTE FUNCTION kiosk_touch();
CREATE TRIGGER memberships_touch BEFORE UPDATE ON memberships
    FOR EACH ROW EXECUTE FUNCTION kiosk_touch();
CREATE TRIGGER memberships_deleted_at BEFORE INSERT OR UPDATE ON memberships
    FOR EACH ROW EXECUTE FUNCTION kiosk_deleted_at();
CREATE TRIGGER memberships_tombstone BEFORE DELETE ON memberships
    FOR EACH ROW EXECUTE FUNCTION kiosk_tombstone();
