-- Sightings per day for the operating picture (modules/picture), kept by the database itself.
--
-- One row per (day first recorded, reporting organisation, sharing): the number of sightings (count > 0)
-- with exactly that sharing. The sharing columns are the ones visibleTo reads, so a query over this table
-- with visibleTo(actor, 'd') counts exactly the sightings the actor may see — the rollup cannot leak more
-- than the rows it sums. A detection run records its sightings together (same organisation, day and
-- sharing), so a year of 1,000,000 sightings is a few tens of thousands of rows here.
--
-- Statement-level triggers with transition tables keep it: one INSERT … SELECT … GROUP BY per statement
-- (not per row), so bulk writes stay bulk. Updates subtract the old rows and add the new ones (a
-- sighting's count going from 0 to n, or its sharing changing, moves it between keys); deletes subtract
-- (cascades from organisations included).
CREATE TABLE detect_sighting_days (
  day                 date NOT NULL,
  org_id              uuid NOT NULL,
  owner_org_id        uuid,
  tlp                 text NOT NULL,
  community_ids       uuid[] NOT NULL,
  recipient_org_ids   uuid[] NOT NULL,
  recipient_user_ids  uuid[] NOT NULL,
  created_by          uuid,
  sightings           int NOT NULL,
  CONSTRAINT detect_sighting_days_key UNIQUE NULLS NOT DISTINCT
    (day, org_id, owner_org_id, tlp, community_ids, recipient_org_ids, recipient_user_ids, created_by)
);
CREATE INDEX detect_sighting_days_day_idx ON detect_sighting_days (day);

-- One function for the three triggers: PL/pgSQL plans a statement when it first runs it, so the branch
-- reading a transition table a trigger does not have (old_rows on INSERT, new_rows on DELETE) never runs.
CREATE FUNCTION detect_sighting_days_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    UPDATE detect_sighting_days d SET sightings = d.sightings - o.n
    FROM (SELECT (created AT TIME ZONE 'UTC')::date AS day, org_id, owner_org_id, tlp, community_ids, recipient_org_ids, recipient_user_ids, created_by, count(*)::int AS n
          FROM old_rows WHERE count > 0 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8) o
    WHERE d.day = o.day AND d.org_id = o.org_id AND d.owner_org_id IS NOT DISTINCT FROM o.owner_org_id AND d.tlp = o.tlp
      AND d.community_ids = o.community_ids AND d.recipient_org_ids = o.recipient_org_ids AND d.recipient_user_ids = o.recipient_user_ids
      AND d.created_by IS NOT DISTINCT FROM o.created_by;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO detect_sighting_days AS d (day, org_id, owner_org_id, tlp, community_ids, recipient_org_ids, recipient_user_ids, created_by, sightings)
      SELECT (created AT TIME ZONE 'UTC')::date, org_id, owner_org_id, tlp, community_ids, recipient_org_ids, recipient_user_ids, created_by, count(*)
      FROM new_rows WHERE count > 0 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
    ON CONFLICT ON CONSTRAINT detect_sighting_days_key DO UPDATE SET sightings = d.sightings + excluded.sightings;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER detect_sighting_days_ins AFTER INSERT ON detect_sightings
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION detect_sighting_days_apply();
CREATE TRIGGER detect_sighting_days_upd AFTER UPDATE ON detect_sightings
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION detect_sighting_days_apply();
CREATE TRIGGER detect_sighting_days_del AFTER DELETE ON detect_sightings
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION detect_sighting_days_apply();

-- Sightings recorded before this migration.
INSERT INTO detect_sighting_days (day, org_id, owner_org_id, tlp, community_ids, recipient_org_ids, recipient_user_ids, created_by, sightings)
  SELECT (created AT TIME ZONE 'UTC')::date, org_id, owner_org_id, tlp, community_ids, recipient_org_ids, recipient_user_ids, created_by, count(*)
  FROM detect_sightings WHERE count > 0 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
