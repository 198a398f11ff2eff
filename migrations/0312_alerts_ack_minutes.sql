-- Time to acknowledge for the operating picture (modules/picture), kept by the database itself.
--
-- One row per alert with acknowledgements: every acknowledgement's minutes from the alert's publication
-- (date_part('epoch', at - published_at) / 60, the same double precision the figure was computed from),
-- sorted, and `le`: for each edge of alert_ack_minute_edges(), how many of those minutes are <= it.
-- It holds no sharing of its own: a reader joins it to `alerts` and filters with visibleTo on the alert,
-- the one rule, so it counts exactly the acknowledgements of the alerts the reader may see.
--
-- Median and p90 stay exact (percentile_cont) without sorting every delay of the range: summing `le` over
-- the visible alerts in range gives how many delays fall between two edges, so the bucket holding each
-- rank percentile_cont reads is known; only the minutes of that bucket (a slice of each sorted array)
-- are sorted to find the value (alerts.repo.ts, trends). A year of the hub's alerts on the bench is
-- ~126,000 acknowledgements in ~4,000 rows here.
--
-- Statement-level triggers with transition tables keep it, as the sightings and indicators rollups (one
-- grouped statement per statement, not per row):
--  * alert_acks insert/update/delete: per alert, the minutes of the old rows that are not among the new
--    ones are taken out (multiset difference, EXCEPT ALL) and those of the new rows not among the old ones
--    merged in — an update that keeps the time (a status change) writes nothing. A delta, not a recount,
--    so concurrent acknowledgements of one alert add up (the second waits for the first's row). The
--    alert's publication time is read FOR SHARE: a change of published_at in flight is waited for (or
--    waits, and then counts the committed acknowledgement again).
--  * alerts update of published_at: that alert's minutes are counted again from alert_acks.
--  * an alert's delete cascades here.
-- Edges (minutes): dense where acknowledgements come (the first hours), then wider. They only decide how
-- much is sorted per request, never the figure.
CREATE FUNCTION alert_ack_minute_edges() RETURNS float8[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT '{1,2,3,4,5,6,7,8,9,10,12,15,20,25,30,40,50,60,75,90,120,180,240,300,360,420,480,540,600,660,720,780,840,900,960,1020,1080,1140,1200,1260,1320,1380,1440,1800,2160,2880,4320,5760,7200,10080,20160,43200}'::float8[]
$$;

-- le of a sorted array: width_bucket(e, sorted) is the number of elements <= e (binary search)
CREATE FUNCTION alert_ack_minute_le(minutes float8[]) RETURNS int[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ARRAY(SELECT width_bucket(e, minutes) FROM unnest(alert_ack_minute_edges()) WITH ORDINALITY u(e, i) ORDER BY i)
$$;

CREATE TABLE alert_ack_minutes (
  alert_id  uuid PRIMARY KEY REFERENCES alerts(id) ON DELETE CASCADE,
  minutes   float8[] NOT NULL,
  le        int[] NOT NULL GENERATED ALWAYS AS (alert_ack_minute_le(minutes)) STORED
);

-- PL/pgSQL plans a statement when it first runs it, so a branch reading a transition table this trigger
-- does not have (old_rows on INSERT, new_rows on DELETE) never runs.
CREATE FUNCTION alert_ack_minutes_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'alerts' THEN
    INSERT INTO alert_ack_minutes AS r (alert_id, minutes)
      SELECT m.id, coalesce((SELECT array_agg(date_part('epoch', k.at - m.published_at) / 60 ORDER BY date_part('epoch', k.at - m.published_at) / 60)
                             FROM alert_acks k WHERE k.alert_id = m.id AND m.published_at IS NOT NULL), '{}')
      FROM (SELECT w.id, w.published_at FROM old_rows o JOIN new_rows w ON w.id = o.id WHERE w.published_at IS DISTINCT FROM o.published_at) m
      ORDER BY m.id
    ON CONFLICT (alert_id) DO UPDATE SET minutes = excluded.minutes;
    DELETE FROM alert_ack_minutes r USING (SELECT w.id FROM old_rows o JOIN new_rows w ON w.id = o.id WHERE w.published_at IS DISTINCT FROM o.published_at) m
      WHERE r.alert_id = m.id AND cardinality(r.minutes) = 0;
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    INSERT INTO alert_ack_minutes AS r (alert_id, minutes)
      SELECT a.id, array_agg(date_part('epoch', n.at - a.published_at) / 60 ORDER BY date_part('epoch', n.at - a.published_at) / 60)
      FROM new_rows n JOIN (SELECT id, published_at FROM alerts WHERE id IN (SELECT alert_id FROM new_rows) FOR SHARE) a ON a.id = n.alert_id
      WHERE a.published_at IS NOT NULL GROUP BY a.id ORDER BY a.id
    ON CONFLICT (alert_id) DO UPDATE SET minutes = ARRAY(SELECT x FROM unnest(r.minutes || excluded.minutes) x ORDER BY x);
    RETURN NULL;
  END IF;
  -- UPDATE and DELETE: out with the old minutes that are not among the new ones, in with the new not among the old
  IF TG_OP = 'DELETE' THEN
    UPDATE alert_ack_minutes r SET minutes = ARRAY(SELECT x FROM (SELECT unnest(r.minutes) EXCEPT ALL SELECT unnest(d.removed)) s(x) ORDER BY x)
    FROM (SELECT a.id, array_agg(date_part('epoch', o.at - a.published_at) / 60) AS removed
          FROM old_rows o JOIN (SELECT id, published_at FROM alerts WHERE id IN (SELECT alert_id FROM old_rows) FOR SHARE) a ON a.id = o.alert_id
          WHERE a.published_at IS NOT NULL GROUP BY a.id) d
    WHERE r.alert_id = d.id;
  ELSE
    -- an acknowledgement moved to an alert without a row yet (not something Rampart does) gets an empty one first
    INSERT INTO alert_ack_minutes (alert_id, minutes)
      SELECT DISTINCT n.alert_id, '{}'::float8[] FROM new_rows n JOIN alerts a ON a.id = n.alert_id AND a.published_at IS NOT NULL ORDER BY 1
    ON CONFLICT (alert_id) DO NOTHING;
    WITH a AS (SELECT id, published_at FROM alerts WHERE published_at IS NOT NULL
                 AND id IN (SELECT alert_id FROM old_rows UNION SELECT alert_id FROM new_rows) FOR SHARE),
    o AS (SELECT k.alert_id, date_part('epoch', k.at - a.published_at) / 60 AS m FROM old_rows k JOIN a ON a.id = k.alert_id),
    n AS (SELECT k.alert_id, date_part('epoch', k.at - a.published_at) / 60 AS m FROM new_rows k JOIN a ON a.id = k.alert_id),
    d AS (SELECT alert_id, m, -1 AS sign FROM (SELECT alert_id, m FROM o EXCEPT ALL SELECT alert_id, m FROM n) x
          UNION ALL SELECT alert_id, m, 1 FROM (SELECT alert_id, m FROM n EXCEPT ALL SELECT alert_id, m FROM o) y)
    UPDATE alert_ack_minutes r
    SET minutes = ARRAY(SELECT x FROM (SELECT unnest(r.minutes) EXCEPT ALL SELECT unnest(c.removed) UNION ALL SELECT unnest(c.added)) s(x) ORDER BY x)
    FROM (SELECT alert_id, coalesce(array_agg(m) FILTER (WHERE sign = -1), '{}') AS removed, coalesce(array_agg(m) FILTER (WHERE sign = 1), '{}') AS added
          FROM d GROUP BY alert_id) c
    WHERE r.alert_id = c.alert_id;
  END IF;
  DELETE FROM alert_ack_minutes r WHERE r.alert_id IN (SELECT alert_id FROM old_rows) AND cardinality(r.minutes) = 0;
  RETURN NULL;
END $$;

CREATE TRIGGER alert_ack_minutes_ins AFTER INSERT ON alert_acks
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION alert_ack_minutes_apply();
CREATE TRIGGER alert_ack_minutes_upd AFTER UPDATE ON alert_acks
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION alert_ack_minutes_apply();
CREATE TRIGGER alert_ack_minutes_del AFTER DELETE ON alert_acks
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION alert_ack_minutes_apply();
CREATE TRIGGER alert_ack_minutes_publication AFTER UPDATE ON alerts
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION alert_ack_minutes_apply();

-- Acknowledgements recorded before this migration.
INSERT INTO alert_ack_minutes (alert_id, minutes)
  SELECT a.id, array_agg(date_part('epoch', k.at - a.published_at) / 60 ORDER BY date_part('epoch', k.at - a.published_at) / 60)
  FROM alert_acks k JOIN alerts a ON a.id = k.alert_id WHERE a.published_at IS NOT NULL GROUP BY a.id;

-- The time to acknowledge no longer reads alert_acks (one index less written per acknowledgement).
DROP INDEX IF EXISTS alert_acks_picture_idx;
