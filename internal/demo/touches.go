package demo

import (
	"time"

	"github.com/voronka/voronka/internal/crm"
)

// stageEvent records a move from stage index from (-1: the deal's creation) to stage index to.
func (d *lead) stageEvent(at time.Time, from, to int) {
	var fromPipe, fromStage any
	if from >= 0 {
		fromPipe, fromStage = d.pipe.ID, d.pipe.Stages[from].ID
	}
	d.events = append(d.events, []any{d.w.accountID, d.id, at.UTC(), fromPipe, fromStage, d.pipe.ID,
		d.pipe.Stages[to].ID, d.w.managers[d.mi].user.ID})
	d.lastEvent = at
}

// activity logs a touch or a note by the responsible manager; a manager logs only their diligence's
// share of what they do, while inbound messages arrive by themselves.
func (d *lead) activity(kind, dir string, at time.Time, seconds int, result, subject string, inbound bool) {
	if at.After(d.w.until) {
		return
	}
	mg := d.w.managers[d.mi]
	if !inbound && d.w.rng.Float64() >= mg.diligence {
		return
	}
	at = at.Truncate(time.Second).UTC()
	var user any = mg.user.ID
	if inbound {
		user = nil
	}
	d.acts = append(d.acts, []any{d.w.accountID, kind, dir, d.id, d.cl.contactID, user, at, seconds, result, subject, at, at})
}

func (d *lead) callSeconds() int {
	if d.w.rng.IntN(5) == 0 {
		return d.w.rng.IntN(30) // no answer
	}
	return 60 + d.w.rng.IntN(840)
}

// stageTouches are the calls, e-mails, meetings and notes while the deal sits in a stage.
func (d *lead) stageTouches(stage int, from, to time.Time) {
	rng := d.w.rng
	span := to.Sub(from)
	if span <= 0 {
		return
	}
	at := func() time.Time { return from.Add(time.Duration(rng.Int64N(int64(span)))) }
	calls := 1 + rng.IntN(3)
	if d.p == 1 {
		calls++
	}
	for range calls {
		sec := d.callSeconds()
		res := pick(rng, callResults)
		if sec < 30 {
			res = "Не дозвонился"
		}
		d.activity("call", "out", at(), sec, res, "", false)
	}
	if stage == 3 {
		d.activity("email", "out", at(), 0, "", "Коммерческое предложение", false)
	} else if rng.IntN(100) < 40 {
		d.activity("email", "out", at(), 0, "", "Информация по запросу", false)
	}
	if d.p == 1 && stage == 2 {
		d.activity("meeting", "", at(), 3600, "Встреча проведена", "Встреча с клиентом", false)
	}
	if rng.IntN(100) < 35 {
		d.activity("note", "", at(), 0, "", "Комментарий менеджера", false)
	}
	if rng.IntN(100) < 30 {
		kind := "call"
		if rng.IntN(2) == 0 {
			kind = "message"
		}
		d.activity(kind, "in", at(), 0, "", "Вопрос клиента", true)
	}
}

// reassign hands the deal over when its manager leaves the company.
func (d *lead) reassign(at time.Time, month int) {
	w := d.w
	from := w.managers[d.mi].user.ID
	d.mi = w.pickManager(d.p, w.monthOf(at), nil)
	d.resp = append(d.resp, []any{w.accountID, d.id, at.UTC(), from, w.managers[d.mi].user.ID, w.admin.UserID})
}

// flushEvents hands the deal's buffered rows to the loader, after the deal's own row.
func (d *lead) flushEvents() error {
	for _, e := range d.events {
		if err := d.w.t.stageEvents.Add(e...); err != nil {
			return err
		}
	}
	for _, e := range d.resp {
		if err := d.w.t.respEvents.Add(e...); err != nil {
			return err
		}
	}
	for _, a := range d.acts {
		if err := d.w.t.activities.Add(a...); err != nil {
			return err
		}
	}
	return nil
}

// tasks: a closed deal had a task, done on time or late; an open deal usually has its next step
// scheduled — overdue when the manager let it slip.
func (d *lead) tasks(status string, changed, closed time.Time) error {
	w, rng := d.w, d.w.rng
	mg := w.managers[d.mi]
	title := pick(rng, taskTitles)
	typ := "call"
	if title == "Назначить встречу" {
		typ = "meeting"
	} else if title == "Отправить КП" || title == "Отправить документы" || title == "Отправить подборку туров" {
		typ = "email"
	}
	if status != crm.StageOpen {
		created := d.t0.Add(closed.Sub(d.t0) / 10).Truncate(time.Second)
		due := created.Add(time.Duration(1+rng.IntN(3)) * 24 * time.Hour)
		late := 0.14
		if !created.Before(w.goLive) {
			late = 0.05
		}
		done := due.Add(-time.Duration(rng.Int64N(int64(20 * time.Hour))))
		if rng.Float64() < late {
			done = due.Add(time.Duration(1+rng.IntN(72)) * time.Hour)
		}
		if done.Before(created) {
			done = created.Add(time.Hour)
		}
		var doneAt any = done.UTC()
		if done.After(w.until) {
			doneAt = nil
		}
		return w.t.tasks.Add(w.accountID, typ, title, d.id, d.cl.contactID, mg.user.ID, due.UTC(), doneAt, "", mg.user.ID,
			created.UTC(), created.UTC())
	}
	if rng.IntN(100) < 12 {
		return nil // no next step planned: the deal may stall
	}
	due := changed.Add(time.Duration(12+rng.IntN(8*24)) * time.Hour).Truncate(time.Second)
	return w.t.tasks.Add(w.accountID, typ, title, d.id, d.cl.contactID, mg.user.ID, due.UTC(), nil, "", mg.user.ID,
		changed.UTC(), changed.UTC())
}

// afterSale: the payment schedule and what was paid (on time, late or not yet), an NPS answer
// now and then, and the occasional complaint.
func (d *lead) afterSale(amount int64, closed time.Time) error {
	w, rng := d.w, d.w.rng
	after := !closed.Before(w.goLive)
	type part struct {
		share int64 // percent
		days  int
	}
	parts := []part{{100, 2}}
	switch {
	case d.p == 1:
		parts = []part{{50, 10}, {50, 40}}
	case amount > 10_000_000:
		parts = []part{{30, 0}, {70, 21}}
	}
	rest := amount
	for i, pt := range parts {
		a := amount * pt.share / 100
		if i == len(parts)-1 {
			a = rest
		}
		rest -= a
		dueT := closed.AddDate(0, 0, pt.days)
		due := crm.DateOf(dueT.In(w.loc))
		if err := w.t.plans.Add(w.accountID, d.id, due, a, closed.UTC(), closed.UTC()); err != nil {
			return err
		}
		late, never := 0.16, 0.03
		if after {
			late, never = 0.08, 0.015
		}
		r := rng.Float64()
		if r < never {
			continue // overdue receivables
		}
		paid := dueT.Add(-time.Duration(rng.Int64N(int64(36 * time.Hour))))
		if r < never+late {
			paid = dueT.Add(time.Duration(3+rng.IntN(33)) * 24 * time.Hour)
		}
		if paid.Before(closed) {
			paid = closed.Add(time.Duration(rng.IntN(3600)) * time.Second)
		}
		paid = paid.Truncate(time.Second)
		if paid.After(w.until) {
			continue
		}
		method := []string{"card", "card", "transfer", "cash"}[rng.IntN(4)]
		if d.p == 1 {
			method = "transfer"
		}
		if err := w.t.payments.Add(w.accountID, d.id, paid.UTC(), a, method, paid.UTC(), paid.UTC()); err != nil {
			return err
		}
	}
	if rng.IntN(100) < 30 {
		at := closed.Add(time.Duration(5*24+rng.IntN(20*24)) * time.Hour).Truncate(time.Second)
		if !at.After(w.until) {
			promoter, passive := 0.45, 0.33
			if after {
				promoter, passive = 0.58, 0.30
			}
			var score int
			switch r := rng.Float64(); {
			case r < promoter:
				score = 9 + rng.IntN(2)
			case r < promoter+passive:
				score = 7 + rng.IntN(2)
			default:
				score = rng.IntN(7)
			}
			comment := ""
			if rng.IntN(4) == 0 {
				comment = []string{"Всё отлично, спасибо!", "Долго ждали документы", "Менеджер помог с выбором", "Отель не соответствовал описанию"}[rng.IntN(4)]
			}
			if err := w.t.nps.Add(w.accountID, d.cl.contactID, d.id, score, comment, at.UTC(), at.UTC()); err != nil {
				return err
			}
		}
	}
	complaint := 0.035
	if after {
		complaint = 0.022
	}
	if rng.Float64() < complaint {
		at := closed.Add(time.Duration(3*24+rng.IntN(27*24)) * time.Hour).Truncate(time.Second)
		if !at.After(w.until) {
			hours := 4 + rng.IntN(200)
			if after {
				hours = hours * 6 / 10
			}
			res := at.Add(time.Duration(hours) * time.Hour)
			var resolved any
			resolution := ""
			if !res.After(w.until) {
				resolved, resolution = res.UTC(), "Решено: компенсация / извинения"
			}
			cat := pick(rng, complaintCategories)
			if err := w.t.complaints.Add(w.accountID, d.cl.contactID, d.id, w.managers[d.mi].user.ID, cat,
				"Жалоба клиента: "+cat, at.UTC(), resolved, resolution, at.UTC(), at.UTC()); err != nil {
				return err
			}
		}
	}
	return nil
}
