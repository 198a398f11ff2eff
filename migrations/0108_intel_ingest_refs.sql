-- Intel ingest cost: the per-row foreign keys of the STIX store become one check per statement.
--
-- An ingest batch writes 5,000 rows that all name the same owner organisation, inbox and person, and
-- their correlation keys name the rows the same statement inserted. As foreign keys, PostgreSQL
-- checked (and locked FOR KEY SHARE) the same organisation and user row once per stored object, and
-- every correlation key's object: ≈ 9 µs of backend CPU per object, a fifth of the insert (README of
-- the intel module). The rules stay the same, enforced once per statement:
--   - stix_objects.owner_org_id / inbox_org_id name an existing organisation, created_by an existing
--     user: a statement-level trigger on insert and update checks the distinct values of the statement
--     and locks them FOR KEY SHARE (as the foreign key did: a concurrent delete waits for the writer);
--     a missing one fails the statement (SQLSTATE 23503, foreign_key_violation), so nothing is stored;
--   - deleting an organisation or a user sets those columns to NULL (as ON DELETE SET NULL did);
--   - stix_observable_keys.object_pk names an existing object (checked per statement), and deleting
--     objects deletes their keys (as ON DELETE CASCADE did).
ALTER TABLE stix_objects
  DROP CONSTRAINT IF EXISTS stix_objects_owner_org_id_fkey,
  DROP CONSTRAINT IF EXISTS stix_objects_inbox_org_id_fkey,
  DROP CONSTRAINT IF EXISTS stix_objects_created_by_fkey;
ALTER TABLE stix_observable_keys DROP CONSTRAINT IF EXISTS stix_observable_keys_object_pk_fkey;

-- Locks the rows of `tbl` with these ids FOR KEY SHARE (as a foreign-key check does: a concurrent delete
-- waits for the writer) and fails with SQLSTATE 23503 if one does not exist.
CREATE FUNCTION stix_objects_refs_lock(tbl text, ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  wanted uuid[];
  locked uuid[];
BEGIN
  SELECT array_agg(DISTINCT x) INTO wanted FROM unnest(ids) x;
  IF wanted IS NULL THEN
    RETURN;
  END IF;
  EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM %I WHERE id = ANY($1) FOR KEY SHARE) l', tbl) INTO locked USING wanted;
  IF coalesce(cardinality(locked), 0) < cardinality(wanted) THEN
    RAISE EXCEPTION 'stix_objects: no row % in %', (SELECT x FROM unnest(wanted) x WHERE NOT x = ANY(coalesce(locked, '{}')) LIMIT 1), tbl
      USING ERRCODE = 'foreign_key_violation';
  END IF;
END $$;

-- PL/pgSQL plans a statement when it first runs it, so the branch reading old_rows never runs on INSERT.
CREATE FUNCTION stix_objects_refs_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  orgs uuid[];
  people uuid[];
BEGIN
  -- One pass over the statement's rows (a batch has one sharer: one distinct triple).
  IF TG_OP = 'INSERT' THEN
    SELECT array_remove(array_agg(DISTINCT d.owner_org_id) || array_agg(DISTINCT d.inbox_org_id), NULL), array_remove(array_agg(DISTINCT d.created_by), NULL)
      INTO orgs, people
      FROM (SELECT DISTINCT owner_org_id, inbox_org_id, created_by FROM new_rows) d;
  ELSE
    -- As a foreign key: only references an update changed are checked.
    SELECT array_remove(array_agg(DISTINCT d.owner_org_id) || array_agg(DISTINCT d.inbox_org_id), NULL), array_remove(array_agg(DISTINCT d.created_by), NULL)
      INTO orgs, people
      FROM (SELECT DISTINCT
              CASE WHEN n.owner_org_id IS DISTINCT FROM o.owner_org_id THEN n.owner_org_id END AS owner_org_id,
              CASE WHEN n.inbox_org_id IS DISTINCT FROM o.inbox_org_id THEN n.inbox_org_id END AS inbox_org_id,
              CASE WHEN n.created_by IS DISTINCT FROM o.created_by THEN n.created_by END AS created_by
            FROM new_rows n JOIN old_rows o ON o.pk = n.pk) d;
  END IF;
  PERFORM stix_objects_refs_lock('organisations', orgs);
  PERFORM stix_objects_refs_lock('users', people);
  RETURN NULL;
END $$;

CREATE TRIGGER stix_objects_refs_ins AFTER INSERT ON stix_objects
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stix_objects_refs_check();
CREATE TRIGGER stix_objects_refs_upd AFTER UPDATE ON stix_objects
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stix_objects_refs_check();

CREATE FUNCTION stix_objects_org_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE stix_objects SET owner_org_id = NULL WHERE owner_org_id = OLD.id;
  UPDATE stix_objects SET inbox_org_id = NULL WHERE inbox_org_id = OLD.id;
  RETURN NULL;
END $$;
CREATE TRIGGER stix_objects_org_deleted AFTER DELETE ON organisations
  FOR EACH ROW EXECUTE FUNCTION stix_objects_org_deleted();

CREATE FUNCTION stix_objects_user_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE stix_objects SET created_by = NULL WHERE created_by = OLD.id;
  RETURN NULL;
END $$;
CREATE TRIGGER stix_objects_user_deleted AFTER DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION stix_objects_user_deleted();

-- The distinct pks, then one index scan for them all. Never a scan of the store: the function's plans are
-- cached for the session, and one made while the store was small (an ingest starts on an empty table)
-- chose a sequential scan (an anti-join), which then ran for every batch: the cost grew with the table.
CREATE FUNCTION stix_observable_keys_check() RETURNS trigger LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
  pks bigint[];
  found bigint;
  bad bigint;
BEGIN
  SELECT array_agg(DISTINCT object_pk) INTO pks FROM new_rows;
  IF pks IS NULL THEN
    RETURN NULL;
  END IF;
  SELECT count(*) INTO found FROM stix_objects WHERE pk = ANY(pks);
  IF found < cardinality(pks) THEN
    SELECT x INTO bad FROM unnest(pks) x WHERE NOT EXISTS (SELECT 1 FROM stix_objects o WHERE o.pk = x) LIMIT 1;
    RAISE EXCEPTION 'stix_observable_keys: no object with pk %', bad USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER stix_observable_keys_check_ins AFTER INSERT ON stix_observable_keys
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stix_observable_keys_check();
CREATE TRIGGER stix_observable_keys_check_upd AFTER UPDATE ON stix_observable_keys
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stix_observable_keys_check();

CREATE FUNCTION stix_objects_keys_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM stix_observable_keys k USING old_rows o WHERE k.object_pk = o.pk;
  RETURN NULL;
END $$;
CREATE TRIGGER stix_objects_keys_deleted AFTER DELETE ON stix_objects
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION stix_objects_keys_deleted();

-- TRUNCATE of the store empties the keys too (as TRUNCATE … CASCADE did through the foreign key).
CREATE FUNCTION stix_objects_keys_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE stix_observable_keys;
  RETURN NULL;
END $$;
CREATE TRIGGER stix_objects_keys_truncated AFTER TRUNCATE ON stix_objects
  FOR EACH STATEMENT EXECUTE FUNCTION stix_objects_keys_truncated();
