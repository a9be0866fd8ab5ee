-- +goose Up
-- The population of each structure's territory (the sum of its communes'),
-- kept with the structure: the CPTS by size tier of the ARS, DCGDR and
-- steering pages summed the communes of every CPTS of the scope on every
-- view (31 000 commune look-ups for France, ~85 ms) (docs/rules.md §35).
-- Statement triggers keep it: on the territory's communes (editor,
-- avenants, seed) for the structures touched, and on communes (aci refdata)
-- for every structure.
ALTER TABLE organisations ADD COLUMN territory_population bigint NOT NULL DEFAULT 0;

-- +goose StatementBegin
CREATE FUNCTION territory_population_of(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    UPDATE organisations o SET territory_population = s.pop
    FROM (SELECT x.id, coalesce((SELECT sum(cm.population) FROM territory_communes tc JOIN communes cm ON cm.code = tc.commune_code
                                 WHERE tc.structure_id = x.id), 0)::bigint AS pop
          FROM unnest(ids) AS x(id)) s
    WHERE o.id = s.id AND o.territory_population IS DISTINCT FROM s.pop;
$$;

CREATE FUNCTION territory_population_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM territory_population_of(ARRAY(SELECT DISTINCT structure_id FROM new_rows));
    RETURN NULL;
END $$;

CREATE FUNCTION territory_population_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM territory_population_of(ARRAY(SELECT DISTINCT structure_id FROM old_rows));
    RETURN NULL;
END $$;

CREATE FUNCTION territory_population_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM territory_population_of(ARRAY(SELECT structure_id FROM old_rows UNION SELECT structure_id FROM new_rows));
    RETURN NULL;
END $$;

CREATE FUNCTION territory_population_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE organisations o SET territory_population = coalesce(s.pop, 0)
    FROM (SELECT o2.id, (SELECT sum(cm.population) FROM territory_communes tc JOIN communes cm ON cm.code = tc.commune_code
                         WHERE tc.structure_id = o2.id)::bigint AS pop
          FROM organisations o2 WHERE o2.kind = 'structure') s
    WHERE o.id = s.id AND o.territory_population IS DISTINCT FROM coalesce(s.pop, 0);
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER territory_population_ins AFTER INSERT ON territory_communes
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION territory_population_ins();
CREATE TRIGGER territory_population_del AFTER DELETE ON territory_communes
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION territory_population_del();
CREATE TRIGGER territory_population_upd AFTER UPDATE ON territory_communes
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION territory_population_upd();
CREATE TRIGGER communes_territory_population AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON communes
    FOR EACH STATEMENT EXECUTE FUNCTION territory_population_all();
CREATE TRIGGER territory_population_truncate AFTER TRUNCATE ON territory_communes
    FOR EACH STATEMENT EXECUTE FUNCTION territory_population_all();

UPDATE organisations o SET territory_population = s.pop
FROM (SELECT tc.structure_id, sum(cm.population)::bigint AS pop FROM territory_communes tc JOIN communes cm ON cm.code = tc.commune_code
      GROUP BY tc.structure_id) s
WHERE o.id = s.structure_id AND s.pop IS NOT NULL;

-- +goose Down
DROP TRIGGER territory_population_truncate ON territory_communes;
DROP TRIGGER communes_territory_population ON communes;
DROP TRIGGER territory_population_upd ON territory_communes;
DROP TRIGGER territory_population_del ON territory_communes;
DROP TRIGGER territory_population_ins ON territory_communes;
DROP FUNCTION territory_population_all();
DROP FUNCTION territory_population_upd();
DROP FUNCTION territory_population_del();
DROP FUNCTION territory_population_ins();
DROP FUNCTION territory_population_of(bigint[]);
ALTER TABLE organisations DROP COLUMN territory_population;
