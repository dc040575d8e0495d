package crm

import (
	"context"
	"net/mail"
	"strings"
	"time"
)

// User is a person who works in an account. Users are deactivated, never deleted: their history stays.
type User struct {
	ID           int64
	AccountID    int64
	Email        string // lowercase; unique in the account
	Name         string
	Role         Role
	TeamID       int64 // 0: in no team
	Active       bool
	PasswordHash string // argon2id, PHC string format; never leaves the server
	LastLoginAt  time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Version      int64
}

// UserCreate is the input of CreateUser.
type UserCreate struct {
	Email    string
	Name     string
	Password string
	Role     Role
	TeamID   int64
}

// UserUpdate holds the user fields to change; nil fields stay as they are.
type UserUpdate struct {
	Name     *string
	Email    *string
	Role     *Role
	TeamID   *int64 // 0 takes the user out of their team
	Active   *bool
	Password *string
	Version  *int64 // when given, the update fails with ECONFLICT unless it is the stored version
}

// UserFilter selects users; zero fields do not filter.
type UserFilter struct {
	ID     int64
	Email  string
	TeamID int64
	Active *bool
}

// Absence is a period a user is away (vacation, sick leave): lead distribution skips them then.
type Absence struct {
	ID        int64
	UserID    int64
	StartsOn  Date // first day away
	EndsOn    Date // last day away
	Reason    string
	CreatedAt time.Time
}

// UserStore stores users and their absences.
type UserStore interface {
	// InsertUser stores u in the actor's account and sets its ID, timestamps and version;
	// ECONFLICT when the e-mail is taken in the account.
	InsertUser(ctx context.Context, actor *Actor, u *User) error
	// FindUser returns the user of the actor's account with the id; ENOTFOUND when there is none.
	FindUser(ctx context.Context, actor *Actor, id int64) (*User, error)
	// FindUsers returns the users of the actor's account that match f, by id.
	FindUsers(ctx context.Context, actor *Actor, f UserFilter) ([]*User, error)
	// UpdateUser stores u's fields when its version is expectVersion, and bumps the version;
	// ECONFLICT on a stale version or a taken e-mail.
	UpdateUser(ctx context.Context, actor *Actor, u *User, expectVersion int64) error
	// FindLoginCandidates returns the active and inactive users with the e-mail in every account,
	// or in the account with the slug when it is given. Used only to log in.
	FindLoginCandidates(ctx context.Context, email, accountSlug string) ([]*User, error)
	// TouchLogin records that the user logged in at t.
	TouchLogin(ctx context.Context, actor *Actor, userID int64, t time.Time) error
	// InsertAbsence stores an absence of a user of the actor's account.
	InsertAbsence(ctx context.Context, actor *Actor, a *Absence) error
	// FindAbsences returns a user's absences, earliest first.
	FindAbsences(ctx context.Context, actor *Actor, userID int64) ([]*Absence, error)
	// DeleteAbsence removes an absence; ENOTFOUND when there is none with the id.
	DeleteAbsence(ctx context.Context, actor *Actor, id int64) error
}

// NormalizeEmail trims and lowercases an e-mail address.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidEmail reports whether s is a plain e-mail address (local@domain, no display name).
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == "" && strings.Contains(s[strings.LastIndexByte(s, '@'):], ".")
}

func validateEmail(v *Validation, field, email string) {
	if v.Required(field, email) {
		if len(email) > 254 || !ValidEmail(email) {
			v.Add(field, "format", "must be an e-mail address such as anna@example.com")
		}
	}
}
