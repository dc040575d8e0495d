package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/demo"
	"github.com/voronka/voronka/internal/jobs"
	"github.com/voronka/voronka/internal/server"
	"github.com/voronka/voronka/internal/store"
)

// Main is the running program of "voronka serve": ParseFlags, Run, then Close. End-to-end tests
// drive the real wiring through it.
type Main struct {
	Config  Config
	DB      *store.DB
	Service *crm.Service
	Server  *server.Server
	Jobs    *jobs.Client // the background jobs (imports), worked while the server runs
	stdout  io.Writer
	stderr  io.Writer
	log     *slog.Logger
	demo    bool // a first start fills the new account with demo data
	// stopStats stops the upkeep of SQLite's planner statistics (store.DB.KeepStatistics).
	stopStats func()
	demoOpt   demoFlags
}

// NewMain returns a Main with cfg.
func NewMain(cfg Config, stdout, stderr io.Writer) *Main {
	return &Main{Config: cfg, stdout: stdout, stderr: stderr}
}

// ParseFlags reads serve's flags over the configuration.
func (m *Main) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(m.stderr)
	m.Config.bindDatabase(fs)
	fs.StringVar(&m.Config.Addr, "addr", m.Config.Addr, "address to listen on (VORONKA_ADDR)")
	fs.StringVar(&m.Config.BaseURL, "base-url", m.Config.BaseURL, "the URL users reach Voronka at (VORONKA_BASE_URL)")
	fs.Int64Var(&m.Config.ImportMaxMB, "import-max-mb", m.Config.ImportMaxMB, "the largest file POST /api/v1/imports accepts, in MiB (VORONKA_IMPORT_MAX_MB)")
	fs.BoolVar(&m.demo, "demo", false, "on a first start (no account yet), fill the new account with demo data")
	m.demoOpt.bind(fs, "demo-", 3000)
	return fs.Parse(args)
}

// Run opens and migrates the database, creates the first account when there is none, and starts
// the server. It returns once the server listens.
func (m *Main) Run(ctx context.Context) error {
	m.log = newLogger(m.Config.LogFormat, m.stderr)
	slog.SetDefault(m.log)
	db, err := store.Open(ctx, m.Config.DatabaseURL)
	if err != nil {
		return err
	}
	m.DB = db
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) > 0 {
		m.log.Info("migrated", "engine", db.Engine, "versions", applied)
	}
	m.Service = crm.NewService(db)
	if err := m.bootstrap(ctx); err != nil {
		return err
	}
	if m.Jobs, err = jobs.New(ctx, db, jobs.Config{Service: m.Service, Logger: m.log}); err != nil {
		return err
	}
	if err := m.Jobs.Start(ctx); err != nil {
		return err
	}
	m.stopStats = db.KeepStatistics(statisticsInterval, m.log)
	m.Server = server.New(server.Config{Addr: m.Config.Addr, BaseURL: m.Config.BaseURL, Logger: m.log, Jobs: m.Jobs,
		MaxImportBytes: m.Config.ImportMaxMB << 20}, db, m.Service)
	if err := m.Server.Open(); err != nil {
		return err
	}
	url := m.Config.BaseURL
	if url == "" {
		url = m.Server.URL()
	}
	fmt.Fprintf(m.stdout, "Voronka is running at %s (database: %s)\n", url, db.Engine)
	return nil
}

func (m *Main) bootstrap(ctx context.Context) error {
	if m.demo {
		return m.bootstrapDemo(ctx)
	}
	acc, admin, password, created, err := m.Service.Bootstrap(ctx, crm.AccountCreate{
		Name: m.Config.AccountName, AdminEmail: m.Config.AdminEmail, AdminPassword: m.Config.AdminPassword,
	})
	if err != nil {
		return fmt.Errorf("first start: %w", err)
	}
	if !created {
		return nil
	}
	fmt.Fprintf(m.stdout, "Created account %q (slug %s) and its administrator.\n", acc.Name, acc.Slug)
	if m.Config.AdminPassword == "" {
		fmt.Fprintf(m.stdout, "Login: %s  Password: %s  (generated; shown only this once)\n", admin.Email, password)
	} else {
		fmt.Fprintf(m.stdout, "Login: %s  Password: the one in VORONKA_ADMIN_PASSWORD\n", admin.Email)
	}
	return nil
}

// bootstrapDemo creates the first account with demo data when the database has none.
func (m *Main) bootstrapDemo(ctx context.Context) error {
	n, err := m.Service.CountAccounts(ctx)
	if err != nil || n > 0 {
		return err
	}
	password := m.Config.AdminPassword
	generated := password == ""
	if generated {
		password = crm.GeneratePassword()
	}
	opt, err := m.demoOpt.options(m.Config, password, nil)
	if err != nil {
		return err
	}
	opt.AccountName = m.Config.AccountName
	if opt.AccountName == "Voronka" {
		opt.AccountName = "" // the demo's own name
	}
	fmt.Fprintf(m.stdout, "Filling the new account with %d demo deals…\n", opt.Deals)
	res, err := demo.Generate(ctx, m.DB, m.Service, opt)
	if err != nil {
		return fmt.Errorf("first start: %w", err)
	}
	printDemo(m.stdout, res, password, generated)
	return nil
}

// statisticsInterval is how often a running server brings SQLite's planner statistics up to
// date: SQLite's advice for long-lived connections is every few hours.
const statisticsInterval = 3 * time.Hour

// Close stops the server, letting requests in flight finish for up to 20 seconds, then the
// background jobs, letting running ones finish for up to 20 seconds (an import still running then
// is cancelled and resumes at the next start after its last chunk), then closes the database cleanly.
func (m *Main) Close() error {
	var err error
	if m.Server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		err = m.Server.Close(ctx)
	}
	if m.Jobs != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if jerr := m.Jobs.Stop(ctx); err == nil {
			err = jerr
		}
	}
	if m.stopStats != nil {
		m.stopStats()
	}
	if m.DB != nil {
		if cerr := m.DB.Close(); err == nil {
			err = cerr
		}
	}
	return err
}
