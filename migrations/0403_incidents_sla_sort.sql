-- `sort=sla` (the next running SLA deadline, earliest first) read in order from an index, so that a
-- page stops after its rows instead of sorting every visible incident (bench/incidents.bench.ts
-- sort_sla: p50 ≈ 60-70 ms at 100,000 incidents before this index).
-- timestamptz + interval is only STABLE (an interval of days or months depends on the time zone), so
-- PostgreSQL refuses it in an index; the repository adds the SLA targets' minutes through this
-- function instead. Adding minutes does not depend on the time zone, so IMMUTABLE is true of it (and
-- PostgreSQL does not inline an IMMUTABLE function whose body is only STABLE, so the index keeps it).
CREATE FUNCTION incidents_plus_minutes(t timestamptz, mins integer) RETURNS timestamptz
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT t + make_interval(mins => mins) $$;

-- The expression is incidents.repo.ts's SLA_DUE with its targets, character for character, so the
-- planner can match it; incidents.list.test.ts checks that `sort=sla` reads this index.
CREATE INDEX incidents_sla_idx ON incidents (
  (LEAST(CASE WHEN triaged_at IS NULL THEN incidents_plus_minutes(submitted_at, 60) END,
    CASE WHEN first_response_at IS NULL THEN incidents_plus_minutes(submitted_at, (CASE priority WHEN 'emergency' THEN 15 WHEN 'severe' THEN 60 WHEN 'high' THEN 120 WHEN 'medium' THEN 480 WHEN 'low' THEN 1440 WHEN 'baseline' THEN 4320 ELSE 240 END)) END)) ASC NULLS LAST,
  id ASC
) WHERE status <> 'draft';
