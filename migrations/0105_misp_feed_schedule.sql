-- MISP feeds pulled on a schedule: each feed's interval, when it is next due (interval after a
-- success, backoff after failures), and what its last pull did (the ingest job that ran it).
ALTER TABLE intel_misp_feeds
  ADD COLUMN interval_seconds int NOT NULL DEFAULT 3600,
  ADD COLUMN enabled          boolean NOT NULL DEFAULT true,
  ADD COLUMN next_pull_at     timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN failures         int NOT NULL DEFAULT 0,
  ADD COLUMN last_status      text,
  ADD COLUMN last_success_at  timestamptz,
  ADD COLUMN last_ingest_id   uuid;
CREATE INDEX intel_misp_feeds_due_idx ON intel_misp_feeds (next_pull_at) WHERE enabled;
