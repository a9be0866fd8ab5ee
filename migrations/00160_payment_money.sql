-- +goose Up
-- The money of the steering page summed once, not on every view
-- (docs/rules.md §35): the payments grouped by what the page groups by (the
-- seat's region, mission, contract year, civil year of the due date) and by
-- who may see them: one set of rows for the national scope (scope_id 0) and
-- one for each agency a dossier is bound to (cpam, ars, dcgdr). A payment
-- exists only for a filed dossier, so its binding names the agencies that
-- see it (docs/rules.md §33). Kept by statement triggers on payments (each
-- change adds or subtracts its rows), refreshed whole when a structure with
-- payments changes its seat or a dossier with payments its binding (rare
-- acts). `rows` counts every payment, cancelled too: a group exists while
-- one payment does, as in the grouped query it replaces.
CREATE TABLE payment_money (
    scope_kind    text    NOT NULL CHECK (scope_kind IN ('national', 'cpam', 'ars', 'dcgdr')),
    scope_id      bigint  NOT NULL,
    region        text    NOT NULL,
    mission       text    NOT NULL,
    contract_year integer NOT NULL,
    civil_year    integer NOT NULL,
    planned       bigint  NOT NULL,
    ordered       bigint  NOT NULL,
    paid          bigint  NOT NULL,
    to_recover    bigint  NOT NULL,
    recovered     bigint  NOT NULL,
    n             bigint  NOT NULL,
    rows          bigint  NOT NULL,
    PRIMARY KEY (scope_kind, scope_id, region, mission, contract_year, civil_year)
);

-- The groups emptied by a statement, found without reading the summary.
CREATE INDEX payment_money_empty ON payment_money (scope_kind) WHERE rows = 0;

-- Read by the application under its scope: the national rows for national
-- users, an agency's own rows for the agency. Written only as the system:
-- the triggers' functions take aci.kind = system for their statement and
-- give the caller's back (they must see every payment, dossier and seat).
ALTER TABLE payment_money ENABLE ROW LEVEL SECURITY;
ALTER TABLE payment_money FORCE ROW LEVEL SECURITY;
CREATE POLICY payment_money_read ON payment_money FOR SELECT USING (
    aci_kind() = 'system'
    OR (scope_kind = 'national' AND aci_kind() = 'national')
    OR (scope_kind = aci_kind() AND scope_id = aci_org()));
CREATE POLICY payment_money_write ON payment_money FOR ALL USING (aci_kind() = 'system') WITH CHECK (aci_kind() = 'system');

-- +goose StatementBegin
-- payment_money_rows is the summary's rows for the payments of src (a set
-- of payments rows): grouped by key, for the national scope and for each
-- agency of the dossier's binding.
CREATE FUNCTION payment_money_rows(src payments[])
RETURNS TABLE (scope_kind text, scope_id bigint, region text, mission text, contract_year integer, civil_year integer,
               planned bigint, ordered bigint, paid bigint, to_recover bigint, recovered bigint, n bigint, rows bigint)
LANGUAGE sql STABLE AS $$
    WITH g AS (
        SELECT dp.region, p.mission, p.contract_year, extract(year FROM p.due_on)::int AS civil_year,
               d.cpam_id, d.ars_id, d.dcgdr_id,
               coalesce(sum(p.amount_cents) FILTER (WHERE p.status = 'prevu' AND p.amount_cents > 0), 0) AS planned,
               coalesce(sum(p.amount_cents) FILTER (WHERE p.status = 'ordonnance' AND p.amount_cents > 0), 0) AS ordered,
               coalesce(sum(p.amount_cents) FILTER (WHERE p.status = 'verse'), 0) AS paid,
               coalesce(-sum(p.amount_cents) FILTER (WHERE p.status IN ('prevu', 'ordonnance') AND p.amount_cents < 0), 0) AS to_recover,
               coalesce(-sum(p.amount_cents) FILTER (WHERE p.status = 'recouvre'), 0) AS recovered,
               count(*) FILTER (WHERE p.status <> 'annule') AS n,
               count(*) AS rows
        FROM unnest(src) p JOIN organisations o ON o.id = p.structure_id JOIN departements dp ON dp.code = o.departement
        JOIN regions rg ON rg.code = dp.region
        JOIN dossiers d ON d.id = p.dossier_id
        GROUP BY 1, 2, 3, 4, 5, 6, 7
    ), k AS (
        SELECT 'national' AS kind, 0::bigint AS id, g.* FROM g
        UNION ALL SELECT 'cpam', g.cpam_id, g.* FROM g WHERE g.cpam_id IS NOT NULL
        UNION ALL SELECT 'ars', g.ars_id, g.* FROM g WHERE g.ars_id IS NOT NULL
        UNION ALL SELECT 'dcgdr', g.dcgdr_id, g.* FROM g WHERE g.dcgdr_id IS NOT NULL
    )
    SELECT kind, id, k.region, k.mission, k.contract_year, k.civil_year, sum(k.planned)::bigint, sum(k.ordered)::bigint,
           sum(k.paid)::bigint, sum(k.to_recover)::bigint, sum(k.recovered)::bigint, sum(k.n)::bigint, sum(k.rows)::bigint
    FROM k GROUP BY kind, id, k.region, k.mission, k.contract_year, k.civil_year;
$$;

-- payment_money_add adds sgn times the payments of src to the summary. The
-- caller has taken aci.kind = system.
CREATE FUNCTION payment_money_add(src payments[], sgn integer) RETURNS void LANGUAGE sql AS $$
    INSERT INTO payment_money AS m (scope_kind, scope_id, region, mission, contract_year, civil_year,
                                    planned, ordered, paid, to_recover, recovered, n, rows)
    SELECT r.scope_kind, r.scope_id, r.region, r.mission, r.contract_year, r.civil_year,
           sgn * r.planned, sgn * r.ordered, sgn * r.paid, sgn * r.to_recover, sgn * r.recovered, sgn * r.n, sgn * r.rows
    FROM payment_money_rows(src) r
    -- One order for every statement: two transactions that change payments
    -- of the same groups lock the summary's rows in the same order, never
    -- in a cycle (no deadlock between two batch orders).
    ORDER BY r.scope_kind, r.scope_id, r.region, r.mission, r.contract_year, r.civil_year
    ON CONFLICT (scope_kind, scope_id, region, mission, contract_year, civil_year) DO UPDATE SET
        planned = m.planned + EXCLUDED.planned, ordered = m.ordered + EXCLUDED.ordered, paid = m.paid + EXCLUDED.paid,
        to_recover = m.to_recover + EXCLUDED.to_recover, recovered = m.recovered + EXCLUDED.recovered,
        n = m.n + EXCLUDED.n, rows = m.rows + EXCLUDED.rows;
    DELETE FROM payment_money WHERE rows = 0;
$$;

-- payment_money_refresh recomputes the whole summary (a seat or a binding
-- changed under existing payments).
CREATE FUNCTION payment_money_refresh() RETURNS void LANGUAGE sql AS $$
    DELETE FROM payment_money;
    INSERT INTO payment_money SELECT * FROM payment_money_rows(ARRAY(SELECT p FROM payments p));
$$;

CREATE FUNCTION payment_money_ins() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    caller text := current_setting('aci.kind', true);
BEGIN
    PERFORM set_config('aci.kind', 'system', true);
    PERFORM payment_money_add(ARRAY(SELECT ROW(r.*)::payments FROM new_rows r), 1);
    PERFORM set_config('aci.kind', coalesce(caller, ''), true);
    RETURN NULL;
END $$;

CREATE FUNCTION payment_money_del() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    caller text := current_setting('aci.kind', true);
BEGIN
    PERFORM set_config('aci.kind', 'system', true);
    PERFORM payment_money_add(ARRAY(SELECT ROW(r.*)::payments FROM old_rows r), -1);
    PERFORM set_config('aci.kind', coalesce(caller, ''), true);
    RETURN NULL;
END $$;

CREATE FUNCTION payment_money_upd() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    caller text := current_setting('aci.kind', true);
BEGIN
    PERFORM set_config('aci.kind', 'system', true);
    PERFORM payment_money_add(ARRAY(SELECT ROW(r.*)::payments FROM old_rows r), -1);
    PERFORM payment_money_add(ARRAY(SELECT ROW(r.*)::payments FROM new_rows r), 1);
    PERFORM set_config('aci.kind', coalesce(caller, ''), true);
    RETURN NULL;
END $$;

CREATE FUNCTION payment_money_seat() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    caller text := current_setting('aci.kind', true);
BEGIN
    PERFORM set_config('aci.kind', 'system', true);
    IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
               WHERE n.departement IS DISTINCT FROM o.departement
                 AND EXISTS (SELECT 1 FROM payments p WHERE p.structure_id = n.id)) THEN
        PERFORM payment_money_refresh();
    END IF;
    PERFORM set_config('aci.kind', coalesce(caller, ''), true);
    RETURN NULL;
END $$;

CREATE FUNCTION payment_money_binding() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    caller text := current_setting('aci.kind', true);
BEGIN
    PERFORM set_config('aci.kind', 'system', true);
    IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
               WHERE (n.cpam_id, n.ars_id, n.dcgdr_id, n.structure_id) IS DISTINCT FROM (o.cpam_id, o.ars_id, o.dcgdr_id, o.structure_id)
                 AND EXISTS (SELECT 1 FROM payments p WHERE p.dossier_id = n.id)) THEN
        PERFORM payment_money_refresh();
    END IF;
    PERFORM set_config('aci.kind', coalesce(caller, ''), true);
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER payment_money_ins AFTER INSERT ON payments REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION payment_money_ins();
CREATE TRIGGER payment_money_del AFTER DELETE ON payments REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION payment_money_del();
CREATE TRIGGER payment_money_upd AFTER UPDATE ON payments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION payment_money_upd();
CREATE TRIGGER payment_money_seat AFTER UPDATE ON organisations REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION payment_money_seat();
CREATE TRIGGER payment_money_binding AFTER UPDATE ON dossiers REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION payment_money_binding();

SELECT set_config('aci.kind', 'system', true);
SELECT payment_money_refresh();

-- +goose Down
DROP TRIGGER payment_money_binding ON dossiers;
DROP TRIGGER payment_money_seat ON organisations;
DROP TRIGGER payment_money_upd ON payments;
DROP TRIGGER payment_money_del ON payments;
DROP TRIGGER payment_money_ins ON payments;
DROP FUNCTION payment_money_binding();
DROP FUNCTION payment_money_seat();
DROP FUNCTION payment_money_upd();
DROP FUNCTION payment_money_del();
DROP FUNCTION payment_money_ins();
DROP FUNCTION payment_money_refresh();
DROP FUNCTION payment_money_add(payments[], integer);
DROP FUNCTION payment_money_rows(payments[]);
DROP INDEX payment_money_empty;
DROP TABLE payment_money;
