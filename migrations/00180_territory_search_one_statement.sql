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

-- The intercommunalités by the start of any word of their name: every
-- suffix of nom_norm that starts a word (the whole name, then after each
-- space), as commune_words does for communes (migration 00026). The search
-- « a word of the name starts with q » (nom_norm LIKE 'q%' OR LIKE '% q%')
-- becomes a prefix range on this index, instead of both LIKEs on every EPCI.
CREATE TABLE epci_words (
    suffix text NOT NULL,
    epci   text NOT NULL, -- epci.code; kept in step by the triggers below
    PRIMARY KEY (epci, suffix)
);
CREATE INDEX epci_words_suffix_idx ON epci_words (suffix text_pattern_ops);

-- +goose StatementBegin
CREATE FUNCTION epci_words_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM epci_words w USING changed_epci n WHERE w.epci = n.code;
    INSERT INTO epci_words (suffix, epci)
    SELECT DISTINCT array_to_string(n.w[i:], ' '), n.code
    FROM (SELECT code, string_to_array(nom_norm, ' ') AS w FROM changed_epci) n,
        generate_series(1, cardinality(n.w)) AS i;
    RETURN NULL;
END $$;

CREATE FUNCTION epci_words_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM epci_words w USING removed_epci o WHERE w.epci = o.code;
    RETURN NULL;
END $$;

CREATE FUNCTION epci_words_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM epci_words w USING removed_epci o WHERE w.epci = o.code;
    DELETE FROM epci_words w USING changed_epci n WHERE w.epci = n.code;
    INSERT INTO epci_words (suffix, epci)
    SELECT DISTINCT array_to_string(n.w[i:], ' '), n.code
    FROM (SELECT code, string_to_array(nom_norm, ' ') AS w FROM changed_epci) n,
        generate_series(1, cardinality(n.w)) AS i;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER epci_words_ins AFTER INSERT ON epci
    REFERENCING NEW TABLE AS changed_epci FOR EACH STATEMENT EXECUTE FUNCTION epci_words_refresh();
CREATE TRIGGER epci_words_upd AFTER UPDATE ON epci
    REFERENCING OLD TABLE AS removed_epci NEW TABLE AS changed_epci FOR EACH STATEMENT EXECUTE FUNCTION epci_words_update();
CREATE TRIGGER epci_words_del AFTER DELETE ON epci
    REFERENCING OLD TABLE AS removed_epci FOR EACH STATEMENT EXECUTE FUNCTION epci_words_forget();

INSERT INTO epci_words (suffix, epci)
SELECT DISTINCT array_to_string(e.w[i:], ' '), e.code
FROM (SELECT code, string_to_array(nom_norm, ' ') AS w FROM epci) e,
    generate_series(1, cardinality(e.w)) AS i;

UPDATE epci e SET communes = s.communes, population = s.population
FROM (SELECT c.epci, count(*)::integer AS communes, coalesce(sum(c.population), 0)::bigint AS population
      FROM communes c WHERE c.actuelle AND c.epci IS NOT NULL GROUP BY c.epci) s
WHERE s.epci = e.code;

-- +goose Down
DROP TRIGGER epci_words_del ON epci;
DROP TRIGGER epci_words_upd ON epci;
DROP TRIGGER epci_words_ins ON epci;
DROP FUNCTION epci_words_update();
DROP FUNCTION epci_words_forget();
DROP FUNCTION epci_words_refresh();
DROP TABLE epci_words;
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
