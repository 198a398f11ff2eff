-- TAXII 2.1 client: when each subscription is next due (poll interval, or backoff after failures),
-- and what its last poll did. TAXII 2.1 server: status resources are read by their id and poster.

ALTER TABLE taxii_subscriptions
  ADD COLUMN next_poll_at     timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN updated_at       timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN last_poll_stats  jsonb NOT NULL DEFAULT '{}';
CREATE INDEX taxii_subscriptions_due_idx ON taxii_subscriptions (next_poll_at) WHERE enabled;
CREATE INDEX taxii_subscriptions_org_idx ON taxii_subscriptions (org_id, created_at);

CREATE INDEX taxii_status_poster_idx ON taxii_status (actor_user_id, request_timestamp DESC);
