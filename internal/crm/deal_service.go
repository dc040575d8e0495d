package crm

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// CreateDeal creates a deal (a lead) in the actor's account. EINVALID naming the field (unknown
// pipeline, stage or referenced record, a stage of another pipeline, negative amounts, bad items,
// invalid custom fields, inconsistent history), EFORBIDDEN (history without being an administrator),
// ECONFLICT (the external id is taken).
func (s *Service) CreateDeal(ctx context.Context, actor *Actor, in DealCreate) (*Deal, error) {
	var d *Deal
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		d, err = s.createDeal(ctx, tx, actor, in)
		return err
	})
	return d, err
}

func (s *Service) createDeal(ctx context.Context, tx Tx, actor *Actor, in DealCreate) (*Deal, error) {
	nd, err := s.buildDeal(ctx, tx, actor, in)
	if err != nil {
		return nil, err
	}
	d := nd.Deal
	if d.ExternalID != "" {
		if id, err := tx.ExternalID(ctx, actor, "deal", d.ExternalSource, d.ExternalID); err != nil {
			return nil, err
		} else if id != 0 {
			return nil, externalTaken(d)
		}
	}
	if err := tx.InsertDeal(ctx, actor, d); err != nil {
		return nil, err
	}
	nd.SetDealID(d.ID)
	for _, e := range nd.Stages {
		if err := tx.InsertStageEvent(ctx, actor, e); err != nil {
			return nil, err
		}
	}
	if err := tx.InsertAudit(ctx, actor, nd.Audit); err != nil {
		return nil, err
	}
	for _, e := range nd.Events {
		if err := tx.InsertEvent(ctx, actor, e); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func externalTaken(d *Deal) error {
	return &Error{Code: ECONFLICT, Message: "A deal with this external id already exists.",
		Fields: []FieldError{{Field: "external_id", Code: "taken", Message: d.ExternalSource + "/" + d.ExternalID + " was imported before"}}}
}

// NewDeal is everything creating a deal writes: the deal with its items, other contacts and tags;
// its stage history (at least the stage it was created in); the audit entry; the events. It is the
// one definition of a created deal: CreateDeal writes it row by row, CreateDeals in bulk.
type NewDeal struct {
	Deal   *Deal
	Stages []*StageEvent
	Audit  *AuditEntry
	Events []*Event
}

// SetDealID gives the new deal its id (the store allocates it) and points the rows that hang on it
// — the history, the audit entry, the events — at it.
func (nd *NewDeal) SetDealID(id int64) {
	nd.Deal.ID = id
	for _, e := range nd.Stages {
		e.DealID = id
	}
	nd.Audit.EntityID = id
	for _, e := range nd.Events {
		e.EntityID = id
	}
}

// dealLookup is what validating a deal reads: a Tx, or a cache of one for bulk creation.
type dealLookup interface {
	FindPipeline(ctx context.Context, actor *Actor, id int64) (*Pipeline, error)
	FindPipelines(ctx context.Context, actor *Actor, archived bool) ([]*Pipeline, error)
	FindUser(ctx context.Context, actor *Actor, id int64) (*User, error)
	RefExists(ctx context.Context, actor *Actor, table string, id int64) (bool, error)
	FindProduct(ctx context.Context, actor *Actor, id int64) (*Product, error)
	FindCustomFields(ctx context.Context, actor *Actor, entity string) ([]*CustomField, error)
}

// buildDeal validates in and builds the rows creating it writes, without writing anything (the
// external id's uniqueness is the caller's to check: one at a time or for a whole batch).
func (s *Service) buildDeal(ctx context.Context, tx dealLookup, actor *Actor, in DealCreate) (*NewDeal, error) {
	now := s.Now()
	history := !in.CreatedAt.IsZero() || len(in.StageHistory) > 0 || !in.ClosedAt.IsZero()
	if history && !actor.IsAdmin() {
		return nil, Errorf(EFORBIDDEN, "Only an administrator may set created_at, closed_at or stage_history (migrating history).")
	}
	d := &Deal{
		Name: strings.TrimSpace(in.Name), Amount: in.Amount, ContactID: in.ContactID, CompanyID: in.CompanyID,
		ChannelID: in.ChannelID, UTM: in.UTM, Region: strings.TrimSpace(in.Region), Segment: strings.TrimSpace(in.Segment),
		ExpectedCloseDate: in.ExpectedCloseDate, LossReasonID: in.LossReasonID, LossComment: in.LossComment,
		CreatedBy: actor.UserID, ExternalSource: in.ExternalSource, ExternalID: in.ExternalID,
	}
	var v Validation
	validateDealFields(&v, d)
	d.Tags = NormalizeTags(&v, "tags", in.Tags)
	if (in.ExternalSource == "") != (in.ExternalID == "") {
		v.Add("external_id", "required", "external_source and external_id go together")
	}

	// Where the deal is: its pipeline and stage, or the last step of its history.
	p, st := s.resolveStage(ctx, tx, actor, &v, "pipeline_id", "stage_id", in.PipelineID, in.StageID, true)
	created := now
	if !in.CreatedAt.IsZero() {
		created = in.CreatedAt.UTC().Truncate(time.Microsecond)
		if created.After(now.Add(5 * time.Minute)) {
			v.Add("created_at", "future", "must not be in the future")
		}
	}
	var steps []*StageEvent
	if len(in.StageHistory) > 0 {
		prev := created
		var fromP, fromS int64
		for i, step := range in.StageHistory {
			field := fmt.Sprintf("stage_history[%d]", i)
			sp, sst := s.resolveStage(ctx, tx, actor, &v, field+".pipeline_id", field+".stage_id", cmp(step.PipelineID, idOf(p)), step.StageID, false)
			at := step.At.UTC().Truncate(time.Microsecond)
			switch {
			case step.At.IsZero():
				v.Add(field+".at", "required", "must be a time")
			case at.Before(prev):
				v.Add(field+".at", "order", "must not be before created_at or the previous step")
			case at.After(now.Add(5 * time.Minute)):
				v.Add(field+".at", "future", "must not be in the future")
			}
			if sst == nil {
				continue
			}
			steps = append(steps, &StageEvent{At: at, FromPipelineID: fromP, FromStageID: fromS, ToPipelineID: sp.ID, ToStageID: sst.ID, UserID: actor.UserID})
			fromP, fromS, prev = sp.ID, sst.ID, at
			if i == len(in.StageHistory)-1 {
				if in.StageID != 0 && in.StageID != sst.ID {
					v.Add("stage_id", "history", "must be the stage of the last history step (or left out)")
				}
				p, st = sp, sst
			}
		}
	}
	if p != nil && st != nil {
		d.PipelineID, d.StageID, d.Status = p.ID, st.ID, st.Kind
	}
	d.CreatedAt, d.UpdatedAt, d.StageChangedAt = created, now, created
	if len(steps) > 0 {
		d.StageChangedAt = steps[len(steps)-1].At
	}
	if st != nil && st.Kind != StageOpen {
		switch {
		case !in.ClosedAt.IsZero():
			d.ClosedAt = in.ClosedAt.UTC().Truncate(time.Microsecond)
		case len(steps) > 0:
			d.ClosedAt = d.StageChangedAt
		case !in.CreatedAt.IsZero():
			d.ClosedAt = created
		default:
			d.ClosedAt = now
		}
		if d.ClosedAt.Before(created) {
			v.Add("closed_at", "order", "must not be before created_at")
		} else if d.ClosedAt.After(now.Add(5 * time.Minute)) {
			v.Add("closed_at", "future", "must not be in the future")
		}
	} else if !in.ClosedAt.IsZero() {
		v.Add("closed_at", "open_stage", "only a deal in a won or lost stage has closed_at")
	}
	if d.LossReasonID != 0 && d.Status != DealLost {
		v.Add("loss_reason_id", "not_lost", "only a lost deal has a loss reason")
	}

	d.ResponsibleID = cmp(in.ResponsibleID, actor.UserID)
	s.checkResponsible(ctx, tx, actor, &v, d.ResponsibleID)
	s.checkRef(ctx, tx, actor, &v, "contact_id", "contacts", d.ContactID)
	s.checkRef(ctx, tx, actor, &v, "company_id", "companies", d.CompanyID)
	s.checkRef(ctx, tx, actor, &v, "channel_id", "channels", d.ChannelID)
	s.checkRef(ctx, tx, actor, &v, "loss_reason_id", "loss_reasons", d.LossReasonID)
	d.ContactIDs = s.checkContacts(ctx, tx, actor, &v, in.ContactIDs, d.ContactID)
	defs, err := tx.FindCustomFields(ctx, actor, "deal")
	if err != nil {
		return nil, err
	}
	d.Custom = ValidateCustom(&v, defs, in.Custom, true)
	if d.Items, err = s.buildItems(ctx, tx, actor, &v, in.Items); err != nil {
		return nil, err
	}
	sumItems(&v, d)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if len(steps) == 0 {
		steps = []*StageEvent{{At: created, ToPipelineID: d.PipelineID, ToStageID: d.StageID, UserID: actor.UserID}}
	}
	nd := &NewDeal{Deal: d, Stages: steps}
	nd.Audit = &AuditEntry{At: s.Now(), UserID: actor.UserID, Entity: "deal", Action: "create", Changes: map[string]Change{
		"name": {After: d.Name}, "stage_id": {After: d.StageID}, "amount": {After: d.Amount}, "responsible_id": {After: d.ResponsibleID},
	}}
	// Events are written for imported deals too (payload "imported": true): the event log is the
	// account's complete record, and a consumer that must not react to history filters on it.
	payload := map[string]any{"pipeline_id": d.PipelineID, "stage_id": d.StageID, "responsible_id": d.ResponsibleID, "amount": d.Amount, "imported": history}
	nd.Events = []*Event{{At: s.Now(), Type: "deal.created", Entity: "deal", UserID: actor.UserID, Payload: payload}}
	if d.Status != DealOpen && !history {
		nd.Events = append(nd.Events, &Event{At: s.Now(), Type: "deal." + d.Status, Entity: "deal", UserID: actor.UserID, Payload: payload})
	}
	return nd, nil
}

func validateDealFields(v *Validation, d *Deal) {
	if v.Required("name", d.Name) {
		v.MaxLen("name", d.Name, 500)
	}
	if d.Amount < 0 {
		v.Add("amount", "negative", "must not be negative")
	}
	for _, f := range []struct{ name, val string }{
		{"utm_source", d.UTM.Source}, {"utm_medium", d.UTM.Medium}, {"utm_campaign", d.UTM.Campaign},
		{"utm_content", d.UTM.Content}, {"utm_term", d.UTM.Term}, {"region", d.Region}, {"segment", d.Segment},
	} {
		v.MaxLen(f.name, f.val, 300)
	}
	v.MaxLen("loss_comment", d.LossComment, 2000)
	v.MaxLen("external_id", d.ExternalID, 200)
	v.MaxLen("external_source", d.ExternalSource, 50)
}

func cmp(a, b int64) int64 {
	if a != 0 {
		return a
	}
	return b
}

func idOf(p *Pipeline) int64 {
	if p == nil {
		return 0
	}
	return p.ID
}

// resolveStage finds the pipeline and stage a deal is to be in. A zero pipeline id means the first
// live pipeline; a zero stage id, its first open stage (when allowDefault). Errors go on the fields.
func (s *Service) resolveStage(ctx context.Context, tx dealLookup, actor *Actor, v *Validation, pField, sField string, pipelineID, stageID int64, allowDefault bool) (*Pipeline, *Stage) {
	var p *Pipeline
	if pipelineID != 0 {
		var err error
		if p, err = tx.FindPipeline(ctx, actor, pipelineID); err != nil {
			v.Add(pField, "unknown", "no such pipeline in this account")
			return nil, nil
		}
	} else {
		ps, err := tx.FindPipelines(ctx, actor, false)
		if err != nil || len(ps) == 0 {
			v.Add(pField, "required", "the account has no pipeline")
			return nil, nil
		}
		p = ps[0]
		if stageID != 0 && p.Stage(stageID) == nil { // the stage names its pipeline
			for _, other := range ps[1:] {
				if other.Stage(stageID) != nil {
					p = other
				}
			}
		}
	}
	if stageID == 0 {
		if !allowDefault {
			v.Add(sField, "required", "must be a stage")
			return p, nil
		}
		return p, p.FirstOpen()
	}
	if st := p.Stage(stageID); st != nil {
		return p, st
	}
	all, _ := tx.FindPipelines(ctx, actor, true)
	for _, other := range all {
		if other.Stage(stageID) != nil {
			v.Add(sField, "other_pipeline", fmt.Sprintf("is a stage of pipeline %d, not of pipeline %d: name that pipeline to move the deal there", other.ID, p.ID))
			return p, nil
		}
	}
	v.Add(sField, "unknown", "no such stage in this account")
	return p, nil
}

// checkResponsible: an active user of the account; a manager may only take deals themselves, a
// head may give them to their team.
func (s *Service) checkResponsible(ctx context.Context, tx dealLookup, actor *Actor, v *Validation, userID int64) {
	if userID == 0 {
		v.Add("responsible_id", "required", "must be a user")
		return
	}
	u, err := tx.FindUser(ctx, actor, userID)
	switch {
	case err != nil:
		v.Add("responsible_id", "unknown", "no such user in this account")
	case !u.Active:
		v.Add("responsible_id", "inactive", "the user is deactivated")
	case !actor.CanSee(userID):
		v.Add("responsible_id", "forbidden", "you may assign deals only to yourself or your team")
	}
}

// checkRef records an "unknown" error on field when id names no live record of the account in table.
func (s *Service) checkRef(ctx context.Context, tx dealLookup, actor *Actor, v *Validation, field, table string, id int64) {
	if id == 0 {
		return
	}
	if id < 0 {
		v.Add(field, "unknown", "no such record in this account")
		return
	}
	ok, err := tx.RefExists(ctx, actor, table, id)
	if err != nil || !ok {
		v.Add(field, "unknown", "no such record in this account")
	}
}

func (s *Service) checkContacts(ctx context.Context, tx dealLookup, actor *Actor, v *Validation, ids []int64, main int64) []int64 {
	out := []int64{}
	for i, id := range ids {
		if id == main || slices.Contains(out, id) {
			continue
		}
		s.checkRef(ctx, tx, actor, v, fmt.Sprintf("contact_ids[%d]", i), "contacts", id)
		out = append(out, id)
	}
	return out
}

// buildItems validates line items and fills names, prices and costs from products.
func (s *Service) buildItems(ctx context.Context, tx dealLookup, actor *Actor, v *Validation, in []ItemInput) ([]*DealItem, error) {
	if len(in) > 1000 {
		v.Add("items", "too_many", "at most 1000 items a deal")
		return nil, nil
	}
	var out []*DealItem
	for i, it := range in {
		f := func(name string) string { return fmt.Sprintf("items[%d].%s", i, name) }
		item := &DealItem{ProductID: it.ProductID, Name: strings.TrimSpace(it.Name), Quantity: it.Quantity, Discount: it.Discount, Upsell: it.Upsell, Position: i}
		if it.ProductID != 0 {
			p, err := tx.FindProduct(ctx, actor, it.ProductID)
			if ErrorCode(err) == ENOTFOUND {
				v.Add(f("product_id"), "unknown", "no such product in this account")
				continue
			} else if err != nil {
				return nil, err
			}
			if item.Name == "" {
				item.Name = p.Name
			}
			item.Price, item.Cost = p.Price, p.Cost
		}
		set(&item.Price, it.Price)
		set(&item.Cost, it.Cost)
		if item.Name == "" {
			v.Add(f("name"), "required", "must be given when the item names no product")
		}
		v.MaxLen(f("name"), item.Name, 500)
		if item.Quantity < 1 {
			v.Add(f("quantity"), "out_of_range", "must be at least 1")
		}
		if item.Price < 0 {
			v.Add(f("price"), "negative", "must not be negative")
		}
		if item.Cost < 0 {
			v.Add(f("cost"), "negative", "must not be negative")
		}
		if item.Discount < 0 {
			v.Add(f("discount"), "negative", "must not be negative")
		}
		gross, ok := mulOK(item.Price, item.Quantity)
		if !ok {
			v.Add(f("price"), "too_large", "price × quantity is too large")
			continue
		}
		if item.Discount > gross {
			v.Add(f("discount"), "out_of_range", "must not exceed price × quantity")
		}
		item.Amount = gross - item.Discount
		if _, ok := mulOK(item.Cost, item.Quantity); !ok {
			v.Add(f("cost"), "too_large", "cost × quantity is too large")
		}
		out = append(out, item)
	}
	return out, nil
}

// sumItems sets the deal's amount and cost from its items, when it has any.
func sumItems(v *Validation, d *Deal) {
	if len(d.Items) == 0 {
		d.Cost = 0
		return
	}
	var amount, cost int64
	for _, it := range d.Items {
		c, _ := mulOK(it.Cost, it.Quantity)
		if amount > math.MaxInt64-it.Amount || cost > math.MaxInt64-c {
			v.Add("items", "too_large", "the items add up to more than can be stored")
			return
		}
		amount += it.Amount
		cost += c
	}
	d.Amount, d.Cost = amount, cost
}

func mulOK(a, b int64) (int64, bool) {
	if a < 0 || b < 0 {
		return 0, true // reported as negative elsewhere
	}
	if a != 0 && b > math.MaxInt64/a {
		return 0, false
	}
	return a * b, true
}

// Deal returns a deal the actor may see. ENOTFOUND.
func (s *Service) Deal(ctx context.Context, actor *Actor, id int64) (*Deal, error) {
	var d *Deal
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		d, err = tx.FindDeal(ctx, actor, id, false)
		return err
	})
	return d, err
}

// Deals returns a page of the deals the actor may see.
func (s *Service) Deals(ctx context.Context, actor *Actor, f DealFilter, p Page) (*List[*Deal], error) {
	p.Normalize()
	if p.Sort != "" && !slices.Contains(DealSorts, p.Sort) {
		return nil, &Error{Code: EINVALID, Message: "Some fields are invalid.", Fields: []FieldError{{Field: "sort", Code: "one_of", Message: "must be one of " + strings.Join(DealSorts, ", ")}}}
	}
	var l *List[*Deal]
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		l, err = tx.FindDeals(ctx, actor, f, p)
		return err
	})
	return l, err
}

// UpdateDeal changes a deal the actor may see: its fields, its stage (a move, recorded in the
// deal's history), its responsible user (recorded too), its items. ENOTFOUND, EINVALID, ECONFLICT.
func (s *Service) UpdateDeal(ctx context.Context, actor *Actor, id int64, upd DealUpdate) (*Deal, error) {
	var d *Deal
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		d, err = s.updateDeal(ctx, tx, actor, id, upd)
		return err
	})
	return d, err
}

func (s *Service) updateDeal(ctx context.Context, tx Tx, actor *Actor, id int64, upd DealUpdate) (*Deal, error) {
	d, err := tx.FindDeal(ctx, actor, id, false)
	if err != nil {
		return nil, err
	}
	return s.updateFoundDeal(ctx, tx, actor, d, upd)
}

// updateFoundDeal applies upd to d, a deal just read in tx as FindDeal reads it (UpdateDeal's one,
// UpdateDeals' many): the rules of an update, in one place.
func (s *Service) updateFoundDeal(ctx context.Context, tx Tx, actor *Actor, d *Deal, upd DealUpdate) (*Deal, error) {
	var err error
	if err := checkVersion(upd.Version, d.Version); err != nil {
		return nil, err
	}
	before := *d
	before.Tags, before.ContactIDs = slices.Clone(d.Tags), slices.Clone(d.ContactIDs)
	var v Validation
	if upd.Name != nil {
		d.Name = strings.TrimSpace(*upd.Name)
	}
	set(&d.Amount, upd.Amount)
	set(&d.ContactID, upd.ContactID)
	set(&d.CompanyID, upd.CompanyID)
	set(&d.ChannelID, upd.ChannelID)
	set(&d.UTM, upd.UTM)
	set(&d.Region, upd.Region)
	set(&d.Segment, upd.Segment)
	set(&d.ExpectedCloseDate, upd.ExpectedCloseDate)
	set(&d.LossComment, upd.LossComment)
	validateDealFields(&v, d)
	if upd.Tags != nil {
		d.Tags = NormalizeTags(&v, "tags", *upd.Tags)
	}
	if upd.ContactID != nil {
		s.checkRef(ctx, tx, actor, &v, "contact_id", "contacts", d.ContactID)
	}
	if upd.CompanyID != nil {
		s.checkRef(ctx, tx, actor, &v, "company_id", "companies", d.CompanyID)
	}
	if upd.ChannelID != nil {
		s.checkRef(ctx, tx, actor, &v, "channel_id", "channels", d.ChannelID)
	}
	if upd.ContactIDs != nil {
		d.ContactIDs = s.checkContacts(ctx, tx, actor, &v, *upd.ContactIDs, d.ContactID)
	}
	if len(upd.Custom) > 0 {
		defs, err := tx.FindCustomFields(ctx, actor, "deal")
		if err != nil {
			return nil, err
		}
		d.Custom = MergeCustom(d.Custom, upd.Custom, ValidateCustom(&v, defs, upd.Custom, false))
	}
	if upd.Items != nil {
		if d.Items, err = s.buildItems(ctx, tx, actor, &v, *upd.Items); err != nil {
			return nil, err
		}
	}
	if upd.Items != nil || upd.Amount != nil {
		sumItems(&v, d)
	}
	if upd.ResponsibleID != nil && *upd.ResponsibleID != d.ResponsibleID {
		d.ResponsibleID = *upd.ResponsibleID
		s.checkResponsible(ctx, tx, actor, &v, d.ResponsibleID)
	}

	// A move: to another stage, possibly of another pipeline named explicitly.
	var move *StageEvent
	if upd.StageID != nil && *upd.StageID != d.StageID || upd.PipelineID != nil && *upd.PipelineID != d.PipelineID {
		target := d.PipelineID
		if upd.PipelineID != nil {
			target = *upd.PipelineID
		}
		stageID := int64(0)
		if upd.StageID != nil {
			stageID = *upd.StageID
		}
		p, st := s.resolveStageStrict(ctx, tx, actor, &v, target, stageID)
		if st != nil && st.ID != d.StageID {
			move = &StageEvent{DealID: d.ID, At: s.Now(), FromPipelineID: d.PipelineID, FromStageID: d.StageID, ToPipelineID: p.ID, ToStageID: st.ID, UserID: actor.UserID}
			d.PipelineID, d.StageID, d.StageChangedAt = p.ID, st.ID, move.At
			switch {
			case st.Kind == StageOpen:
				d.Status, d.ClosedAt = DealOpen, time.Time{}
			case st.Kind != d.Status:
				d.Status, d.ClosedAt = st.Kind, move.At
			}
		}
	}
	if upd.LossReasonID != nil {
		d.LossReasonID = *upd.LossReasonID
		s.checkRef(ctx, tx, actor, &v, "loss_reason_id", "loss_reasons", d.LossReasonID)
	}
	if d.Status != DealLost {
		if upd.LossReasonID != nil && *upd.LossReasonID != 0 {
			v.Add("loss_reason_id", "not_lost", "only a lost deal has a loss reason")
		}
		d.LossReasonID, d.LossComment = 0, ""
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	changes := dealChanges(&before, d)
	if len(changes) == 0 {
		return d, nil
	}
	d.UpdatedAt = s.Now()
	if err := tx.UpdateDeal(ctx, actor, d, before.Version); err != nil {
		return nil, err
	}
	if _, ok := changes["items"]; ok || upd.Items != nil && !itemsEqual(before.Items, d.Items) {
		if err := tx.ReplaceDealItems(ctx, actor, d.ID, d.Items); err != nil {
			return nil, err
		}
	}
	if _, ok := changes["contact_ids"]; ok {
		if err := tx.SetDealContacts(ctx, actor, d.ID, d.ContactIDs); err != nil {
			return nil, err
		}
	}
	if _, ok := changes["tags"]; ok {
		if err := tx.SetDealTags(ctx, actor, d.ID, d.Tags); err != nil {
			return nil, err
		}
	}
	if err := s.audit(ctx, tx, actor, "deal", d.ID, "update", changes); err != nil {
		return nil, err
	}
	if move != nil {
		if err := tx.InsertStageEvent(ctx, actor, move); err != nil {
			return nil, err
		}
		payload := map[string]any{"from_stage_id": move.FromStageID, "to_stage_id": move.ToStageID, "from_pipeline_id": move.FromPipelineID, "to_pipeline_id": move.ToPipelineID}
		if err := s.emit(ctx, tx, actor, "deal.stage_changed", "deal", d.ID, payload); err != nil {
			return nil, err
		}
		if d.Status != before.Status && d.Status != DealOpen {
			if err := s.emit(ctx, tx, actor, "deal."+d.Status, "deal", d.ID, map[string]any{"amount": d.Amount, "stage_id": d.StageID}); err != nil {
				return nil, err
			}
		}
	}
	if d.ResponsibleID != before.ResponsibleID {
		e := &ResponsibleEvent{DealID: d.ID, At: s.Now(), FromUserID: before.ResponsibleID, ToUserID: d.ResponsibleID, ByUserID: actor.UserID}
		if err := tx.InsertResponsibleEvent(ctx, actor, e); err != nil {
			return nil, err
		}
		if err := s.emit(ctx, tx, actor, "deal.responsible_changed", "deal", d.ID, map[string]any{"from_user_id": e.FromUserID, "to_user_id": e.ToUserID}); err != nil {
			return nil, err
		}
	}
	d.Version = before.Version + 1
	return d, nil
}

// resolveStageStrict finds the target of a move: a stage of the named pipeline (its first open
// stage when stageID is 0).
func (s *Service) resolveStageStrict(ctx context.Context, tx Tx, actor *Actor, v *Validation, pipelineID, stageID int64) (*Pipeline, *Stage) {
	return s.resolveStage(ctx, tx, actor, v, "pipeline_id", "stage_id", pipelineID, stageID, true)
}

func dealChanges(b, d *Deal) map[string]Change {
	c := map[string]Change{}
	diff(c, "name", b.Name, d.Name)
	diff(c, "pipeline_id", b.PipelineID, d.PipelineID)
	diff(c, "stage_id", b.StageID, d.StageID)
	diff(c, "status", b.Status, d.Status)
	diff(c, "amount", b.Amount, d.Amount)
	diff(c, "cost", b.Cost, d.Cost)
	diff(c, "responsible_id", b.ResponsibleID, d.ResponsibleID)
	diff(c, "contact_id", b.ContactID, d.ContactID)
	diff(c, "company_id", b.CompanyID, d.CompanyID)
	diff(c, "channel_id", b.ChannelID, d.ChannelID)
	diff(c, "utm", b.UTM, d.UTM)
	diff(c, "region", b.Region, d.Region)
	diff(c, "segment", b.Segment, d.Segment)
	diff(c, "expected_close_date", b.ExpectedCloseDate.String(), d.ExpectedCloseDate.String())
	diff(c, "loss_reason_id", b.LossReasonID, d.LossReasonID)
	diff(c, "loss_comment", b.LossComment, d.LossComment)
	diff(c, "closed_at", b.ClosedAt, d.ClosedAt)
	if !slices.Equal(b.Tags, d.Tags) {
		c["tags"] = Change{Before: b.Tags, After: d.Tags}
	}
	if !slices.Equal(b.ContactIDs, d.ContactIDs) {
		c["contact_ids"] = Change{Before: b.ContactIDs, After: d.ContactIDs}
	}
	if fmt.Sprint(b.Custom) != fmt.Sprint(d.Custom) {
		c["custom"] = Change{Before: b.Custom, After: d.Custom}
	}
	if !itemsEqual(b.Items, d.Items) {
		c["items"] = Change{Before: len(b.Items), After: len(d.Items)}
	}
	return c
}

func itemsEqual(a, b []*DealItem) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := *a[i], *b[i]
		x.ID, y.ID = 0, 0
		if x != y {
			return false
		}
	}
	return true
}

// DeleteDeal soft-deletes a deal the actor may see; RestoreDeal brings it back. ENOTFOUND.
func (s *Service) DeleteDeal(ctx context.Context, actor *Actor, id int64) error {
	return s.setDealDeleted(ctx, actor, id, true)
}

// RestoreDeal restores a soft-deleted deal.
func (s *Service) RestoreDeal(ctx context.Context, actor *Actor, id int64) error {
	return s.setDealDeleted(ctx, actor, id, false)
}

func (s *Service) setDealDeleted(ctx context.Context, actor *Actor, id int64, del bool) error {
	return s.store.Write(ctx, func(tx Tx) error {
		d, err := tx.FindDeal(ctx, actor, id, true)
		if err != nil {
			return err
		}
		if del == !d.DeletedAt.IsZero() {
			return nil
		}
		at, action := s.Now(), "delete"
		if !del {
			at, action = time.Time{}, "restore"
		}
		if err := tx.SetDealDeleted(ctx, actor, id, at, d.Version); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, actor, "deal", id, action, nil); err != nil {
			return err
		}
		return s.emit(ctx, tx, actor, "deal."+action+"d", "deal", id, nil)
	})
}

// DealHistory returns a deal's stage changes and responsible changes, oldest first.
func (s *Service) DealHistory(ctx context.Context, actor *Actor, id int64) ([]*StageEvent, []*ResponsibleEvent, error) {
	var se []*StageEvent
	var re []*ResponsibleEvent
	err := s.store.Read(ctx, func(tx Tx) error {
		if _, err := tx.FindDeal(ctx, actor, id, true); err != nil {
			return err
		}
		var err error
		if se, err = tx.FindStageEvents(ctx, actor, id); err != nil {
			return err
		}
		re, err = tx.FindResponsibleEvents(ctx, actor, id)
		return err
	})
	return se, re, err
}

// IDByExternal returns the id of the deal, contact or company imported with the external id
// (deleted or not); 0 when there is none. Administrators only: it is the importer's way to update
// instead of duplicate.
func (s *Service) IDByExternal(ctx context.Context, actor *Actor, entity, source, id string) (int64, error) {
	if err := requireAdmin(actor); err != nil {
		return 0, err
	}
	var recordID int64
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		recordID, err = tx.ExternalID(ctx, actor, entity, source, id)
		return err
	})
	return recordID, err
}
