package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/voronka/voronka/internal/crm"
)

// ComplaintOut is a complaint (рекламация).
type ComplaintOut struct {
	ID            int64      `json:"id"`
	ContactID     *int64     `json:"contact_id"`
	CompanyID     *int64     `json:"company_id"`
	DealID        *int64     `json:"deal_id"`
	ResponsibleID int64      `json:"responsible_id"`
	Category      string     `json:"category" example:"качество"`
	Text          string     `json:"text"`
	RegisteredAt  time.Time  `json:"registered_at"`
	ResolvedAt    *time.Time `json:"resolved_at"`
	Resolution    string     `json:"resolution"`
	Version       int64      `json:"version"`
}

// NPSOut is an NPS answer.
type NPSOut struct {
	ID         int64     `json:"id"`
	ContactID  int64     `json:"contact_id"`
	DealID     *int64    `json:"deal_id"`
	Score      int       `json:"score" minimum:"0" maximum:"10"`
	Comment    string    `json:"comment"`
	AnsweredAt time.Time `json:"answered_at"`
}

func complaintOut(c *crm.Complaint) ComplaintOut {
	return ComplaintOut{ID: c.ID, ContactID: idPtr(c.ContactID), CompanyID: idPtr(c.CompanyID), DealID: idPtr(c.DealID), ResponsibleID: c.ResponsibleID,
		Category: c.Category, Text: c.Text, RegisteredAt: c.RegisteredAt, ResolvedAt: timePtr(c.ResolvedAt), Resolution: c.Resolution, Version: c.Version}
}

func npsOut(n *crm.NPSAnswer) NPSOut {
	return NPSOut{ID: n.ID, ContactID: n.ContactID, DealID: idPtr(n.DealID), Score: n.Score, Comment: n.Comment, AnsweredAt: n.AnsweredAt}
}

func (h *Handlers) registerFeedback(a huma.API) {
	huma.Register(a, op("list-complaints", http.MethodGet, "/complaints", "Complaints, newest first", "Complaints"), func(ctx context.Context, in *struct {
		From  string `query:"from"`
		To    string `query:"to"`
		Open  bool   `query:"open" doc:"Only unresolved ones"`
		After string `query:"after"`
		Limit int    `query:"limit" minimum:"0" maximum:"500"`
	}) (*struct {
		Body struct {
			Items []ComplaintOut `json:"items"`
			Next  string         `json:"next"`
		}
	}, error) {
		acc, err := h.svc.Account(ctx, actorOf(ctx))
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		var v crm.Validation
		from, to := parseInstant(&v, "from", in.From, acc), parseInstant(&v, "to", in.To, acc)
		if err := v.Err(); err != nil {
			return nil, handlerErr(ctx, err)
		}
		l, err := h.svc.Complaints(ctx, actorOf(ctx), from, to, in.Open, crm.Page{After: in.After, Limit: in.Limit})
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		out := &struct {
			Body struct {
				Items []ComplaintOut `json:"items"`
				Next  string         `json:"next"`
			}
		}{}
		out.Body.Items, out.Body.Next = []ComplaintOut{}, l.Next
		for _, c := range l.Items {
			out.Body.Items = append(out.Body.Items, complaintOut(c))
		}
		return out, nil
	})
	o := op("register-complaint", http.MethodPost, "/complaints", "Register a complaint", "Complaints")
	o.DefaultStatus = http.StatusCreated
	huma.Register(a, o, func(ctx context.Context, in *struct {
		Body struct {
			ContactID     int64      `json:"contact_id,omitempty"`
			CompanyID     int64      `json:"company_id,omitempty"`
			DealID        int64      `json:"deal_id,omitempty"`
			ResponsibleID int64      `json:"responsible_id,omitempty"`
			Category      string     `json:"category,omitempty" maxLength:"200"`
			Text          string     `json:"text" maxLength:"20000"`
			RegisteredAt  *time.Time `json:"registered_at,omitempty" doc:"Administrators, migrating history"`
		}
	}) (*struct{ Body ComplaintOut }, error) {
		b := in.Body
		c := &crm.Complaint{ContactID: b.ContactID, CompanyID: b.CompanyID, DealID: b.DealID, ResponsibleID: b.ResponsibleID, Category: b.Category, Text: b.Text}
		if b.RegisteredAt != nil {
			c.RegisteredAt = *b.RegisteredAt
		}
		if err := h.svc.RegisterComplaint(ctx, actorOf(ctx), c); err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body ComplaintOut }{complaintOut(c)}, nil
	})
	huma.Register(a, op("get-complaint", http.MethodGet, "/complaints/{id}", "Get a complaint", "Complaints"), func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{ Body ComplaintOut }, error) {
		c, err := h.svc.Complaint(ctx, actorOf(ctx), in.ID)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body ComplaintOut }{complaintOut(c)}, nil
	})
	huma.Register(a, op("resolve-complaint", http.MethodPost, "/complaints/{id}/resolve", "Resolve a complaint", "Complaints"), func(ctx context.Context, in *struct {
		ID   int64 `path:"id"`
		Body struct {
			Resolution string `json:"resolution" maxLength:"20000"`
		}
	}) (*struct{ Body ComplaintOut }, error) {
		c, err := h.svc.ResolveComplaint(ctx, actorOf(ctx), in.ID, in.Body.Resolution)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body ComplaintOut }{complaintOut(c)}, nil
	})
	huma.Register(a, op("list-nps", http.MethodGet, "/nps", "NPS answers of the contacts you see", "NPS"), func(ctx context.Context, in *struct {
		From string `query:"from"`
		To   string `query:"to"`
	}) (*struct{ Body []NPSOut }, error) {
		acc, err := h.svc.Account(ctx, actorOf(ctx))
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		var v crm.Validation
		from, to := parseInstant(&v, "from", in.From, acc), parseInstant(&v, "to", in.To, acc)
		if err := v.Err(); err != nil {
			return nil, handlerErr(ctx, err)
		}
		ns, err := h.svc.NPSAnswers(ctx, actorOf(ctx), from, to)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		out := []NPSOut{}
		for _, n := range ns {
			out = append(out, npsOut(n))
		}
		return &struct{ Body []NPSOut }{out}, nil
	})
	o = op("record-nps", http.MethodPost, "/nps", "Record an NPS answer (0–10)", "NPS")
	o.DefaultStatus = http.StatusCreated
	huma.Register(a, o, func(ctx context.Context, in *struct {
		Body struct {
			ContactID  int64      `json:"contact_id"`
			DealID     int64      `json:"deal_id,omitempty"`
			Score      int        `json:"score" doc:"0 to 10"`
			Comment    string     `json:"comment,omitempty" maxLength:"5000"`
			AnsweredAt *time.Time `json:"answered_at,omitempty"`
		}
	}) (*struct{ Body NPSOut }, error) {
		b := in.Body
		n := &crm.NPSAnswer{ContactID: b.ContactID, DealID: b.DealID, Score: b.Score, Comment: b.Comment}
		if b.AnsweredAt != nil {
			n.AnsweredAt = *b.AnsweredAt
		}
		if err := h.svc.RecordNPS(ctx, actorOf(ctx), n); err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body NPSOut }{npsOut(n)}, nil
	})
}
