-- Sightings per day and state for the operating picture (modules/picture) without joining the directory.
--
-- detect_sighting_days (0210) gets the reporting organisation's place: `jurisdiction_fips`, a copy of
-- organisations.jurisdiction_fips for the row's org_id (not part of the key: org_id already is). The trends
-- (per day and state) and the map (per state, or per county of a state) group by it directly instead of
-- joining every rollup row of the range to the organisations (bench/picture.bench.ts: ~45,000 rollup rows
-- for a year). Visibility is unchanged: the sharing columns visibleTo reads are still the key.
--
-- Kept current by statement-level triggers:
--  * on detect_sightings (the 0210 function, replaced here): the place is read from organisations when a
--    rollup row is written, FOR SHARE, so an organisation's move in flight is waited for (or waits, and
--    then finds the committed row);
--  * on organisations: an update that changes jurisdiction_fips rewrites the place of that organisation's
--    rollup rows (one statement per statement). An organisation's delete cascades to its sightings, and
--    the 0210 trigger takes them out of the rollup.
ALTER TABLE detect_sighting_days ADD COLUMN jurisdiction_fips text;
UPDATE detect_sighting_days d SET jurisdiction_fips = o.jurisdiction_fips FROM organisations o WHERE o.id = d.org_id;

CREATE OR REPLACE FUNCTION detect_sighting_days_apply() RETURNS trigger LANGUAGE plpgsql AS $$
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
    INSERT INTO detect_sighting_days AS d (day, org_id, owner_org_id, tlp, community_ids, recipient_org_ids, recipient_user_ids, created_by, sightings, jurisdiction_fips)
      SELECT n.day, n.org_id, n.owner_org_id, n.tlp, n.community_ids, n.recipient_org_ids, n.recipient_user_ids, n.created_by, n.n, p.jurisdiction_fips
      FROM (SELECT (created AT TIME ZONE 'UTC')::date AS day, org_id, owner_org_id, tlp, community_ids, recipient_org_ids, recipient_user_ids, created_by, count(*) AS n
            FROM new_rows WHERE count > 0 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8) n
      JOIN (SELECT id, jurisdiction_fips FROM organisations WHERE id IN (SELECT org_id FROM new_rows WHERE count > 0) FOR SHARE) p ON p.id = n.org_id
      ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
    ON CONFLICT ON CONSTRAINT detect_sighting_days_key DO UPDATE SET sightings = d.sightings + excluded.sightings, jurisdiction_fips = excluded.jurisdiction_fips;
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION detect_sighting_days_place() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE detect_sighting_days d SET jurisdiction_fips = m.jurisdiction_fips
  FROM (SELECT w.id, w.jurisdiction_fips FROM old_rows o JOIN new_rows w ON w.id = o.id
        WHERE w.jurisdiction_fips IS DISTINCT FROM o.jurisdiction_fips) m
  WHERE d.org_id = m.id;
  RETURN NULL;
END $$;

CREATE TRIGGER detect_sighting_days_place AFTER UPDATE ON organisations
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION detect_sighting_days_place();
