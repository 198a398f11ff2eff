-- Directory: jurisdictions (FIPS), organisations, 24x7 contacts, communities.

CREATE TABLE jurisdictions (
  fips       text PRIMARY KEY CHECK (fips ~ '^[0-9]{2}([0-9]{3})?$'),
  kind       text NOT NULL CHECK (kind IN ('state','district','territory','county')),
  name       text NOT NULL,
  state_fips text NOT NULL
);
CREATE INDEX jurisdictions_state_idx ON jurisdictions (state_fips, kind);

CREATE TABLE organisations (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  kind              text NOT NULL CHECK (kind IN (
                      'national_hub','state_election_office','local_election_office','campaign',
                      'political_party','election_vendor','private_sector','federal_partner',
                      'law_enforcement','intelligence_community')),
  parent_id         uuid REFERENCES organisations(id) ON DELETE RESTRICT,
  jurisdiction_fips text REFERENCES jurisdictions(fips),
  website           text,
  description       text NOT NULL DEFAULT '',
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  search            tsvector GENERATED ALWAYS AS (
                      to_tsvector('simple', name || ' ' || coalesce(description, ''))) STORED,
  CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE UNIQUE INDEX organisations_name_idx ON organisations (lower(name));
CREATE INDEX organisations_kind_idx ON organisations (kind, name);
CREATE INDEX organisations_parent_idx ON organisations (parent_id);
CREATE INDEX organisations_fips_idx ON organisations (jurisdiction_fips);
CREATE INDEX organisations_search_idx ON organisations USING gin (search);

CREATE TABLE org_contacts (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id     uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  name       text NOT NULL,
  role       text NOT NULL DEFAULT '',
  phone      text NOT NULL DEFAULT '',
  email      text NOT NULL DEFAULT '',
  is_24x7    boolean NOT NULL DEFAULT true,
  position   int NOT NULL DEFAULT 0
);
CREATE INDEX org_contacts_org_idx ON org_contacts (org_id, position);

CREATE TABLE communities (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX communities_name_idx ON communities (lower(name));

CREATE TABLE community_members (
  community_id uuid NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
  org_id       uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  joined_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (community_id, org_id)
);
CREATE INDEX community_members_org_idx ON community_members (org_id);
