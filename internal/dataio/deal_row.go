package dataio

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/voronka/voronka/internal/crm"
)

// rowReader reads a row's fields through the mapping, turning bad values into *RowError.
type rowReader struct {
	im   *Importer
	line int
	row  map[string]string
}

func (r rowReader) has(field string) bool { _, ok := r.im.Mapping.Fields[field]; return ok }

func (r rowReader) str(field string) string {
	f, ok := r.im.Mapping.Fields[field]
	if !ok {
		return ""
	}
	return f.value(r.row)
}

func (r rowReader) fail(field, msg string) error {
	f := r.im.Mapping.Fields[field]
	return &RowError{Line: r.line, Column: f.column(), Value: f.value(r.row), Message: field + ": " + msg}
}

func (r rowReader) timeOf(field string, f Field, now time.Time) (time.Time, error) {
	v := f.value(r.row)
	if v == "" {
		return time.Time{}, nil
	}
	if v == "now" {
		return now, nil
	}
	t, err := ParseTime(v, f.Format, r.im.loc)
	if err != nil {
		return time.Time{}, &RowError{Line: r.line, Column: f.column(), Value: v, Message: field + ": " + err.Error()}
	}
	return t, nil
}

func (r rowReader) time(field string, now time.Time) (time.Time, error) {
	f, ok := r.im.Mapping.Fields[field]
	if !ok {
		return time.Time{}, nil
	}
	return r.timeOf(field, f, now)
}

func (r rowReader) money(field string) (int64, bool, error) {
	v := r.str(field)
	if v == "" {
		return 0, false, nil
	}
	var n int64
	var err error
	if r.im.Mapping.MinorUnits {
		n, err = strconv.ParseInt(strings.ReplaceAll(v, " ", ""), 10, 64)
	} else {
		n, err = ParseMoney(v, r.im.Mapping.DecimalComma)
	}
	if err != nil {
		return 0, false, r.fail(field, err.Error())
	}
	if n < 0 {
		return 0, false, r.fail(field, "must not be negative")
	}
	return n, true, nil
}

// importDeal creates the row's deal, or updates it when its external id was imported before.
// isNew says which; warnings are corrections made to the row.
func (im *Importer) importDeal(ctx context.Context, cr chunkRow) (isNew bool, warnings []RowProblem, err error) {
	in, warnings, err := im.parseDeal(ctx, cr)
	if err != nil {
		return false, nil, err
	}
	// An export of this account names its deals by id: those are updated.
	if own, err := im.ownID(ctx, rowReader{im: im, line: cr.line, row: cr.row}, "deal", in.CreatedAt); err != nil {
		return false, nil, err
	} else if own != 0 {
		return false, warnings, im.update(ctx, own, in)
	}
	id, err := im.Service.IDByExternal(ctx, im.Actor, "deal", in.ExternalSource, in.ExternalID)
	if err != nil {
		return false, nil, err
	}
	if id == 0 {
		_, err := im.Service.CreateDeal(ctx, im.Actor, in)
		return true, warnings, err
	}
	return false, warnings, im.update(ctx, id, in)
}

// parseDeal reads the row into the deal it describes, resolving (and, as the mapping allows,
// creating) the records it names; warnings are corrections made to the row.
func (im *Importer) parseDeal(ctx context.Context, cr chunkRow) (in crm.DealCreate, warnings []RowProblem, err error) {
	r := rowReader{im: im, line: cr.line, row: cr.row}
	now := im.Service.Now()
	extID := r.str("external_id")
	if extID == "" {
		return in, nil, r.fail("external_id", "is empty: every row needs an id to be imported again without duplicates")
	}
	p, err := im.cache.pipeline(ctx, im)
	if err != nil {
		return in, nil, err
	}
	if name := r.str("pipeline"); name != "" {
		if p = im.cache.pipelineNamed(name); p == nil {
			return in, nil, r.fail("pipeline", "no such pipeline in the account")
		}
	}
	in = crm.DealCreate{Name: r.str("name"), PipelineID: p.ID, ExternalSource: im.Mapping.Source, ExternalID: extID,
		Region: r.str("region"), Segment: r.str("segment"), LossComment: r.str("loss_comment"),
		UTM: crm.UTM{Source: r.str("utm_source"), Medium: r.str("utm_medium"), Campaign: r.str("utm_campaign"),
			Content: r.str("utm_content"), Term: r.str("utm_term")}}
	if in.Name == "" {
		in.Name = extID
	}

	// Stage and history.
	stName := r.str("stage")
	st := p.FirstOpen()
	if stName != "" {
		if st = stageNamed(p, stName); st == nil {
			return in, nil, r.fail("stage", fmt.Sprintf("no stage %q in pipeline %q (its stages: %s); map it in the mapping's stage.map", stName, p.Name, stageList(p)))
		}
	}
	created, err := r.time("created_at", now)
	if err != nil {
		return in, nil, err
	}
	closed, err := r.time("closed_at", now)
	if err != nil {
		return in, nil, err
	}
	type step struct {
		st *crm.Stage
		at time.Time
	}
	var steps []step
	for name, f := range im.Mapping.StageDates {
		at, err := r.timeOf("stage_dates."+name, f, now)
		if err != nil {
			return in, nil, err
		}
		if at.IsZero() {
			continue
		}
		s := stageNamed(p, name)
		if s == nil {
			return in, nil, &RowError{Line: r.line, Column: f.column(), Message: fmt.Sprintf("stage_dates: no stage %q in pipeline %q", name, p.Name)}
		}
		steps = append(steps, step{s, at})
	}
	slices.SortStableFunc(steps, func(a, b step) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.st.Position - b.st.Position
	})
	if created.IsZero() {
		switch {
		case len(steps) > 0:
			created = steps[0].at
		default:
			return in, nil, r.fail("created_at", "is empty (give created_at, a stage date, or \"default\": \"now\")")
		}
	}
	if st.Kind != crm.StageOpen && !closed.IsZero() && closed.Before(created) {
		if im.Mapping.ClosedBeforeCreated != "clamp" {
			return in, nil, r.fail("closed_at", fmt.Sprintf("%s is before the deal was created (%s)", closed.Format(time.DateTime), created.Format(time.DateTime)))
		}
		warnings = append(warnings, RowProblem{Line: r.line, Column: im.Mapping.Fields["closed_at"].column(), Value: r.str("closed_at"),
			Message: fmt.Sprintf("closed_at: before the deal was created (%s): closed when created instead", created.Format(time.DateTime)), Warning: true})
		closed = created
	}
	if st.Kind == crm.StageOpen && !closed.IsZero() {
		closed = time.Time{} // an open deal has no close date, whatever the file says
	}
	if len(steps) > 0 || st.Kind != crm.StageOpen {
		if len(steps) == 0 || steps[0].at.After(created) {
			steps = append([]step{{p.FirstOpen(), created}}, steps...)
		}
		if last := steps[len(steps)-1]; last.st.ID != st.ID {
			at := closed
			if at.IsZero() {
				at = last.at
			}
			steps = append(steps, step{st, at})
		}
		for _, s := range steps {
			in.StageHistory = append(in.StageHistory, crm.StageStep{StageID: s.st.ID, At: s.at})
		}
	} else {
		in.StageID = st.ID
	}
	in.CreatedAt, in.ClosedAt = created, closed

	// People and references.
	if name := r.str("responsible"); name != "" {
		if in.ResponsibleID, err = im.cache.user(ctx, im, r, name); err != nil {
			return in, nil, err
		}
	}
	if name := r.str("company"); name != "" {
		if in.CompanyID, err = im.cache.company(ctx, im, r, name, in.ResponsibleID); err != nil {
			return in, nil, err
		}
	}
	if r.str("contact") != "" || r.str("contact.phone") != "" || r.str("contact.email") != "" {
		if in.ContactID, err = im.cache.contact(ctx, im, r, in.CompanyID, in.ResponsibleID); err != nil {
			return in, nil, err
		}
	}
	if name := r.str("channel"); name != "" {
		if in.ChannelID, err = im.cache.channel(ctx, im, r, name); err != nil {
			return in, nil, err
		}
	}
	if name := r.str("loss_reason"); name != "" && st.Kind == crm.StageLost {
		if in.LossReasonID, err = im.cache.lossReason(ctx, im, r, name); err != nil {
			return in, nil, err
		}
	}
	in.Tags = r.tags()
	if v := r.str("expected_close_date"); v != "" {
		t, err := ParseTime(v, im.Mapping.Fields["expected_close_date"].Format, im.loc)
		if err != nil {
			return in, nil, r.fail("expected_close_date", err.Error())
		}
		in.ExpectedCloseDate = crm.DateOf(t)
	}
	in.Custom = r.custom()

	// Money: the amount, and the line items (an items cell, or one line when a product is named).
	amount, hasAmount, err := r.money("amount")
	if err != nil {
		return in, nil, err
	}
	in.Amount = amount
	if cell := r.str("items"); cell != "" {
		items, err := ParseItems(cell, im.Mapping.DecimalComma)
		if err != nil {
			return in, nil, r.fail("items", err.Error())
		}
		for _, it := range items {
			in2 := crm.ItemInput{Name: it.Name, Quantity: it.Quantity, Price: &it.Price, Discount: it.Discount, Upsell: it.Upsell}
			if prod, ok := im.cache.products[key(it.Name)]; ok {
				in2.ProductID = prod.ID
			}
			in.Items = append(in.Items, in2)
		}
	} else if name := r.str("product"); name != "" {
		qty := int64(1)
		if v := r.str("quantity"); v != "" {
			if qty, err = strconv.ParseInt(strings.TrimSpace(v), 10, 64); err != nil || qty <= 0 {
				return in, nil, r.fail("quantity", "must be a whole number above 0")
			}
		}
		price, hasPrice, err := r.money("price")
		if err != nil {
			return in, nil, err
		}
		prodID, listPrice, err := im.cache.product(ctx, im, r, name, price)
		if err != nil {
			return in, nil, err
		}
		it := crm.ItemInput{ProductID: prodID, Quantity: qty}
		switch {
		case hasAmount:
			// The line makes up the deal's amount: a unit price rounded up, the rest a discount.
			unit := (amount + qty - 1) / qty
			disc := unit*qty - amount
			it.Price, it.Discount = &unit, disc
		case hasPrice:
			it.Price = &price
		default:
			it.Price = &listPrice
		}
		in.Items = []crm.ItemInput{it}
	}

	return in, warnings, nil
}

// update brings a deal imported before up to date with its row.
func (im *Importer) update(ctx context.Context, id int64, in crm.DealCreate) error {
	_, err := im.Service.UpdateDeal(ctx, im.Actor, id, dealUpdate(in))
	return im.deleted(err, "deal", in.ExternalSource, in.ExternalID)
}

// dealUpdate is the update that brings a deal imported before up to date with its row. The row's
// stage is the deal's target: UpdateDeal moves the deal only when it is elsewhere, and writes
// nothing when nothing changed (a re-run of the same file).
func dealUpdate(in crm.DealCreate) crm.DealUpdate {
	upd := crm.DealUpdate{Name: &in.Name, Region: &in.Region, Segment: &in.Segment, UTM: &in.UTM,
		ResponsibleID: ifSet(in.ResponsibleID), CompanyID: ifSet(in.CompanyID), ContactID: ifSet(in.ContactID),
		ChannelID: ifSet(in.ChannelID), LossReasonID: ifSet(in.LossReasonID)}
	if in.Items != nil {
		upd.Items = &in.Items
	} else {
		upd.Amount = &in.Amount
	}
	target := in.StageID
	if n := len(in.StageHistory); n > 0 {
		target = in.StageHistory[n-1].StageID
	}
	upd.StageID, upd.PipelineID = &target, &in.PipelineID
	if in.Tags != nil {
		upd.Tags = &in.Tags
	}
	upd.Custom = in.Custom
	return upd
}

func stageNamed(p *crm.Pipeline, name string) *crm.Stage {
	for _, s := range p.Stages {
		if strings.EqualFold(strings.TrimSpace(s.Name), strings.TrimSpace(name)) {
			return s
		}
	}
	return nil
}

func stageList(p *crm.Pipeline) string {
	var names []string
	for _, s := range p.Stages {
		names = append(names, s.Name)
	}
	return strings.Join(names, ", ")
}
