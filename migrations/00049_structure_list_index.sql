-- +goose Up
-- The structures list is ordered by name (50 a page): an index in that order
-- spares a sort of every structure in scope on each page (docs/architecture.md §5:
-- ≈ 3 700 structures nationally).
CREATE INDEX organisations_structure_name_idx ON organisations (name, id) WHERE kind = 'structure';

-- +goose Down
DROP INDEX organisations_structure_name_idx;
