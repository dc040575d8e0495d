package crm

import (
	"context"
	"time"
)

// Company is an organisation that buys: the client of its deals (KPI.md: the client of a deal is
// its company when set, else its main contact).
type Company struct {
	ID             int64
	AccountID      int64
	Name           string
	TaxID          string // ИНН
	Industry       string
	Region         string
	Segment        string
	Phone          string // normalised digits
	Email          string
	Website        string
	ResponsibleID  int64
	Tags           []string
	Custom         map[string]any
	ChurnedAt      time.Time
	CreatedBy      int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
	DeletedAt      time.Time
	Version        int64
	ExternalSource string
	ExternalID     string
}

// CompanyUpdate changes a company; nil fields stay.
type CompanyUpdate struct {
	Name, TaxID, Industry, Region, Segment, Phone, Email, Website *string
	ResponsibleID                                                 *int64
	Tags                                                          *[]string
	Custom                                                        map[string]any
	ChurnedAt                                                     *time.Time
	Version                                                       *int64
}

// CompanyFilter selects companies; zero fields do not filter.
type CompanyFilter struct {
	Q             string // name or tax id
	ResponsibleID int64
	Industry      string
	Region        string
	Segment       string
	Tags          []string
	CreatedFrom   time.Time
	CreatedTo     time.Time
	Custom        map[string]string
	Deleted       bool
}

// CompanyStore stores companies.
type CompanyStore interface {
	InsertCompany(ctx context.Context, actor *Actor, c *Company) error
	FindCompany(ctx context.Context, actor *Actor, id int64, withDeleted bool) (*Company, error)
	FindCompanies(ctx context.Context, actor *Actor, f CompanyFilter, p Page) (*List[*Company], error)
	UpdateCompany(ctx context.Context, actor *Actor, c *Company, expectVersion int64) error
	SetCompanyDeleted(ctx context.Context, actor *Actor, id int64, at time.Time) error
	// FindCompanyDuplicates returns live companies (other than exceptID) with the tax id or name.
	FindCompanyDuplicates(ctx context.Context, actor *Actor, taxID, name string, exceptID int64) ([]Duplicate, error)
	// MoveCompanyRefs points every contact, deal, task, activity and complaint of company from at to.
	MoveCompanyRefs(ctx context.Context, actor *Actor, from, to int64) (map[string]int64, error)
}

func validateCompany(v *Validation, c *Company) {
	if v.Required("name", c.Name) {
		v.MaxLen("name", c.Name, 500)
	}
	v.MaxLen("tax_id", c.TaxID, 20)
	for _, r := range c.TaxID {
		if r < '0' || r > '9' {
			v.Add("tax_id", "format", "must be digits")
			break
		}
	}
	v.MaxLen("industry", c.Industry, 300)
	v.MaxLen("region", c.Region, 300)
	v.MaxLen("segment", c.Segment, 300)
	v.MaxLen("website", c.Website, 500)
	if c.Phone != "" {
		if p, ok := NormalizePhone(c.Phone); ok {
			c.Phone = p
		} else {
			v.Add("phone", "format", "is not a phone number")
		}
	}
	if c.Email != "" {
		c.Email = NormalizeEmail(c.Email)
		if !ValidEmail(c.Email) {
			v.Add("email", "format", "is not an e-mail address")
		}
	}
}
