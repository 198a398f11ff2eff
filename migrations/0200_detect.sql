-- Detection: log uploads matched against the indicators an organisation may see.
-- Runs and hits belong to the uploading organisation only (org_id); they are never shared.
-- Sightings are shared through intel (STIX `sighting` objects); detect_sightings keeps their counters
-- and mirrors the sharing of the stored object so reads filter them with visibleTo.
CREATE TABLE detect_runs (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id             uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  created_by         uuid REFERENCES users(id) ON DELETE SET NULL,
  filename           text,
  format_requested   text NOT NULL DEFAULT 'auto',
  format             text,
  tlp                text NOT NULL,
  share_with_hub     boolean NOT NULL DEFAULT true,
  status             text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'complete', 'failed')),
  -- the retained log, gzip, relative to DATA_DIR; null once deleted by retention
  log_path           text,
  log_deleted_at     timestamptz,
  upload_bytes       bigint NOT NULL DEFAULT 0,
  stored_bytes       bigint NOT NULL DEFAULT 0,
  gzip               boolean,
  lines              bigint NOT NULL DEFAULT 0,
  bytes              bigint NOT NULL DEFAULT 0,
  skipped            jsonb NOT NULL DEFAULT '{}',
  gzip_error         text,
  hits               int NOT NULL DEFAULT 0,
  hit_lines          int NOT NULL DEFAULT 0,
  hits_stored        int NOT NULL DEFAULT 0,
  indicators         int NOT NULL DEFAULT 0,
  complex_patterns   int NOT NULL DEFAULT 0,
  complex_truncated  boolean NOT NULL DEFAULT false,
  retro_hits         int NOT NULL DEFAULT 0,
  sightings          int NOT NULL DEFAULT 0,
  message            text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  started_at         timestamptz,
  finished_at        timestamptz
);
CREATE INDEX detect_runs_org_idx ON detect_runs (org_id, created_at DESC);
CREATE INDEX detect_runs_retained_idx ON detect_runs (created_at) WHERE log_path IS NOT NULL;

CREATE TABLE detect_hits (
  id            bigserial PRIMARY KEY,
  run_id        uuid NOT NULL REFERENCES detect_runs(id) ON DELETE CASCADE,
  org_id        uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  indicator_id  text NOT NULL,
  kind          text NOT NULL,
  value         text NOT NULL,
  field         text NOT NULL DEFAULT '',
  line_no       bigint NOT NULL,
  line          text NOT NULL,
  seen_at       timestamptz NOT NULL,
  found_by      text NOT NULL CHECK (found_by IN ('upload', 'retrohunt')),
  sighting_id   text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (run_id, indicator_id, line_no, kind, value, field)
);
CREATE INDEX detect_hits_org_idx ON detect_hits (org_id, id DESC);
CREATE INDEX detect_hits_indicator_idx ON detect_hits (indicator_id);

CREATE TABLE detect_sightings (
  id                  text PRIMARY KEY,
  indicator_id        text NOT NULL,
  org_id              uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  count               int NOT NULL,
  first_seen          timestamptz NOT NULL,
  last_seen           timestamptz NOT NULL,
  created             timestamptz NOT NULL,
  modified            timestamptz NOT NULL,
  owner_org_id        uuid,
  tlp                 text NOT NULL,
  community_ids       uuid[] NOT NULL DEFAULT '{}',
  recipient_org_ids   uuid[] NOT NULL DEFAULT '{}',
  recipient_user_ids  uuid[] NOT NULL DEFAULT '{}',
  created_by          uuid
);
CREATE INDEX detect_sightings_indicator_idx ON detect_sightings (indicator_id);
CREATE INDEX detect_sightings_org_idx ON detect_sightings (org_id);
