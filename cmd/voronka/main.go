// Command voronka runs Voronka, a self-hosted CRM that proves its own payoff.
//
//	voronka serve                 start the web UI and the API
//	voronka migrate up|status     apply or list database migrations
//	voronka demo                  add an account full of demo data
//	voronka import FILE           import deals from a CSV or XLSX file
//	voronka export -o FILE        export deals to a CSV or XLSX file
//	voronka report -kpi …         compute KPIs
//	voronka funnel -from -to      the funnel analysis of a pipeline
//	voronka user …                manage users from the shell
//	voronka version               print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "voronka:", err)
		}
		os.Exit(2)
	}
}

const usage = `Voronka — a self-hosted CRM that proves its own payoff.

Usage:
  voronka serve [flags]          start the web UI and the API (migrates the database first);
                                 with -demo, a first start fills the new account with demo data
  voronka demo [flags]           add an account full of realistic demo data (-deals N, -seed S)
  voronka import [flags] FILE    import deals from CSV/XLSX (-mapping M.json, -dry-run, -errors R.csv)
  voronka export [flags] -o F    export deals to CSV/XLSX (-status, -from, -to, -lang ru|en)
  voronka report -kpi IDS -from D -to D [-bucket B] [-by DIMS] [-format table|csv|json]
  voronka funnel [-pipeline NAME|ID] -from D -to D [-by DIM] [-format table|csv|json]
  voronka migrate up|status      apply pending migrations, or list them
  voronka user create|set-password|deactivate|list [flags]
  voronka version                print the version

Run "voronka COMMAND -h" for a command's flags. Configuration comes from flags and the
environment: VORONKA_DATABASE_URL, VORONKA_ADDR, VORONKA_BASE_URL, VORONKA_ADMIN_EMAIL,
VORONKA_ADMIN_PASSWORD (or VORONKA_ADMIN_PASSWORD_FILE), VORONKA_ACCOUNT_NAME, VORONKA_LOG_FORMAT,
VORONKA_IMPORT_MAX_MB.
`

// run dispatches a subcommand; ctx ends on SIGINT or SIGTERM.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	cfg, err := DefaultConfig()
	if err != nil {
		return err
	}
	switch args[0] {
	case "serve":
		m := NewMain(cfg, stdout, stderr)
		if err := m.ParseFlags(args[1:]); err != nil {
			return err
		}
		if err := m.Run(ctx); err != nil {
			m.Close()
			return err
		}
		<-ctx.Done()
		fmt.Fprintln(stderr, "shutting down…")
		return m.Close()
	case "migrate":
		return runMigrate(ctx, cfg, args[1:], stdout)
	case "demo":
		return runDemo(ctx, cfg, args[1:], stdout, stderr)
	case "import":
		return runImport(ctx, cfg, args[1:], stdout, stderr)
	case "export":
		return runExport(ctx, cfg, args[1:], stdout, stderr)
	case "report":
		return runReport(ctx, cfg, args[1:], stdout, stderr)
	case "funnel":
		return runFunnel(ctx, cfg, args[1:], stdout, stderr)
	case "user":
		return runUser(ctx, cfg, args[1:], stdout)
	case "version":
		fmt.Fprintln(stdout, "voronka", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}
