-- +goose Up
-- The drafts (never filed, bound_at NULL) by structure: the half of an
-- agency's dossiers that follows the structure's current seat, read from
-- this small index instead of every dossier of France (docs/rules.md §35).
CREATE INDEX dossiers_draft_structure_idx ON dossiers (structure_id) WHERE bound_at IS NULL;

-- +goose Down
DROP INDEX dossiers_draft_structure_idx;
