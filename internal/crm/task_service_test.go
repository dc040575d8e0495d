package crm_test

import (
	"context"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

func TestTasks(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, clock := testkit.Service(db)
		ctx := context.Background()
		o := testkit.NewOrg(t, svc, "acme")
		beta := testkit.NewOrg(t, svc, "beta")
		mgr, head := o.Actor(t, o.North1), o.Actor(t, o.NorthHead)
		deal, _ := svc.CreateDeal(ctx, mgr, crm.DealCreate{Name: "Тур"})
		foreign, _ := svc.CreateDeal(ctx, beta.Actor(t, beta.North1), crm.DealCreate{Name: "Чужая"})
		colleague, _ := svc.CreateDeal(ctx, o.Actor(t, o.North2), crm.DealCreate{Name: "Коллеги"})

		call, err := svc.CreateTask(ctx, mgr, crm.TaskInput{Type: "call", Title: "Перезвонить", DealID: deal.ID, DueAt: clock.Now().Add(2 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			in    crm.TaskInput
			field string
		}{
			{crm.TaskInput{Title: "x", DueAt: clock.Now(), DealID: foreign.ID}, "deal_id"},
			{crm.TaskInput{Title: "x", DueAt: clock.Now(), DealID: colleague.ID}, "deal_id"}, // a deal the manager may not see
			{crm.TaskInput{Title: "x"}, "due_at"},
			{crm.TaskInput{Title: "x", Type: "party", DueAt: clock.Now()}, "type"},
			{crm.TaskInput{Title: " ", DueAt: clock.Now()}, "title"},
			{crm.TaskInput{Title: "x", DueAt: clock.Now(), ResponsibleID: o.North2.ID}, "responsible_id"},
		} {
			_, err := svc.CreateTask(ctx, mgr, c.in)
			wantCode(t, err, crm.EINVALID, c.field)
		}
		// A head may set a task for the team.
		if _, err := svc.CreateTask(ctx, head, crm.TaskInput{Title: "Отчёт", DueAt: clock.Now().Add(time.Hour), ResponsibleID: o.North2.ID}); err != nil {
			t.Errorf("head sets a task for north2: %v", err)
		}
		overdue := func() int {
			l, err := svc.Tasks(ctx, mgr, crm.TaskFilter{Overdue: true}, crm.Page{})
			if err != nil {
				t.Fatal(err)
			}
			return len(l.Items)
		}
		if n := overdue(); n != 0 {
			t.Errorf("overdue before the due time: %d", n)
		}
		clock.Advance(3 * time.Hour)
		if n := overdue(); n != 1 {
			t.Errorf("overdue after the due time: %d", n)
		}
		done, err := svc.CompleteTask(ctx, mgr, call.ID, "Договорились на пятницу")
		if err != nil || !done.DoneAt.Equal(clock.Now()) || done.Overdue(clock.Now()) {
			t.Fatalf("complete: %+v %v", done, err)
		}
		if again, _ := svc.CompleteTask(ctx, mgr, call.ID, "other"); !again.DoneAt.Equal(done.DoneAt) || again.Result != "Договорились на пятницу" {
			t.Errorf("completing twice changed it: %+v", again)
		}
		if n := overdue(); n != 0 {
			t.Errorf("a done task is overdue")
		}
		var events int
		_ = db.SQL().QueryRow(`SELECT COUNT(*) FROM events WHERE entity_id = $1 AND type = 'task.done'`, call.ID).Scan(&events)
		if events != 1 {
			t.Errorf("task.done events: %d, want 1", events)
		}
		if r, err := svc.ReopenTask(ctx, mgr, call.ID); err != nil || !r.DoneAt.IsZero() {
			t.Errorf("reopen: %+v %v", r, err)
		}
		if _, err := svc.Task(ctx, o.Actor(t, o.North2), call.ID); crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Errorf("another manager reads the task: %v", err)
		}
		if _, err := svc.Task(ctx, head, call.ID); err != nil {
			t.Errorf("the head reads the team's task: %v", err)
		}
	})
}

func TestActivitiesAndTouches(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, clock := testkit.Service(db)
		ctx := context.Background()
		o := testkit.NewOrg(t, svc, "acme")
		mgr := o.Actor(t, o.North1)
		deal, _ := svc.CreateDeal(ctx, mgr, crm.DealCreate{Name: "Тур"})
		log := func(a *crm.Activity) *crm.Activity {
			t.Helper()
			if err := svc.LogActivity(ctx, mgr, a); err != nil {
				t.Fatal(err)
			}
			return a
		}
		call := log(&crm.Activity{Kind: "call", Direction: "out", DealID: deal.ID, DurationSeconds: 185, Result: "недозвон", At: clock.Now().Add(-time.Hour)})
		log(&crm.Activity{Kind: "call", Direction: "in", DealID: deal.ID})
		log(&crm.Activity{Kind: "note", DealID: deal.ID, Body: "Хочет в сентябре"})
		log(&crm.Activity{Kind: "meeting", DealID: deal.ID})
		log(&crm.Activity{Kind: "message", Direction: "out", Channel: " WhatsApp ", DealID: deal.ID})
		touches, _ := svc.Activities(ctx, mgr, crm.ActivityFilter{DealID: deal.ID, Touch: true}, crm.Page{})
		if len(touches.Items) != 3 {
			t.Errorf("touches: %d, want 3 (outbound call, meeting, outbound message)", len(touches.Items))
		}
		for _, a := range touches.Items {
			if !a.IsTouch() {
				t.Errorf("%s %s is not a touch", a.Kind, a.Direction)
			}
		}
		all, _ := svc.Activities(ctx, mgr, crm.ActivityFilter{DealID: deal.ID}, crm.Page{})
		if len(all.Items) != 5 || all.Items[len(all.Items)-1].ID != call.ID {
			t.Errorf("newest first, the backdated call last: %d items", len(all.Items))
		}
		for _, c := range []struct {
			a     *crm.Activity
			field string
		}{
			{&crm.Activity{Kind: "call", DealID: deal.ID}, "direction"},
			{&crm.Activity{Kind: "note", Direction: "out", DealID: deal.ID}, "direction"},
			{&crm.Activity{Kind: "note"}, "deal_id"},
			{&crm.Activity{Kind: "call", Direction: "out", DealID: deal.ID, At: clock.Now().Add(time.Hour)}, "at"},
			{&crm.Activity{Kind: "call", Direction: "out", DealID: deal.ID, RecordingURL: "ftp://x"}, "recording_url"},
			{&crm.Activity{Kind: "fax", DealID: deal.ID}, "kind"},
		} {
			wantCode(t, svc.LogActivity(ctx, mgr, c.a), crm.EINVALID, c.field)
		}
		// Visible through the deal: the head sees it; another manager does not; the author may change it.
		if _, err := svc.Activity(ctx, o.Actor(t, o.NorthHead), call.ID); err != nil {
			t.Errorf("head: %v", err)
		}
		if _, err := svc.Activity(ctx, o.Actor(t, o.South1), call.ID); crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Errorf("south1 reads it: %v", err)
		}
		_, err := svc.UpdateActivity(ctx, o.Actor(t, o.NorthHead), call.ID, crm.ActivityUpdate{})
		wantCode(t, err, crm.EFORBIDDEN, "")
		res := "дозвонились"
		if a, err := svc.UpdateActivity(ctx, mgr, call.ID, crm.ActivityUpdate{Result: &res}); err != nil || a.Result != res {
			t.Errorf("update by author: %v", err)
		}
	})
}
