-- Core: the hash-chained audit log and the event outbox. Modules own their tables in later files.

CREATE TABLE audit_log (
  seq            bigserial PRIMARY KEY,
  at             timestamptz NOT NULL,
  actor_kind     text NOT NULL,
  actor_id       text,
  actor_name     text NOT NULL,
  org_id         uuid,
  action         text NOT NULL,
  subject_type   text,
  subject_id     text,
  details        jsonb NOT NULL DEFAULT '{}'::jsonb,
  details_digest text NOT NULL,
  prev_hash      text NOT NULL,
  hash           text NOT NULL UNIQUE
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, seq DESC);
CREATE INDEX audit_log_subject_idx ON audit_log (subject_type, subject_id, seq DESC);
CREATE INDEX audit_log_action_idx ON audit_log (action, seq DESC);

-- Append-only: the database itself refuses to change or delete audit rows.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- Domain events, written in the same transaction as the change that caused them (outbox).
-- Each carries the sharing fields of its subject so live views filter it with the one visibility rule.
CREATE TABLE events (
  id                 bigserial PRIMARY KEY,
  at                 timestamptz NOT NULL DEFAULT now(),
  topic              text NOT NULL,
  subject_id         text,
  owner_org_id       uuid,
  tlp                text NOT NULL CHECK (tlp IN ('CLEAR','GREEN','AMBER','AMBER+STRICT','RED')),
  community_ids      uuid[] NOT NULL DEFAULT '{}',
  recipient_org_ids  uuid[] NOT NULL DEFAULT '{}',
  recipient_user_ids uuid[] NOT NULL DEFAULT '{}',
  created_by         uuid,
  payload            jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX events_at_idx ON events (at);
