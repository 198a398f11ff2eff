-- Warning and response: advisories and alerts, revisions, deliveries, notifications, acknowledgements,
-- escalations, webhooks. Alerts carry the six sharing columns (core/access); every read uses visibleTo.

CREATE TABLE alert_counters (
  year int PRIMARY KEY,
  last int NOT NULL
);

CREATE TABLE alerts (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  number             text NOT NULL UNIQUE,
  kind               text NOT NULL CHECK (kind IN ('advisory','alert')),
  status             text NOT NULL CHECK (status IN ('draft','review','published','withdrawn')),
  revision           int NOT NULL DEFAULT 0,
  level              text NOT NULL CHECK (level IN ('Low','Guarded','Elevated','High','Severe')),
  title              text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
  summary            text NOT NULL DEFAULT '',
  body_md            text NOT NULL DEFAULT '',
  body_html          text NOT NULL DEFAULT '',
  technical_details  text NOT NULL DEFAULT '',
  affected_sectors   text[] NOT NULL DEFAULT '{}',
  affected_products  text[] NOT NULL DEFAULT '{}',
  affected_fips      text[] NOT NULL DEFAULT '{}',
  stix_refs          text[] NOT NULL DEFAULT '{}',
  recommended_actions text[] NOT NULL DEFAULT '{}',
  references_        text[] NOT NULL DEFAULT '{}',
  target             jsonb NOT NULL DEFAULT '{}',
  owner_org_id       uuid,
  tlp                text NOT NULL CHECK (tlp IN ('CLEAR','GREEN','AMBER','AMBER+STRICT','RED')),
  community_ids      uuid[] NOT NULL DEFAULT '{}',
  recipient_org_ids  uuid[] NOT NULL DEFAULT '{}',
  recipient_user_ids uuid[] NOT NULL DEFAULT '{}',
  created_by         uuid,
  author_name        text NOT NULL DEFAULT '',
  submitted_by       uuid,
  approved_by        uuid,
  published_by       uuid,
  published_at       timestamptz,
  expires_at         timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alerts_status_idx ON alerts (status, published_at DESC);
CREATE INDEX alerts_owner_idx ON alerts (owner_org_id);
CREATE INDEX alerts_communities_idx ON alerts USING gin (community_ids);

-- Every published revision, as it was sent.
CREATE TABLE alert_revisions (
  alert_id     uuid NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
  revision     int NOT NULL,
  snapshot     jsonb NOT NULL,
  note         text NOT NULL DEFAULT '',
  published_by uuid,
  published_at timestamptz NOT NULL,
  PRIMARY KEY (alert_id, revision)
);

-- One row per (alert revision, recipient, channel): the idempotency key of the fan-out.
-- recipient: a user id (inapp, email, digest) or a webhook id (webhook).
CREATE TABLE alert_deliveries (
  id          bigserial PRIMARY KEY,
  alert_id    uuid NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
  revision    int NOT NULL,
  recipient   uuid NOT NULL,
  channel     text NOT NULL CHECK (channel IN ('inapp','email','digest','webhook')),
  org_id      uuid,
  state_fips  text,
  status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','queued','sent','failed','skipped')),
  attempts    int NOT NULL DEFAULT 0,
  last_error  text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  done_at     timestamptz,
  UNIQUE (alert_id, revision, recipient, channel)
);
CREATE INDEX alert_deliveries_pending_idx ON alert_deliveries (alert_id, revision, status);
CREATE INDEX alert_deliveries_digest_idx ON alert_deliveries (channel, status) WHERE channel = 'digest';

CREATE TABLE notifications (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id    uuid NOT NULL,
  alert_id   uuid NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
  revision   int NOT NULL,
  org_id     uuid,
  title      text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  read_at    timestamptz,
  UNIQUE (user_id, alert_id, revision)
);
CREATE INDEX notifications_user_idx ON notifications (user_id, created_at DESC);

-- Per-person mail preferences: level -> 'immediate' | 'digest' | 'none' (Severe is always immediate).
CREATE TABLE alert_prefs (
  user_id    uuid PRIMARY KEY,
  levels     jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE alert_acks (
  alert_id   uuid NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
  user_id    uuid NOT NULL,
  org_id     uuid,
  status     text NOT NULL CHECK (status IN ('received','actioned','not_applicable')),
  via        text NOT NULL CHECK (via IN ('email','api')),
  at         timestamptz NOT NULL,
  PRIMARY KEY (alert_id, user_id)
);
CREATE INDEX alert_acks_org_idx ON alert_acks (alert_id, org_id);

CREATE TABLE alert_escalations (
  alert_id   uuid NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
  org_id     uuid NOT NULL,
  at         timestamptz NOT NULL,
  contacts   jsonb NOT NULL,
  PRIMARY KEY (alert_id, org_id)
);

CREATE TABLE webhooks (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id      uuid NOT NULL,
  url         text NOT NULL,
  secret      text NOT NULL,
  description text NOT NULL DEFAULT '',
  active      boolean NOT NULL DEFAULT true,
  created_by  uuid,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_org_idx ON webhooks (org_id) WHERE active;

-- Every attempt of every webhook delivery (the organisation's delivery log).
CREATE TABLE webhook_attempts (
  id          bigserial PRIMARY KEY,
  webhook_id  uuid NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  delivery_id bigint NOT NULL REFERENCES alert_deliveries(id) ON DELETE CASCADE,
  alert_id    uuid NOT NULL,
  revision    int NOT NULL,
  attempt     int NOT NULL,
  status_code int,
  ok          boolean NOT NULL,
  error       text,
  duration_ms int NOT NULL,
  at          timestamptz NOT NULL
);
CREATE INDEX webhook_attempts_hook_idx ON webhook_attempts (webhook_id, id DESC);

-- The key that signs acknowledgement and unsubscribe links (HMAC-SHA256), made once per database.
CREATE TABLE alert_secrets (
  name  text PRIMARY KEY,
  value text NOT NULL
);
INSERT INTO alert_secrets (name, value)
  VALUES ('link-key', encode(sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text || clock_timestamp()::text, 'UTF8')), 'hex'));
