// Package jobs runs Voronka's durable background work with River over the application's own
// database, on both engines: a job is a row enqueued in the transaction of the write that asks for
// it, so it is never lost nor run for a rolled-back write, and it survives a restart.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
)

// Config configures a Client.
type Config struct {
	Service *crm.Service
	Logger  *slog.Logger
	// Workers is how many jobs run at once; default 2 (an import is one long job).
	Workers int
	// PollInterval is how often the queue is checked for jobs nobody was told about (SQLite is
	// always polled: it has no LISTEN/NOTIFY); default 1 s.
	PollInterval time.Duration
	// Now is the clock of the jobs' bookkeeping; default time.Now.
	Now func() time.Time
	// Test makes River skip its start-up jitter (tests only).
	Test bool
}

// Client enqueues and works Voronka's jobs. New makes it; Start works the queue; without Start
// it only enqueues (the jobs wait in the database for a process that works them).
type Client struct {
	db      *store.DB
	log     *slog.Logger
	river   riverClient
	now     func() time.Time
	started bool
}

// riverClient is what Client needs of a River client, whatever the engine's transaction type.
type riverClient interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	insertTx(ctx context.Context, tx any, args river.JobArgs) error
}

type typed[TTx any] struct{ *river.Client[TTx] }

func (c typed[TTx]) insertTx(ctx context.Context, tx any, args river.JobArgs) error {
	t, ok := tx.(TTx)
	if !ok {
		return fmt.Errorf("jobs: enqueue %s: the transaction is a %T", args.Kind(), tx)
	}
	_, err := c.InsertTx(ctx, t, args, nil)
	return err
}

// New returns a client over db's database, with Voronka's workers registered. River's tables must
// exist (store.DB.Migrate creates them).
//
// On PostgreSQL River works through a pgx pool of its own (LISTEN/NOTIFY wakes it at once); on
// SQLite it shares store.DB's one writer connection: every write, River's included, waits its turn
// for that connection, so River and the application never hold two write locks against each other
// (docs/architecture.md).
func New(ctx context.Context, db *store.DB, cfg Config) (*Client, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	c := &Client{db: db, log: cfg.Logger, now: cfg.Now}
	workers := river.NewWorkers()
	river.AddWorker(workers, &importWorker{db: db, svc: cfg.Service, now: cfg.Now, log: cfg.Logger})
	rc := &river.Config{
		Logger:            cfg.Logger,
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		Workers:           workers,
		FetchPollInterval: cfg.PollInterval,
		FetchCooldown:     min(100*time.Millisecond, cfg.PollInterval),
		// Voronka runs one process per database, and Start hands the jobs a killed process left
		// running back to the queue at once: River's own rescue, meant for several processes, would
		// run a long import a second time beside the first one after this long.
		RescueStuckJobsAfter: 24 * time.Hour,
		TestOnly:             cfg.Test,
	}
	if db.Engine == store.Postgres {
		pool, err := db.Pgx(ctx)
		if err != nil {
			return nil, err
		}
		rc2, err := river.NewClient(riverpgxv5.New(pool), rc)
		if err != nil {
			return nil, fmt.Errorf("jobs: %w", err)
		}
		c.river = typed[pgx.Tx]{rc2}
	} else {
		rc.PollOnly = true // riversqlite's listener would poll the writer every 50 ms
		rc2, err := river.NewClient(riversqlite.New(db.SQL()), rc)
		if err != nil {
			return nil, fmt.Errorf("jobs: %w", err)
		}
		c.river = typed[*sql.Tx]{rc2}
	}
	return c, nil
}

// Start hands back to the queue the jobs a previous process left running (it was killed, or its
// jobs outlived the shutdown's grace period) and starts working the queue until Stop; the end of
// ctx does not stop it.
func (c *Client) Start(ctx context.Context) error {
	if err := c.requeueOrphans(ctx); err != nil {
		return err
	}
	if err := c.river.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	c.started = true
	return nil
}

// requeueOrphans makes the jobs marked running available again. Only one Voronka process works a
// database (docs/architecture.md), so before it starts nothing is really running.
func (c *Client) requeueOrphans(ctx context.Context) error {
	q := `UPDATE river_job SET state = 'available', scheduled_at = now() WHERE state = 'running'`
	if c.db.Engine == store.SQLite {
		q = `UPDATE river_job SET state = 'available', scheduled_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE state = 'running'`
	}
	res, err := c.db.SQL().ExecContext(ctx, q)
	if err != nil {
		return fmt.Errorf("jobs: requeue interrupted jobs: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		c.log.Info("jobs interrupted by the last shutdown are queued again", "jobs", n)
	}
	return nil
}

// Stop stops working the queue: running jobs may finish until ctx ends; then they are cancelled
// and left for the next start, which resumes them (an import goes on after its last saved chunk).
func (c *Client) Stop(ctx context.Context) error {
	if !c.started {
		return nil
	}
	c.started = false
	err := c.river.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		c.log.Warn("jobs still running at shutdown are cancelled; they resume at the next start")
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		err = c.river.StopAndCancel(cctx)
	}
	if err != nil {
		return fmt.Errorf("jobs: stop: %w", err)
	}
	return nil
}

// Enqueue puts a job in the queue within the transaction of ctx, which must be inside
// store.DB.Atomic: the job exists if and only if the transaction commits.
func (c *Client) Enqueue(ctx context.Context, args river.JobArgs) error {
	tx := c.db.DriverTx(ctx)
	if tx == nil {
		return fmt.Errorf("jobs: enqueue %s outside a transaction", args.Kind())
	}
	if err := c.river.insertTx(ctx, tx, args); err != nil {
		return fmt.Errorf("jobs: enqueue %s: %w", args.Kind(), err)
	}
	return nil
}
