-- +goose Up
-- The commune search of the territory editor (docs/rules.md §35): the name
-- prefix range (nom_norm, accent- and case-free, text_pattern_ops so that
-- ~>=~ / ~<~ use it in a generic plan) read from the index alone, with the
-- population that ranks the matches — "saint" matches ~3 900 communes — and
-- the communes of an intercommunalité counted and summed from the index.
CREATE INDEX communes_nom_norm_current_idx ON communes (nom_norm text_pattern_ops) INCLUDE (population, code) WHERE actuelle;
CREATE INDEX communes_epci_current_idx ON communes (epci) INCLUDE (population) WHERE actuelle;

-- +goose Down
DROP INDEX communes_epci_current_idx;
DROP INDEX communes_nom_norm_current_idx;
