package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/voronka/voronka/internal/store"
)

func runMigrate(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	cfg.bindDatabase(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	action := fs.Arg(0)
	if action != "up" && action != "status" {
		return fmt.Errorf("usage: voronka migrate [-db URL] up|status")
	}
	db, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if action == "up" {
		applied, err := db.Migrate(ctx)
		if err != nil {
			return err
		}
		if len(applied) == 0 {
			fmt.Fprintln(stdout, "The database is up to date.")
		}
		for _, v := range applied {
			fmt.Fprintf(stdout, "applied %05d\n", v)
		}
		return nil
	}
	st, err := db.MigrationStatuses(ctx)
	if err != nil {
		return err
	}
	for _, s := range st {
		state := "pending"
		if s.Applied {
			state = "applied"
		}
		fmt.Fprintf(stdout, "%05d  %-8s %s\n", s.Version, state, s.Name)
	}
	return nil
}

// openMigrated opens the configured database and applies pending migrations: what every command
// that works on data does first.
func openMigrated(ctx context.Context, cfg Config) (*store.DB, error) {
	db, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
