-- Situation room: threaded discussion on feed items (published alerts, submitted incidents, sightings).
-- A message has no sharing columns of its own: it is visible exactly to those who may see its item,
-- and the item's sharing lives in the module that owns it (alerts, incidents, detect). The room asks
-- that module, through its public face, on every read and post.
CREATE TABLE room_messages (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  item_kind        text NOT NULL CHECK (item_kind IN ('alert', 'incident', 'sighting')),
  item_id          text NOT NULL,
  parent_id        uuid REFERENCES room_messages(id) ON DELETE CASCADE,
  author_user_id   uuid REFERENCES users(id) ON DELETE SET NULL,
  author_name      text NOT NULL,
  author_org_id    uuid REFERENCES organisations(id) ON DELETE SET NULL,
  author_org_name  text,
  body             text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 4000),
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX room_messages_item_idx ON room_messages (item_kind, item_id, created_at, id);
