package dataio

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/voronka/voronka/internal/crm"
)

// Words other CRMs and people use for task types, activity kinds and directions.
var (
	taskTypeWords = map[string]string{"звонок": "call", "позвонить": "call", "встреча": "meeting", "письмо": "email",
		"email": "email", "e-mail": "email", "связаться": "follow_up", "перезвонить": "follow_up", "follow-up": "follow_up",
		"задача": "other", "другое": "other"}
	activityKindWords = map[string]string{"звонок": "call", "входящий звонок": "call", "исходящий звонок": "call",
		"письмо": "email", "e-mail": "email", "встреча": "meeting", "сообщение": "message", "чат": "message",
		"whatsapp": "message", "telegram": "message", "sms": "message", "примечание": "note", "заметка": "note",
		"комментарий": "note"}
	directionWords = map[string]string{"входящий": "in", "входящее": "in", "incoming": "in", "inbound": "in",
		"исходящий": "out", "исходящее": "out", "outgoing": "out", "outbound": "out"}
)

// word reads a value of an enumeration given as Voronka's own word or a common synonym.
func word(v string, allowed []string, synonyms map[string]string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	if w, ok := synonyms[v]; ok {
		return w
	}
	return v // the domain rejects it, naming the allowed values
}

// dealOf resolves the deal a row names by its id in the source (deal) or in Voronka (deal_id);
// 0 when the row names none.
func (im *Importer) dealOf(ctx context.Context, r rowReader) (int64, error) {
	if v := r.str("deal_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return 0, r.fail("deal_id", "is not a deal id")
		}
		return id, nil
	}
	v := r.str("deal")
	if v == "" {
		return 0, nil
	}
	id, err := im.Service.IDByExternal(ctx, im.Actor, "deal", im.Mapping.Source, v)
	if err != nil {
		return 0, err
	}
	if id == 0 {
		return 0, r.fail("deal", fmt.Sprintf("no deal imported from %s with the id %q: import the deals first", im.Mapping.Source, v))
	}
	return id, nil
}

// importTask creates the row's task, or updates the one imported before with its id.
func (im *Importer) importTask(ctx context.Context, cr chunkRow) (bool, []RowProblem, error) {
	r := rowReader{im: im, line: cr.line, row: cr.row}
	now := im.Service.Now()
	in := crm.TaskInput{Type: word(r.str("type"), crm.TaskTypes, taskTypeWords), Title: r.str("title"), Description: r.str("description"),
		Result: r.str("result"), ExternalSource: im.Mapping.Source, ExternalID: r.str("external_id")}
	if in.ExternalID == "" {
		return false, nil, r.fail("external_id", "is empty: every row needs an id to be imported again without duplicates")
	}
	var err error
	if in.DealID, err = im.dealOf(ctx, r); err != nil {
		return false, nil, err
	}
	if in.DueAt, err = r.time("due_at", now); err != nil {
		return false, nil, err
	}
	if in.DueAt.IsZero() {
		return false, nil, r.fail("due_at", "is empty")
	}
	if in.DoneAt, err = r.time("done_at", now); err != nil {
		return false, nil, err
	}
	if in.CreatedAt, err = r.time("created_at", now); err != nil {
		return false, nil, err
	}
	if name := r.str("responsible"); name != "" {
		if in.ResponsibleID, err = im.cache.user(ctx, im, r, name); err != nil {
			return false, nil, err
		}
	}
	id, err := im.Service.IDByExternal(ctx, im.Actor, "task", in.ExternalSource, in.ExternalID)
	if err != nil {
		return false, nil, err
	}
	if id == 0 {
		_, err := im.Service.CreateTask(ctx, im.Actor, in)
		return true, nil, im.deal404(r, err)
	}
	upd := crm.TaskUpdate{Type: &in.Type, Title: &in.Title, Description: &in.Description, Result: &in.Result, DueAt: &in.DueAt,
		ResponsibleID: ifSet(in.ResponsibleID)}
	_, err = im.Service.UpdateTask(ctx, im.Actor, id, upd)
	return false, nil, im.deleted(err, "task", in.ExternalSource, in.ExternalID)
}

// importActivity logs the row's call, e-mail, meeting, message or note, or updates the one
// imported before with its id.
func (im *Importer) importActivity(ctx context.Context, cr chunkRow) (bool, []RowProblem, error) {
	r := rowReader{im: im, line: cr.line, row: cr.row}
	a := &crm.Activity{Kind: word(r.str("kind"), crm.ActivityKinds, activityKindWords), Result: r.str("result"),
		Subject: r.str("subject"), Body: r.str("body"), ExternalSource: im.Mapping.Source, ExternalID: r.str("external_id")}
	if a.ExternalID == "" {
		return false, nil, r.fail("external_id", "is empty: every row needs an id to be imported again without duplicates")
	}
	if d := r.str("direction"); d != "" {
		a.Direction = word(d, []string{"in", "out"}, directionWords)
	} else if k := strings.ToLower(r.str("kind")); strings.Contains(k, "входящ") {
		a.Direction = "in"
	} else if strings.Contains(k, "исходящ") || a.Kind == "call" || a.Kind == "email" || a.Kind == "message" {
		a.Direction = "out" // a call, e-mail or message a manager logs is theirs unless the file says otherwise
	}
	var err error
	if a.DealID, err = im.dealOf(ctx, r); err != nil {
		return false, nil, err
	}
	if a.At, err = r.time("at", im.Service.Now()); err != nil {
		return false, nil, err
	}
	if a.At.IsZero() {
		return false, nil, r.fail("at", "is empty")
	}
	if v := r.str("duration"); v != "" {
		if a.DurationSeconds, err = parseDuration(v); err != nil {
			return false, nil, r.fail("duration", err.Error())
		}
	}
	if name := r.str("user"); name != "" {
		if a.UserID, err = im.cache.user(ctx, im, r, name); err != nil {
			return false, nil, err
		}
	}
	id, err := im.Service.IDByExternal(ctx, im.Actor, "activity", a.ExternalSource, a.ExternalID)
	if err != nil {
		return false, nil, err
	}
	if id == 0 {
		return true, nil, im.deal404(r, im.Service.LogActivity(ctx, im.Actor, a))
	}
	upd := crm.ActivityUpdate{Result: &a.Result, Subject: &a.Subject, Body: &a.Body, At: &a.At, DurationSeconds: &a.DurationSeconds}
	if a.Direction != "" {
		upd.Direction = &a.Direction
	}
	_, err = im.Service.UpdateActivity(ctx, im.Actor, id, upd)
	return false, nil, im.deleted(err, "activity", a.ExternalSource, a.ExternalID)
}

// parseDuration reads seconds ("95"), or m:ss / h:mm:ss ("1:35", "0:01:35").
func parseDuration(s string) (int, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil && n >= 0 {
		return n, nil
	}
	parts := strings.Split(s, ":")
	if len(parts) == 2 || len(parts) == 3 {
		total := 0
		for i, p := range parts {
			n, err := strconv.Atoi(p)
			if err != nil || n < 0 || (i > 0 && n > 59) {
				return 0, fmt.Errorf("%q is not a duration (seconds, m:ss or h:mm:ss)", s)
			}
			total = total*60 + n
		}
		return total, nil
	}
	return 0, fmt.Errorf("%q is not a duration (seconds, m:ss or h:mm:ss)", s)
}
