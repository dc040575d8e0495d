package store_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

// fullScan finds a plan line that reads one of the main tables whole: SQLite's "SCAN <alias>"
// without an index, PostgreSQL's "Seq Scan on <table>".
var fullScan = regexp.MustCompile(`(?m)^(SCAN (d|c|t|x|deals|contacts|tasks|activities|companies)( |$)|.*Seq Scan on (deals|contacts|tasks|activities|companies|deal_stage_events|audit_log)\b)`)

// The main lists are served by indexes that start with account_id, on both engines, for every filter
// a user can pick — checked on the plans of the very queries the store runs.
func TestListQueriesUseAccountIndexes(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc, _ := testkit.Service(db)
		o := testkit.NewOrg(t, svc, "acme")
		admin, mgr, head := o.Actor(t, o.Admin), o.Actor(t, o.North1), o.Actor(t, o.NorthHead)
		ps, _ := svc.Pipelines(ctx, admin, false)
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		page := crm.Page{Limit: 50}
		cases := map[string]func(tx crm.Tx) error{
			"deals, admin":   func(tx crm.Tx) error { _, err := tx.FindDeals(ctx, admin, crm.DealFilter{}, page); return err },
			"deals, manager": func(tx crm.Tx) error { _, err := tx.FindDeals(ctx, mgr, crm.DealFilter{}, page); return err },
			"deals, head":    func(tx crm.Tx) error { _, err := tx.FindDeals(ctx, head, crm.DealFilter{}, page); return err },
			"deals by stage": func(tx crm.Tx) error {
				_, err := tx.FindDeals(ctx, admin, crm.DealFilter{PipelineID: ps[0].ID, StageID: ps[0].Stages[1].ID}, page)
				return err
			},
			"deals by responsible": func(tx crm.Tx) error {
				_, err := tx.FindDeals(ctx, admin, crm.DealFilter{ResponsibleID: o.North1.ID, Status: "open"}, page)
				return err
			},
			"deals created in range": func(tx crm.Tx) error {
				_, err := tx.FindDeals(ctx, admin, crm.DealFilter{CreatedFrom: from, CreatedTo: from.AddDate(0, 1, 0)}, crm.Page{Limit: 50, Sort: "created_at"})
				return err
			},
			"deals closed in range": func(tx crm.Tx) error {
				_, err := tx.FindDeals(ctx, admin, crm.DealFilter{ClosedFrom: from, ClosedTo: from.AddDate(0, 1, 0)}, crm.Page{Limit: 50, Sort: "closed_at"})
				return err
			},
			"deals by contact": func(tx crm.Tx) error {
				_, err := tx.FindDeals(ctx, admin, crm.DealFilter{ContactID: 1}, page)
				return err
			},
			"deals by company": func(tx crm.Tx) error {
				_, err := tx.FindDeals(ctx, admin, crm.DealFilter{CompanyID: 1}, page)
				return err
			},
			"deals by channel": func(tx crm.Tx) error {
				_, err := tx.FindDeals(ctx, admin, crm.DealFilter{ChannelID: 1}, page)
				return err
			},
			"deal by id":        func(tx crm.Tx) error { _, err := tx.FindDeal(ctx, mgr, 1, false); return ignoreNotFound(err) },
			"contacts, manager": func(tx crm.Tx) error { _, err := tx.FindContacts(ctx, mgr, crm.ContactFilter{}, page); return err },
			"contacts by phone": func(tx crm.Tx) error {
				_, err := tx.FindContacts(ctx, admin, crm.ContactFilter{Phone: "89123456789"}, page)
				return err
			},
			"contacts by company": func(tx crm.Tx) error {
				_, err := tx.FindContacts(ctx, admin, crm.ContactFilter{CompanyID: 1}, page)
				return err
			},
			"companies, manager": func(tx crm.Tx) error { _, err := tx.FindCompanies(ctx, mgr, crm.CompanyFilter{}, page); return err },
			"tasks, overdue": func(tx crm.Tx) error {
				_, err := tx.FindTasks(ctx, mgr, crm.TaskFilter{Overdue: true}, from, crm.Page{Limit: 50, Sort: "due_at"})
				return err
			},
			"tasks of a deal": func(tx crm.Tx) error {
				_, err := tx.FindTasks(ctx, admin, crm.TaskFilter{DealID: 1}, from, page)
				return err
			},
			"activities of a deal": func(tx crm.Tx) error {
				_, err := tx.FindActivities(ctx, admin, crm.ActivityFilter{DealID: 1}, page)
				return err
			},
			"timeline of a deal": func(tx crm.Tx) error { _, err := tx.FindTimeline(ctx, admin, "deal", 1, nil, 50); return err },
		}
		for name, fn := range cases {
			plans, err := db.ExplainQueries(ctx, fn)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if len(plans) == 0 {
				t.Fatalf("%s: no query recorded", name)
			}
			for _, p := range plans {
				if m := fullScan.FindString(p.Plan); m != "" {
					t.Errorf("%s reads a table whole (%q):\n%s\n%s", name, strings.TrimSpace(m), p.SQL, p.Plan)
				}
			}
		}
	})
}

func ignoreNotFound(err error) error {
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return nil
	}
	return err
}

// The detector itself sees a full scan: a query no index serves is caught on both engines.
func TestFullScanDetectorCatchesAFullScan(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		conn, err := db.SQL().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		q := "EXPLAIN QUERY PLAN SELECT d.id FROM deals d WHERE d.loss_comment = 'x'"
		if db.Engine == store.Postgres {
			if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
				t.Fatal(err)
			}
			q = "EXPLAIN SELECT d.id FROM deals d WHERE d.loss_comment = 'x'"
		}
		rows, err := conn.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			_ = rows.Scan(ptrs...)
			lines = append(lines, fmt.Sprint(vals[len(vals)-1]))
		}
		if plan := strings.Join(lines, "\n"); !fullScan.MatchString(plan) {
			t.Fatalf("an unindexed query was not flagged:\n%s", plan)
		}
	})
}
