-- Intel ingest: MISP feeds pulled over HTTP (one row per organisation and feed URL; the newest
-- event timestamp already imported, so the next pull fetches only newer events).
CREATE TABLE intel_misp_feeds (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id          uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  url             text NOT NULL,
  options         jsonb NOT NULL DEFAULT '{}',
  last_timestamp  bigint,
  last_pulled_at  timestamptz,
  last_error      text,
  created_by      uuid REFERENCES users(id) ON DELETE SET NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, url)
);

ALTER TABLE intel_ingests ADD COLUMN feed_id uuid REFERENCES intel_misp_feeds(id) ON DELETE SET NULL;
-- All errors seen (the stored list is capped; the rest are counted here).
ALTER TABLE intel_ingests ADD COLUMN errors_omitted int NOT NULL DEFAULT 0;

-- Relationship lookups for the object view (in and out) without scanning the store.
CREATE INDEX stix_objects_source_ref_idx ON stix_objects ((object->>'source_ref')) WHERE type = 'relationship' AND is_latest;
CREATE INDEX stix_objects_target_ref_idx ON stix_objects ((object->>'target_ref')) WHERE type = 'relationship' AND is_latest;
CREATE INDEX stix_objects_sighting_of_idx ON stix_objects ((object->>'sighting_of_ref')) WHERE type = 'sighting' AND is_latest;
