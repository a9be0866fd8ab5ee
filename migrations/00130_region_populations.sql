-- +goose Up
-- The population of each region (its current communes), kept beside the
-- region: the steering page divides the population covered by a CPTS by it
-- on every view, and summing the ~35 000 communes of France each time cost
-- 100+ ms a page (docs/rules.md §35). Reference data: the statement trigger
-- recomputes it whenever communes change (aci refdata loads them in a few
-- set-based statements).
ALTER TABLE regions
    ADD COLUMN population bigint NOT NULL DEFAULT 0,
    ADD COLUMN communes   integer NOT NULL DEFAULT 0;

-- +goose StatementBegin
CREATE FUNCTION region_populations_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE regions r SET population = s.population, communes = s.communes
    FROM (SELECT rg.code,
                 coalesce(sum(c.population) FILTER (WHERE c.actuelle), 0)::bigint AS population,
                 count(c.code) FILTER (WHERE c.actuelle)::integer AS communes
          FROM regions rg LEFT JOIN communes c ON c.region = rg.code
          GROUP BY rg.code) s
    WHERE s.code = r.code AND (r.population, r.communes) IS DISTINCT FROM (s.population, s.communes);
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER communes_region_populations AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON communes
    FOR EACH STATEMENT EXECUTE FUNCTION region_populations_refresh();

UPDATE regions r SET population = s.population, communes = s.communes
FROM (SELECT rg.code,
             coalesce(sum(c.population) FILTER (WHERE c.actuelle), 0)::bigint AS population,
             count(c.code) FILTER (WHERE c.actuelle)::integer AS communes
      FROM regions rg LEFT JOIN communes c ON c.region = rg.code
      GROUP BY rg.code) s
WHERE s.code = r.code;

-- +goose Down
DROP TRIGGER communes_region_populations ON communes;
DROP FUNCTION region_populations_refresh();
ALTER TABLE regions DROP COLUMN population, DROP COLUMN communes;
