-- List orders other than the default (incidents.repo.ts SORT_KEYS), read in order from an index so
-- that a page stops after its rows instead of sorting every visible incident.
-- `sort=-updated` (and `updated`, read backwards): last change first.
CREATE INDEX incidents_updated_idx ON incidents (updated_at DESC, id DESC) WHERE status <> 'draft';
-- `sort=-priority`: most severe first, unset last. The expression is the repository's rank of
-- PRIORITIES, character for character, so the planner can match it.
CREATE INDEX incidents_priority_rank_idx ON incidents (
  (CASE priority WHEN 'baseline' THEN 0 WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 WHEN 'severe' THEN 4 WHEN 'emergency' THEN 5 END) DESC NULLS LAST,
  id DESC
) WHERE status <> 'draft';
