-- +goose Up
-- The demo's organisations and accounts carry a stable key (their canonical
-- name or address): `make run` finds them by it whatever users did to them
-- (renamed, archived, edited), and restores them; UNIQUE makes a duplicate
-- demo record impossible.
ALTER TABLE organisations ADD COLUMN demo_key text UNIQUE CHECK (demo_key IS NULL OR length(demo_key) BETWEEN 1 AND 200);
ALTER TABLE users ADD COLUMN demo_key text UNIQUE CHECK (demo_key IS NULL OR length(demo_key) BETWEEN 1 AND 254);

-- +goose Down
ALTER TABLE users DROP COLUMN demo_key;
ALTER TABLE organisations DROP COLUMN demo_key;
