-- +goose Up
-- Lowercased searchable text of contacts (name, position) and companies (name, tax id), computed by
-- Voronka for the same reason as deals.search (see 00003).
ALTER TABLE contacts ADD COLUMN search TEXT NOT NULL DEFAULT '';
ALTER TABLE companies ADD COLUMN search TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE companies DROP COLUMN search;
ALTER TABLE contacts DROP COLUMN search;
