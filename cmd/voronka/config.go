package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/voronka/voronka/internal/jobs"
)

// Config is Voronka's configuration, from flags and VORONKA_* environment variables (a flag wins).
// Secrets may come from a file named by the variable with a _FILE suffix.
type Config struct {
	DatabaseURL   string // VORONKA_DATABASE_URL: SQLite path or file: URL, or postgres://…
	Addr          string // VORONKA_ADDR
	BaseURL       string // VORONKA_BASE_URL
	AdminEmail    string // VORONKA_ADMIN_EMAIL: the first admin, created when the database has no account
	AdminPassword string // VORONKA_ADMIN_PASSWORD (or _FILE); generated and printed once when empty
	AccountName   string // VORONKA_ACCOUNT_NAME: the first account's name
	LogFormat     string // VORONKA_LOG_FORMAT: text or json
	ImportMaxMB   int64  // VORONKA_IMPORT_MAX_MB: the largest file POST /api/v1/imports accepts, in MiB
}

// DefaultConfig returns the configuration with its defaults and the environment applied.
func DefaultConfig() (Config, error) {
	c := Config{
		DatabaseURL: "voronka.db",
		Addr:        "127.0.0.1:8080",
		AdminEmail:  "admin@example.com",
		AccountName: "Voronka",
		LogFormat:   "text",
		ImportMaxMB: jobs.DefaultMaxImportBytes >> 20,
	}
	for _, v := range []struct {
		name string
		dst  *string
	}{
		{"VORONKA_DATABASE_URL", &c.DatabaseURL},
		{"VORONKA_ADDR", &c.Addr},
		{"VORONKA_BASE_URL", &c.BaseURL},
		{"VORONKA_ADMIN_EMAIL", &c.AdminEmail},
		{"VORONKA_ADMIN_PASSWORD", &c.AdminPassword},
		{"VORONKA_ACCOUNT_NAME", &c.AccountName},
		{"VORONKA_LOG_FORMAT", &c.LogFormat},
	} {
		val, err := env(v.name)
		if err != nil {
			return c, err
		}
		if val != "" {
			*v.dst = val
		}
	}
	if v := os.Getenv("VORONKA_IMPORT_MAX_MB"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return c, fmt.Errorf("VORONKA_IMPORT_MAX_MB=%q: want a whole number of MiB above 0", v)
		}
		c.ImportMaxMB = n
	}
	return c, nil
}

// env returns the variable, or the trimmed content of the file named by NAME_FILE.
func env(name string) (string, error) {
	if v := os.Getenv(name); v != "" {
		return v, nil
	}
	if path := os.Getenv(name + "_FILE"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("%s_FILE: %w", name, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return "", nil
}

// bindDatabase adds the -db flag every subcommand that opens the database has.
func (c *Config) bindDatabase(fs *flag.FlagSet) {
	fs.StringVar(&c.DatabaseURL, "db", c.DatabaseURL, "database: a SQLite file path or file: URL, or a postgres:// URL (VORONKA_DATABASE_URL)")
}
