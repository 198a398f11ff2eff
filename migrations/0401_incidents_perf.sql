-- Incident list performance (bench/incidents.bench.ts: 100,000 incidents, 1,000,000 timeline entries).
--
-- Search (`q`): a word index over the searched text. 'simple' configuration (no stemming, no stop
-- words: names, hostnames, codes and addresses are kept as they are). pg_trgm would serve arbitrary
-- substrings, but PGlite loads contrib extensions only when the instance is created, so it is not used.
ALTER TABLE incidents ADD COLUMN search_tsv tsvector
  GENERATED ALWAYS AS (to_tsvector('simple', title || ' ' || what_happened || ' ' || affected_systems)) STORED;
CREATE INDEX incidents_search_idx ON incidents USING gin (search_tsv);

-- The list's order (submitted_at DESC NULLS FIRST, id DESC) read straight from an index, so a page
-- stops after its rows; replaces (submitted_at DESC, id), whose id order was the opposite.
DROP INDEX IF EXISTS incidents_submitted_idx;
CREATE INDEX incidents_list_idx ON incidents (submitted_at DESC, id DESC) WHERE status <> 'draft';

-- The state filter (left(jurisdiction_fips, 2)) in list order.
CREATE INDEX incidents_state_idx ON incidents ((left(jurisdiction_fips, 2)), submitted_at DESC, id DESC) WHERE status <> 'draft';

-- Search matches an observable's exact value whatever its kind; (kind, value) cannot serve that.
CREATE INDEX incident_observables_value_only_idx ON incident_observables (value);

-- The other filters, each in list order, so a filtered page and the capped count read only the
-- matching rows (several filters combine their indexes with a bitmap AND).
CREATE INDEX incidents_priority_idx ON incidents (priority, submitted_at DESC, id DESC) WHERE status <> 'draft';
CREATE INDEX incidents_phase_idx ON incidents (election_phase, submitted_at DESC, id DESC) WHERE status <> 'draft';
CREATE INDEX incidents_assignee_idx ON incidents (assignee_user_id, submitted_at DESC, id DESC) WHERE status <> 'draft';
CREATE INDEX incidents_election_systems_idx ON incidents USING gin (election_systems);
