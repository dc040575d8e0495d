package analytics

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

// The states at a bucket's end are computed by running sums of changes (states.go). Here they are
// checked against their definition, written the plain way — every row joined with every bucket
// whose end it precedes — on a demo account, for buckets of every size, periods not aligned to
// them, slices and filters, on both engines.

// overdueByDefinition: per deal not lost and bucket, the schedule due before the bucket's last day
// ended less the payments received before its end, where positive.
func overdueByDefinition(e *Engine, ctx context.Context, actor *crm.Actor, spans []Span, by []Dimension, f Filter) (map[sliceKey]facts, error) {
	q := &query{engine: e.db.Engine}
	cte := spansWithDatesCTE(q, spans)
	acc := q.add(actor.AccountID)
	joins, labels := dealDims(by)
	group := strings.Join(append([]string{"du.i"}, labels...), ", ")
	sqlText := fmt.Sprintf(`WITH %s,
		du AS (SELECT b.i, pp.deal_id, SUM(pp.amount) AS amt
			FROM payment_plans pp JOIN spans b ON pp.due_on < b.td
			WHERE pp.account_id = %s AND pp.deleted_at IS NULL GROUP BY b.i, pp.deal_id),
		pa AS (SELECT b.i, p.deal_id, SUM(p.amount) AS amt
			FROM payments p JOIN spans b ON p.paid_at < b.e
			WHERE p.account_id = %s AND p.deleted_at IS NULL GROUP BY b.i, p.deal_id)
		SELECT %s, SUM(du.amt - COALESCE(pa.amt, 0)), COUNT(*)
		FROM du JOIN deals d ON d.account_id = %s AND d.id = du.deal_id
			LEFT JOIN pa ON pa.i = du.i AND pa.deal_id = du.deal_id %s
		WHERE %s AND d.status <> 'lost' AND du.amt > COALESCE(pa.amt, 0) GROUP BY %s`,
		cte, acc, acc, group, acc, strings.Join(joins, " "), q.where(actor, f), group)
	return collectFacts(ctx, e, q, sqlText, len(labels), []string{"overdue", "overdue_deals"})
}

func TestStatesAtBucketEndsMatchTheirDefinition(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		acc := testkit.Demo(t, db, 1500)
		svc, res, admin := acc.Svc, acc.Res, acc.Admin
		e := NewEngine(db).Uncached()
		msk, _ := time.LoadLocation("Europe/Moscow")
		ny, _ := time.LoadLocation("America/New_York")
		periods := []struct {
			p Period
			b Bucket
		}{
			{Period{From: crm.Date{Year: 2025, Month: 11, Day: 1}, To: crm.Date{Year: 2026, Month: 11, Day: 1}, Loc: msk}, Month},
			{Period{From: crm.Date{Year: 2024, Month: 2, Day: 17}, To: crm.Date{Year: 2026, Month: 5, Day: 3}, Loc: ny}, Quarter},
			{Period{From: crm.Date{Year: 2026, Month: 2, Day: 20}, To: crm.Date{Year: 2026, Month: 4, Day: 10}, Loc: ny}, Day},
			{Period{From: crm.Date{Year: 2025, Month: 12, Day: 3}, To: crm.Date{Year: 2026, Month: 3, Day: 1}, Loc: msk}, Week},
			{Period{From: crm.Date{Year: 2023, Month: 1, Day: 1}, To: crm.Date{Year: 2027, Month: 1, Day: 1}, Loc: msk}, Year},
			{Period{From: crm.Date{Year: 2025, Month: 6, Day: 1}, To: crm.Date{Year: 2026, Month: 6, Day: 1}, Loc: msk}, None},
		}
		ps, _ := svc.Pipelines(ctx, admin, false)
		var channel int64
		if err := db.Reader().QueryRowContext(ctx, `SELECT MIN(channel_id) FROM deals WHERE account_id = $1`, res.Account.ID).Scan(&channel); err != nil {
			t.Fatal(err)
		}
		slicings := []struct {
			by []Dimension
			f  Filter
		}{
			{nil, Filter{}},
			{[]Dimension{ByManager}, Filter{}},
			{[]Dimension{ByProduct}, Filter{}},
			{[]Dimension{ByClientType, ByChannel}, Filter{}},
			{[]Dimension{ByTeam}, Filter{PipelineID: ps[0].ID, ClientType: ClientExisting}},
			{[]Dimension{ByPipeline, ByRegion}, Filter{ChannelID: channel}},
		}
		checked := 0
		for _, per := range periods {
			spans := per.p.Spans(per.b)
			for _, s := range slicings {
				for _, g := range []struct {
					group     factGroup
					got, want factFunc
				}{
					{factsOverdue, (*Engine).overdueStates, overdueByDefinition},
				} {
					if !supports(g.group, s.by, s.f) {
						continue
					}
					got, err := g.got(e, ctx, admin, spans, s.by, s.f)
					if err != nil {
						t.Fatalf("%s %v by %v: %v", g.group, per.b, s.by, err)
					}
					want, err := g.want(e, ctx, admin, spans, s.by, s.f)
					if err != nil {
						t.Fatal(err)
					}
					if d := diffFacts(got, want); d != "" {
						t.Errorf("%s, %s by %q, by %v %+v: %s", g.group, per.p.From, per.b, s.by, s.f, d)
					}
					for _, fs := range want {
						checked += len(fs)
					}
				}
			}
		}
		if checked < 1000 {
			t.Fatalf("only %d figures compared: the demo account is too thin to prove anything", checked)
		}
	})
}

// diffFacts describes how two fact sets differ ("" when they do not); values are sums of money in
// minor units (or those over 100), so they must agree to the cent.
func diffFacts(got, want map[sliceKey]facts) string {
	var out []string
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			out = append(out, fmt.Sprintf("missing %v: want %v", k, w))
			continue
		}
		for n, v := range w {
			if math.Abs(g[n]-v) > 1e-6 {
				out = append(out, fmt.Sprintf("%v %s = %v, want %v", k, n, g[n], v))
			}
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			out = append(out, fmt.Sprintf("extra %v: %v", k, g))
		}
	}
	sort.Strings(out)
	if len(out) > 5 {
		out = append(out[:5], fmt.Sprintf("… %d more", len(out)-5))
	}
	return strings.Join(out, "; ")
}
