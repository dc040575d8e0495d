package store

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// SQLite's query planner chooses indexes by the statistics ANALYZE leaves in sqlite_stat1. Without
// them it guesses, and a guess can turn a query of seconds into one of minutes (docs/architecture.md:
// a new index without statistics). PostgreSQL keeps its statistics by itself (autovacuum); on
// SQLite, Voronka keeps them up to date: when it migrates, after a bulk load, and every few hours
// while it serves.

// optimizeMask asks PRAGMA optimize to look at every table (0x10000), not only the ones this
// connection used, and to ANALYZE (0x02) those that hold rows and either have an index without
// statistics (a new index, a table never analysed) or have grown or shrunk tenfold since they
// were analysed. The debug bit (0x01) lists the ANALYZE statements instead of running them.
const (
	optimizeMask  = 0x10002
	optimizeDebug = 0x01
)

// analysisLimit is the rows ANALYZE samples an index: statistics of the same quality as the bulk
// loader's (loader.go), in a fraction of a second a table however large.
const analysisLimit = 2000

// Optimize brings SQLite's planner statistics up to date where they are missing or stale and
// returns the statements it ran (none when the statistics were fine); on PostgreSQL it does
// nothing. Readers opened before it keep the statistics they loaded (SQLite reads them when a
// connection loads the schema), so when it analysed something the idle readers are closed and new
// ones open with the new statistics.
func (db *DB) Optimize(ctx context.Context) ([]string, error) {
	if db.Engine != SQLite {
		return nil, nil
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: optimize: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA analysis_limit = %d", analysisLimit)); err != nil {
		return nil, fmt.Errorf("store: optimize: %w", err)
	}
	defer conn.ExecContext(context.Background(), "PRAGMA analysis_limit = 0") // the writer's default again
	rows, err := conn.QueryContext(ctx, fmt.Sprintf("PRAGMA optimize = %d", optimizeMask|optimizeDebug))
	if err != nil {
		return nil, fmt.Errorf("store: optimize: %w", err)
	}
	var planned []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: optimize: %w", err)
		}
		planned = append(planned, s)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("store: optimize: %w", err)
	}
	if len(planned) == 0 {
		return nil, nil
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA optimize = %d", optimizeMask)); err != nil {
		return nil, fmt.Errorf("store: optimize: %w", err)
	}
	db.refreshReaders()
	return planned, nil
}

// refreshReaders closes the idle read connections, so that the next reads open connections that
// load the current statistics. A reader busy now goes back to the pool with the old ones and is
// replaced within readerLifetime.
func (db *DB) refreshReaders() {
	if db.Engine != SQLite || db.read == db.write {
		return
	}
	db.read.SetMaxIdleConns(0) // closes every idle connection
	db.read.SetMaxIdleConns(db.readIdle)
}

// readerLifetime bounds how long a SQLite reader is reused: a reader keeps the statistics of the
// moment it opened, and one busy while Optimize refreshed the pool is replaced after this.
const readerLifetime = time.Hour

// KeepStatistics runs Optimize every interval (Migrate has just run it), logging what it analysed,
// until the returned stop is called; stop waits for a run in progress to end. "voronka serve" runs
// it. A failure is logged, not fatal: stale statistics slow queries down but change no result.
func (db *DB) KeepStatistics(interval time.Duration, log *slog.Logger) (stop func()) {
	if db.Engine != SQLite {
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			start := time.Now()
			ran, err := db.Optimize(ctx)
			switch {
			case ctx.Err() != nil:
				return
			case err != nil:
				log.Warn("keeping the planner's statistics", "err", err)
			case len(ran) > 0:
				log.Info("planner statistics updated", "statements", ran, "took", time.Since(start).Round(time.Millisecond))
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}
