-- +goose Up
-- The structure's "validation ARS" and "signature de l'ACI" dates were typed
-- by hand and could contradict the workflow: the dossier and its contract hold
-- them (docs/rules.md §13), and the structure page shows them from there.
ALTER TABLE organisations
    DROP COLUMN ars_validated_on,
    DROP COLUMN aci_signed_on;

-- +goose Down
ALTER TABLE organisations
    ADD COLUMN ars_validated_on date,
    ADD COLUMN aci_signed_on    date;
