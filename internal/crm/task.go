package crm

import (
	"context"
	"time"
)

// Task types.
var TaskTypes = []string{"call", "meeting", "email", "follow_up", "other"}

// Task is something a user must do by DueAt, on a deal, contact or company. Overdue is derived:
// not done and past due.
type Task struct {
	ID            int64
	Type          string
	Title         string
	Description   string
	DealID        int64
	ContactID     int64
	CompanyID     int64
	ResponsibleID int64
	DueAt         time.Time
	DoneAt        time.Time
	Result        string
	CreatedBy     int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
	DeletedAt     time.Time
	Version       int64
	// ExternalSource and ExternalID name the task in the system it was imported from.
	ExternalSource, ExternalID string
}

// Overdue reports whether the task is not done and its due time has passed at now.
func (t *Task) Overdue(now time.Time) bool { return t.DoneAt.IsZero() && t.DueAt.Before(now) }

// TaskInput creates a task.
type TaskInput struct {
	Type, Title, Description     string
	DealID, ContactID, CompanyID int64
	ResponsibleID                int64 // 0: the actor
	DueAt                        time.Time
	CreatedAt, DoneAt            time.Time // administrators, migrating history
	Result                       string
	ExternalSource, ExternalID   string
}

// TaskUpdate changes a task; nil fields stay.
type TaskUpdate struct {
	Type, Title, Description, Result *string
	DealID, ContactID, CompanyID     *int64
	ResponsibleID                    *int64
	DueAt                            *time.Time
	Version                          *int64
}

// TaskFilter selects tasks; zero fields do not filter.
type TaskFilter struct {
	ResponsibleID, DealID, ContactID, CompanyID int64
	Type                                        string
	Done                                        *bool
	Overdue                                     bool // not done and due before now
	DueFrom, DueTo                              time.Time
	Deleted                                     bool
}

// TaskSorts are the fields tasks may be sorted by.
var TaskSorts = []string{"due_at", "created_at", "id"}

// TaskStore stores tasks.
type TaskStore interface {
	InsertTask(ctx context.Context, actor *Actor, t *Task) error
	// FindTask returns a task the actor may see (by its responsible user); ENOTFOUND.
	FindTask(ctx context.Context, actor *Actor, id int64, withDeleted bool) (*Task, error)
	FindTasks(ctx context.Context, actor *Actor, f TaskFilter, now time.Time, p Page) (*List[*Task], error)
	UpdateTask(ctx context.Context, actor *Actor, t *Task, expectVersion int64) error
	SetTaskDeleted(ctx context.Context, actor *Actor, id int64, at time.Time) error
}
