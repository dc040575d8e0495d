package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/voronka/voronka/internal/crm"
)

// Loader writes large volumes of rows straight into tables: the demo generator's fast path. It
// bypasses the domain services (no validation, audit or events), so only code that builds rows it
// knows to be consistent may use it — a fresh account's synthetic history, never user input.
//
// Rows are buffered per table and written in batches: multi-row INSERTs in large transactions on
// SQLite, COPY on PostgreSQL. Tables flush in the order they were opened, parents first, so that
// every foreign key is satisfied when a child row arrives: open a table before the tables that
// point at it. Ids are allocated by the caller with NextID (the Loader must be the only writer while
// it runs); Close flushes, commits, builds again the indexes and foreign keys a table that started
// empty had dropped for the load (loader_defer.go), moves PostgreSQL's id sequences past the
// loaded ids and refreshes the planner's statistics.
type Loader struct {
	ctx     context.Context
	db      *DB
	conn    *sql.Conn
	tx      *sql.Tx // SQLite: the open transaction
	tables  []*LoadTable
	ids     map[string]int64
	pending int // rows written since the last commit (SQLite)
	closed  bool
	// deferred lists the tables whose indexes (and foreign keys) this load dropped to restore at
	// its end (loader_defer.go).
	deferred []string
	// The writer: buffers are written on a goroutine of their own, in the order they were
	// flushed, while the caller goes on building rows (two cores busy instead of one). Anything
	// else on the connection first waits for it to catch up (drain). Its first error sticks.
	writes   chan loadWrite
	written  chan error // one per drain: the writer's first error, or nil
	writeErr error      // the writer's first error, its own
	flushes  int        // buffers handed to the writer
}

// loadWrite is one buffer of a table for the writer, or with t nil a drain.
type loadWrite struct {
	t    *LoadTable
	rows [][]any
}

// LoadTable is one table of a Loader, with its columns.
type LoadTable struct {
	l      *Loader
	name   string
	cols   []string
	rows   [][]any
	batch  int
	stmts  map[int]*sql.Stmt // SQLite: prepared INSERTs of the open transaction, by rows
	loaded int64
	begun  bool // its first rows are written: whether to defer its upkeep is settled
}

const (
	sqliteCommitEvery = 500_000 // rows per SQLite transaction
	pgCopyBatch       = 20_000  // rows per COPY
)

// NewLoader starts a bulk load.
func (db *DB) NewLoader(ctx context.Context) (*Loader, error) {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: loader: %w", err)
	}
	l := &Loader{ctx: ctx, db: db, conn: conn, ids: map[string]int64{}, writes: make(chan loadWrite, 4), written: make(chan error)}
	go l.writer()
	if db.Engine == SQLite {
		// A large page cache: the indexes being appended to stay in memory.
		if _, err := conn.ExecContext(ctx, "PRAGMA cache_size = -262144"); err != nil {
			conn.Close()
			return nil, fmt.Errorf("store: loader: %w", err)
		}
	}
	if err := l.begin(); err != nil {
		close(l.writes)
		conn.Close()
		return nil, err
	}
	return l, nil
}

// writer writes the buffers handed to it in order, until the Loader is released.
func (l *Loader) writer() {
	for w := range l.writes {
		switch {
		case w.t == nil:
			l.written <- l.writeErr
		case l.writeErr == nil:
			if err := w.t.write(w.rows); err != nil {
				l.writeErr = fmt.Errorf("store: loader: %s: %w", w.t.name, mapError(err))
			}
		}
	}
}

// drain waits until every buffer handed to the writer is written and returns its first error:
// after it, the connection is the caller's alone until the next flush.
func (l *Loader) drain() error {
	l.writes <- loadWrite{}
	return <-l.written
}

func (l *Loader) begin() error {
	tx, err := l.conn.BeginTx(l.ctx, nil)
	if err != nil {
		return fmt.Errorf("store: loader: begin: %w", err)
	}
	l.tx = tx
	for _, t := range l.tables {
		t.stmts = nil
	}
	return nil
}

// Table opens a table for loading with the given columns; open parents before children.
func (l *Loader) Table(name string, cols ...string) *LoadTable {
	t := &LoadTable{l: l, name: name, cols: cols}
	if l.db.Engine == SQLite {
		// SQLite binds at most 32766 parameters a statement; 400 rows keep statements small.
		t.batch = min(400, 32766/len(cols))
	} else {
		t.batch = pgCopyBatch
	}
	l.tables = append(l.tables, t)
	return t
}

// NextID allocates the next id of table: one more than the largest id there when first asked.
func (l *Loader) NextID(table string) (int64, error) {
	id, ok := l.ids[table]
	if !ok {
		if err := l.drain(); err != nil {
			return 0, err
		}
		var max sql.NullInt64
		// The table name comes from the generator's own constants, never from input.
		if err := l.conn.QueryRowContext(l.ctx, "SELECT MAX(id) FROM "+table).Scan(&max); err != nil {
			return 0, fmt.Errorf("store: loader: ids of %s: %w", table, err)
		}
		id = max.Int64
	}
	id++
	l.ids[table] = id
	return id, nil
}

// Add buffers one row, its values in the order of the table's columns; a full buffer is written.
func (t *LoadTable) Add(vals ...any) error {
	if len(vals) != len(t.cols) {
		return fmt.Errorf("store: loader: %s takes %d values, got %d", t.name, len(t.cols), len(vals))
	}
	t.rows = append(t.rows, vals)
	if len(t.rows) >= t.batch {
		return t.l.flushThrough(t)
	}
	return nil
}

// Loaded returns how many rows of the table have been written so far.
func (t *LoadTable) Loaded() int64 { return t.loaded + int64(len(t.rows)) }

// flushThrough writes the buffers of every table opened before t, then t's own: parents first.
func (l *Loader) flushThrough(t *LoadTable) error {
	for _, p := range l.tables {
		if err := p.flush(); err != nil {
			return err
		}
		if p == t {
			break
		}
	}
	if l.db.Engine == SQLite && l.pending >= sqliteCommitEvery {
		// Commit only with every buffer written, so that a committed state is always consistent.
		for _, p := range l.tables {
			if err := p.flush(); err != nil {
				return err
			}
		}
		if err := l.drain(); err != nil {
			return err
		}
		err := l.tx.Commit()
		l.db.gen.Add(1)
		if err != nil {
			return fmt.Errorf("store: loader: commit: %w", err)
		}
		l.pending = 0
		return l.begin()
	}
	return nil
}

// flush hands the buffer to the writer. Every 256th waits for the writer to catch up, so that a
// failing load stops within a few buffers with the writer's error.
func (t *LoadTable) flush() error {
	if len(t.rows) == 0 {
		return nil
	}
	if t.l.flushes++; t.l.flushes%256 == 0 {
		if err := t.l.drain(); err != nil {
			return err
		}
	}
	t.l.writes <- loadWrite{t: t, rows: t.rows}
	t.loaded += int64(len(t.rows))
	t.l.pending += len(t.rows)
	t.rows = make([][]any, 0, t.batch)
	return nil
}

// write writes rows of t on the writer's goroutine; the first rows of a table settle whether its
// upkeep is deferred.
func (t *LoadTable) write(rows [][]any) error {
	if !t.begun {
		t.begun = true
		deferred, err := t.l.deferUpkeep(t.name)
		if err != nil {
			return err
		}
		if deferred {
			t.l.deferred = append(t.l.deferred, t.name)
		}
	}
	if t.l.db.Engine == SQLite {
		return t.insertSQLite(rows)
	}
	return t.copyPostgres(rows)
}

// insertSQLite writes the buffer with multi-row INSERTs. Placeholders are "?" here: modernc looks
// up every "$N" by name, which costs a fifth of the load's time at hundreds of parameters.
func (t *LoadTable) insertSQLite(rows [][]any) error {
	for len(rows) > 0 {
		k := min(len(rows), t.batch)
		args := make([]any, 0, k*len(t.cols))
		for _, r := range rows[:k] {
			for _, v := range r {
				args = append(args, sqliteValue(v))
			}
		}
		// Parents are flushed whenever a child's buffer fills, so partial batches of every size
		// recur: parsing their SQL each time cost a tenth of the load before they were cached.
		stmt := t.stmts[k]
		if stmt == nil {
			var err error
			if stmt, err = t.l.tx.PrepareContext(t.l.ctx, t.insertSQL(k)); err != nil {
				return err
			}
			if t.stmts == nil {
				t.stmts = map[int]*sql.Stmt{}
			}
			t.stmts[k] = stmt
		}
		if _, err := stmt.ExecContext(t.l.ctx, args...); err != nil {
			return err
		}
		rows = rows[k:]
	}
	return nil
}

func (t *LoadTable) insertSQL(rows int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(t.cols)), ",") + ")"
	var sb strings.Builder
	sb.WriteString("INSERT INTO " + t.name + " (" + strings.Join(t.cols, ", ") + ") VALUES ")
	for i := range rows {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(one)
	}
	return sb.String()
}

func sqliteValue(v any) any {
	switch x := v.(type) {
	case crm.Date:
		if x.IsZero() {
			return nil
		}
		return x.String()
	case time.Time:
		if x.IsZero() {
			return nil
		}
		return x.UTC()
	}
	return v
}

func pgValue(v any) any {
	switch x := v.(type) {
	case crm.Date:
		if x.IsZero() {
			return nil
		}
		return x.In(time.UTC)
	case time.Time:
		if x.IsZero() {
			return nil
		}
		return x.UTC()
	}
	return v
}

// copyPostgres writes the buffer with COPY … FROM STDIN (binary), through pgx's own connection.
func (t *LoadTable) copyPostgres(rows [][]any) error {
	for _, r := range rows {
		for i, v := range r {
			r[i] = pgValue(v)
		}
	}
	return t.l.conn.Raw(func(dc any) error {
		c := dc.(*stdlib.Conn).Conn()
		n, err := c.CopyFrom(t.l.ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromRows(rows))
		if err == nil && n != int64(len(rows)) {
			err = fmt.Errorf("copied %d rows of %d", n, len(rows))
		}
		return err
	})
}

// Close writes what is buffered and finishes the load: it commits, moves PostgreSQL's id
// sequences past the loaded ids and refreshes the statistics of the loaded tables. A Loader that
// failed should be closed with Abort instead.
func (l *Loader) Close() error {
	if l.closed {
		return nil
	}
	defer l.release()
	for _, t := range l.tables {
		if err := t.flush(); err != nil {
			return err
		}
	}
	if err := l.drain(); err != nil {
		return err
	}
	if l.tx != nil {
		err := l.tx.Commit()
		l.db.gen.Add(1)
		if err != nil {
			return fmt.Errorf("store: loader: commit: %w", err)
		}
		l.tx = nil
	}
	if err := restoreDeferred(l.ctx, l.db, l.conn, l.deferred); err != nil {
		return fmt.Errorf("store: loader: %w", err)
	}
	names := make([]string, 0, len(l.tables))
	for _, t := range l.tables {
		if !slices.Contains(names, t.name) {
			names = append(names, t.name)
		}
	}
	if l.db.Engine == SQLite {
		// ANALYZE reads whole tables unless limited: a sample of rows per index is enough here.
		if _, err := l.conn.ExecContext(l.ctx, "PRAGMA analysis_limit = 2000"); err != nil {
			return fmt.Errorf("store: loader: %w", err)
		}
	}
	for _, name := range names {
		if l.db.Engine == Postgres {
			if _, ok := l.ids[name]; ok {
				q := fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT MAX(id) FROM %s))", name, name)
				if _, err := l.conn.ExecContext(l.ctx, q); err != nil {
					return fmt.Errorf("store: loader: sequence of %s: %w", name, err)
				}
			}
		}
		if _, err := l.conn.ExecContext(l.ctx, "ANALYZE "+name); err != nil {
			return fmt.Errorf("store: loader: analyze %s: %w", name, err)
		}
	}
	l.db.refreshReaders() // readers opened before the load would keep planning without these statistics
	return nil
}

// Abort rolls back what is not committed and releases the connection.
func (l *Loader) Abort() {
	if l.closed {
		return
	}
	_ = l.drain()
	if l.tx != nil {
		_ = l.tx.Rollback()
		l.tx = nil
	}
	// What SQLite committed before the failure keeps its rows: its tables get their indexes back
	// (on PostgreSQL the drops rolled back with the rows). Should this fail too, Migrate restores
	// them on the next start.
	_ = restoreDeferred(context.Background(), l.db, l.conn, l.deferred)
	l.release()
}

func (l *Loader) release() {
	l.closed = true
	close(l.writes)
	if l.tx != nil { // a Close that failed: the connection cannot be released inside it
		_ = l.tx.Rollback()
		l.tx = nil
	}
	if l.db.Engine == SQLite {
		_, _ = l.conn.ExecContext(context.Background(), "PRAGMA cache_size = -65536") // the writer's own (db.go)
	}
	_ = l.conn.Close()
}
