package crm

import (
	"context"
	"regexp"
	"strings"
	"time"
)

// Account is one company using Voronka: every record belongs to exactly one account.
type Account struct {
	ID         int64
	Slug       string // short unique name, used at login when one e-mail is in several accounts
	Name       string
	Currency   string // ISO 4217 code; money is stored in its minor units
	TimeZone   string // IANA name; periods and buckets are cut in it
	Locale     string // "ru" or "en"
	GoLiveDate Date   // the day the CRM was introduced: the before/after line of every report
	Settings   AccountSettings
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Version    int64
}

// AccountSettings are the account-wide parameters of the KPIs and automation.
type AccountSettings struct {
	LeadSLAMinutes    int `json:"lead_sla_minutes"`    // a lead not touched within it is "uncontacted"; default 24 h
	PurchaseCycleDays int `json:"purchase_cycle_days"` // churn window W; default 365
	StalledDays       int `json:"stalled_days"`        // a deal with no touch and no task for longer is stalled; default 7
	BaselineMonths    int `json:"baseline_months"`     // months before go-live that form the ROI baseline; default 6
	// SeasonalBaseline adjusts the ROI baseline of each month after go-live by the same month a
	// year earlier (docs/kpi.md); off by default.
	SeasonalBaseline bool `json:"seasonal_baseline"`
}

// DefaultAccountSettings are the settings of a new account.
func DefaultAccountSettings() AccountSettings {
	return AccountSettings{LeadSLAMinutes: 24 * 60, PurchaseCycleDays: 365, StalledDays: 7, BaselineMonths: 6}
}

// Location returns the account's time zone; UTC if the name is unknown.
func (a *Account) Location() *time.Location {
	loc, err := time.LoadLocation(a.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// AccountUpdate holds the account fields to change; nil fields stay as they are.
type AccountUpdate struct {
	Name       *string
	Currency   *string
	TimeZone   *string
	Locale     *string
	GoLiveDate *Date // the zero Date clears it
	Settings   *AccountSettings
	Version    *int64 // when given, the update fails with ECONFLICT unless it is the stored version
}

// AccountStore stores accounts.
type AccountStore interface {
	// InsertAccount stores a and sets its ID, timestamps and version.
	InsertAccount(ctx context.Context, a *Account) error
	// FindAccount returns the actor's account; ENOTFOUND when it does not exist.
	FindAccount(ctx context.Context, actor *Actor) (*Account, error)
	// FindAccountBySlug returns the account named slug; ENOTFOUND when none is.
	FindAccountBySlug(ctx context.Context, slug string) (*Account, error)
	// UpdateAccount stores a's changed fields when its version is expectVersion; ECONFLICT otherwise.
	UpdateAccount(ctx context.Context, a *Account, expectVersion int64) error
	// CountAccounts returns how many accounts exist.
	CountAccounts(ctx context.Context) (int, error)
	// FindAccounts returns every account by id: for the admin CLI only.
	FindAccounts(ctx context.Context) ([]*Account, error)
}

var (
	slugRe     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)
	currencyRe = regexp.MustCompile(`^[A-Z]{3}$`)
)

// Locales lists the languages the UI speaks.
var Locales = []string{"ru", "en"}

func validateAccount(v *Validation, a *Account) {
	if v.Required("name", a.Name) {
		v.MaxLen("name", a.Name, 200)
	}
	if !slugRe.MatchString(a.Slug) {
		v.Add("slug", "format", "must be 2–63 lowercase letters, digits or dashes")
	}
	if !currencyRe.MatchString(a.Currency) {
		v.Add("currency", "format", "must be an ISO 4217 code such as RUB or USD")
	}
	if _, err := time.LoadLocation(a.TimeZone); err != nil || a.TimeZone == "" || strings.EqualFold(a.TimeZone, "local") {
		v.Add("time_zone", "format", "must be an IANA time zone such as Europe/Moscow")
	}
	if a.Locale != "ru" && a.Locale != "en" {
		v.Add("locale", "one_of", "must be ru or en")
	}
	s := a.Settings
	if s.LeadSLAMinutes < 1 || s.LeadSLAMinutes > 60*24*31 {
		v.Add("settings.lead_sla_minutes", "out_of_range", "must be from 1 minute to 31 days")
	}
	if s.PurchaseCycleDays < 1 || s.PurchaseCycleDays > 3660 {
		v.Add("settings.purchase_cycle_days", "out_of_range", "must be from 1 to 3660 days")
	}
	if s.StalledDays < 1 || s.StalledDays > 365 {
		v.Add("settings.stalled_days", "out_of_range", "must be from 1 to 365 days")
	}
	if s.BaselineMonths < 1 || s.BaselineMonths > 36 {
		v.Add("settings.baseline_months", "out_of_range", "must be from 1 to 36 months")
	}
}

// Slugify turns an account name into a slug candidate: lowercase ASCII letters, digits and dashes.
func Slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range Translit(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.Trim(b.String(), "-")
	if len(s) > 63 {
		s = strings.Trim(s[:63], "-")
	}
	if len(s) < 2 {
		s = "account"
	}
	return s
}

var translitTable = map[rune]string{'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh",
	'з': "z", 'и': "i", 'й': "y", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s",
	'т': "t", 'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "", 'ы': "y",
	'ь': "", 'э': "e", 'ю': "yu", 'я': "ya"}

// Translit lowercases s and spells its Russian letters in Latin ones (the passport style:
// Щукин → shchukin), for slugs and e-mail logins; other characters stay as they are.
func Translit(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if t, ok := translitTable[r]; ok {
			b.WriteString(t)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
