package jobs_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/jobs"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// dealsCSV is an amoCRM-like export of n deals with ids 1001…
func dealsCSV(n int) []byte {
	var b strings.Builder
	b.WriteString("ID;Название сделки;Бюджет;Этап сделки;Дата создания\n")
	for i := range n {
		fmt.Fprintf(&b, "%d;Сделка %d;%d;Первичный контакт;01.03.2025\n", 1001+i, i+1, 1000*(i+1))
	}
	return []byte(b.String())
}

func newClient(t *testing.T, db *store.DB, svc *crm.Service) *jobs.Client {
	t.Helper()
	c, err := jobs.New(t.Context(), db, jobs.Config{Service: svc, Test: true, PollInterval: 50 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// waitImport polls the import until it is done or failed.
func waitImport(t *testing.T, c *jobs.Client, actor *crm.Actor, id int64) *store.Import {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		im, err := c.Import(context.Background(), actor, id)
		if err != nil {
			t.Fatal(err)
		}
		if im.Status == store.ImportDone || im.Status == store.ImportFailed {
			return im
		}
		if time.Now().After(deadline) {
			t.Fatalf("import %d still %s after a minute: %+v", id, im.Status, im)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func countDeals(t *testing.T, db *store.DB, accountID int64) (n int, total int64) {
	t.Helper()
	err := db.SQL().QueryRow(`SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM deals WHERE account_id = $1 AND deleted_at IS NULL`, accountID).Scan(&n, &total)
	if err != nil {
		t.Fatal(err)
	}
	return n, total
}

func stop(t *testing.T, c *jobs.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}

// A job enqueued by a process that stops before working it is worked by the next process.
func TestJobEnqueuedBeforeStopRunsAfterRestart(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, _ := testkit.Service(db)
		o := testkit.NewOrg(t, svc, "alpha")
		admin := o.Actor(t, o.Admin)

		first := newClient(t, db, svc)
		if err := first.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		stop(t, first) // the process stops…
		im, err := first.CreateImport(t.Context(), admin, jobs.Upload{FileName: "deals.csv", Content: dealsCSV(7)})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
		if got, _ := first.Import(t.Context(), admin, im.ID); got.Status != store.ImportQueued {
			t.Fatalf("with no process working the queue the import is %s, want queued", got.Status)
		}

		second := newClient(t, db, svc) // …and the next one starts
		if err := second.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		defer stop(t, second)
		done := waitImport(t, second, admin, im.ID)
		if done.Status != store.ImportDone || done.Created != 7 || done.Updated != 0 || done.Rejected != 0 || done.RowsDone != 7 || done.RowsTotal != 7 {
			t.Fatalf("import after restart: %+v", done)
		}
		// 1000 + 2000 + … + 7000 = 28 000 roubles = 2 800 000 kopecks
		if n, sum := countDeals(t, db, o.Account.ID); n != 7 || sum != 2_800_000 {
			t.Errorf("deals after the import: %d worth %d, want 7 worth 2800000", n, sum)
		}
	})
}

// A process killed in the middle of an import leaves the job running and the import with the
// progress of its last chunk; the next process takes the job again and finishes the import after
// that chunk, without duplicating the deals of the chunks done before.
func TestImportKilledMidRunResumesWithoutDuplicates(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, _ := testkit.Service(db)
		o := testkit.NewOrg(t, svc, "alpha")
		admin := o.Actor(t, o.Admin)
		ctx := t.Context()
		file := dealsCSV(10)

		// What a killed process leaves: the first 4 rows imported (two chunks of 2) with the
		// progress saved, a 5th row imported whose progress was not saved yet, the job running.
		dead := newClient(t, db, svc)
		partial := strings.Join(strings.SplitAfter(string(file), "\n")[:6], "")
		pre, err := dead.CreateImport(ctx, admin, jobs.Upload{FileName: "deals.csv", Content: []byte(partial)})
		if err != nil {
			t.Fatal(err)
		}
		worker := newClient(t, db, svc)
		if err := worker.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if got := waitImport(t, worker, admin, pre.ID); got.Created != 5 {
			t.Fatalf("setting up: %+v", got)
		}
		stop(t, worker)
		im, err := dead.CreateImport(ctx, admin, jobs.Upload{FileName: "deals.csv", Content: file, Chunk: 2})
		if err != nil {
			t.Fatal(err)
		}
		mustExec(t, db, `UPDATE imports SET status = 'running', attempts = 1, rows_done = 4, created = 4 WHERE id = $1`, im.ID)
		mustExec(t, db, `INSERT INTO import_files (account_id, import_id, kind, content) VALUES ($1, $2, 'errors', $3)`,
			o.Account.ID, im.ID, []byte("line,column,value,message\n"))
		mustExec(t, db, `UPDATE river_job SET state = 'running', attempt = 1 WHERE kind = 'import' AND state = 'available'`)

		next := newClient(t, db, svc)
		if err := next.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer stop(t, next)
		done := waitImport(t, next, admin, im.ID)
		// Rows 1–4 passed over (saved progress), row 5 found by its external id and updated, rows
		// 6–10 created: 4 + 5 created, 1 updated.
		if done.Status != store.ImportDone || done.RowsDone != 10 || done.Created != 9 || done.Updated != 1 || done.Rejected != 0 || done.Attempts != 2 {
			t.Fatalf("resumed import: %+v", done)
		}
		// 1000 + … + 10 000 = 55 000 roubles
		if n, sum := countDeals(t, db, o.Account.ID); n != 10 || sum != 5_500_000 {
			t.Errorf("deals after the resumed import: %d worth %d, want 10 worth 5500000", n, sum)
		}
	})
}

// A graceful stop in the middle of an import cancels it after its grace period; the next start
// finishes it, and every row is imported exactly once.
func TestImportStoppedMidRunFinishesAfterRestart(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, _ := testkit.Service(db)
		o := testkit.NewOrg(t, svc, "alpha")
		admin := o.Actor(t, o.Admin)
		ctx := t.Context()
		const rows = 800

		first := newClient(t, db, svc)
		if err := first.Start(ctx); err != nil {
			t.Fatal(err)
		}
		im, err := first.CreateImport(ctx, admin, jobs.Upload{FileName: "deals.csv", Content: dealsCSV(rows), Chunk: 1})
		if err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			got, err := first.Import(ctx, admin, im.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.RowsDone >= 3 {
				if got.Status == store.ImportDone {
					t.Fatal("the import finished before the stop: make the file longer")
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the import did not start: %+v", got)
			}
		}
		sctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond) // no time to finish
		if err := first.Stop(sctx); err != nil {
			t.Fatal(err)
		}
		cancel()
		if got, _ := first.Import(ctx, admin, im.ID); got.Status == store.ImportDone || got.RowsDone >= rows {
			t.Fatalf("the stop did not interrupt the import: %+v", got)
		}

		second := newClient(t, db, svc)
		if err := second.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer stop(t, second)
		done := waitImport(t, second, admin, im.ID)
		if done.Status != store.ImportDone || done.RowsDone != rows || done.Created+done.Updated != rows || done.Rejected != 0 {
			t.Fatalf("import after restart: %+v", done)
		}
		if n, _ := countDeals(t, db, o.Account.ID); n != rows {
			t.Errorf("%d deals after the interrupted import, want %d", n, rows)
		}
	})
}

func mustExec(t *testing.T, db *store.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.SQL().Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
