-- +goose Up
-- A bulk load (store.Loader) into an empty table drops that table's non-unique indexes for the
-- load and builds them again when it ends: building an index once is several times faster than
-- growing it row by row. Each dropped definition is kept here, in the transaction that drops it,
-- until it is built again — by the load's end, or by the next start after a crash (Migrate).
CREATE TABLE bulk_load_deferred (
    table_name TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('index', 'foreign_key')),
    name       TEXT NOT NULL,
    definition TEXT NOT NULL,
    PRIMARY KEY (table_name, name)
);

-- +goose Down
DROP TABLE bulk_load_deferred;
