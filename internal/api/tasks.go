package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/voronka/voronka/internal/crm"
)

// TaskOut is a task; overdue is derived at the time of the request.
type TaskOut struct {
	ID            int64      `json:"id"`
	Type          string     `json:"type" enum:"call,meeting,email,follow_up,other"`
	Title         string     `json:"title" example:"Перезвонить после 15:00"`
	Description   string     `json:"description"`
	DealID        *int64     `json:"deal_id"`
	ContactID     *int64     `json:"contact_id"`
	CompanyID     *int64     `json:"company_id"`
	ResponsibleID int64      `json:"responsible_id"`
	DueAt         time.Time  `json:"due_at"`
	DoneAt        *time.Time `json:"done_at"`
	Result        string     `json:"result"`
	Overdue       bool       `json:"overdue" doc:"Not done and past due"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	DeletedAt     *time.Time `json:"deleted_at,omitempty"`
	Version       int64      `json:"version"`
}

// TaskIn creates a task.
type TaskIn struct {
	Type          string     `json:"type,omitempty" enum:"call,meeting,email,follow_up,other" doc:"Default follow_up"`
	Title         string     `json:"title" maxLength:"500"`
	Description   string     `json:"description,omitempty" maxLength:"10000"`
	DealID        int64      `json:"deal_id,omitempty"`
	ContactID     int64      `json:"contact_id,omitempty"`
	CompanyID     int64      `json:"company_id,omitempty"`
	ResponsibleID int64      `json:"responsible_id,omitempty" doc:"Default: you"`
	DueAt         time.Time  `json:"due_at" doc:"RFC 3339"`
	CreatedAt     *time.Time `json:"created_at,omitempty" doc:"Administrators, migrating history"`
	DoneAt        *time.Time `json:"done_at,omitempty" doc:"Administrators, migrating history"`
	Result        string     `json:"result,omitempty" maxLength:"5000"`
}

// TaskPatch changes a task.
type TaskPatch struct {
	Type          *string    `json:"type,omitempty" enum:"call,meeting,email,follow_up,other"`
	Title         *string    `json:"title,omitempty" maxLength:"500"`
	Description   *string    `json:"description,omitempty" maxLength:"10000"`
	DealID        *int64     `json:"deal_id,omitempty"`
	ContactID     *int64     `json:"contact_id,omitempty"`
	CompanyID     *int64     `json:"company_id,omitempty"`
	ResponsibleID *int64     `json:"responsible_id,omitempty"`
	DueAt         *time.Time `json:"due_at,omitempty"`
	Result        *string    `json:"result,omitempty" maxLength:"5000"`
	Version       *int64     `json:"version,omitempty"`
}

func (h *Handlers) taskOut(t *crm.Task) TaskOut {
	return TaskOut{ID: t.ID, Type: t.Type, Title: t.Title, Description: t.Description, DealID: idPtr(t.DealID), ContactID: idPtr(t.ContactID),
		CompanyID: idPtr(t.CompanyID), ResponsibleID: t.ResponsibleID, DueAt: t.DueAt, DoneAt: timePtr(t.DoneAt), Result: t.Result,
		Overdue: t.Overdue(h.svc.Now()), CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, DeletedAt: timePtr(t.DeletedAt), Version: t.Version}
}

func (h *Handlers) registerTasks(a huma.API) {
	huma.Register(a, op("list-tasks", http.MethodGet, "/tasks", "List tasks", "Tasks"), func(ctx context.Context, in *struct {
		ResponsibleID int64  `query:"responsible_id"`
		DealID        int64  `query:"deal_id"`
		ContactID     int64  `query:"contact_id"`
		CompanyID     int64  `query:"company_id"`
		Type          string `query:"type" enum:"call,meeting,email,follow_up,other,"`
		Done          string `query:"done" enum:"true,false,"`
		Overdue       bool   `query:"overdue"`
		DueFrom       string `query:"due_from"`
		DueTo         string `query:"due_to"`
		Deleted       bool   `query:"deleted"`
		After         string `query:"after"`
		Limit         int    `query:"limit" minimum:"0" maximum:"500"`
		Sort          string `query:"sort" enum:"due_at,created_at,id,"`
		Order         string `query:"order" enum:"asc,desc,"`
		WithTotal     bool   `query:"with_total"`
	}) (*struct {
		Body struct {
			Items []TaskOut `json:"items"`
			Next  string    `json:"next"`
			Total *int      `json:"total,omitempty"`
		}
	}, error) {
		acc, err := h.svc.Account(ctx, actorOf(ctx))
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		var v crm.Validation
		f := crm.TaskFilter{ResponsibleID: in.ResponsibleID, DealID: in.DealID, ContactID: in.ContactID, CompanyID: in.CompanyID, Type: in.Type,
			Overdue: in.Overdue, Deleted: in.Deleted, DueFrom: parseInstant(&v, "due_from", in.DueFrom, acc), DueTo: parseInstant(&v, "due_to", in.DueTo, acc)}
		if in.Done != "" {
			d := in.Done == "true"
			f.Done = &d
		}
		if err := v.Err(); err != nil {
			return nil, handlerErr(ctx, err)
		}
		l, err := h.svc.Tasks(ctx, actorOf(ctx), f, crm.Page{After: in.After, Limit: in.Limit, Sort: in.Sort, Desc: in.Order == "desc", WithTotal: in.WithTotal})
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		out := &struct {
			Body struct {
				Items []TaskOut `json:"items"`
				Next  string    `json:"next"`
				Total *int      `json:"total,omitempty"`
			}
		}{}
		out.Body.Items, out.Body.Next = []TaskOut{}, l.Next
		for _, t := range l.Items {
			out.Body.Items = append(out.Body.Items, h.taskOut(t))
		}
		if l.Total >= 0 {
			out.Body.Total = &l.Total
		}
		return out, nil
	})
	o := op("create-task", http.MethodPost, "/tasks", "Create a task", "Tasks")
	o.DefaultStatus = http.StatusCreated
	huma.Register(a, o, func(ctx context.Context, in *struct{ Body TaskIn }) (*struct{ Body TaskOut }, error) {
		b := in.Body
		ti := crm.TaskInput{Type: b.Type, Title: b.Title, Description: b.Description, DealID: b.DealID, ContactID: b.ContactID, CompanyID: b.CompanyID,
			ResponsibleID: b.ResponsibleID, DueAt: b.DueAt, Result: b.Result}
		if b.CreatedAt != nil {
			ti.CreatedAt = *b.CreatedAt
		}
		if b.DoneAt != nil {
			ti.DoneAt = *b.DoneAt
		}
		t, err := h.svc.CreateTask(ctx, actorOf(ctx), ti)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body TaskOut }{h.taskOut(t)}, nil
	})
	huma.Register(a, op("get-task", http.MethodGet, "/tasks/{id}", "Get a task", "Tasks"), func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{ Body TaskOut }, error) {
		t, err := h.svc.Task(ctx, actorOf(ctx), in.ID)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body TaskOut }{h.taskOut(t)}, nil
	})
	o = op("update-task", http.MethodPatch, "/tasks/{id}", "Change a task", "Tasks")
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID      int64  `path:"id"`
		IfMatch string `header:"If-Match"`
		Body    TaskPatch
	}) (*struct{ Body TaskOut }, error) {
		b := in.Body
		version, err := versionOf(b.Version, in.IfMatch)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		t, err := h.svc.UpdateTask(ctx, actorOf(ctx), in.ID, crm.TaskUpdate{Type: b.Type, Title: b.Title, Description: b.Description, Result: b.Result,
			DealID: b.DealID, ContactID: b.ContactID, CompanyID: b.CompanyID, ResponsibleID: b.ResponsibleID, DueAt: b.DueAt, Version: version})
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body TaskOut }{h.taskOut(t)}, nil
	})
	huma.Register(a, op("complete-task", http.MethodPost, "/tasks/{id}/complete", "Mark a task done", "Tasks"), func(ctx context.Context, in *struct {
		ID   int64 `path:"id"`
		Body struct {
			Result string `json:"result,omitempty" maxLength:"5000"`
		}
	}) (*struct{ Body TaskOut }, error) {
		t, err := h.svc.CompleteTask(ctx, actorOf(ctx), in.ID, in.Body.Result)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body TaskOut }{h.taskOut(t)}, nil
	})
	huma.Register(a, op("reopen-task", http.MethodPost, "/tasks/{id}/reopen", "Mark a done task not done", "Tasks"), func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{ Body TaskOut }, error) {
		t, err := h.svc.ReopenTask(ctx, actorOf(ctx), in.ID)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body TaskOut }{h.taskOut(t)}, nil
	})
	o = op("delete-task", http.MethodDelete, "/tasks/{id}", "Delete a task (it can be restored)", "Tasks")
	o.DefaultStatus = http.StatusNoContent
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{}, error) {
		return nil, handlerErr(ctx, h.svc.DeleteTask(ctx, actorOf(ctx), in.ID))
	})
	o = op("restore-task", http.MethodPost, "/tasks/{id}/restore", "Restore a deleted task", "Tasks")
	o.DefaultStatus = http.StatusNoContent
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{}, error) {
		return nil, handlerErr(ctx, h.svc.RestoreTask(ctx, actorOf(ctx), in.ID))
	})
}
