-- +goose Up
-- The dossier's state beside each row of dossier_visibility (docs/rules.md
-- §36): a list or a count of the dossiers of an agency in some states (its
-- home, its queue) reads the few rows of those states through one index
-- range instead of probing each of its ~700 dossiers for its state.
ALTER TABLE dossier_visibility ADD COLUMN state text;
UPDATE dossier_visibility v SET state = d.state FROM dossiers d WHERE d.id = v.dossier_id;
ALTER TABLE dossier_visibility ALTER COLUMN state SET NOT NULL;
CREATE INDEX dossier_visibility_state_idx ON dossier_visibility (org_id, state) INCLUDE (dossier_id);

CREATE OR REPLACE VIEW dossier_visibility_rule AS
    SELECT d.structure_id AS org_id, d.id AS dossier_id, d.state FROM dossiers d
    UNION SELECT d.cpam_id, d.id, d.state FROM dossiers d WHERE d.cpam_id IS NOT NULL
    UNION SELECT d.ars_id, d.id, d.state FROM dossiers d WHERE d.ars_id IS NOT NULL
    UNION SELECT d.dcgdr_id, d.id, d.state FROM dossiers d WHERE d.dcgdr_id IS NOT NULL
    UNION SELECT a.id, d.id, d.state FROM dossiers d
        JOIN organisations s ON s.id = d.structure_id AND s.kind = 'structure'
        JOIN organisation_departements od ON od.departement = s.departement
        JOIN organisations a ON a.id = od.org_id AND a.kind = 'cpam'
        WHERE d.bound_at IS NULL
    UNION SELECT a.id, d.id, d.state FROM dossiers d
        JOIN organisations s ON s.id = d.structure_id AND s.kind = 'structure'
        JOIN departements dp ON dp.code = s.departement
        JOIN organisations a ON a.kind IN ('ars', 'dcgdr') AND a.region = dp.region
        WHERE d.bound_at IS NULL;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION dossier_visibility_refresh(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM dossier_visibility WHERE dossier_id = ANY(ids);
    INSERT INTO dossier_visibility (org_id, dossier_id, state)
        SELECT r.org_id, r.dossier_id, r.state FROM dossier_visibility_rule r WHERE r.dossier_id = ANY(ids) ORDER BY 1, 2;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- A transition: the dossier's rows take its new state.
CREATE FUNCTION dossier_visibility_state() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    caller text := current_setting('aci.kind', true);
BEGIN
    PERFORM set_config('aci.kind', 'system', true);
    UPDATE dossier_visibility SET state = NEW.state WHERE dossier_id = NEW.id;
    PERFORM set_config('aci.kind', coalesce(caller, ''), true);
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER dossier_visibility_state AFTER UPDATE OF state ON dossiers
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION dossier_visibility_state();

-- +goose Down
DROP TRIGGER dossier_visibility_state ON dossiers;
DROP FUNCTION dossier_visibility_state();
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION dossier_visibility_refresh(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM dossier_visibility WHERE dossier_id = ANY(ids);
    INSERT INTO dossier_visibility (org_id, dossier_id)
        SELECT r.org_id, r.dossier_id FROM dossier_visibility_rule r WHERE r.dossier_id = ANY(ids) ORDER BY 1, 2;
$$;
-- +goose StatementEnd
DROP VIEW dossier_visibility_rule;
CREATE VIEW dossier_visibility_rule AS
    SELECT d.structure_id AS org_id, d.id AS dossier_id FROM dossiers d
    UNION SELECT d.cpam_id, d.id FROM dossiers d WHERE d.cpam_id IS NOT NULL
    UNION SELECT d.ars_id, d.id FROM dossiers d WHERE d.ars_id IS NOT NULL
    UNION SELECT d.dcgdr_id, d.id FROM dossiers d WHERE d.dcgdr_id IS NOT NULL
    UNION SELECT a.id, d.id FROM dossiers d
        JOIN organisations s ON s.id = d.structure_id AND s.kind = 'structure'
        JOIN organisation_departements od ON od.departement = s.departement
        JOIN organisations a ON a.id = od.org_id AND a.kind = 'cpam'
        WHERE d.bound_at IS NULL
    UNION SELECT a.id, d.id FROM dossiers d
        JOIN organisations s ON s.id = d.structure_id AND s.kind = 'structure'
        JOIN departements dp ON dp.code = s.departement
        JOIN organisations a ON a.kind IN ('ars', 'dcgdr') AND a.region = dp.region
        WHERE d.bound_at IS NULL;
DROP INDEX dossier_visibility_state_idx;
ALTER TABLE dossier_visibility DROP COLUMN state;
