package crm_test

import (
	"context"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

func TestTimeline(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, clock := testkit.Service(db)
		ctx := context.Background()
		o := testkit.NewOrg(t, svc, "acme")
		mgr, head := o.Actor(t, o.North1), o.Actor(t, o.NorthHead)
		anna, _, _ := svc.CreateContact(ctx, mgr, crm.ContactInput{Name: "Анна"})
		tick := func() { clock.Advance(time.Minute) }
		deal, _ := svc.CreateDeal(ctx, mgr, crm.DealCreate{Name: "Тур", ContactID: anna.ID}) // 1 stage change
		tick()
		_ = svc.LogActivity(ctx, mgr, &crm.Activity{Kind: "call", Direction: "out", DealID: deal.ID}) // activity
		tick()
		name := "Тур в Сочи"
		_, _ = svc.UpdateDeal(ctx, mgr, deal.ID, crm.DealUpdate{Name: &name}) // field change
		tick()
		ps, _ := svc.Pipelines(ctx, mgr, false)
		stage := ps[0].Stages[1].ID
		_, _ = svc.UpdateDeal(ctx, mgr, deal.ID, crm.DealUpdate{StageID: &stage}) // stage change + field change, same instant
		tick()
		_, _ = svc.CreateTask(ctx, mgr, crm.TaskInput{Title: "Выслать КП", DealID: deal.ID, DueAt: clock.Now().Add(time.Hour)}) // task
		tick()
		north2 := o.North2.ID
		_, _ = svc.UpdateDeal(ctx, head, deal.ID, crm.DealUpdate{ResponsibleID: &north2}) // responsible + field change
		tick()
		_ = svc.LogActivity(ctx, head, &crm.Activity{Kind: "note", ContactID: anna.ID, Body: "VIP"}) // on the contact only

		want := []string{"activity", "responsible_change", "field_change", "task", "stage_change", "field_change", "field_change", "activity", "stage_change"}
		full, err := svc.Timeline(ctx, head, "deal", deal.ID, crm.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		got := []string{}
		for _, it := range full.Items {
			got = append(got, it.Type)
		}
		// The note is on the contact, not the deal.
		if len(got) != len(want)-1 || got[0] != "responsible_change" || got[len(got)-1] != "stage_change" {
			t.Fatalf("deal timeline: %v", got)
		}
		contact, _ := svc.Timeline(ctx, head, "contact", anna.ID, crm.Page{Limit: 100})
		got = got[:0]
		for _, it := range contact.Items {
			got = append(got, it.Type)
		}
		// The contact's timeline has its own note, its deal's history, and no deal field changes.
		if len(got) != 6 || got[0] != "activity" || contact.Items[0].Activity.Kind != "note" {
			t.Fatalf("contact timeline: %v", got)
		}
		// Pages of 2 give the same items in the same order, none twice.
		var paged []*crm.TimelineItem
		p := crm.Page{Limit: 2}
		for {
			l, err := svc.Timeline(ctx, head, "deal", deal.ID, p)
			if err != nil {
				t.Fatal(err)
			}
			paged = append(paged, l.Items...)
			if l.Next == "" {
				break
			}
			p.After = l.Next
		}
		if len(paged) != len(full.Items) {
			t.Fatalf("paged %d items, whole %d", len(paged), len(full.Items))
		}
		for i := range paged {
			if paged[i].Type != full.Items[i].Type || paged[i].ID != full.Items[i].ID {
				t.Fatalf("page order differs at %d: %s %d vs %s %d", i, paged[i].Type, paged[i].ID, full.Items[i].Type, full.Items[i].ID)
			}
		}
		// North1 no longer owns the deal: its timeline is not found for them.
		if _, err := svc.Timeline(ctx, mgr, "deal", deal.ID, crm.Page{}); crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Errorf("timeline for a manager who lost the deal: %v", err)
		}
	})
}
