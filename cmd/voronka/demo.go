package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/demo"
)

// demoFlags are the generator's options shared by "voronka demo" and "voronka serve --demo".
type demoFlags struct {
	deals int
	seed  uint64
	until string
}

func (f *demoFlags) bind(fs *flag.FlagSet, prefix string, deals int) {
	fs.IntVar(&f.deals, prefix+"deals", deals, "number of demo deals")
	fs.Uint64Var(&f.seed, prefix+"seed", 1, "random seed: the same seed and end date give the same data")
	fs.StringVar(&f.until, prefix+"until", "", "the last day of the demo history, YYYY-MM-DD (default today)")
}

func (f *demoFlags) options(cfg Config, password string, progress func(done, total int)) (demo.Options, error) {
	o := demo.Options{Deals: f.deals, Seed: f.seed, AdminEmail: cfg.AdminEmail, AdminPassword: password, Progress: progress}
	if f.until != "" {
		d, err := crm.ParseDate(f.until)
		if err != nil {
			return o, fmt.Errorf("-until: %w", err)
		}
		o.Until = d
	}
	if f.deals <= 0 {
		return o, fmt.Errorf("-deals: must be positive, got %d", f.deals)
	}
	return o, nil
}

// runDemo is "voronka demo": a new account full of demo data in the database.
func runDemo(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.bindDatabase(fs)
	var f demoFlags
	f.bind(fs, "", 3000)
	name := fs.String("account", "", "the demo account's name (default «Демо: турагентство «Горизонт»»)")
	slug := fs.String("slug", "", "the demo account's slug (default derived from the name)")
	fs.StringVar(&cfg.AdminEmail, "admin-email", cfg.AdminEmail, "the demo admin's e-mail (VORONKA_ADMIN_EMAIL)")
	fs.StringVar(&cfg.AdminPassword, "admin-password", cfg.AdminPassword, "the password of every demo user (VORONKA_ADMIN_PASSWORD; generated when empty)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := fs.Parse(args); err != nil {
		return err
	}
	password := cfg.AdminPassword
	generated := password == ""
	if generated {
		password = crm.GeneratePassword()
	}
	var bar *progressBar
	if !*quiet {
		bar = newProgressBar(stderr, "deals")
	}
	opt, err := f.options(cfg, password, bar.update)
	if err != nil {
		return err
	}
	opt.AccountName, opt.AccountSlug = *name, *slug
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := demo.Generate(ctx, db, crm.NewService(db), opt)
	bar.finish()
	if err != nil {
		return err
	}
	printDemo(stdout, res, password, generated)
	return nil
}

func printDemo(w io.Writer, res *demo.Result, password string, generated bool) {
	fmt.Fprintf(w, "Demo account %q (slug %s): history %s … %s, go-live %s, made in %v.\n", res.Account.Name, res.Account.Slug,
		res.From, res.Until, res.GoLive, res.Elapsed.Round(time.Millisecond))
	names := make([]string, 0, len(res.Rows))
	for n := range res.Rows {
		names = append(names, n)
	}
	slices.Sort(names)
	parts := make([]string, 0, len(names))
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s %d", n, res.Rows[n]))
	}
	fmt.Fprintf(w, "Rows: %s.\n", strings.Join(parts, ", "))
	note := ""
	if generated {
		note = "  (generated; shown only this once)"
	}
	fmt.Fprintf(w, "Login: %s  Password: %s%s\n", res.Admin.Email, password, note)
	for _, u := range res.Users {
		if u.Role == crm.RoleHead {
			fmt.Fprintf(w, "  head of sales: %s (%s), same password\n", u.Email, u.Name)
		}
	}
	for _, u := range res.Users {
		if u.Role == crm.RoleManager {
			fmt.Fprintf(w, "  a manager:     %s (%s), same password\n", u.Email, u.Name)
			break
		}
	}
}

// progressBar draws "[=====>    ] 42 % 420000/1000000 deals, 5200/s, ETA 1m51s" on a terminal line.
type progressBar struct {
	w     io.Writer
	unit  string
	start time.Time
	last  time.Time
	drawn bool
}

func newProgressBar(w io.Writer, unit string) *progressBar {
	return &progressBar{w: w, unit: unit, start: time.Now()}
}

func (b *progressBar) update(done, total int) {
	if b == nil {
		return
	}
	now := time.Now()
	if done < total && now.Sub(b.last) < 200*time.Millisecond {
		return
	}
	b.last = now
	b.drawn = true
	fmt.Fprint(b.w, "\r"+progressLine(done, total, now.Sub(b.start), b.unit))
}

func (b *progressBar) finish() {
	if b != nil && b.drawn {
		fmt.Fprintln(b.w)
	}
}

// progressLine renders the bar for done of total after elapsed.
func progressLine(done, total int, elapsed time.Duration, unit string) string {
	const width = 30
	frac := 0.0
	if total > 0 {
		frac = min(1, float64(done)/float64(total))
	}
	full := int(frac * width)
	bar := strings.Repeat("=", full)
	if full < width {
		bar += ">" + strings.Repeat(" ", width-full-1)
	}
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(done) / s
	}
	eta := "—"
	if rate > 0 && done < total {
		eta = time.Duration(float64(total-done) / rate * float64(time.Second)).Round(time.Second).String()
	} else if done >= total {
		eta = "0s"
	}
	return fmt.Sprintf("[%s] %3.0f %% %d/%d %s, %.0f/s, ETA %s ", bar, frac*100, done, total, unit, rate, eta)
}
