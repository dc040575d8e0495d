package crm

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Timeline item types, in the order they sort at the same instant.
const (
	TimelineStageChange       = "stage_change"
	TimelineResponsibleChange = "responsible_change"
	TimelineFieldChange       = "field_change"
	TimelineActivity          = "activity"
	TimelineTask              = "task"
)

// TimelineRank orders item types that share an instant.
var TimelineRank = map[string]int{TimelineStageChange: 0, TimelineResponsibleChange: 1, TimelineFieldChange: 2, TimelineActivity: 3, TimelineTask: 4}

// TimelineItem is one entry of a record's history; exactly one of the pointers is set.
type TimelineItem struct {
	At          time.Time
	Type        string
	ID          int64
	Activity    *Activity
	Task        *Task
	Stage       *StageEvent
	Responsible *ResponsibleEvent
	Change      *AuditEntry
}

// TimelineCursor is where a timeline page ended.
type TimelineCursor struct {
	At   time.Time
	Rank int
	ID   int64
}

// EncodeTimelineCursor returns the opaque cursor after an item.
func EncodeTimelineCursor(it *TimelineItem) string {
	return EncodeCursor(it.At.UTC().Format(time.RFC3339Nano)+"|"+strconv.Itoa(TimelineRank[it.Type]), it.ID)
}

// DecodeTimelineCursor parses a timeline cursor; EINVALID on "after" otherwise.
func DecodeTimelineCursor(s string) (TimelineCursor, error) {
	c, err := DecodeCursor(s)
	if err != nil {
		return TimelineCursor{}, err
	}
	bad := &Error{Code: EINVALID, Message: "Some fields are invalid.", Fields: []FieldError{{Field: "after", Code: "format", Message: "is not a timeline cursor"}}}
	v, _ := c.Value.(string)
	at, rank, ok := strings.Cut(v, "|")
	t, err1 := time.Parse(time.RFC3339Nano, at)
	r, err2 := strconv.Atoi(rank)
	if !ok || err1 != nil || err2 != nil {
		return TimelineCursor{}, bad
	}
	return TimelineCursor{At: t.UTC(), Rank: r, ID: c.ID}, nil
}

// TimelineStore reads timelines.
type TimelineStore interface {
	// FindTimeline returns up to limit items of the record (entity deal, contact or company), newest
	// first, after the cursor (nil: from the newest). For a contact or company it includes the
	// activities, tasks and stage changes of its deals.
	FindTimeline(ctx context.Context, actor *Actor, entity string, id int64, after *TimelineCursor, limit int) ([]*TimelineItem, error)
}

// Timeline returns a page of the history of a deal, contact or company the actor may see, newest
// first: activities, tasks, stage changes, responsible changes and field changes. ENOTFOUND.
func (s *Service) Timeline(ctx context.Context, actor *Actor, entity string, id int64, p Page) (*List[*TimelineItem], error) {
	p.Normalize()
	var after *TimelineCursor
	if p.After != "" {
		c, err := DecodeTimelineCursor(p.After)
		if err != nil {
			return nil, err
		}
		after = &c
	}
	out := &List[*TimelineItem]{Total: -1}
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		switch entity {
		case "deal":
			_, err = tx.FindDeal(ctx, actor, id, false)
		case "contact":
			_, err = tx.FindContact(ctx, actor, id, false)
		case "company":
			_, err = tx.FindCompany(ctx, actor, id, false)
		default:
			return fmt.Errorf("timeline of %q", entity)
		}
		if err != nil {
			return err
		}
		items, err := tx.FindTimeline(ctx, actor, entity, id, after, p.Limit+1)
		if err != nil {
			return err
		}
		if len(items) > p.Limit {
			items = items[:p.Limit]
			out.Next = EncodeTimelineCursor(items[len(items)-1])
		}
		out.Items = items
		return nil
	})
	return out, err
}
