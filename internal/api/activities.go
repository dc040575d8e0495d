package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/voronka/voronka/internal/crm"
)

// ActivityOut is a call, e-mail, meeting, message or note of the timeline.
type ActivityOut struct {
	ID              int64      `json:"id"`
	Kind            string     `json:"kind" enum:"call,email,meeting,message,note"`
	Direction       string     `json:"direction" enum:"in,out,"`
	DealID          *int64     `json:"deal_id"`
	ContactID       *int64     `json:"contact_id"`
	CompanyID       *int64     `json:"company_id"`
	UserID          *int64     `json:"user_id" doc:"Who logged it"`
	At              time.Time  `json:"at"`
	DurationSeconds int        `json:"duration_seconds"`
	Result          string     `json:"result"`
	Subject         string     `json:"subject"`
	Body            string     `json:"body"`
	Channel         string     `json:"channel" example:"whatsapp"`
	RecordingURL    string     `json:"recording_url"`
	Touch           bool       `json:"touch" doc:"An outbound call, e-mail or message, or a meeting: counts for response time and activity KPIs"`
	CreatedAt       time.Time  `json:"created_at"`
	DeletedAt       *time.Time `json:"deleted_at,omitempty"`
	Version         int64      `json:"version"`
}

// ActivityIn logs an activity.
type ActivityIn struct {
	Kind            string     `json:"kind" enum:"call,email,meeting,message,note"`
	Direction       string     `json:"direction,omitempty" enum:"in,out," doc:"Required for calls, e-mails and messages"`
	DealID          int64      `json:"deal_id,omitempty"`
	ContactID       int64      `json:"contact_id,omitempty"`
	CompanyID       int64      `json:"company_id,omitempty"`
	UserID          int64      `json:"user_id,omitempty" doc:"Administrators: log on behalf of another user"`
	At              *time.Time `json:"at,omitempty" doc:"Default now; not in the future"`
	DurationSeconds int        `json:"duration_seconds,omitempty"`
	Result          string     `json:"result,omitempty" maxLength:"1000"`
	Subject         string     `json:"subject,omitempty" maxLength:"1000"`
	Body            string     `json:"body,omitempty" maxLength:"100000"`
	Channel         string     `json:"channel,omitempty" maxLength:"50"`
	RecordingURL    string     `json:"recording_url,omitempty" maxLength:"2000"`
}

func activityOut(x *crm.Activity) ActivityOut {
	return ActivityOut{ID: x.ID, Kind: x.Kind, Direction: x.Direction, DealID: idPtr(x.DealID), ContactID: idPtr(x.ContactID), CompanyID: idPtr(x.CompanyID),
		UserID: idPtr(x.UserID), At: x.At, DurationSeconds: x.DurationSeconds, Result: x.Result, Subject: x.Subject, Body: x.Body, Channel: x.Channel,
		RecordingURL: x.RecordingURL, Touch: x.IsTouch(), CreatedAt: x.CreatedAt, DeletedAt: timePtr(x.DeletedAt), Version: x.Version}
}

func (h *Handlers) registerActivities(a huma.API) {
	huma.Register(a, op("list-activities", http.MethodGet, "/activities", "List activities, newest first", "Activities"), func(ctx context.Context, in *struct {
		Kind      string `query:"kind" enum:"call,email,meeting,message,note,"`
		Direction string `query:"direction" enum:"in,out,"`
		UserID    int64  `query:"user_id"`
		DealID    int64  `query:"deal_id"`
		ContactID int64  `query:"contact_id"`
		CompanyID int64  `query:"company_id"`
		From      string `query:"from"`
		To        string `query:"to"`
		Touch     bool   `query:"touch" doc:"Only touches"`
		Deleted   bool   `query:"deleted"`
		After     string `query:"after"`
		Limit     int    `query:"limit" minimum:"0" maximum:"500"`
		WithTotal bool   `query:"with_total"`
	}) (*struct {
		Body struct {
			Items []ActivityOut `json:"items"`
			Next  string        `json:"next"`
			Total *int          `json:"total,omitempty"`
		}
	}, error) {
		acc, err := h.svc.Account(ctx, actorOf(ctx))
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		var v crm.Validation
		f := crm.ActivityFilter{Kind: in.Kind, Direction: in.Direction, UserID: in.UserID, DealID: in.DealID, ContactID: in.ContactID, CompanyID: in.CompanyID,
			Touch: in.Touch, Deleted: in.Deleted, From: parseInstant(&v, "from", in.From, acc), To: parseInstant(&v, "to", in.To, acc)}
		if err := v.Err(); err != nil {
			return nil, handlerErr(ctx, err)
		}
		l, err := h.svc.Activities(ctx, actorOf(ctx), f, crm.Page{After: in.After, Limit: in.Limit, WithTotal: in.WithTotal})
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		out := &struct {
			Body struct {
				Items []ActivityOut `json:"items"`
				Next  string        `json:"next"`
				Total *int          `json:"total,omitempty"`
			}
		}{}
		out.Body.Items, out.Body.Next = []ActivityOut{}, l.Next
		for _, x := range l.Items {
			out.Body.Items = append(out.Body.Items, activityOut(x))
		}
		if l.Total >= 0 {
			out.Body.Total = &l.Total
		}
		return out, nil
	})
	o := op("log-activity", http.MethodPost, "/activities", "Log a call, e-mail, meeting, message or note", "Activities")
	o.DefaultStatus = http.StatusCreated
	huma.Register(a, o, func(ctx context.Context, in *struct{ Body ActivityIn }) (*struct{ Body ActivityOut }, error) {
		b := in.Body
		x := &crm.Activity{Kind: b.Kind, Direction: b.Direction, DealID: b.DealID, ContactID: b.ContactID, CompanyID: b.CompanyID, UserID: b.UserID,
			DurationSeconds: b.DurationSeconds, Result: b.Result, Subject: b.Subject, Body: b.Body, Channel: b.Channel, RecordingURL: b.RecordingURL}
		if b.At != nil {
			x.At = *b.At
		}
		if err := h.svc.LogActivity(ctx, actorOf(ctx), x); err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body ActivityOut }{activityOut(x)}, nil
	})
	huma.Register(a, op("get-activity", http.MethodGet, "/activities/{id}", "Get an activity", "Activities"), func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{ Body ActivityOut }, error) {
		x, err := h.svc.Activity(ctx, actorOf(ctx), in.ID)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body ActivityOut }{activityOut(x)}, nil
	})
	o = op("update-activity", http.MethodPatch, "/activities/{id}", "Change an activity (its author or administrators)", "Activities")
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID      int64  `path:"id"`
		IfMatch string `header:"If-Match"`
		Body    struct {
			Direction       *string    `json:"direction,omitempty" enum:"in,out,"`
			At              *time.Time `json:"at,omitempty"`
			DurationSeconds *int       `json:"duration_seconds,omitempty"`
			Result          *string    `json:"result,omitempty" maxLength:"1000"`
			Subject         *string    `json:"subject,omitempty" maxLength:"1000"`
			Body            *string    `json:"body,omitempty" maxLength:"100000"`
			Channel         *string    `json:"channel,omitempty" maxLength:"50"`
			RecordingURL    *string    `json:"recording_url,omitempty" maxLength:"2000"`
			Version         *int64     `json:"version,omitempty"`
		}
	}) (*struct{ Body ActivityOut }, error) {
		b := in.Body
		version, err := versionOf(b.Version, in.IfMatch)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		x, err := h.svc.UpdateActivity(ctx, actorOf(ctx), in.ID, crm.ActivityUpdate{Direction: b.Direction, At: b.At, DurationSeconds: b.DurationSeconds,
			Result: b.Result, Subject: b.Subject, Body: b.Body, Channel: b.Channel, RecordingURL: b.RecordingURL, Version: version})
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body ActivityOut }{activityOut(x)}, nil
	})
	o = op("delete-activity", http.MethodDelete, "/activities/{id}", "Delete an activity (its author or administrators; restorable)", "Activities")
	o.DefaultStatus = http.StatusNoContent
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{}, error) {
		return nil, handlerErr(ctx, h.svc.DeleteActivity(ctx, actorOf(ctx), in.ID))
	})
	o = op("restore-activity", http.MethodPost, "/activities/{id}/restore", "Restore a deleted activity", "Activities")
	o.DefaultStatus = http.StatusNoContent
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{}, error) {
		return nil, handlerErr(ctx, h.svc.RestoreActivity(ctx, actorOf(ctx), in.ID))
	})
}
