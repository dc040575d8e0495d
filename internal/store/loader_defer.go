package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
)

// A bulk load into a table that holds no row at all (of any account) defers the table's upkeep to
// the load's end: its non-unique indexes are dropped and built again once the rows are in, and on
// PostgreSQL its foreign keys too, added back with one validating join instead of a locking lookup
// per copied row. SQLite keeps checking its foreign keys row by row (an index lookup in the same
// process, cheap there). Primary keys and unique indexes stay: they keep the data's own
// guarantees, and other tables' foreign keys point at them.
//
// Each dropped definition is recorded in bulk_load_deferred in the transaction that drops it and
// deleted in the one that restores it, so that a crash mid-load loses no index: Migrate restores
// whatever a load left recorded. An empty table has no rows for a reader to look up while it lacks
// them (on PostgreSQL readers of it wait for the load's commit: DROP INDEX locks the table).

// deferredItem is a dropped index or foreign key and the SQL that restores it.
type deferredItem struct {
	table, kind, name, definition string
}

// deferUpkeep drops the non-unique indexes (and, on PostgreSQL, the foreign keys) of table when it
// is empty, recording them; it reports whether it did.
func (l *Loader) deferUpkeep(table string) (bool, error) {
	var exists bool
	// The table name is one of the generator's constants, never input.
	if err := l.queryRow("SELECT EXISTS (SELECT 1 FROM " + quoteIdent(table) + ")").Scan(&exists); err != nil {
		return false, fmt.Errorf("store: loader: %s: %w", table, err)
	}
	if exists {
		return false, nil
	}
	items, err := l.upkeepOf(table)
	if err != nil || len(items) == 0 {
		return false, err
	}
	return true, l.inTx(func(tx execer) error {
		for _, it := range items {
			if _, err := tx.ExecContext(l.ctx, `INSERT INTO bulk_load_deferred (table_name, kind, name, definition) VALUES ($1, $2, $3, $4)`,
				it.table, it.kind, it.name, it.definition); err != nil {
				return err
			}
			drop := "DROP INDEX " + quoteIdent(it.name)
			if it.kind == "foreign_key" {
				drop = "ALTER TABLE " + quoteIdent(it.table) + " DROP CONSTRAINT " + quoteIdent(it.name)
			}
			if _, err := tx.ExecContext(l.ctx, drop); err != nil {
				return err
			}
		}
		return nil
	})
}

// upkeepOf lists the non-unique indexes and (PostgreSQL) foreign keys of table with the SQL that
// creates each again.
func (l *Loader) upkeepOf(table string) ([]deferredItem, error) {
	var rows *sql.Rows
	var err error
	if l.db.Engine == SQLite {
		// origin 'c': made by CREATE INDEX (not a primary key's or a UNIQUE constraint's).
		rows, err = l.query(`SELECT 'index', il.name, m.sql FROM pragma_index_list($1) il
			JOIN sqlite_master m ON m.type = 'index' AND m.name = il.name
			WHERE il."unique" = 0 AND il.origin = 'c' AND m.sql IS NOT NULL ORDER BY il.name`, table)
	} else {
		rows, err = l.query(`SELECT 'index', c.relname, pg_get_indexdef(c.oid) FROM pg_index x
				JOIN pg_class c ON c.oid = x.indexrelid
			WHERE x.indrelid = $1::regclass AND NOT x.indisunique AND NOT x.indisprimary
			UNION ALL
			SELECT 'foreign_key', conname, pg_get_constraintdef(oid) FROM pg_constraint
			WHERE conrelid = $1::regclass AND contype = 'f'
			ORDER BY 1, 2`, table)
	}
	if err != nil {
		return nil, fmt.Errorf("store: loader: upkeep of %s: %w", table, err)
	}
	defer rows.Close()
	var out []deferredItem
	for rows.Next() {
		it := deferredItem{table: table}
		if err := rows.Scan(&it.kind, &it.name, &it.definition); err != nil {
			return nil, fmt.Errorf("store: loader: upkeep of %s: %w", table, err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// restoreDeferred creates again every index and foreign key recorded in bulk_load_deferred for the
// given tables (all of them when tables is nil), each in its own transaction with the deletion of
// its record: indexes first, so that a failing foreign key leaves them built.
func restoreDeferred(ctx context.Context, db *DB, conn *sql.Conn, tables []string) error {
	rows, err := conn.QueryContext(ctx, `SELECT table_name, kind, name, definition FROM bulk_load_deferred ORDER BY kind DESC, table_name, name`)
	if err != nil {
		return fmt.Errorf("store: restore deferred indexes: %w", err)
	}
	var items []deferredItem
	for rows.Next() {
		var it deferredItem
		if err := rows.Scan(&it.table, &it.kind, &it.name, &it.definition); err != nil {
			rows.Close()
			return fmt.Errorf("store: restore deferred indexes: %w", err)
		}
		if tables == nil || slices.Contains(tables, it.table) {
			items = append(items, it)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: restore deferred indexes: %w", err)
	}
	if len(items) == 0 {
		return nil
	}
	if db.Engine == SQLite {
		// Sorting an index's keys on a helper thread as well (SQLite's default is none). SQLite's
		// sorter uses helper threads only when its temporary files are files: with temp_store
		// MEMORY (the writer's setting, db.go) it sorts on one thread whatever PRAGMA threads says.
		// So the build spills sorted runs of 32 MB to files (the OS's page cache keeps them) and
		// sorts and merges them on two threads: 22.5 s → 18 s for the indexes of 200,000 deals.
		for _, p := range []string{"PRAGMA threads = 2", "PRAGMA temp_store = FILE", "PRAGMA cache_size = -32768"} {
			if _, err := conn.ExecContext(ctx, p); err != nil {
				return fmt.Errorf("store: restore deferred indexes: %w", err)
			}
		}
		defer func() {
			for _, p := range []string{"PRAGMA threads = 0", "PRAGMA temp_store = MEMORY", "PRAGMA cache_size = -65536"} {
				_, _ = conn.ExecContext(context.Background(), p)
			}
		}()
	}
	if db.Engine == Postgres {
		// Room to sort an index in memory, and workers to build it in parallel; this session only.
		if _, err := conn.ExecContext(ctx, "SET maintenance_work_mem = '512MB'"); err != nil {
			return fmt.Errorf("store: restore deferred indexes: %w", err)
		}
		defer conn.ExecContext(context.Background(), "RESET maintenance_work_mem") //nolint:errcheck
	}
	var invalid []error
	for _, it := range items {
		create := it.definition // an index's CREATE INDEX, from the catalogue
		if it.kind == "foreign_key" {
			// NOT VALID: checked for every new row from now on; the loaded rows are validated
			// next, apart, so that rows breaking it leave the key in place and the error to report
			// rather than a record that would fail every start.
			create = "ALTER TABLE " + quoteIdent(it.table) + " ADD CONSTRAINT " + quoteIdent(it.name) + " " + it.definition + " NOT VALID"
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("store: restore %s %s: %w", it.kind, it.name, err)
		}
		_, err = tx.ExecContext(ctx, create)
		if err == nil {
			_, err = tx.ExecContext(ctx, `DELETE FROM bulk_load_deferred WHERE table_name = $1 AND name = $2`, it.table, it.name)
		}
		if err == nil {
			err = tx.Commit()
		} else {
			_ = tx.Rollback()
		}
		if err != nil {
			return fmt.Errorf("store: restore %s %s on %s: %w", it.kind, it.name, it.table, err)
		}
		if it.kind == "foreign_key" {
			if _, err := conn.ExecContext(ctx, "ALTER TABLE "+quoteIdent(it.table)+" VALIDATE CONSTRAINT "+quoteIdent(it.name)); err != nil {
				invalid = append(invalid, fmt.Errorf("store: loaded rows of %s break %s: %w", it.table, it.name, err))
			}
		}
	}
	return errors.Join(invalid...)
}

// Deferred lists the tables whose indexes (and foreign keys) the load dropped to build at its end:
// those it found empty. Read it after Close.
func (l *Loader) Deferred() []string { return slices.Clone(l.deferred) }

// RestoreDeferred creates again the indexes and foreign keys a bulk load dropped and did not
// restore (it crashed or was killed): Migrate calls it on every start.
func (db *DB) RestoreDeferred(ctx context.Context) error {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: restore deferred indexes: %w", err)
	}
	defer conn.Close()
	return restoreDeferred(ctx, db, conn, nil)
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// inTx runs fn in the load's open transaction on SQLite, and in a transaction of its own on the
// loader's connection on PostgreSQL (where every COPY commits by itself).
func (l *Loader) inTx(fn func(tx execer) error) error {
	if l.tx != nil {
		return fn(l.tx)
	}
	tx, err := l.conn.BeginTx(l.ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (l *Loader) queryRow(q string, args ...any) *sql.Row {
	if l.tx != nil {
		return l.tx.QueryRowContext(l.ctx, q, args...)
	}
	return l.conn.QueryRowContext(l.ctx, q, args...)
}

func (l *Loader) query(q string, args ...any) (*sql.Rows, error) {
	if l.tx != nil {
		return l.tx.QueryContext(l.ctx, q, args...)
	}
	return l.conn.QueryContext(l.ctx, q, args...)
}

// quoteIdent quotes a name from the catalogue or the code as an SQL identifier (both engines).
func quoteIdent(name string) string { return pgx.Identifier{name}.Sanitize() }
