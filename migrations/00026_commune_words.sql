-- +goose Up
-- Word-start search on commune names ("rambert" → Saint-Rambert-en-Bugey)
-- without scanning the 35 000 communes: one row per word of a commune's
-- normalised name other than the first (the first is served by
-- communes_nom_norm_idx), holding the rest of the name from that word on,
-- with the commune's population and actuelle copied for ranking, searched by
-- prefix on a text_pattern_ops index. Kept in step with communes by
-- statement-level triggers (refdata.Load inserts, updates and deletes
-- communes in bulk).
CREATE TABLE commune_words (
    word       text NOT NULL,
    commune    text NOT NULL, -- communes.code; no foreign key: the triggers keep it in step, and 35 000 per-row key checks would triple refdata.Load's time
    population integer NOT NULL,
    actuelle   boolean NOT NULL,
    PRIMARY KEY (commune, word)
);
CREATE INDEX commune_words_word_idx ON commune_words (word text_pattern_ops);

-- +goose StatementBegin
CREATE FUNCTION commune_words_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM commune_words w USING changed_communes n WHERE w.commune = n.code;
    INSERT INTO commune_words (word, commune, population, actuelle)
    SELECT array_to_string(n.w[i:], ' '), n.code, n.population, n.actuelle
    FROM (SELECT code, population, actuelle, string_to_array(nom_norm, ' ') AS w FROM changed_communes) n,
        generate_series(2, cardinality(n.w)) AS i;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION commune_words_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM commune_words w USING removed_communes o WHERE w.commune = o.code;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER communes_words_ins AFTER INSERT ON communes
    REFERENCING NEW TABLE AS changed_communes FOR EACH STATEMENT EXECUTE FUNCTION commune_words_refresh();
CREATE TRIGGER communes_words_upd AFTER UPDATE ON communes
    REFERENCING NEW TABLE AS changed_communes FOR EACH STATEMENT EXECUTE FUNCTION commune_words_refresh();
CREATE TRIGGER communes_words_del AFTER DELETE ON communes
    REFERENCING OLD TABLE AS removed_communes FOR EACH STATEMENT EXECUTE FUNCTION commune_words_forget();

-- Communes already loaded.
INSERT INTO commune_words (word, commune, population, actuelle)
SELECT array_to_string(c.w[i:], ' '), c.code, c.population, c.actuelle
FROM (SELECT code, population, actuelle, string_to_array(nom_norm, ' ') AS w FROM communes) c,
    generate_series(2, cardinality(c.w)) AS i;

-- +goose Down
DROP TRIGGER communes_words_del ON communes;
DROP TRIGGER communes_words_upd ON communes;
DROP TRIGGER communes_words_ins ON communes;
DROP FUNCTION commune_words_forget();
DROP FUNCTION commune_words_refresh();
DROP TABLE commune_words;
