package crm

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Activity kinds of the timeline.
var ActivityKinds = []string{"call", "email", "meeting", "message", "note"}

// Activity is a call, e-mail, meeting, message or note logged on a deal, contact or company.
type Activity struct {
	ID              int64
	Kind            string
	Direction       string // in, out; empty for meetings and notes
	DealID          int64
	ContactID       int64
	CompanyID       int64
	UserID          int64 // who logged it
	At              time.Time
	DurationSeconds int
	Result          string
	Subject         string
	Body            string
	Channel         string // of messages: whatsapp, telegram, sms…
	RecordingURL    string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	DeletedAt       time.Time
	Version         int64
	// ExternalSource and ExternalID name the activity in the system it was imported from.
	ExternalSource, ExternalID string
}

// IsTouch reports whether the activity is a touch in the sense of KPI.md: an outbound call, e-mail
// or message, or a meeting, logged by a user.
func (a *Activity) IsTouch() bool {
	return a.UserID != 0 && (a.Kind == "meeting" || a.Direction == "out" && (a.Kind == "call" || a.Kind == "email" || a.Kind == "message"))
}

// ActivityUpdate changes an activity; nil fields stay.
type ActivityUpdate struct {
	Direction, Result, Subject, Body, Channel, RecordingURL *string
	At                                                      *time.Time
	DurationSeconds                                         *int
	Version                                                 *int64
}

// ActivityFilter selects activities.
type ActivityFilter struct {
	Kind, Direction                      string
	UserID, DealID, ContactID, CompanyID int64
	From, To                             time.Time
	Touch                                bool
	Deleted                              bool
}

// ActivityStore stores activities.
type ActivityStore interface {
	InsertActivity(ctx context.Context, actor *Actor, a *Activity) error
	// FindActivity returns an activity the actor may see: one they (or their team) logged, or on a
	// deal, contact or company they may see. ENOTFOUND.
	FindActivity(ctx context.Context, actor *Actor, id int64, withDeleted bool) (*Activity, error)
	FindActivities(ctx context.Context, actor *Actor, f ActivityFilter, p Page) (*List[*Activity], error)
	UpdateActivity(ctx context.Context, actor *Actor, a *Activity, expectVersion int64) error
	SetActivityDeleted(ctx context.Context, actor *Actor, id int64, at time.Time) error
}

func validateActivity(v *Validation, a *Activity, now time.Time) {
	if (a.ExternalSource == "") != (a.ExternalID == "") {
		v.Add("external_id", "required", "external_source and external_id go together")
	}
	if !slices.Contains(ActivityKinds, a.Kind) {
		v.Add("kind", "one_of", "must be one of "+strings.Join(ActivityKinds, ", "))
	}
	switch a.Kind {
	case "call", "email", "message":
		if a.Direction != "in" && a.Direction != "out" {
			v.Add("direction", "one_of", "must be in or out")
		}
	default:
		if a.Direction != "" {
			v.Add("direction", "not_allowed", "meetings and notes have no direction")
		}
	}
	if a.DealID == 0 && a.ContactID == 0 && a.CompanyID == 0 {
		v.Add("deal_id", "required", "an activity is logged on a deal, a contact or a company")
	}
	if a.At.After(now.Add(5 * time.Minute)) {
		v.Add("at", "future", "must not be in the future")
	}
	if a.DurationSeconds < 0 || a.DurationSeconds > 7*24*3600 {
		v.Add("duration_seconds", "out_of_range", "must be from 0 to a week")
	}
	if a.RecordingURL != "" {
		if u, err := url.Parse(a.RecordingURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.Add("recording_url", "format", "must be an http or https URL")
		}
	}
	v.MaxLen("subject", a.Subject, 1000)
	v.MaxLen("body", a.Body, 100000)
	v.MaxLen("result", a.Result, 1000)
	v.MaxLen("channel", a.Channel, 50)
}
