package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/voronka/voronka/internal/crm"
)

// AccountOut is an account and its settings.
type AccountOut struct {
	ID         int64       `json:"id" example:"1"`
	Slug       string      `json:"slug" example:"acme"`
	Name       string      `json:"name" example:"Acme Travel"`
	Currency   string      `json:"currency" doc:"ISO 4217; money is in its minor units" example:"RUB"`
	TimeZone   string      `json:"time_zone" doc:"IANA zone; periods and buckets are cut in it" example:"Europe/Moscow"`
	Locale     string      `json:"locale" enum:"ru,en" example:"ru"`
	GoLiveDate *string     `json:"go_live_date" doc:"The day the CRM was introduced (YYYY-MM-DD): the before/after line of reports" example:"2025-03-01"`
	Settings   SettingsDTO `json:"settings"`
	CreatedAt  time.Time   `json:"created_at"`
	UpdatedAt  time.Time   `json:"updated_at"`
	Version    int64       `json:"version" doc:"Send it back (or as If-Match) to update without overwriting someone else's change" example:"3"`
}

// SettingsDTO are the account-wide KPI and automation parameters.
type SettingsDTO struct {
	LeadSLAMinutes    int  `json:"lead_sla_minutes" minimum:"1" maximum:"44640" doc:"A lead not touched within it counts as uncontacted" example:"1440"`
	PurchaseCycleDays int  `json:"purchase_cycle_days" minimum:"1" maximum:"3660" doc:"Churn window: a customer with no won deal for longer is churned" example:"365"`
	StalledDays       int  `json:"stalled_days" minimum:"1" maximum:"365" doc:"An open deal with no touch and no task for longer is stalled" example:"7"`
	BaselineMonths    int  `json:"baseline_months" minimum:"1" maximum:"36" doc:"Months before go-live that form the ROI baseline" example:"6"`
	SeasonalBaseline  bool `json:"seasonal_baseline" required:"false" doc:"Adjust the ROI baseline of each month after go-live by the same month a year earlier: baseline × that month's margin a year before go-live / the baseline months' margin a year earlier (needs won deals in the baseline months a year earlier; else the plain baseline)" example:"true"`
}

// AccountPatch changes account fields; omitted fields stay.
type AccountPatch struct {
	Name       *string      `json:"name,omitempty" maxLength:"200"`
	Currency   *string      `json:"currency,omitempty" pattern:"^[A-Z]{3}$" example:"RUB"`
	TimeZone   *string      `json:"time_zone,omitempty" example:"Europe/Moscow"`
	Locale     *string      `json:"locale,omitempty" enum:"ru,en"`
	GoLiveDate *string      `json:"go_live_date,omitempty" doc:"YYYY-MM-DD; an empty string clears it" example:"2025-03-01"`
	Settings   *SettingsDTO `json:"settings,omitempty"`
	Version    *int64       `json:"version,omitempty" doc:"The version you read; a stale one gets 409"`
}

func accountOut(a *crm.Account) AccountOut {
	out := AccountOut{ID: a.ID, Slug: a.Slug, Name: a.Name, Currency: a.Currency, TimeZone: a.TimeZone, Locale: a.Locale,
		Settings: SettingsDTO(a.Settings), CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, Version: a.Version}
	if !a.GoLiveDate.IsZero() {
		s := a.GoLiveDate.String()
		out.GoLiveDate = &s
	}
	return out
}

func (h *Handlers) registerAccount(a huma.API) {
	huma.Register(a, op("get-account", http.MethodGet, "/account", "Get the account and its settings", "Account"),
		func(ctx context.Context, _ *struct{}) (*struct{ Body AccountOut }, error) {
			acc, err := h.svc.Account(ctx, actorOf(ctx))
			if err != nil {
				return nil, handlerErr(ctx, err)
			}
			return &struct{ Body AccountOut }{accountOut(acc)}, nil
		})

	o := op("update-account", http.MethodPatch, "/account", "Change the account's settings (administrators)", "Account")
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, func(ctx context.Context, in *struct {
		IfMatch string `header:"If-Match" doc:"The version you read; a stale one gets 409"`
		Body    AccountPatch
	}) (*struct{ Body AccountOut }, error) {
		p := in.Body
		upd := crm.AccountUpdate{Name: p.Name, Currency: p.Currency, TimeZone: p.TimeZone, Locale: p.Locale}
		var err error
		if upd.Version, err = versionOf(p.Version, in.IfMatch); err != nil {
			return nil, handlerErr(ctx, err)
		}
		if p.GoLiveDate != nil {
			var d crm.Date
			if *p.GoLiveDate != "" {
				if d, err = crm.ParseDate(*p.GoLiveDate); err != nil {
					return nil, handlerErr(ctx, fieldErr("go_live_date", "format", err.Error()))
				}
			}
			upd.GoLiveDate = &d
		}
		if p.Settings != nil {
			s := crm.AccountSettings(*p.Settings)
			upd.Settings = &s
		}
		acc, err := h.svc.UpdateAccount(ctx, actorOf(ctx), upd)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body AccountOut }{accountOut(acc)}, nil
	})
}
