package store

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/voronka/voronka/internal/crm"
)

const taskColumns = `t.id, t.type, t.title, t.description, t.deal_id, t.contact_id, t.company_id, t.responsible_id, t.due_at, t.done_at,
	t.result, t.created_by, t.created_at, t.updated_at, t.deleted_at, t.version`

// InsertTask stores a task.
func (t *Tx) InsertTask(ctx context.Context, actor *crm.Actor, k *crm.Task) error {
	err := t.q.QueryRowContext(ctx, `
		INSERT INTO tasks (account_id, type, title, description, deal_id, contact_id, company_id, responsible_id, due_at, done_at, result,
			created_by, created_at, updated_at, version, external_source, external_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, $15, $16) RETURNING id, version`,
		actor.AccountID, k.Type, k.Title, k.Description, nullID(k.DealID), nullID(k.ContactID), nullID(k.CompanyID), k.ResponsibleID,
		k.DueAt.UTC(), nullTime(k.DoneAt), k.Result, nullID(k.CreatedBy), k.CreatedAt.UTC(), k.UpdatedAt.UTC(),
		nullString(k.ExternalSource), nullString(k.ExternalID)).Scan(&k.ID, &k.Version)
	return wrap("insert task", err)
}

// FindTask returns a task the actor may see.
func (t *Tx) FindTask(ctx context.Context, actor *crm.Actor, id int64, withDeleted bool) (*crm.Task, error) {
	vis, vargs := visible(actor, "t.responsible_id", 4)
	k, err := scanTask(t.q.QueryRowContext(ctx, `SELECT `+taskColumns+` FROM tasks t
		WHERE t.account_id = $1 AND t.id = $2 AND ($3 OR t.deleted_at IS NULL) AND `+vis, append([]any{actor.AccountID, id, withDeleted}, vargs...)...))
	return k, notFound("find task", err, "Task", id)
}

var taskSortKeys = map[string]sortKey{"": {"t.id", "int"}, "id": {"t.id", "int"}, "due_at": {"t.due_at", "time"}, "created_at": {"t.created_at", "time"}}

// FindTasks returns one page of the tasks the actor may see.
func (t *Tx) FindTasks(ctx context.Context, actor *crm.Actor, f crm.TaskFilter, now time.Time, p crm.Page) (*crm.List[*crm.Task], error) {
	a := &args{}
	conds := []string{"t.account_id = " + a.add(actor.AccountID)}
	if f.Deleted {
		conds = append(conds, "t.deleted_at IS NOT NULL")
	} else {
		conds = append(conds, "t.deleted_at IS NULL")
	}
	vis, vargs := visible(actor, "t.responsible_id", a.next())
	a.addAll(vargs)
	conds = append(conds, vis)
	for _, e := range []struct {
		col string
		v   int64
	}{{"t.responsible_id", f.ResponsibleID}, {"t.deal_id", f.DealID}, {"t.contact_id", f.ContactID}, {"t.company_id", f.CompanyID}} {
		if e.v != 0 {
			conds = append(conds, e.col+" = "+a.add(e.v))
		}
	}
	if f.Type != "" {
		conds = append(conds, "t.type = "+a.add(f.Type))
	}
	if f.Done != nil && *f.Done {
		conds = append(conds, "t.done_at IS NOT NULL")
	} else if f.Done != nil {
		conds = append(conds, "t.done_at IS NULL")
	}
	if f.Overdue {
		conds = append(conds, "t.done_at IS NULL AND t.due_at < "+a.add(now.UTC()))
	}
	if !f.DueFrom.IsZero() {
		conds = append(conds, "t.due_at >= "+a.add(f.DueFrom.UTC()))
	}
	if !f.DueTo.IsZero() {
		conds = append(conds, "t.due_at < "+a.add(f.DueTo.UTC()))
	}
	countArgs := slices.Clone(a.list)
	where, tail, err := pageClause(a, taskSortKeys[p.Sort], "t.id", p)
	if err != nil {
		return nil, err
	}
	out := &crm.List[*crm.Task]{Items: []*crm.Task{}, Total: -1}
	if p.WithTotal {
		if err := t.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM tasks t WHERE `+and(conds...), countArgs...).Scan(&out.Total); err != nil {
			return nil, wrap("count tasks", err)
		}
	}
	rows, err := t.q.QueryContext(ctx, `SELECT `+taskColumns+` FROM tasks t WHERE `+and(append(conds, where)...)+tail, a.list...)
	if err != nil {
		return nil, wrap("find tasks", err)
	}
	defer rows.Close()
	for rows.Next() {
		k, err := scanTask(rows)
		if err != nil {
			return nil, wrap("find tasks", err)
		}
		out.Items = append(out.Items, k)
	}
	if len(out.Items) > p.Limit {
		out.Items = out.Items[:p.Limit]
		last := out.Items[len(out.Items)-1]
		var v any = last.ID
		switch p.Sort {
		case "due_at":
			v = last.DueAt
		case "created_at":
			v = last.CreatedAt
		}
		out.Next = crm.EncodeCursor(cursorOf(v), last.ID)
	}
	return out, wrap("find tasks", rows.Err())
}

// UpdateTask stores a task when its version is expectVersion.
func (t *Tx) UpdateTask(ctx context.Context, actor *crm.Actor, k *crm.Task, expectVersion int64) error {
	res, err := t.q.ExecContext(ctx, `
		UPDATE tasks SET type = $1, title = $2, description = $3, deal_id = $4, contact_id = $5, company_id = $6, responsible_id = $7,
			due_at = $8, done_at = $9, result = $10, updated_at = $11, version = version + 1
		WHERE account_id = $12 AND id = $13 AND version = $14`,
		k.Type, k.Title, k.Description, nullID(k.DealID), nullID(k.ContactID), nullID(k.CompanyID), k.ResponsibleID, k.DueAt.UTC(),
		nullTime(k.DoneAt), k.Result, k.UpdatedAt.UTC(), actor.AccountID, k.ID, expectVersion)
	if err != nil {
		return wrap("update task", err)
	}
	return checkVersioned(res, "Task", k.ID)
}

// SetTaskDeleted soft-deletes (at) or restores (zero at) a task.
func (t *Tx) SetTaskDeleted(ctx context.Context, actor *crm.Actor, id int64, at time.Time) error {
	_, err := t.q.ExecContext(ctx, `UPDATE tasks SET deleted_at = $1, version = version + 1 WHERE account_id = $2 AND id = $3`, nullTime(at), actor.AccountID, id)
	return wrap("delete task", err)
}

func scanTask(s scanner) (*crm.Task, error) {
	var k crm.Task
	var deal, contact, company, createdBy sql.NullInt64
	var due, done, created, updated, deleted sql.NullTime
	if err := s.Scan(&k.ID, &k.Type, &k.Title, &k.Description, &deal, &contact, &company, &k.ResponsibleID, &due, &done, &k.Result,
		&createdBy, &created, &updated, &deleted, &k.Version); err != nil {
		return nil, err
	}
	k.DealID, k.ContactID, k.CompanyID, k.CreatedBy = deal.Int64, contact.Int64, company.Int64, createdBy.Int64
	k.DueAt, k.DoneAt, k.CreatedAt, k.UpdatedAt, k.DeletedAt = utc(due), utc(done), utc(created), utc(updated), utc(deleted)
	return &k, nil
}
