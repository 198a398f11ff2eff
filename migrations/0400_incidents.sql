-- Incident response: reports (CISA incident reporting fields + election context), triage, cases,
-- playbook tasks, timeline, attachments (content-addressed files), observables, and sanitised
-- escalations shared by consent. Incidents and escalations carry the six sharing columns.

CREATE TABLE incidents (
  id                  uuid PRIMARY KEY,
  ref                 bigserial UNIQUE,
  status              text NOT NULL DEFAULT 'draft'
                        CHECK (status IN ('draft','new','triaged','in_progress','contained','resolved','closed')),
  title               text NOT NULL DEFAULT '',
  incident_type       text,
  what_happened       text NOT NULL DEFAULT '',
  detected_at         timestamptz,
  occurred_at         timestamptz,
  functional_impact   text,
  information_impact  text,
  recoverability      text,
  attack_vector       text,
  observed_activity   text,
  affected_systems    text NOT NULL DEFAULT '',
  election_systems    text[] NOT NULL DEFAULT '{}',
  election_phase      text,
  jurisdiction_fips   text,
  priority            text CHECK (priority IN ('baseline','low','medium','high','severe','emergency')),
  priority_rationale  text,
  assignee_user_id    uuid REFERENCES users(id) ON DELETE SET NULL,
  playbooks           text[] NOT NULL DEFAULT '{}',
  consent_to_share    boolean NOT NULL DEFAULT false,
  consent_at          timestamptz,
  consent_by          uuid REFERENCES users(id) ON DELETE SET NULL,
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL,
  submitted_at        timestamptz,
  triaged_at          timestamptz,
  first_response_at   timestamptz,
  resolved_at         timestamptz,
  closed_at           timestamptz,
  -- sharing (see core/access)
  owner_org_id        uuid REFERENCES organisations(id) ON DELETE SET NULL,
  tlp                 text NOT NULL CHECK (tlp IN ('CLEAR','GREEN','AMBER','AMBER+STRICT','RED')),
  community_ids       uuid[] NOT NULL DEFAULT '{}',
  recipient_org_ids   uuid[] NOT NULL DEFAULT '{}',
  recipient_user_ids  uuid[] NOT NULL DEFAULT '{}',
  created_by          uuid REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX incidents_submitted_idx ON incidents (submitted_at DESC, id) WHERE status <> 'draft';
CREATE INDEX incidents_status_idx ON incidents (status, submitted_at DESC);
CREATE INDEX incidents_owner_idx ON incidents (owner_org_id, submitted_at DESC);
CREATE INDEX incidents_recipients_idx ON incidents USING gin (recipient_org_ids);
CREATE INDEX incidents_communities_idx ON incidents USING gin (community_ids);
CREATE INDEX incidents_created_by_idx ON incidents (created_by, status);
CREATE INDEX incidents_type_idx ON incidents (incident_type, submitted_at DESC);

CREATE TABLE incident_timeline (
  id           bigserial PRIMARY KEY,
  incident_id  uuid NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  at           timestamptz NOT NULL,
  actor_id     uuid,
  actor_name   text NOT NULL,
  kind         text NOT NULL,
  body         text NOT NULL DEFAULT '',
  details      jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX incident_timeline_incident_idx ON incident_timeline (incident_id, id);

CREATE TABLE incident_tasks (
  id             uuid PRIMARY KEY,
  incident_id    uuid NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  position       int NOT NULL,
  playbook       text,
  phase          text,
  title          text NOT NULL,
  detail         text NOT NULL DEFAULT '',
  owner_user_id  uuid REFERENCES users(id) ON DELETE SET NULL,
  due_at         timestamptz,
  done_at        timestamptz,
  done_by        uuid REFERENCES users(id) ON DELETE SET NULL,
  created_at     timestamptz NOT NULL
);
CREATE INDEX incident_tasks_incident_idx ON incident_tasks (incident_id, position);

-- Files live in the content-addressed store (DATA_DIR/files/<sha256[0:2]>/<sha256>); rows name them.
CREATE TABLE incident_attachments (
  id              uuid PRIMARY KEY,
  incident_id     uuid NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  filename        text NOT NULL,
  declared_type   text,
  detected_type   text,
  served_type     text NOT NULL,
  size            bigint NOT NULL,
  sha256          text NOT NULL,
  flagged         boolean NOT NULL DEFAULT false,
  flag_reason     text,
  uploaded_by     uuid REFERENCES users(id) ON DELETE SET NULL,
  created_at      timestamptz NOT NULL
);
CREATE INDEX incident_attachments_incident_idx ON incident_attachments (incident_id, created_at);

CREATE TABLE incident_observables (
  id                  uuid PRIMARY KEY,
  incident_id         uuid NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  kind                text NOT NULL,
  value               text NOT NULL,
  source              text NOT NULL,
  shared_indicator_id text,
  shared_tlp          text,
  created_at          timestamptz NOT NULL,
  UNIQUE (incident_id, kind, value)
);
CREATE INDEX incident_observables_value_idx ON incident_observables (kind, value);

-- A sanitised version the hub escalates, with the reporter's consent, to named partners. Partners
-- see this record only; its sharing columns are its own.
CREATE TABLE incident_escalations (
  id                  uuid PRIMARY KEY,
  incident_id         uuid NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  title               text NOT NULL,
  summary             text NOT NULL,
  fields              jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at          timestamptz NOT NULL,
  owner_org_id        uuid REFERENCES organisations(id) ON DELETE SET NULL,
  tlp                 text NOT NULL CHECK (tlp IN ('CLEAR','GREEN','AMBER','AMBER+STRICT','RED')),
  community_ids       uuid[] NOT NULL DEFAULT '{}',
  recipient_org_ids   uuid[] NOT NULL DEFAULT '{}',
  recipient_user_ids  uuid[] NOT NULL DEFAULT '{}',
  created_by          uuid REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX incident_escalations_incident_idx ON incident_escalations (incident_id, created_at);
CREATE INDEX incident_escalations_recipients_idx ON incident_escalations USING gin (recipient_org_ids);
