-- Operating picture (modules/picture): acknowledgement gaps read the in-app deliveries of the active
-- alerts only — a few hundred alerts out of a year's — by alert, without touching the table
-- (bench/picture.bench.ts: a sequential scan of every delivery before, index-only probes after).
CREATE INDEX alert_deliveries_picture_idx ON alert_deliveries (alert_id, revision) INCLUDE (org_id, state_fips) WHERE channel = 'inapp';
