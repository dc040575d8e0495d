package crm

import (
	"context"
	"time"
)

// Deal statuses follow the kind of the deal's stage.
const (
	DealOpen = "open"
	DealWon  = "won"
	DealLost = "lost"
)

// Deal is a lead from the moment it comes in (CreatedAt) until it is won or lost (ClosedAt).
// Amount and Cost are integer minor units; while the deal has items they are the items' sums.
type Deal struct {
	ID                int64
	AccountID         int64
	Name              string
	PipelineID        int64
	StageID           int64
	Status            string
	Amount            int64
	Cost              int64
	ResponsibleID     int64
	ContactID         int64   // the main contact; 0: none
	ContactIDs        []int64 // other contacts
	CompanyID         int64
	ChannelID         int64
	UTM               UTM
	Region            string
	Segment           string
	ExpectedCloseDate Date
	LossReasonID      int64
	LossComment       string
	Tags              []string
	Custom            map[string]any
	Items             []*DealItem
	CreatedBy         int64
	CreatedAt         time.Time
	StageChangedAt    time.Time
	ClosedAt          time.Time
	UpdatedAt         time.Time
	DeletedAt         time.Time
	Version           int64
	ExternalSource    string
	ExternalID        string
}

// UTM holds the campaign tags a lead came with.
type UTM struct {
	Source, Medium, Campaign, Content, Term string
}

// DealItem is a line item: a product (or a free-text service) sold in a deal.
type DealItem struct {
	ID        int64
	ProductID int64 // 0: not from the catalogue
	Name      string
	Quantity  int64
	Price     int64 // per unit
	Discount  int64 // on the whole line
	Cost      int64 // per unit
	Amount    int64 // Price×Quantity − Discount
	Upsell    bool  // added to the main purchase (допродажа)
	Position  int
}

// ItemInput is a line item as given by a user; zero Name, Price and Cost come from the product.
type ItemInput struct {
	ProductID int64
	Name      string
	Quantity  int64
	Price     *int64
	Discount  int64
	Cost      *int64
	Upsell    bool
}

// StageStep is one past stage of a deal, for migrating history: the deal entered StageID at At.
type StageStep struct {
	StageID    int64
	PipelineID int64 // 0: the deal's pipeline
	At         time.Time
}

// StageEvent records that a deal entered a stage (FromStageID 0 at its creation).
type StageEvent struct {
	ID             int64
	DealID         int64
	At             time.Time
	FromPipelineID int64
	FromStageID    int64
	ToPipelineID   int64
	ToStageID      int64
	UserID         int64
}

// ResponsibleEvent records a change of a deal's responsible user.
type ResponsibleEvent struct {
	ID         int64
	DealID     int64
	At         time.Time
	FromUserID int64
	ToUserID   int64
	ByUserID   int64
}

// DealCreate is the input of CreateDeal.
type DealCreate struct {
	Name              string
	PipelineID        int64 // 0: the first pipeline
	StageID           int64 // 0: the pipeline's first open stage
	Amount            int64
	ResponsibleID     int64 // 0: the actor
	ContactID         int64
	ContactIDs        []int64
	CompanyID         int64
	ChannelID         int64
	UTM               UTM
	Region            string
	Segment           string
	ExpectedCloseDate Date
	LossReasonID      int64
	LossComment       string
	Tags              []string
	Custom            map[string]any
	Items             []ItemInput
	// History (administrators only): when the deal came in, its past stages in time order (the last
	// is where it is now), and when it was closed.
	CreatedAt      time.Time
	StageHistory   []StageStep
	ClosedAt       time.Time
	ExternalSource string
	ExternalID     string
}

// DealUpdate changes a deal; nil fields stay. A new StageID moves the deal (PipelineID must name
// the stage's pipeline when it is another one); Items, when not nil, replaces the line items.
type DealUpdate struct {
	Name              *string
	StageID           *int64
	PipelineID        *int64
	Amount            *int64
	ResponsibleID     *int64
	ContactID         *int64
	ContactIDs        *[]int64
	CompanyID         *int64
	ChannelID         *int64
	UTM               *UTM
	Region            *string
	Segment           *string
	ExpectedCloseDate *Date
	LossReasonID      *int64
	LossComment       *string
	Tags              *[]string
	Custom            map[string]any // keys to set; a nil value removes the key
	Items             *[]ItemInput
	Version           *int64
}

// DealFilter selects deals; zero fields do not filter.
type DealFilter struct {
	PipelineID    int64
	StageID       int64
	Status        string
	ResponsibleID int64
	ContactID     int64
	CompanyID     int64
	ChannelID     int64
	Region        string
	Segment       string
	Q             string // in the name
	Tags          []string
	CreatedFrom   time.Time
	CreatedTo     time.Time
	ClosedFrom    time.Time
	ClosedTo      time.Time
	AmountMin     *int64
	AmountMax     *int64
	Custom        map[string]string // custom field key → value (text equality)
	Deleted       bool              // list the deleted deals instead
}

// DealSorts are the fields deals may be sorted by.
var DealSorts = []string{"created_at", "updated_at", "closed_at", "amount", "name", "id"}

// DealStore stores deals, their items and their history.
type DealStore interface {
	// InsertDeal stores d with its items, other contacts and tags; sets ids.
	InsertDeal(ctx context.Context, actor *Actor, d *Deal) error
	// FindDeal returns a deal the actor may see, with items, contacts and tags; deleted ones only
	// when withDeleted. ENOTFOUND.
	FindDeal(ctx context.Context, actor *Actor, id int64, withDeleted bool) (*Deal, error)
	// FindDeals returns one page of the deals the actor may see.
	FindDeals(ctx context.Context, actor *Actor, f DealFilter, p Page) (*List[*Deal], error)
	// UpdateDeal stores the deal's own fields when its version is expectVersion (ECONFLICT otherwise).
	UpdateDeal(ctx context.Context, actor *Actor, d *Deal, expectVersion int64) error
	// ReplaceDealItems, SetDealContacts and SetDealTags replace a deal's items (setting their ids),
	// other contacts and tags.
	ReplaceDealItems(ctx context.Context, actor *Actor, dealID int64, items []*DealItem) error
	SetDealContacts(ctx context.Context, actor *Actor, dealID int64, ids []int64) error
	SetDealTags(ctx context.Context, actor *Actor, dealID int64, tags []string) error
	// SetDealDeleted soft-deletes (at) or restores (zero at) a deal.
	SetDealDeleted(ctx context.Context, actor *Actor, id int64, at time.Time, expectVersion int64) error
	// InsertStageEvent and InsertResponsibleEvent append to a deal's history.
	InsertStageEvent(ctx context.Context, actor *Actor, e *StageEvent) error
	InsertResponsibleEvent(ctx context.Context, actor *Actor, e *ResponsibleEvent) error
	// FindStageEvents and FindResponsibleEvents return a deal's history in time order.
	FindStageEvents(ctx context.Context, actor *Actor, dealID int64) ([]*StageEvent, error)
	FindResponsibleEvents(ctx context.Context, actor *Actor, dealID int64) ([]*ResponsibleEvent, error)
	// RefExists reports whether a live record of the account is in table (one of contacts,
	// companies, channels, loss_reasons, products).
	RefExists(ctx context.Context, actor *Actor, table string, id int64) (bool, error)
	// FindProduct returns a live product of the account; ENOTFOUND.
	FindProduct(ctx context.Context, actor *Actor, id int64) (*Product, error)
	// ExternalID returns the id of the account's record of the entity (deal, contact, company),
	// deleted or not, with the external id; 0 when there is none.
	ExternalID(ctx context.Context, actor *Actor, entity, source, id string) (int64, error)
}
