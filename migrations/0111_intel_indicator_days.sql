-- Indicators shared per day for the operating picture (modules/picture), kept by the database itself.
--
-- One row per (UTC day added, sharing): the number of indicator rows (each stored version counts once)
-- with exactly that sharing. The key holds exactly the columns visibleTo reads, so a query over this table
-- with visibleTo(actor, 'd') counts exactly the indicators the actor may see — the rollup cannot leak more
-- than the rows it sums. An ingest stores a feed's indicators together (same owner, day and sharing), so
-- they fold into a few rows; even with no folding at all (bench/picture.bench.ts gives each indicator its own
-- sharing) the rollup is a quarter of the pages of stix_objects, whose rows carry the whole STIX object.
--
-- Statement-level triggers with transition tables keep it (as detect_sighting_days, 0210): one grouped
-- statement per statement, not per row. Updates count only the rows whose type, day or sharing changed
-- (a new version flipping is_latest costs a join of the transition tables, no write here).
-- It replaces the covering index of 0110, which nothing reads any more (one index less to write on ingest).
DROP INDEX IF EXISTS stix_objects_indicator_day_idx;

CREATE TABLE intel_indicator_days (
  day                 date NOT NULL,
  owner_org_id        uuid,
  tlp                 text NOT NULL,
  community_ids       uuid[] NOT NULL,
  recipient_org_ids   uuid[] NOT NULL,
  recipient_user_ids  uuid[] NOT NULL,
  created_by          uuid,
  indicators          int NOT NULL,
  CONSTRAINT intel_indicator_days_key UNIQUE NULLS NOT DISTINCT
    (day, owner_org_id, tlp, community_ids, recipient_org_ids, recipient_user_ids, created_by)
);
CREATE INDEX intel_indicator_days_day_idx ON intel_indicator_days (day);

-- PL/pgSQL plans a statement when it first runs it, so the branch reading a transition table a trigger
-- does not have (old_rows on INSERT, new_rows on DELETE) never runs.
CREATE FUNCTION intel_indicator_days_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO intel_indicator_days AS d (day, owner_org_id, tlp, community_ids, recipient_org_ids, recipient_user_ids, created_by, indicators)
      SELECT (date_added AT TIME ZONE 'UTC')::date, owner_org_id, tlp, community_ids, recipient_org_ids, recipient_user_ids, created_by, count(*)
      FROM new_rows WHERE type = 'indicator' GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7
    ON CONFLICT ON CONSTRAINT intel_indicator_days_key DO UPDATE SET indicators = d.indicators + excluded.indicators;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE intel_indicator_days d SET indicators = d.indicators - o.n
    FROM (SELECT (date_added AT TIME ZONE 'UTC')::date AS day, owner_org_id, tlp, community_ids, recipient_org_ids, recipient_user_ids, created_by, count(*)::int AS n
          FROM old_rows WHERE type = 'indicator' GROUP BY 1, 2, 3, 4, 5, 6, 7) o
    WHERE d.day = o.day AND d.owner_org_id IS NOT DISTINCT FROM o.owner_org_id AND d.tlp = o.tlp AND d.community_ids = o.community_ids
      AND d.recipient_org_ids = o.recipient_org_ids AND d.recipient_user_ids = o.recipient_user_ids AND d.created_by IS NOT DISTINCT FROM o.created_by;
  ELSE
    -- the rows whose counted key changed (pk never changes): -1 on the old key, +1 on the new one
    INSERT INTO intel_indicator_days AS d (day, owner_org_id, tlp, community_ids, recipient_org_ids, recipient_user_ids, created_by, indicators)
      SELECT day, owner_org_id, tlp, community_ids, recipient_org_ids, recipient_user_ids, created_by, sum(n) FROM (
        SELECT (o.date_added AT TIME ZONE 'UTC')::date AS day, o.owner_org_id, o.tlp, o.community_ids, o.recipient_org_ids, o.recipient_user_ids, o.created_by, -1 AS n
          FROM old_rows o JOIN new_rows w ON w.pk = o.pk
          WHERE o.type = 'indicator' AND (o.type, o.date_added, o.owner_org_id, o.tlp, o.community_ids, o.recipient_org_ids, o.recipient_user_ids, o.created_by)
            IS DISTINCT FROM (w.type, w.date_added, w.owner_org_id, w.tlp, w.community_ids, w.recipient_org_ids, w.recipient_user_ids, w.created_by)
        UNION ALL
        SELECT (w.date_added AT TIME ZONE 'UTC')::date, w.owner_org_id, w.tlp, w.community_ids, w.recipient_org_ids, w.recipient_user_ids, w.created_by, 1
          FROM old_rows o JOIN new_rows w ON w.pk = o.pk
          WHERE w.type = 'indicator' AND (o.type, o.date_added, o.owner_org_id, o.tlp, o.community_ids, o.recipient_org_ids, o.recipient_user_ids, o.created_by)
            IS DISTINCT FROM (w.type, w.date_added, w.owner_org_id, w.tlp, w.community_ids, w.recipient_org_ids, w.recipient_user_ids, w.created_by)
      ) c GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7
    ON CONFLICT ON CONSTRAINT intel_indicator_days_key DO UPDATE SET indicators = d.indicators + excluded.indicators;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER intel_indicator_days_ins AFTER INSERT ON stix_objects
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION intel_indicator_days_apply();
CREATE TRIGGER intel_indicator_days_upd AFTER UPDATE ON stix_objects
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION intel_indicator_days_apply();
CREATE TRIGGER intel_indicator_days_del AFTER DELETE ON stix_objects
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION intel_indicator_days_apply();

-- Indicators stored before this migration.
INSERT INTO intel_indicator_days (day, owner_org_id, tlp, community_ids, recipient_org_ids, recipient_user_ids, created_by, indicators)
  SELECT (date_added AT TIME ZONE 'UTC')::date, owner_org_id, tlp, community_ids, recipient_org_ids, recipient_user_ids, created_by, count(*)
  FROM stix_objects WHERE type = 'indicator' GROUP BY 1, 2, 3, 4, 5, 6, 7;
