-- +goose Up
-- Indicator values in their own unit (docs/rules.md §6 "units", §28): the
-- free-text unit of a dossier's indicator becomes one of two codes,
-- 'nombre' (a count, stored as is) or 'pourcentage' (stored in hundredths of
-- a percent: 62,5 % → 6 250).
--
-- Decision (docs/rules.md §28): a unit that reads as a percentage ('%',
-- « pour cent », « pourcentage ») becomes 'pourcentage' with its values
-- unchanged (they were already typed in hundredths of a percent); a per-mille
-- unit ('‰', « pour mille ») becomes 'pourcentage' with its values × 10
-- (842 ‰ = 84,2 % = 8 420 hundredths); any other unit (« consultations par
-- an », empty…) becomes 'nombre'. A negative value, which neither unit
-- admits, is cleared (to be typed again).
UPDATE dossier_indicators SET
    baseline = baseline * 10,
    targets = ARRAY(SELECT t * 10 FROM unnest(targets) WITH ORDINALITY AS u(t, i) ORDER BY i),
    unit = 'pourcentage'
WHERE unit ~* '(‰|pour ?mille)';
UPDATE dossier_indicators SET unit = 'pourcentage'
WHERE unit <> 'pourcentage' AND unit ~* '(%|pour ?cent|pourcentage|percent)';
UPDATE dossier_indicators SET unit = 'nombre' WHERE unit NOT IN ('nombre', 'pourcentage');
UPDATE dossier_indicators SET baseline = NULL WHERE baseline < 0;
UPDATE dossier_indicators SET targets = ARRAY(SELECT CASE WHEN t < 0 THEN NULL ELSE t END FROM unnest(targets) WITH ORDINALITY AS u(t, i) ORDER BY i)
WHERE EXISTS (SELECT 1 FROM unnest(targets) t WHERE t < 0);
UPDATE dossier_indicators SET baseline = NULL WHERE unit = 'pourcentage' AND baseline > 10000;
UPDATE dossier_indicators SET targets = ARRAY(SELECT CASE WHEN t > 10000 THEN NULL ELSE t END FROM unnest(targets) WITH ORDINALITY AS u(t, i) ORDER BY i)
WHERE unit = 'pourcentage' AND EXISTS (SELECT 1 FROM unnest(targets) t WHERE t > 10000);

ALTER TABLE dossier_indicators DROP CONSTRAINT dossier_indicators_unit_check;
ALTER TABLE dossier_indicators ALTER COLUMN unit SET DEFAULT 'nombre';
ALTER TABLE dossier_indicators ADD CONSTRAINT dossier_indicators_unit_check CHECK (unit IN ('nombre', 'pourcentage'));
ALTER TABLE dossier_indicators ADD CONSTRAINT dossier_indicators_value_range CHECK (
    (baseline IS NULL OR baseline >= 0) AND 0 <= ALL (targets)
    AND (unit <> 'pourcentage' OR ((baseline IS NULL OR baseline <= 10000) AND 10000 >= ALL (targets))));

-- +goose Down
ALTER TABLE dossier_indicators DROP CONSTRAINT dossier_indicators_value_range;
ALTER TABLE dossier_indicators DROP CONSTRAINT dossier_indicators_unit_check;
ALTER TABLE dossier_indicators ALTER COLUMN unit SET DEFAULT '';
ALTER TABLE dossier_indicators ADD CONSTRAINT dossier_indicators_unit_check CHECK (length(unit) <= 50);
UPDATE dossier_indicators SET unit = '%' WHERE unit = 'pourcentage';
UPDATE dossier_indicators SET unit = '' WHERE unit = 'nombre';
