-- +goose Up
-- The national steering page's counts kept, not counted on each view
-- (docs/rules.md §35.2): the structures (not archived) by type, and the
-- contracts by structure type and state, each by the département of the
-- structure's seat (the page narrows to a region by it). The national set
-- only: a national user sees every structure and every contract
-- (Scope.structures, Scope.contracts), so the sums equal the counts they
-- replace; an agency still counts its own. Recomputed whole, as the system,
-- by statement triggers whenever a structure's kind, type, seat or archiving
-- changes, or a contract's state, type or structure (both tables are a few
-- thousand rows: a few milliseconds per such act).
--
-- And the CPTS (not archived) by the state of their last dossier or its
-- contract, seat and territory population (steering_cpts): the page counted
-- them by tier with two look-ups per CPTS of France (the last dossier, its
-- contract); the tier is the barème's (funding.Tier, in the application), so
-- the population is kept and the page groups ~1 200 rows by tier. Recomputed
-- when a dossier is created, deleted or changes state or structure, when a
-- contract changes, and when a structure changes as above or its territory's
-- population changes.
CREATE TABLE steering_counts (
    kind           text   NOT NULL CHECK (kind IN ('structure', 'contract')),
    structure_type text   NOT NULL,
    state          text   NOT NULL, -- '' for structures
    departement    text   NOT NULL,
    n              bigint NOT NULL,
    PRIMARY KEY (kind, structure_type, state, departement)
);

CREATE TABLE steering_cpts (
    state       text   NOT NULL, -- the contract's, else the last dossier's, '' without dossier
    departement text   NOT NULL,
    population  bigint NOT NULL,
    n           bigint NOT NULL,
    PRIMARY KEY (state, departement, population)
);

ALTER TABLE steering_cpts ENABLE ROW LEVEL SECURITY;
ALTER TABLE steering_cpts FORCE ROW LEVEL SECURITY;
CREATE POLICY steering_cpts_read ON steering_cpts FOR SELECT USING (aci_kind() IN ('system', 'national'));
CREATE POLICY steering_cpts_write ON steering_cpts FOR ALL USING (aci_kind() = 'system') WITH CHECK (aci_kind() = 'system');

ALTER TABLE steering_counts ENABLE ROW LEVEL SECURITY;
ALTER TABLE steering_counts FORCE ROW LEVEL SECURITY;
CREATE POLICY steering_counts_read ON steering_counts FOR SELECT USING (aci_kind() IN ('system', 'national'));
CREATE POLICY steering_counts_write ON steering_counts FOR ALL USING (aci_kind() = 'system') WITH CHECK (aci_kind() = 'system');

-- +goose StatementBegin
-- steering_counts_refresh recomputes the counts as the system (it must see
-- every contract), giving the caller's setting back; one transaction at a
-- time (an advisory lock).
CREATE FUNCTION steering_counts_refresh() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    caller text := current_setting('aci.kind', true);
BEGIN
    PERFORM set_config('aci.kind', 'system', true);
    -- One refresh at a time: the next one waits for this transaction, then
    -- its statements see what it wrote (no duplicate key).
    PERFORM pg_advisory_xact_lock(hashtext('aci_steering_summaries'));
    DELETE FROM steering_counts;
    INSERT INTO steering_counts (kind, structure_type, state, departement, n)
    SELECT 'structure', o.structure_type, '', o.departement, count(*) FROM organisations o
    WHERE o.archived_at IS NULL AND o.kind = 'structure'
    GROUP BY o.structure_type, o.departement;
    INSERT INTO steering_counts (kind, structure_type, state, departement, n)
    SELECT 'contract', c.structure_type, c.state, o.departement, count(*) FROM contracts c JOIN organisations o ON o.id = c.structure_id
    GROUP BY c.structure_type, c.state, o.departement;
    PERFORM set_config('aci.kind', coalesce(caller, ''), true);
END $$;

-- steering_cpts_refresh recomputes the CPTS by state, seat and population,
-- the same way.
CREATE FUNCTION steering_cpts_refresh() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    caller text := current_setting('aci.kind', true);
BEGIN
    PERFORM set_config('aci.kind', 'system', true);
    PERFORM pg_advisory_xact_lock(hashtext('aci_steering_summaries'));
    DELETE FROM steering_cpts;
    INSERT INTO steering_cpts (state, departement, population, n)
    SELECT coalesce(c.state, ld.state, ''), o.departement, o.territory_population, count(*) FROM organisations o
    LEFT JOIN LATERAL (SELECT d.id, d.state FROM dossiers d WHERE d.structure_id = o.id ORDER BY d.id DESC LIMIT 1) ld ON true
    LEFT JOIN contracts c ON c.dossier_id = ld.id
    WHERE o.structure_type = 'CPTS' AND o.archived_at IS NULL AND o.kind = 'structure'
    GROUP BY 1, 2, 3;
    PERFORM set_config('aci.kind', coalesce(caller, ''), true);
END $$;

CREATE FUNCTION steering_counts_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM steering_counts_refresh();
    PERFORM steering_cpts_refresh();
    RETURN NULL;
END $$;

CREATE FUNCTION steering_cpts_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM steering_cpts_refresh();
    RETURN NULL;
END $$;

CREATE FUNCTION steering_cpts_dossiers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
               WHERE (n.state, n.structure_id) IS DISTINCT FROM (o.state, o.structure_id)) THEN
        PERFORM steering_cpts_refresh();
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION steering_counts_structures() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
               WHERE (n.kind, n.structure_type, n.departement, n.archived_at IS NULL)
                     IS DISTINCT FROM (o.kind, o.structure_type, o.departement, o.archived_at IS NULL)) THEN
        PERFORM steering_counts_refresh();
        PERFORM steering_cpts_refresh();
    ELSIF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                  WHERE n.territory_population IS DISTINCT FROM o.territory_population AND n.structure_type = 'CPTS') THEN
        PERFORM steering_cpts_refresh();
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION steering_counts_contracts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
               WHERE (n.state, n.structure_type, n.structure_id, n.dossier_id)
                     IS DISTINCT FROM (o.state, o.structure_type, o.structure_id, o.dossier_id)) THEN
        PERFORM steering_counts_refresh();
        PERFORM steering_cpts_refresh();
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER steering_counts_structures_ins AFTER INSERT OR DELETE OR TRUNCATE ON organisations
    FOR EACH STATEMENT EXECUTE FUNCTION steering_counts_all();
CREATE TRIGGER steering_counts_structures_upd AFTER UPDATE ON organisations REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION steering_counts_structures();
CREATE TRIGGER steering_counts_contracts_ins AFTER INSERT OR DELETE OR TRUNCATE ON contracts
    FOR EACH STATEMENT EXECUTE FUNCTION steering_counts_all();
CREATE TRIGGER steering_counts_contracts_upd AFTER UPDATE ON contracts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION steering_counts_contracts();
CREATE TRIGGER steering_cpts_dossiers_ins AFTER INSERT OR DELETE OR TRUNCATE ON dossiers
    FOR EACH STATEMENT EXECUTE FUNCTION steering_cpts_all();
CREATE TRIGGER steering_cpts_dossiers_upd AFTER UPDATE ON dossiers REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION steering_cpts_dossiers();

SELECT steering_counts_refresh();
SELECT steering_cpts_refresh();

-- +goose Down
DROP TRIGGER steering_cpts_dossiers_upd ON dossiers;
DROP TRIGGER steering_cpts_dossiers_ins ON dossiers;
DROP TRIGGER steering_counts_contracts_upd ON contracts;
DROP TRIGGER steering_counts_contracts_ins ON contracts;
DROP TRIGGER steering_counts_structures_upd ON organisations;
DROP TRIGGER steering_counts_structures_ins ON organisations;
DROP FUNCTION steering_counts_contracts();
DROP FUNCTION steering_counts_structures();
DROP FUNCTION steering_cpts_dossiers();
DROP FUNCTION steering_cpts_all();
DROP FUNCTION steering_counts_all();
DROP FUNCTION steering_cpts_refresh();
DROP FUNCTION steering_counts_refresh();
DROP TABLE steering_cpts;
DROP TABLE steering_counts;
