package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/dataio"
	"github.com/voronka/voronka/internal/store"
)

const importUsage = `usage: voronka import [flags] FILE.csv|FILE.xlsx

Imports deals (or, with -entity, contacts, companies, payments, marketing spend, tasks or activities) from a CSV (any delimiter, UTF-8 or Windows-1251) or XLSX file. Without -mapping the
header is matched by Russian and English column names, with presets for amoCRM/Kommo and Bitrix24
exports. Rows are written in chunks, each all-or-nothing; rejected rows go to the -errors report
and the rest are imported. Importing a file again updates the deals imported before.`

// runImport is "voronka import".
func runImport(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, importUsage); fs.PrintDefaults() }
	cfg.bindDatabase(fs)
	var who accountFlags
	who.bind(fs, "the e-mail of the administrator the import acts as (default the account's first)")
	mappingPath := fs.String("mapping", "", "the mapping file (JSON); see docs/import.md")
	sheet := fs.String("sheet", "", "the XLSX sheet (default the first)")
	dryRun := fs.Bool("dry-run", false, "check every row and report the errors; write nothing")
	errorsPath := fs.String("errors", "", "where to write the rejected rows (CSV; default FILE.errors.csv when there are any)")
	create := fs.String("create", "", "without -mapping: also create these missing records, e.g. users,teams,products")
	entity := fs.String("entity", "deals", "without -mapping: what the rows are: deals, contacts, companies, payments, spend, tasks or activities")
	chunk := fs.Int("chunk", 0, "rows per transaction (default 5000 for deals, whose new rows are created in bulk; 500 for the rest)")
	perRow := fs.Bool("per-row", false, "create every deal through the domain service one by one instead of in bulk (slow; the same rows)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("name one file to import")
	}
	path := fs.Arg(0)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	rows, err := dataio.OpenRows(f, path, *sheet)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if c, ok := rows.(io.Closer); ok {
		defer c.Close()
	}
	var m *dataio.Mapping
	dir := filepath.Dir(path)
	if *mappingPath != "" {
		mf, err := os.Open(*mappingPath)
		if err != nil {
			return err
		}
		m, err = dataio.ReadMapping(mf)
		mf.Close()
		if err != nil {
			return err
		}
	} else {
		var extra []string
		if *create != "" {
			extra = strings.Split(*create, ",")
		}
		if m, err = dataio.AutoMappingFor(*entity, rows.Columns(), extra); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		looks := map[string]string{"amocrm": "an amoCRM/Kommo export", "bitrix24": "a Bitrix24 export", "voronka": "a Voronka export"}[m.Source]
		if looks == "" {
			looks = "a plain table"
		}
		fmt.Fprintf(stdout, "No mapping given: the header looks like %s; columns matched: %s.\n", looks, describeMapping(m))
	}

	in, err := who.open(ctx, cfg, importActor)
	if err != nil {
		return err
	}
	defer in.db.Close()
	db, svc, actor := in.db, in.svc, in.actor
	var report bytes.Buffer
	total := countLines(path)
	var bar *progressBar
	if !*quiet {
		bar = newProgressBar(stderr, "rows")
	}
	im := &dataio.Importer{Service: svc, Tx: db, Actor: actor, Mapping: m, Dir: dir, DryRun: *dryRun, Chunk: *chunk, PerRow: *perRow,
		Errors: &report, Progress: func(s dataio.Summary) { bar.update(s.Rows, max(total, s.Rows)) }}
	sum, err := im.Run(ctx, rows)
	bar.finish()
	if sum != nil {
		verb, would := "Imported", ""
		if *dryRun {
			verb, would = "Checked (dry run, nothing written)", "would be "
		}
		fmt.Fprintf(stdout, "%s %d rows in %v: %d %s %screated, %d %supdated, %d rows rejected, %d corrected.\n",
			verb, sum.Rows, sum.Elapsed.Round(1e6), sum.Created, m.Entity, would, sum.Updated, would, sum.Rejected, sum.Warnings)
		if sum.Rejected+sum.Warnings > 0 || *errorsPath != "" {
			out := *errorsPath
			if out == "" {
				out = strings.TrimSuffix(path, filepath.Ext(path)) + ".errors.csv"
			}
			// A BOM, so that Excel opens the report in UTF-8.
			if werr := os.WriteFile(out, append([]byte("\ufeff"), report.Bytes()...), 0o644); werr != nil {
				return werr
			}
			fmt.Fprintf(stdout, "Rejected rows and corrections: %s\n", out)
		}
	}
	if err != nil {
		return describe(err)
	}
	return nil
}

// importActor acts as an administrator of the account: the one with the e-mail, or the first.
func importActor(ctx context.Context, db *store.DB, svc *crm.Service, slug, email string) (*crm.Actor, error) {
	return findActor(ctx, db, svc, slug, email, true)
}

// findActor is the first active user of the account with the e-mail (any, when email is empty),
// an administrator when adminOnly.
func findActor(ctx context.Context, db *store.DB, svc *crm.Service, slug, email string, adminOnly bool) (*crm.Actor, error) {
	sys, err := adminActor(ctx, db, slug)
	if err != nil {
		return nil, err
	}
	users, err := svc.Users(ctx, sys, crm.UserFilter{Email: crm.NormalizeEmail(email)})
	if err != nil {
		return nil, describe(err)
	}
	for _, u := range users {
		if u.Active && (u.Role == crm.RoleAdmin || !adminOnly) {
			return svc.ActorFor(ctx, sys.AccountID, u.ID)
		}
	}
	switch {
	case email != "" && adminOnly:
		return nil, fmt.Errorf("-as %s: no active administrator with this e-mail in the account", email)
	case email != "":
		return nil, fmt.Errorf("-as %s: no active user with this e-mail in the account", email)
	}
	return nil, errors.New("the account has no active administrator")
}

func describeMapping(m *dataio.Mapping) string {
	var parts []string
	for _, f := range dataio.EntityFields[m.Entity] {
		if fl, ok := m.Fields[f]; ok {
			parts = append(parts, fmt.Sprintf("%s ← %q", f, fl.Column))
		}
	}
	return strings.Join(parts, ", ")
}

// countLines counts the lines of a CSV file for the progress bar (a workbook: 0, unknown).
func countLines(path string) int {
	if strings.EqualFold(filepath.Ext(path), ".xlsx") {
		return 0
	}
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	n := 0
	for {
		k, err := f.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if err != nil {
			return max(0, n-1) // the header
		}
	}
}

const exportUsage = `usage: voronka export [flags] -o FILE.csv|FILE.xlsx

Exports the account's deals (with their line items), contacts, companies, payments, tasks or
activities — all, or those the filters select — with Russian or English headers. Deals, contacts,
companies and payments import again with "voronka import".`

// runExport is "voronka export".
func runExport(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, exportUsage); fs.PrintDefaults() }
	cfg.bindDatabase(fs)
	var who accountFlags
	who.bind(fs, "the e-mail of the administrator the export acts as (default the account's first)")
	out := fs.String("o", "", "the file to write; its extension (.csv or .xlsx) gives the format")
	lang := fs.String("lang", "", "the headers' language, ru or en (default the account's)")
	entity := fs.String("entity", "deals", "what to export: "+strings.Join(dataio.ExportEntities, ", "))
	status := fs.String("status", "", "only deals with this status: open, won or lost")
	var span periodFlags
	span.bind(fs, "from this day, YYYY-MM-DD: created (deals, contacts, companies), paid, due (tasks), happened (activities)", "before this day, YYYY-MM-DD")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return errors.New("give the file to write with -o")
	}
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(*out)), ".")
	if format != "csv" && format != "xlsx" {
		return fmt.Errorf("-o %s: the file must end in .csv or .xlsx", *out)
	}
	fd, td, err := span.dates()
	if err != nil {
		return err
	}
	in, err := who.open(ctx, cfg, importActor)
	if err != nil {
		return err
	}
	defer in.db.Close()
	svc, actor, acc := in.svc, in.actor, in.acc
	f := dataio.ExportFilter{Status: *status}
	if !fd.IsZero() {
		f.From = fd.In(acc.Location())
	}
	if !td.IsZero() {
		f.To = td.In(acc.Location())
	}
	if *lang == "" {
		*lang = acc.Locale
	}
	file, err := os.Create(*out)
	if err != nil {
		return err
	}
	n, err := dataio.Export(ctx, svc, actor, *entity, f, file, format, *lang)
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(*out)
		return describe(err)
	}
	fmt.Fprintf(stdout, "Exported %d %s to %s.\n", n, *entity, *out)
	return nil
}
