package crm

import (
	"context"
	"time"
)

// Phone is a phone number of a contact: Phone is the normalised digits (see NormalizePhone), Raw
// what was typed, Kind a free label (mobile, work…).
type Phone struct {
	Phone, Raw, Kind string
}

// Email is an e-mail address of a contact, lowercase.
type Email struct {
	Email, Kind string
}

// Contact is a person: a client, or someone at a client company.
type Contact struct {
	ID             int64
	AccountID      int64
	Name           string
	Position       string
	CompanyID      int64
	ResponsibleID  int64
	ChannelID      int64
	Region         string
	Segment        string
	Phones         []Phone
	Emails         []Email
	Tags           []string
	Custom         map[string]any
	ChurnedAt      time.Time // marked lost as a customer (churn)
	CreatedBy      int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
	DeletedAt      time.Time
	Version        int64
	ExternalSource string
	ExternalID     string
}

// ContactInput creates a contact.
type ContactInput struct {
	Name           string
	Position       string
	CompanyID      int64
	ResponsibleID  int64 // 0: the actor
	ChannelID      int64
	Region         string
	Segment        string
	Phones         []Phone // Raw is read; Phone is computed
	Emails         []Email
	Tags           []string
	Custom         map[string]any
	CreatedAt      time.Time // administrators, migrating history
	ExternalSource string
	ExternalID     string
}

// ContactUpdate changes a contact; nil fields stay. Phones, Emails and Tags replace the lists.
type ContactUpdate struct {
	Name, Position, Region, Segment *string
	CompanyID, ResponsibleID        *int64
	ChannelID                       *int64
	Phones                          *[]Phone
	Emails                          *[]Email
	Tags                            *[]string
	Custom                          map[string]any
	ChurnedAt                       *time.Time // zero time clears
	Version                         *int64
}

// ContactFilter selects contacts; zero fields do not filter.
type ContactFilter struct {
	Q             string // name, position, a phone (typed any way) or an e-mail
	Phone, Email  string
	ResponsibleID int64
	CompanyID     int64
	ChannelID     int64
	Region        string
	Segment       string
	Tags          []string
	CreatedFrom   time.Time
	CreatedTo     time.Time
	Custom        map[string]string
	Deleted       bool
}

// Duplicate is a live record that shares a phone, an e-mail, a tax id or a name with another.
// Name is empty when the actor may not see the record: they learn only that a colleague has it.
type Duplicate struct {
	ID            int64
	Name          string
	ResponsibleID int64
	Match         string // phone, email, tax_id, name
	Value         string
}

// ContactSorts are the fields contacts may be sorted by.
var ContactSorts = []string{"name", "created_at", "updated_at", "id"}

// ContactStore stores contacts.
type ContactStore interface {
	InsertContact(ctx context.Context, actor *Actor, c *Contact) error
	// FindContact returns a contact the actor may see; ENOTFOUND.
	FindContact(ctx context.Context, actor *Actor, id int64, withDeleted bool) (*Contact, error)
	FindContacts(ctx context.Context, actor *Actor, f ContactFilter, p Page) (*List[*Contact], error)
	// UpdateContact stores the contact's fields, phones, e-mails and tags when its version is expectVersion.
	UpdateContact(ctx context.Context, actor *Actor, c *Contact, expectVersion int64) error
	SetContactDeleted(ctx context.Context, actor *Actor, id int64, at time.Time) error
	// FindContactDuplicates returns the live contacts of the account (other than exceptID) with any
	// of the phones or e-mails.
	FindContactDuplicates(ctx context.Context, actor *Actor, phones, emails []string, exceptID int64) ([]Duplicate, error)
	// MoveContactRefs points every deal, deal contact, task, activity, complaint and NPS answer of
	// contact from at contact to, and returns how many rows moved per table.
	MoveContactRefs(ctx context.Context, actor *Actor, from, to int64) (map[string]int64, error)
}

func validateContact(v *Validation, c *Contact) {
	if v.Required("name", c.Name) {
		v.MaxLen("name", c.Name, 300)
	}
	v.MaxLen("position", c.Position, 300)
	v.MaxLen("region", c.Region, 300)
	v.MaxLen("segment", c.Segment, 300)
	v.MaxLen("external_id", c.ExternalID, 200)
}

// normalizePhones normalises phones, dropping repeats; errors go on phones[i].
func normalizePhones(v *Validation, in []Phone) []Phone {
	out := []Phone{}
	seen := map[string]bool{}
	for i, p := range in {
		raw := p.Raw
		if raw == "" {
			raw = p.Phone
		}
		d, ok := NormalizePhone(raw)
		if !ok {
			v.Add("phones["+itoa(i)+"]", "format", "is not a phone number")
			continue
		}
		if !seen[d] {
			seen[d] = true
			out = append(out, Phone{Phone: d, Raw: raw, Kind: p.Kind})
		}
	}
	if len(out) > 20 {
		v.Add("phones", "too_many", "at most 20 phones")
	}
	return out
}

// normalizeEmails lowercases e-mails, dropping repeats; errors go on emails[i].
func normalizeEmails(v *Validation, in []Email) []Email {
	out := []Email{}
	seen := map[string]bool{}
	for i, e := range in {
		addr := NormalizeEmail(e.Email)
		if len(addr) > 254 || !ValidEmail(addr) {
			v.Add("emails["+itoa(i)+"]", "format", "is not an e-mail address")
			continue
		}
		if !seen[addr] {
			seen[addr] = true
			out = append(out, Email{Email: addr, Kind: e.Kind})
		}
	}
	if len(out) > 20 {
		v.Add("emails", "too_many", "at most 20 e-mails")
	}
	return out
}
