package dataio_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/dataio"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

// benchRows is the size of the benchmark file: VORONKA_BENCH_ROWS, default 1,000,000.
func benchRows() int {
	if n, err := strconv.Atoi(os.Getenv("VORONKA_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// plainDeals is a plain deals CSV of n rows, as a team exports it from a spreadsheet: id, name,
// amount, stage (every stage of the default pipeline), responsible (one of the org's six people),
// created date (three years back).
func plainDeals(b *testing.B, stages []string, people []string, n int) []byte {
	b.Helper()
	var buf bytes.Buffer
	buf.Grow(n * 80)
	buf.WriteString("ID,Deal name,Amount,Stage,Responsible,Created\n")
	base := time.Date(2023, 1, 1, 9, 0, 0, 0, time.UTC)
	for i := range n {
		created := base.Add(time.Duration(i%1000) * 24 * time.Hour).Add(time.Duration(i%600) * time.Minute)
		fmt.Fprintf(&buf, "%d,Deal %d,%d,%s,%s,%s\n", 100000+i, i, 1000+(i*7919)%500000, stages[i%len(stages)],
			people[i%len(people)], created.Format("02.01.2006 15:04"))
	}
	return buf.Bytes()
}

// BenchmarkImportDeals imports a plain deals CSV into a fresh account through the bulk path (and
// the per-row path with VORONKA_BENCH_PERROW=1; VORONKA_BENCH_CHUNK sets the rows a transaction),
// reporting rows/s.
//
//	go test ./internal/dataio -run '^$' -bench ImportDeals -benchtime 1x -timeout 60m
func BenchmarkImportDeals(b *testing.B) {
	n := benchRows()
	for _, engine := range testkit.Engines {
		b.Run(string(engine), func(b *testing.B) {
			var rows int
			var elapsed, cpu time.Duration
			for range b.N {
				b.StopTimer()
				db, admin, run := benchImport(b, engine, n)
				chunk, _ := strconv.Atoi(os.Getenv("VORONKA_BENCH_CHUNK"))
				b.StartTimer()
				start, cpu0 := time.Now(), cpuTime()
				sum, err := run(os.Getenv("VORONKA_BENCH_PERROW") == "1", chunk)
				elapsed += time.Since(start)
				cpu += cpuTime() - cpu0
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				if sum.Created != n || sum.Rejected != 0 {
					b.Fatalf("created %d, rejected %d of %d", sum.Created, sum.Rejected, n)
				}
				rows += n
				checkCount(b, db, admin, n)
			}
			b.ReportMetric(float64(rows)/elapsed.Seconds(), "rows/s")
			// The machine is shared: rows per second of this process's own CPU time (user and
			// system, every thread) says what the code costs whatever else runs. On PostgreSQL
			// the server's CPU is not in it.
			b.ReportMetric(float64(rows)/cpu.Seconds(), "rows/cpu-s")
		})
	}
}

// benchImport is a fresh account on engine and a plain deals CSV of n rows naming its stages and
// people, with an importer run for it (a new mapping each run, as a new upload gets).
func benchImport(b *testing.B, engine store.Engine, n int) (db *store.DB, admin *crm.Actor, run func(perRow bool, chunk int) (*dataio.Summary, error)) {
	b.Helper()
	db = testkit.Open(b, engine)
	svc, _ := testkit.Service(db)
	svc.SetClock(time.Now)
	o := testkit.NewOrg(b, svc, "bench")
	admin = o.Actor(b, o.Admin)
	ps, err := svc.Pipelines(context.Background(), admin, false)
	if err != nil {
		b.Fatal(err)
	}
	var stages []string
	for _, s := range ps[0].Stages {
		stages = append(stages, s.Name)
	}
	people := []string{o.North1.Name, o.North2.Name, o.South1.Name, o.South2.Name, o.NorthHead.Name, o.SouthHead.Name}
	file := plainDeals(b, stages, people, n)
	return db, admin, func(perRow bool, chunk int) (*dataio.Summary, error) {
		rr, err := dataio.NewCSVReader(bytes.NewReader(file))
		if err != nil {
			return nil, err
		}
		m, err := dataio.AutoMapping(rr.Columns(), nil)
		if err != nil {
			return nil, err
		}
		im := &dataio.Importer{Service: svc, Tx: db, Actor: admin, Mapping: m, PerRow: perRow, Chunk: chunk}
		return im.Run(context.Background(), rr)
	}
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func checkCount(b *testing.B, db *store.DB, actor *crm.Actor, n int) {
	b.Helper()
	var got int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM deals WHERE account_id = $1`, actor.AccountID).Scan(&got); err != nil {
		b.Fatal(err)
	}
	if got != n {
		b.Fatalf("%d deals stored, want %d", got, n)
	}
}

// BenchmarkReimportDeals imports a plain deals CSV of VORONKA_BENCH_ROWS rows (default 50,000)
// into a fresh account, untimed, then imports the same file again, timed: every row names a deal
// imported before and nothing in it changed — a re-run of an export, or an import resumed from
// its start after an interruption.
//
//	go test ./internal/dataio -run '^$' -bench ReimportDeals -benchtime 1x
func BenchmarkReimportDeals(b *testing.B) {
	n := 50_000
	if v, err := strconv.Atoi(os.Getenv("VORONKA_BENCH_ROWS")); err == nil && v > 0 {
		n = v
	}
	for _, engine := range testkit.Engines {
		b.Run(string(engine), func(b *testing.B) {
			var rows int
			var elapsed, cpu time.Duration
			for range b.N {
				b.StopTimer()
				db, admin, run := benchImport(b, engine, n)
				if _, err := run(false, 0); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start, cpu0 := time.Now(), cpuTime()
				sum, err := run(false, 0)
				elapsed += time.Since(start)
				cpu += cpuTime() - cpu0
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				if sum.Created != 0 || sum.Updated != n || sum.Rejected != 0 {
					b.Fatalf("again: created %d, updated %d, rejected %d of %d", sum.Created, sum.Updated, sum.Rejected, n)
				}
				rows += n
				checkCount(b, db, admin, n)
			}
			b.ReportMetric(float64(rows)/elapsed.Seconds(), "rows/s")
			b.ReportMetric(float64(rows)/cpu.Seconds(), "rows/cpu-s")
		})
	}
}
