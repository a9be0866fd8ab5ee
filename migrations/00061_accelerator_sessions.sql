-- +goose Up
-- Accelerator sessions (docs/rules.md §10): the ARS or the CPAM schedules a
-- session of ½ or 1 day for a project, led by a facilitator; its written
-- report is recorded afterwards, sent to the project leader (notification
-- from the dossier's audit row) and kept here, in the dossier.
CREATE TABLE accelerator_sessions (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dossier_id          bigint NOT NULL REFERENCES dossiers (id),
    organiser_org_id    bigint NOT NULL REFERENCES organisations (id),
    held_on             date NOT NULL,
    duration            text NOT NULL CHECK (duration IN ('demi_journee', 'journee')),
    facilitator_user_id bigint REFERENCES users (id),
    facilitator_name    text NOT NULL CHECK (length(facilitator_name) BETWEEN 1 AND 200),
    participants        text NOT NULL CHECK (length(participants) BETWEEN 1 AND 2000),
    report              text CHECK (report IS NULL OR length(report) BETWEEN 1 AND 20000),
    report_at           timestamptz,
    report_by           bigint REFERENCES users (id),
    report_by_name      text,
    created_at          timestamptz NOT NULL,
    created_by          bigint NOT NULL REFERENCES users (id),
    CHECK ((report IS NULL) = (report_at IS NULL))
);
CREATE INDEX accelerator_sessions_dossier_idx ON accelerator_sessions (dossier_id, held_on, id);

-- +goose Down
DROP TABLE accelerator_sessions;
