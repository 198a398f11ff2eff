-- TAXII client: the subscription's password / API key is kept encrypted (AES-256-GCM under
-- SECRETS_KEY, core/secrets.ts) in password_enc: `v1:<key id>:<iv>:<data>:<tag>`. SQL cannot encrypt,
-- so `password` keeps plain values written before this migration until Rampart encrypts them at its
-- next start (or at the subscription's next poll) and clears it; nothing writes it any more.
ALTER TABLE taxii_subscriptions ADD COLUMN password_enc text;
COMMENT ON COLUMN taxii_subscriptions.password IS 'legacy: plain text from before 0104, emptied at start';
