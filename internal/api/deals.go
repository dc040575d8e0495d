package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/dataio"
)

// ItemOut is a line item of a deal.
type ItemOut struct {
	ID        int64  `json:"id"`
	ProductID *int64 `json:"product_id"`
	Name      string `json:"name" example:"Тур в Сочи"`
	Quantity  int64  `json:"quantity" example:"2"`
	Price     int64  `json:"price" doc:"Per unit, minor units" example:"15000000"`
	Discount  int64  `json:"discount" doc:"On the whole line, minor units" example:"1000000"`
	Cost      int64  `json:"cost" doc:"Per unit, minor units" example:"9000000"`
	Amount    int64  `json:"amount" doc:"price × quantity − discount" example:"29000000"`
	Upsell    bool   `json:"upsell" doc:"Added to the main purchase (допродажа)"`
}

// ItemIn is a line item as sent; price and cost default to the product's.
type ItemIn struct {
	ProductID int64  `json:"product_id,omitempty"`
	Name      string `json:"name,omitempty" maxLength:"500" doc:"Required without product_id"`
	Quantity  int64  `json:"quantity" example:"1"`
	Price     *int64 `json:"price,omitempty" doc:"Per unit, minor units; default: the product's"`
	Discount  int64  `json:"discount,omitempty"`
	Cost      *int64 `json:"cost,omitempty" doc:"Per unit, minor units; default: the product's"`
	Upsell    bool   `json:"upsell,omitempty"`
}

// UTMDTO holds the campaign tags of a lead.
type UTMDTO struct {
	Source   string `json:"source,omitempty" maxLength:"300" example:"yandex"`
	Medium   string `json:"medium,omitempty" maxLength:"300" example:"cpc"`
	Campaign string `json:"campaign,omitempty" maxLength:"300" example:"summer-sochi"`
	Content  string `json:"content,omitempty" maxLength:"300"`
	Term     string `json:"term,omitempty" maxLength:"300"`
}

// DealOut is a deal.
type DealOut struct {
	ID                int64          `json:"id" example:"101"`
	Name              string         `json:"name" example:"Семья Ивановых, Сочи"`
	PipelineID        int64          `json:"pipeline_id"`
	StageID           int64          `json:"stage_id"`
	Status            string         `json:"status" enum:"open,won,lost"`
	Amount            int64          `json:"amount" doc:"Minor units of the account's currency" example:"34000000"`
	Cost              int64          `json:"cost" doc:"Σ items' cost × quantity, minor units"`
	ResponsibleID     int64          `json:"responsible_id"`
	ContactID         *int64         `json:"contact_id"`
	ContactIDs        []int64        `json:"contact_ids,omitempty" doc:"Other contacts (only in GET /deals/{id})"`
	CompanyID         *int64         `json:"company_id"`
	ChannelID         *int64         `json:"channel_id"`
	UTM               UTMDTO         `json:"utm"`
	Region            string         `json:"region"`
	Segment           string         `json:"segment"`
	ExpectedCloseDate *string        `json:"expected_close_date" example:"2026-06-30"`
	LossReasonID      *int64         `json:"loss_reason_id"`
	LossComment       string         `json:"loss_comment"`
	Tags              []string       `json:"tags"`
	Custom            map[string]any `json:"custom"`
	Items             []ItemOut      `json:"items,omitempty" doc:"Line items (only in GET /deals/{id})"`
	CreatedAt         time.Time      `json:"created_at"`
	StageChangedAt    time.Time      `json:"stage_changed_at"`
	ClosedAt          *time.Time     `json:"closed_at"`
	UpdatedAt         time.Time      `json:"updated_at"`
	DeletedAt         *time.Time     `json:"deleted_at,omitempty"`
	Version           int64          `json:"version"`
	ExternalSource    string         `json:"external_source,omitempty"`
	ExternalID        string         `json:"external_id,omitempty"`
}

// StageStepIn is a past stage of a deal, for migrating history.
type StageStepIn struct {
	StageID    int64     `json:"stage_id"`
	PipelineID int64     `json:"pipeline_id,omitempty" doc:"Default: the deal's pipeline"`
	At         time.Time `json:"at" doc:"When the deal entered the stage"`
}

// DealIn creates a deal.
type DealIn struct {
	Name              string         `json:"name" maxLength:"500" example:"Семья Ивановых, Сочи"`
	PipelineID        int64          `json:"pipeline_id,omitempty" doc:"Default: the first pipeline"`
	StageID           int64          `json:"stage_id,omitempty" doc:"Default: the pipeline's first open stage"`
	Amount            int64          `json:"amount,omitempty" doc:"Minor units; replaced by the items' sum when items are given"`
	ResponsibleID     int64          `json:"responsible_id,omitempty" doc:"Default: you"`
	ContactID         int64          `json:"contact_id,omitempty"`
	ContactIDs        []int64        `json:"contact_ids,omitempty"`
	CompanyID         int64          `json:"company_id,omitempty"`
	ChannelID         int64          `json:"channel_id,omitempty" doc:"The lead source"`
	UTM               *UTMDTO        `json:"utm,omitempty"`
	Region            string         `json:"region,omitempty" maxLength:"300"`
	Segment           string         `json:"segment,omitempty" maxLength:"300"`
	ExpectedCloseDate string         `json:"expected_close_date,omitempty" doc:"YYYY-MM-DD"`
	LossReasonID      int64          `json:"loss_reason_id,omitempty"`
	LossComment       string         `json:"loss_comment,omitempty" maxLength:"2000"`
	Tags              []string       `json:"tags,omitempty"`
	Custom            map[string]any `json:"custom,omitempty"`
	Items             []ItemIn       `json:"items,omitempty"`
	CreatedAt         *time.Time     `json:"created_at,omitempty" doc:"Administrators, migrating history: when the lead came in"`
	ClosedAt          *time.Time     `json:"closed_at,omitempty" doc:"Administrators, migrating history: when it was won or lost"`
	StageHistory      []StageStepIn  `json:"stage_history,omitempty" doc:"Administrators, migrating history: past stages in time order, the last one current"`
	ExternalSource    string         `json:"external_source,omitempty" maxLength:"50" example:"amocrm"`
	ExternalID        string         `json:"external_id,omitempty" maxLength:"200" example:"18233"`
}

// DealPatch changes a deal: only the fields given. A new stage_id moves the deal.
type DealPatch struct {
	Name              *string        `json:"name,omitempty" maxLength:"500"`
	PipelineID        *int64         `json:"pipeline_id,omitempty" doc:"Name it to move the deal to a stage of another pipeline"`
	StageID           *int64         `json:"stage_id,omitempty"`
	Amount            *int64         `json:"amount,omitempty"`
	ResponsibleID     *int64         `json:"responsible_id,omitempty"`
	ContactID         *int64         `json:"contact_id,omitempty" doc:"0 removes it"`
	ContactIDs        *[]int64       `json:"contact_ids,omitempty"`
	CompanyID         *int64         `json:"company_id,omitempty" doc:"0 removes it"`
	ChannelID         *int64         `json:"channel_id,omitempty" doc:"0 removes it"`
	UTM               *UTMDTO        `json:"utm,omitempty"`
	Region            *string        `json:"region,omitempty" maxLength:"300"`
	Segment           *string        `json:"segment,omitempty" maxLength:"300"`
	ExpectedCloseDate *string        `json:"expected_close_date,omitempty" doc:"YYYY-MM-DD; empty clears it"`
	LossReasonID      *int64         `json:"loss_reason_id,omitempty"`
	LossComment       *string        `json:"loss_comment,omitempty" maxLength:"2000"`
	Tags              *[]string      `json:"tags,omitempty"`
	Custom            map[string]any `json:"custom,omitempty" doc:"Keys to set; null removes a key"`
	Items             *[]ItemIn      `json:"items,omitempty" doc:"Replaces every line item"`
	Version           *int64         `json:"version,omitempty"`
}

// DealList is a page of deals.
type DealList struct {
	Items []DealOut `json:"items"`
	Next  string    `json:"next" doc:"Cursor of the next page (pass as after); empty on the last page"`
	Total *int      `json:"total,omitempty" doc:"Every matching deal, when with_total=true"`
}

// DealHistoryOut is a deal's stage and responsible changes.
type DealHistoryOut struct {
	Stages       []StageEventOut       `json:"stages"`
	Responsibles []ResponsibleEventOut `json:"responsibles"`
}

// StageEventOut is one stage change.
type StageEventOut struct {
	At             time.Time `json:"at"`
	FromPipelineID *int64    `json:"from_pipeline_id"`
	FromStageID    *int64    `json:"from_stage_id" doc:"null when the deal was created"`
	ToPipelineID   int64     `json:"to_pipeline_id"`
	ToStageID      int64     `json:"to_stage_id"`
	UserID         *int64    `json:"user_id"`
}

// ResponsibleEventOut is one change of responsible user.
type ResponsibleEventOut struct {
	At         time.Time `json:"at"`
	FromUserID *int64    `json:"from_user_id"`
	ToUserID   int64     `json:"to_user_id"`
	ByUserID   *int64    `json:"by_user_id"`
}

func idPtr(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func dealOut(d *crm.Deal) DealOut {
	out := DealOut{ID: d.ID, Name: d.Name, PipelineID: d.PipelineID, StageID: d.StageID, Status: d.Status, Amount: d.Amount, Cost: d.Cost,
		ResponsibleID: d.ResponsibleID, ContactID: idPtr(d.ContactID), ContactIDs: d.ContactIDs, CompanyID: idPtr(d.CompanyID),
		ChannelID: idPtr(d.ChannelID), UTM: UTMDTO(d.UTM), Region: d.Region, Segment: d.Segment, LossReasonID: idPtr(d.LossReasonID),
		LossComment: d.LossComment, Tags: d.Tags, Custom: d.Custom, CreatedAt: d.CreatedAt, StageChangedAt: d.StageChangedAt,
		ClosedAt: timePtr(d.ClosedAt), UpdatedAt: d.UpdatedAt, DeletedAt: timePtr(d.DeletedAt), Version: d.Version,
		ExternalSource: d.ExternalSource, ExternalID: d.ExternalID}
	if !d.ExpectedCloseDate.IsZero() {
		s := d.ExpectedCloseDate.String()
		out.ExpectedCloseDate = &s
	}
	if out.Custom == nil {
		out.Custom = map[string]any{}
	}
	for _, it := range d.Items {
		out.Items = append(out.Items, ItemOut{ID: it.ID, ProductID: idPtr(it.ProductID), Name: it.Name, Quantity: it.Quantity, Price: it.Price,
			Discount: it.Discount, Cost: it.Cost, Amount: it.Amount, Upsell: it.Upsell})
	}
	return out
}

func itemInputs(in []ItemIn) []crm.ItemInput {
	out := make([]crm.ItemInput, len(in))
	for i, it := range in {
		out[i] = crm.ItemInput{ProductID: it.ProductID, Name: it.Name, Quantity: it.Quantity, Price: it.Price, Discount: it.Discount, Cost: it.Cost, Upsell: it.Upsell}
	}
	return out
}

// dealCreate converts the API input, with field errors for malformed dates.
func dealCreate(b DealIn, v *crm.Validation, prefix string) crm.DealCreate {
	in := crm.DealCreate{Name: b.Name, PipelineID: b.PipelineID, StageID: b.StageID, Amount: b.Amount, ResponsibleID: b.ResponsibleID,
		ContactID: b.ContactID, ContactIDs: b.ContactIDs, CompanyID: b.CompanyID, ChannelID: b.ChannelID, Region: b.Region,
		Segment: b.Segment, LossReasonID: b.LossReasonID, LossComment: b.LossComment, Tags: b.Tags, Custom: b.Custom,
		Items: itemInputs(b.Items), ExternalSource: b.ExternalSource, ExternalID: b.ExternalID}
	if b.UTM != nil {
		in.UTM = crm.UTM(*b.UTM)
	}
	if b.ExpectedCloseDate != "" {
		d, err := crm.ParseDate(b.ExpectedCloseDate)
		if err != nil {
			v.Add(prefix+"expected_close_date", "format", err.Error())
		}
		in.ExpectedCloseDate = d
	}
	if b.CreatedAt != nil {
		in.CreatedAt = *b.CreatedAt
	}
	if b.ClosedAt != nil {
		in.ClosedAt = *b.ClosedAt
	}
	for _, s := range b.StageHistory {
		in.StageHistory = append(in.StageHistory, crm.StageStep{StageID: s.StageID, PipelineID: s.PipelineID, At: s.At})
	}
	return in
}

func dealUpdate(b DealPatch, v *crm.Validation, prefix string) crm.DealUpdate {
	upd := crm.DealUpdate{Name: b.Name, StageID: b.StageID, PipelineID: b.PipelineID, Amount: b.Amount, ResponsibleID: b.ResponsibleID,
		ContactID: b.ContactID, ContactIDs: b.ContactIDs, CompanyID: b.CompanyID, ChannelID: b.ChannelID, Region: b.Region,
		Segment: b.Segment, LossReasonID: b.LossReasonID, LossComment: b.LossComment, Tags: b.Tags, Custom: b.Custom, Version: b.Version}
	if b.UTM != nil {
		u := crm.UTM(*b.UTM)
		upd.UTM = &u
	}
	if b.ExpectedCloseDate != nil {
		var d crm.Date
		if *b.ExpectedCloseDate != "" {
			var err error
			if d, err = crm.ParseDate(*b.ExpectedCloseDate); err != nil {
				v.Add(prefix+"expected_close_date", "format", err.Error())
			}
		}
		upd.ExpectedCloseDate = &d
	}
	if b.Items != nil {
		items := itemInputs(*b.Items)
		upd.Items = &items
	}
	return upd
}

// DealQuery are the filters and page of GET /deals.
type DealQuery struct {
	PipelineID    int64    `query:"pipeline_id"`
	StageID       int64    `query:"stage_id"`
	Status        string   `query:"status" enum:"open,won,lost,"`
	ResponsibleID int64    `query:"responsible_id"`
	ContactID     int64    `query:"contact_id"`
	CompanyID     int64    `query:"company_id"`
	ChannelID     int64    `query:"channel_id"`
	Region        string   `query:"region"`
	Segment       string   `query:"segment"`
	Q             string   `query:"q" doc:"Words in the name, any case"`
	Tag           []string `query:"tag" doc:"Repeatable: deals with every tag"`
	CreatedFrom   string   `query:"created_from" doc:"RFC 3339 or YYYY-MM-DD (the account's midnight); inclusive"`
	CreatedTo     string   `query:"created_to" doc:"Exclusive"`
	ClosedFrom    string   `query:"closed_from"`
	ClosedTo      string   `query:"closed_to"`
	AmountMin     int64    `query:"amount_min" doc:"Minor units, inclusive"`
	AmountMax     int64    `query:"amount_max" doc:"Minor units, inclusive"`
	Deleted       bool     `query:"deleted" doc:"List deleted deals instead (to restore them)"`
	After         string   `query:"after" doc:"The next cursor of the previous page"`
	Limit         int      `query:"limit" minimum:"0" maximum:"500" doc:"Default 50"`
	Sort          string   `query:"sort" enum:"created_at,updated_at,closed_at,amount,name,id," doc:"Default id"`
	Order         string   `query:"order" enum:"asc,desc," doc:"Default asc"`
	WithTotal     bool     `query:"with_total" doc:"Also count every matching deal"`
}

func (h *Handlers) dealFilter(ctx context.Context, q DealQuery) (crm.DealFilter, crm.Page, error) {
	f := crm.DealFilter{PipelineID: q.PipelineID, StageID: q.StageID, Status: q.Status, ResponsibleID: q.ResponsibleID,
		ContactID: q.ContactID, CompanyID: q.CompanyID, ChannelID: q.ChannelID, Region: q.Region, Segment: q.Segment,
		Q: q.Q, Tags: q.Tag, Deleted: q.Deleted}
	query := requestOf(ctx).URL.Query()
	if query.Has("amount_min") { // huma takes no pointer query parameters: presence is read here
		f.AmountMin = &q.AmountMin
	}
	if query.Has("amount_max") {
		f.AmountMax = &q.AmountMax
	}
	acc, err := h.svc.Account(ctx, actorOf(ctx))
	if err != nil {
		return f, crm.Page{}, err
	}
	var v crm.Validation
	f.CreatedFrom = parseInstant(&v, "created_from", q.CreatedFrom, acc)
	f.CreatedTo = parseInstant(&v, "created_to", q.CreatedTo, acc)
	f.ClosedFrom = parseInstant(&v, "closed_from", q.ClosedFrom, acc)
	f.ClosedTo = parseInstant(&v, "closed_to", q.ClosedTo, acc)
	for key, vals := range query {
		if k, ok := strings.CutPrefix(key, "custom."); ok && len(vals) > 0 {
			if f.Custom == nil {
				f.Custom = map[string]string{}
			}
			f.Custom[k] = vals[0]
		}
	}
	return f, crm.Page{After: q.After, Limit: q.Limit, Sort: q.Sort, Desc: q.Order == "desc", WithTotal: q.WithTotal}, v.Err()
}

// parseInstant reads an RFC 3339 time, or a date meaning its midnight in the account's zone.
func parseInstant(v *crm.Validation, field, s string, acc *crm.Account) time.Time {
	if s == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t
	}
	d, err := crm.ParseDate(s)
	if err != nil {
		v.Add(field, "format", "must be a date (YYYY-MM-DD) or an RFC 3339 time")
		return time.Time{}
	}
	return d.In(acc.Location())
}

// ExportOut is a file to download.
type ExportOut struct {
	ContentType string `header:"Content-Type"`
	Disposition string `header:"Content-Disposition"`
	Body        []byte
}

func exportOut(name, format string, body []byte) *ExportOut {
	ct := "text/csv; charset=utf-8"
	if format == "xlsx" {
		ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return &ExportOut{ContentType: ct, Disposition: fmt.Sprintf(`attachment; filename="%s.%s"`, name, format), Body: body}
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (h *Handlers) registerDeals(a huma.API) {
	huma.Register(a, op("list-deals", http.MethodGet, "/deals", "List deals", "Deals"), func(ctx context.Context, in *struct {
		DealQuery
	}) (*struct{ Body DealList }, error) {
		f, p, err := h.dealFilter(ctx, in.DealQuery)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		l, err := h.svc.Deals(ctx, actorOf(ctx), f, p)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		out := DealList{Items: make([]DealOut, len(l.Items)), Next: l.Next}
		for i, d := range l.Items {
			out.Items[i] = dealOut(d)
		}
		if l.Total >= 0 {
			out.Total = &l.Total
		}
		return &struct{ Body DealList }{out}, nil
	})

	o := op("export-deals", http.MethodGet, "/deals/export", "Export deals as CSV or XLSX", "Deals")
	o.Description = "The deals the list would show with the same filters, every page, with their line items, as a file in Russian or English. Its columns import again through `voronka import`: into this account they update the deals, into another they create them."
	huma.Register(a, o, func(ctx context.Context, in *struct {
		DealQuery
		Format string `query:"format" enum:"csv,xlsx," doc:"Default csv"`
		Lang   string `query:"lang" enum:"ru,en," doc:"The headers' language; default the account's"`
	}) (*ExportOut, error) {
		f, _, err := h.dealFilter(ctx, in.DealQuery)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		lang := in.Lang
		if lang == "" {
			acc, err := h.svc.Account(ctx, actorOf(ctx))
			if err != nil {
				return nil, handlerErr(ctx, err)
			}
			lang = acc.Locale
		}
		format := cmpOr(in.Format, "csv")
		var buf bytes.Buffer
		if _, err := dataio.ExportDeals(ctx, h.svc, actorOf(ctx), f, &buf, format, lang); err != nil {
			return nil, handlerErr(ctx, err)
		}
		return exportOut("deals", format, buf.Bytes()), nil
	})

	o = op("create-deal", http.MethodPost, "/deals", "Create a deal (a lead)", "Deals")
	o.DefaultStatus = http.StatusCreated
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, func(ctx context.Context, in *struct{ Body DealIn }) (*struct{ Body DealOut }, error) {
		var v crm.Validation
		c := dealCreate(in.Body, &v, "")
		if err := v.Err(); err != nil {
			return nil, handlerErr(ctx, err)
		}
		d, err := h.svc.CreateDeal(ctx, actorOf(ctx), c)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body DealOut }{dealOut(d)}, nil
	})

	huma.Register(a, op("get-deal", http.MethodGet, "/deals/{id}", "Get a deal with its items", "Deals"), func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{ Body DealOut }, error) {
		d, err := h.svc.Deal(ctx, actorOf(ctx), in.ID)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body DealOut }{dealOut(d)}, nil
	})

	o = op("update-deal", http.MethodPatch, "/deals/{id}", "Change or move a deal", "Deals")
	o.Description = "Only the fields given change. A new `stage_id` moves the deal (recorded in its history); to move it to a stage of another pipeline, name that `pipeline_id` too. Into a won or lost stage the deal closes (`closed_at`); back into an open stage it reopens."
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID      int64  `path:"id"`
		IfMatch string `header:"If-Match"`
		Body    DealPatch
	}) (*struct{ Body DealOut }, error) {
		var v crm.Validation
		upd := dealUpdate(in.Body, &v, "")
		var err error
		if upd.Version, err = versionOf(in.Body.Version, in.IfMatch); err != nil {
			return nil, handlerErr(ctx, err)
		}
		if err := v.Err(); err != nil {
			return nil, handlerErr(ctx, err)
		}
		d, err := h.svc.UpdateDeal(ctx, actorOf(ctx), in.ID, upd)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body DealOut }{dealOut(d)}, nil
	})

	o = op("move-deal", http.MethodPost, "/deals/{id}/move", "Move a deal to a stage", "Deals")
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID   int64 `path:"id"`
		Body struct {
			StageID      int64   `json:"stage_id"`
			PipelineID   *int64  `json:"pipeline_id,omitempty" doc:"Required when the stage is in another pipeline"`
			LossReasonID *int64  `json:"loss_reason_id,omitempty"`
			LossComment  *string `json:"loss_comment,omitempty" maxLength:"2000"`
			Version      *int64  `json:"version,omitempty"`
		}
	}) (*struct{ Body DealOut }, error) {
		b := in.Body
		d, err := h.svc.UpdateDeal(ctx, actorOf(ctx), in.ID, crm.DealUpdate{StageID: &b.StageID, PipelineID: b.PipelineID, LossReasonID: b.LossReasonID, LossComment: b.LossComment, Version: b.Version})
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body DealOut }{dealOut(d)}, nil
	})

	o = op("delete-deal", http.MethodDelete, "/deals/{id}", "Delete a deal (it can be restored)", "Deals")
	o.DefaultStatus = http.StatusNoContent
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{}, error) {
		return nil, handlerErr(ctx, h.svc.DeleteDeal(ctx, actorOf(ctx), in.ID))
	})

	o = op("restore-deal", http.MethodPost, "/deals/{id}/restore", "Restore a deleted deal", "Deals")
	o.DefaultStatus = http.StatusNoContent
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{}, error) {
		return nil, handlerErr(ctx, h.svc.RestoreDeal(ctx, actorOf(ctx), in.ID))
	})

	huma.Register(a, op("deal-history", http.MethodGet, "/deals/{id}/history", "A deal's stage and responsible changes", "Deals"), func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{ Body DealHistoryOut }, error) {
		se, re, err := h.svc.DealHistory(ctx, actorOf(ctx), in.ID)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		out := DealHistoryOut{Stages: []StageEventOut{}, Responsibles: []ResponsibleEventOut{}}
		for _, e := range se {
			out.Stages = append(out.Stages, StageEventOut{At: e.At, FromPipelineID: idPtr(e.FromPipelineID), FromStageID: idPtr(e.FromStageID), ToPipelineID: e.ToPipelineID, ToStageID: e.ToStageID, UserID: idPtr(e.UserID)})
		}
		for _, e := range re {
			out.Responsibles = append(out.Responsibles, ResponsibleEventOut{At: e.At, FromUserID: idPtr(e.FromUserID), ToUserID: e.ToUserID, ByUserID: idPtr(e.ByUserID)})
		}
		return &struct{ Body DealHistoryOut }{out}, nil
	})

	o = op("bulk-deals", http.MethodPost, "/deals/bulk", "Create and update up to 500 deals at once, all or nothing", "Deals")
	o.Description = "`create` and `update` together hold at most 500 items. Either every item is stored or none is; errors name the item: `create[3].stage_id`, `update[0].version`."
	o.MaxBodyBytes = 16 << 20
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, func(ctx context.Context, in *struct {
		Body struct {
			Create []DealIn `json:"create,omitempty"`
			Update []struct {
				ID int64 `json:"id"`
				DealPatch
			} `json:"update,omitempty"`
		}
	}) (*struct{ Body BulkDealsOut }, error) {
		b := in.Body
		actor := actorOf(ctx)
		out := BulkDealsOut{Created: []DealOut{}, Updated: []DealOut{}}
		n := len(b.Create) + len(b.Update)
		err := h.svc.Bulk(ctx, n, func(ctx context.Context, i int) error {
			var v crm.Validation
			if i < len(b.Create) {
				c := dealCreate(b.Create[i], &v, "")
				if err := v.Err(); err != nil {
					return err
				}
				d, err := h.svc.CreateDeal(ctx, actor, c)
				if err == nil {
					out.Created = append(out.Created, dealOut(d))
				}
				return err
			}
			u := b.Update[i-len(b.Create)]
			upd := dealUpdate(u.DealPatch, &v, "")
			if err := v.Err(); err != nil {
				return err
			}
			d, err := h.svc.UpdateDeal(ctx, actor, u.ID, upd)
			if err == nil {
				out.Updated = append(out.Updated, dealOut(d))
			}
			return err
		})
		if err != nil {
			return nil, handlerErr(ctx, renameBulkItems(err, len(b.Create)))
		}
		return &struct{ Body BulkDealsOut }{out}, nil
	})
}

// BulkDealsOut is what a bulk request stored.
type BulkDealsOut struct {
	Created []DealOut `json:"created"`
	Updated []DealOut `json:"updated"`
}
