package crm

import "context"

// Store is the storage the services need; internal/store implements it for SQLite and PostgreSQL.
type Store interface {
	// Write runs fn in one write transaction: everything fn stores commits together, or, when fn
	// returns an error, nothing does.
	Write(ctx context.Context, fn func(Tx) error) error
	// Read runs fn outside any write transaction, for queries.
	Read(ctx context.Context, fn func(Tx) error) error
	// Atomic runs fn with a context in which every Write and Read joins one transaction: all the
	// writes of fn commit together, or none does.
	Atomic(ctx context.Context, fn func(ctx context.Context) error) error
}

// Tx is the set of storage operations available inside Store.Write and Store.Read.
type Tx interface {
	AccountStore
	UserStore
	TeamStore
	TokenStore
	AuditStore
	CustomFieldStore
	PipelineStore
	ProductStore
	DealStore
	BulkDealStore
	ChannelStore
	CustomFieldDefStore
	ContactStore
	CompanyStore
	TaskStore
	ActivityStore
	TimelineStore
	PaymentStore
	FeedbackStore
	BudgetStore
	EditStore
	ROIPlanStore
}
