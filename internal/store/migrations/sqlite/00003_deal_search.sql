-- +goose Up
-- Lowercased searchable text of a deal (its name), computed by Voronka: LOWER() in SQL folds only
-- ASCII in SQLite and in PostgreSQL databases with the C locale, so search must not depend on it.
ALTER TABLE deals ADD COLUMN search TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE deals DROP COLUMN search;
