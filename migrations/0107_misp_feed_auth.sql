-- MISP feeds behind authentication: one request header sent with every fetch of the feed (its name in
-- clear, its value encrypted under SECRETS_KEY like TAXII subscription passwords, bound to the feed's id);
-- and the pulls of one feed found by an index (the feed page's counts and history).
ALTER TABLE intel_misp_feeds
  ADD COLUMN auth_header    text,
  ADD COLUMN auth_value_enc text;
CREATE INDEX intel_ingests_feed_idx ON intel_ingests (feed_id, created_at DESC) WHERE feed_id IS NOT NULL;
