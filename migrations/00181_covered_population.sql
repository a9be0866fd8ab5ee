-- +goose Up
-- The population covered by a CPTS whose contract is actif, by region of
-- the commune, kept for the national steering page (docs/rules.md §35.2):
-- the page summed the ~21 000 distinct communes of every active CPTS of
-- France on each view (~24 ms). The national set only: what a national user
-- sees is every structure (Scope.structures), so the summary equals the
-- query it replaces; an agency's covered population (its own CPTS, seated or
-- bound) is still computed from its CPTS, a few dozen territories.
-- Recomputed whole, as the system, by statement triggers whenever what it
-- depends on changes: a contract becomes or stops being actif, the communes
-- of a territory with an active contract, the communes themselves (aci
-- refdata), the type of a structure.
CREATE TABLE covered_population (
    region     text    PRIMARY KEY REFERENCES regions (code),
    population bigint  NOT NULL,
    communes   integer NOT NULL
);

-- Read by national users (and the system), written only as the system: the
-- triggers take aci.kind = system for their statement and give the caller's
-- back (they must see every contract), as payment_money (migration 00160).
ALTER TABLE covered_population ENABLE ROW LEVEL SECURITY;
ALTER TABLE covered_population FORCE ROW LEVEL SECURITY;
CREATE POLICY covered_population_read ON covered_population FOR SELECT USING (aci_kind() IN ('system', 'national'));
CREATE POLICY covered_population_write ON covered_population FOR ALL USING (aci_kind() = 'system') WITH CHECK (aci_kind() = 'system');

-- +goose StatementBegin
-- covered_population_refresh recomputes the summary; the caller has taken
-- aci.kind = system. The rows are those of the query it replaces: the
-- distinct current communes of the structures of type CPTS with a contract
-- actif, by the commune's region.
CREATE FUNCTION covered_population_refresh() RETURNS void LANGUAGE sql AS $$
    -- One refresh at a time: the next one waits for this transaction, then
    -- its statements see what it wrote (no duplicate key).
    SELECT pg_advisory_xact_lock(hashtext('aci_steering_summaries'));
    DELETE FROM covered_population;
    INSERT INTO covered_population (region, population, communes)
    SELECT cm.region, sum(cm.population)::bigint, count(*)::integer FROM communes cm
    JOIN (SELECT DISTINCT tc.commune_code FROM territory_communes tc WHERE tc.structure_id IN (
        SELECT o.id FROM organisations o JOIN contracts c ON c.structure_id = o.id AND c.state = 'actif'
        WHERE o.kind = 'structure' AND o.structure_type = 'CPTS')) cc ON cc.commune_code = cm.code
    WHERE cm.actuelle
    GROUP BY cm.region;
$$;

-- covered_population_as_system runs the refresh as the system.
CREATE FUNCTION covered_population_as_system() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    caller text := current_setting('aci.kind', true);
BEGIN
    PERFORM set_config('aci.kind', 'system', true);
    PERFORM covered_population_refresh();
    PERFORM set_config('aci.kind', coalesce(caller, ''), true);
END $$;

-- Contracts: a row actif before or after the statement, whose state or
-- structure changed (or inserted, or deleted).
CREATE FUNCTION covered_population_contracts_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_rows WHERE state = 'actif') THEN
        PERFORM covered_population_as_system();
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION covered_population_contracts_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM old_rows WHERE state = 'actif') THEN
        PERFORM covered_population_as_system();
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION covered_population_contracts_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
               WHERE (o.state = 'actif' OR n.state = 'actif')
                 AND (n.state, n.structure_id) IS DISTINCT FROM (o.state, o.structure_id)) THEN
        PERFORM covered_population_as_system();
    END IF;
    RETURN NULL;
END $$;

-- Territories: the communes of a structure with a contract actif (read as
-- the system: the caller may not see the contract).
CREATE FUNCTION covered_population_territory() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    caller text := current_setting('aci.kind', true);
    touched boolean;
BEGIN
    PERFORM set_config('aci.kind', 'system', true);
    IF TG_OP = 'INSERT' THEN
        touched := EXISTS (SELECT 1 FROM new_rows r JOIN contracts c ON c.structure_id = r.structure_id AND c.state = 'actif');
    ELSIF TG_OP = 'DELETE' THEN
        touched := EXISTS (SELECT 1 FROM old_rows r JOIN contracts c ON c.structure_id = r.structure_id AND c.state = 'actif');
    ELSE
        touched := EXISTS (SELECT 1 FROM (SELECT structure_id FROM new_rows UNION SELECT structure_id FROM old_rows) r
                           JOIN contracts c ON c.structure_id = r.structure_id AND c.state = 'actif');
    END IF;
    IF touched THEN
        PERFORM covered_population_refresh();
    END IF;
    PERFORM set_config('aci.kind', coalesce(caller, ''), true);
    RETURN NULL;
END $$;

-- Structures: a change of kind or type (the seat does not matter: the
-- region is the commune's).
CREATE FUNCTION covered_population_structures() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
               WHERE (n.kind, n.structure_type) IS DISTINCT FROM (o.kind, o.structure_type)) THEN
        PERFORM covered_population_as_system();
    END IF;
    RETURN NULL;
END $$;

-- Communes (aci refdata), a truncation: recomputed.
CREATE FUNCTION covered_population_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM covered_population_as_system();
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER covered_population_contracts_ins AFTER INSERT ON contracts REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION covered_population_contracts_ins();
CREATE TRIGGER covered_population_contracts_del AFTER DELETE ON contracts REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION covered_population_contracts_del();
CREATE TRIGGER covered_population_contracts_upd AFTER UPDATE ON contracts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION covered_population_contracts_upd();
CREATE TRIGGER covered_population_territory_ins AFTER INSERT ON territory_communes REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION covered_population_territory();
CREATE TRIGGER covered_population_territory_del AFTER DELETE ON territory_communes REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION covered_population_territory();
CREATE TRIGGER covered_population_territory_upd AFTER UPDATE ON territory_communes REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION covered_population_territory();
CREATE TRIGGER covered_population_structures AFTER UPDATE ON organisations REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION covered_population_structures();
CREATE TRIGGER covered_population_communes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON communes
    FOR EACH STATEMENT EXECUTE FUNCTION covered_population_all();
CREATE TRIGGER covered_population_truncate AFTER TRUNCATE ON territory_communes
    FOR EACH STATEMENT EXECUTE FUNCTION covered_population_all();
CREATE TRIGGER covered_population_contracts_truncate AFTER TRUNCATE ON contracts
    FOR EACH STATEMENT EXECUTE FUNCTION covered_population_all();

SELECT set_config('aci.kind', 'system', true);
SELECT covered_population_refresh();

-- +goose Down
DROP TRIGGER covered_population_contracts_truncate ON contracts;
DROP TRIGGER covered_population_truncate ON territory_communes;
DROP TRIGGER covered_population_communes ON communes;
DROP TRIGGER covered_population_structures ON organisations;
DROP TRIGGER covered_population_territory_upd ON territory_communes;
DROP TRIGGER covered_population_territory_del ON territory_communes;
DROP TRIGGER covered_population_territory_ins ON territory_communes;
DROP TRIGGER covered_population_contracts_upd ON contracts;
DROP TRIGGER covered_population_contracts_del ON contracts;
DROP TRIGGER covered_population_contracts_ins ON contracts;
DROP FUNCTION covered_population_all();
DROP FUNCTION covered_population_structures();
DROP FUNCTION covered_population_territory();
DROP FUNCTION covered_population_contracts_upd();
DROP FUNCTION covered_population_contracts_del();
DROP FUNCTION covered_population_contracts_ins();
DROP FUNCTION covered_population_as_system();
DROP FUNCTION covered_population_refresh();
DROP TABLE covered_population;
