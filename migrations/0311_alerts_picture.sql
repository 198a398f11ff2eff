-- Operating picture (modules/picture): time to acknowledge reads, for the alerts in range, only the
-- acknowledgement's alert and time — from the index alone (no heap visit per acknowledgement;
-- bench/picture.bench.ts: a year of the hub's alerts is about 126,000 acknowledgements).
CREATE INDEX alert_acks_picture_idx ON alert_acks (alert_id) INCLUDE (at);

-- The active alerts (published, not expired: a week's worth out of a year's) found by index, not by a scan
-- of every alert, for the map of the states and the drill-down: never-expiring ones by the NULL entries.
CREATE INDEX alerts_picture_active_idx ON alerts (expires_at) WHERE status = 'published';
