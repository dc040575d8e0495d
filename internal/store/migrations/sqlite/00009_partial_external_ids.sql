-- +goose Up
-- PostgreSQL's external-id constraints become partial unique indexes in this version (see its
-- file). SQLite keeps its UNIQUE constraints: they cannot be dropped without rebuilding every
-- table that has one, and it stores a NULL key far more cheaply.
SELECT 1;

-- +goose Down
SELECT 1;
