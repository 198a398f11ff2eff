-- Threat intelligence: a STIX 2.1 store with every version kept, shared by the one visibility rule.

CREATE TABLE stix_objects (
  pk                 bigserial PRIMARY KEY,
  id                 text NOT NULL,
  type               text NOT NULL,
  spec_version       text NOT NULL DEFAULT '2.1',
  -- The exact `modified` string (sub-microsecond precision kept), or `created`, or '' for
  -- objects without versions (SCOs): (id, version) identifies one version.
  version            text NOT NULL,
  created            timestamptz,
  modified           timestamptz,
  date_added         timestamptz NOT NULL DEFAULT clock_timestamp(),
  created_by_ref     text,
  revoked            boolean NOT NULL DEFAULT false,
  confidence         int,
  is_latest          boolean NOT NULL DEFAULT true,
  name               text,
  -- sharing (see core/access): the sharer's organisation, TLP and audience
  owner_org_id       uuid REFERENCES organisations(id) ON DELETE SET NULL,
  tlp                text NOT NULL CHECK (tlp IN ('CLEAR','GREEN','AMBER','AMBER+STRICT','RED')),
  community_ids      uuid[] NOT NULL DEFAULT '{}',
  recipient_org_ids  uuid[] NOT NULL DEFAULT '{}',
  recipient_user_ids uuid[] NOT NULL DEFAULT '{}',
  created_by         uuid REFERENCES users(id) ON DELETE SET NULL,
  -- where it came from: 'api', 'ui', 'taxii-post', 'taxii:<subscription>', 'misp', 'csv', 'sighting'…
  source             text NOT NULL DEFAULT 'api',
  -- an organisation's TAXII inbox (reports to the hub) when posted there
  inbox_org_id       uuid REFERENCES organisations(id) ON DELETE SET NULL,
  object             jsonb NOT NULL,
  search             tsvector,
  UNIQUE (id, version)
);
CREATE INDEX stix_objects_added_idx ON stix_objects (date_added, pk);
CREATE INDEX stix_objects_type_added_idx ON stix_objects (type, date_added, pk);
CREATE INDEX stix_objects_id_idx ON stix_objects (id, modified);
CREATE INDEX stix_objects_latest_idx ON stix_objects (id) WHERE is_latest;
CREATE INDEX stix_objects_communities_idx ON stix_objects USING gin (community_ids);
CREATE INDEX stix_objects_owner_idx ON stix_objects (owner_org_id, date_added);
CREATE INDEX stix_objects_inbox_idx ON stix_objects (inbox_org_id, date_added) WHERE inbox_org_id IS NOT NULL;
CREATE INDEX stix_objects_search_idx ON stix_objects USING gin (search);
CREATE INDEX stix_objects_clear_idx ON stix_objects (date_added, pk) WHERE tlp = 'CLEAR';

-- Correlation: normalised observable values ('ipv4-addr:198.51.100.7', 'domain-name:evil.example',
-- 'file:sha256:…') named by SCOs and by indicator patterns, so objects from different sources that
-- describe the same value are found together.
CREATE TABLE stix_observable_keys (
  key       text NOT NULL,
  object_pk bigint NOT NULL REFERENCES stix_objects(pk) ON DELETE CASCADE,
  PRIMARY KEY (key, object_pk)
);
CREATE INDEX stix_observable_keys_pk_idx ON stix_observable_keys (object_pk);

-- TAXII 2.1 POST status resources.
CREATE TABLE taxii_status (
  id            uuid PRIMARY KEY,
  api_root      text NOT NULL,
  collection_id text NOT NULL,
  actor_user_id uuid,
  actor_org_id  uuid,
  status        text NOT NULL CHECK (status IN ('pending','complete')),
  request_timestamp timestamptz NOT NULL DEFAULT now(),
  total_count   int NOT NULL,
  success_count int NOT NULL DEFAULT 0,
  failure_count int NOT NULL DEFAULT 0,
  pending_count int NOT NULL DEFAULT 0,
  successes     jsonb NOT NULL DEFAULT '[]',
  failures      jsonb NOT NULL DEFAULT '[]',
  pendings      jsonb NOT NULL DEFAULT '[]'
);

-- Ingest jobs (STIX bundles, MISP events and feeds, CSV lists): status, counts, per-object errors.
CREATE TABLE intel_ingests (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind         text NOT NULL CHECK (kind IN ('stix','misp','misp-feed','csv')),
  status       text NOT NULL CHECK (status IN ('queued','running','complete','failed')),
  filename     text,
  file_path    text,
  options      jsonb NOT NULL DEFAULT '{}',
  org_id       uuid REFERENCES organisations(id) ON DELETE SET NULL,
  user_id      uuid REFERENCES users(id) ON DELETE SET NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  started_at   timestamptz,
  finished_at  timestamptz,
  total        int NOT NULL DEFAULT 0,
  inserted     int NOT NULL DEFAULT 0,
  duplicates   int NOT NULL DEFAULT 0,
  rejected     int NOT NULL DEFAULT 0,
  bytes_read   bigint NOT NULL DEFAULT 0,
  bytes_total  bigint,
  errors       jsonb NOT NULL DEFAULT '[]',
  message      text
);
CREATE INDEX intel_ingests_org_idx ON intel_ingests (org_id, created_at DESC);

-- TAXII 2.1 client: upstream collections polled on a schedule.
CREATE TABLE taxii_subscriptions (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id           uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  name             text NOT NULL,
  api_root_url     text NOT NULL,
  collection_id    text NOT NULL,
  username         text,
  password         text,
  tlp              text NOT NULL CHECK (tlp IN ('CLEAR','GREEN','AMBER','AMBER+STRICT','RED')),
  community_ids    uuid[] NOT NULL DEFAULT '{}',
  poll_seconds     int NOT NULL DEFAULT 900 CHECK (poll_seconds >= 30),
  added_after      text,
  enabled          boolean NOT NULL DEFAULT true,
  last_polled_at   timestamptz,
  last_success_at  timestamptz,
  last_error       text,
  failures         int NOT NULL DEFAULT 0,
  objects_received bigint NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL DEFAULT now(),
  created_by       uuid REFERENCES users(id) ON DELETE SET NULL
);
