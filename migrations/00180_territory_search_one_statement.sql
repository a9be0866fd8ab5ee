-- +goose Up
-- The territory search in one statement (docs/rules.md §35.2).
--
-- The best name prefixes by population, read in order from an index: one
-- expression index per prefix length 1 to 6 (« saint » is the prefix of
-- 3 892 current communes, which a range on nom_norm read and sorted on every
-- search; from 7 characters on, a prefix matches at most ~500 communes and
-- the range of communes_nom_norm_current_idx stays cheap).
CREATE INDEX communes_prefix1_idx ON communes (left(nom_norm, 1), population DESC, code) WHERE actuelle;
CREATE INDEX communes_prefix2_idx ON communes (left(nom_norm, 2), population DESC, code) WHERE actuelle;
CREATE INDEX communes_prefix3_idx ON communes (left(nom_norm, 3), population DESC, code) WHERE actuelle;
CREATE INDEX communes_prefix4_idx ON communes (left(nom_norm, 4), population DESC, code) WHERE actuelle;
CREATE INDEX communes_prefix5_idx ON communes (left(nom_norm, 5), population DESC, code) WHERE actuelle;
CREATE INDEX communes_prefix6_idx ON communes (left(nom_norm, 6), population DESC, code) WHERE actuelle;

-- The current communes of each intercommunalité and their population, kept
-- with it (reference data, as regions.population, migration 00130): the
-- search offered each matching EPCI with its communes counted on every
-- search. Recomputed by a statement trigger whenever communes or EPCIs
-- change (aci refdata).
ALTER TABLE epci
    ADD COLUMN communes   integer NOT NULL DEFAULT 0,
    ADD COLUMN population bigint NOT NULL DEFAULT 0;

-- +goose StatementBegin
CREATE FUNCTION epci_populations_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE epci e SET communes = s.communes, population = s.population
    FROM (SELECT e2.code,
                 count(c.code)::integer AS communes,
                 coalesce(sum(c.population), 0)::bigint AS population
          FROM epci e2 LEFT JOIN communes c ON c.epci = e2.code AND c.actuelle
          GROUP BY e2.code) s
    WHERE s.code = e.code AND (e.communes, e.population) IS DISTINCT FROM (s.communes, s.population);
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER communes_epci_populations AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON communes
    FOR EACH STATEMENT EXECUTE FUNCTION epci_populations_refresh();
-- A new EPCI starts at 0: its communes, inserted after it, fire the trigger
-- above; its own insert (or a code changed) recomputes too.
CREATE TRIGGER epci_populations AFTER INSERT OR UPDATE OF code ON epci
    FOR EACH STATEMENT EXECUTE FUNCTION epci_populations_refresh();

UPDATE epci e SET communes = s.communes, population = s.population
FROM (SELECT c.epci, count(*)::integer AS communes, coalesce(sum(c.population), 0)::bigint AS population
      FROM communes c WHERE c.actuelle AND c.epci IS NOT NULL GROUP BY c.epci) s
WHERE s.epci = e.code;

-- +goose Down
DROP TRIGGER epci_populations ON epci;
DROP TRIGGER communes_epci_populations ON communes;
DROP FUNCTION epci_populations_refresh();
ALTER TABLE epci DROP COLUMN communes, DROP COLUMN population;
DROP INDEX communes_prefix6_idx;
DROP INDEX communes_prefix5_idx;
DROP INDEX communes_prefix4_idx;
DROP INDEX communes_prefix3_idx;
DROP INDEX communes_prefix2_idx;
DROP INDEX communes_prefix1_idx;
