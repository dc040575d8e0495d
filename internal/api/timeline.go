package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/voronka/voronka/internal/crm"
)

// FieldChangeOut is one write to a record: each changed field before and after.
type FieldChangeOut struct {
	Action  string                `json:"action" example:"update"`
	UserID  *int64                `json:"user_id"`
	Changes map[string]crm.Change `json:"changes"`
}

// TimelineItemOut is one entry of a record's history; one of the detail objects is set.
type TimelineItemOut struct {
	At                time.Time            `json:"at"`
	Type              string               `json:"type" enum:"stage_change,responsible_change,field_change,activity,task"`
	ID                int64                `json:"id"`
	Activity          *ActivityOut         `json:"activity,omitempty"`
	Task              *TaskOut             `json:"task,omitempty"`
	StageChange       *StageEventOut       `json:"stage_change,omitempty"`
	ResponsibleChange *ResponsibleEventOut `json:"responsible_change,omitempty"`
	FieldChange       *FieldChangeOut      `json:"field_change,omitempty"`
}

// TimelineOut is a page of a timeline, newest first.
type TimelineOut struct {
	Items []TimelineItemOut `json:"items"`
	Next  string            `json:"next"`
}

func (h *Handlers) registerTimelines(a huma.API) {
	for _, r := range []struct{ entity, path, tag string }{{"deal", "/deals/{id}/timeline", "Deals"}, {"contact", "/contacts/{id}/timeline", "Contacts"}, {"company", "/companies/{id}/timeline", "Companies"}} {
		entity := r.entity
		o := op(entity+"-timeline", http.MethodGet, r.path, "The "+entity+"'s timeline: activities, tasks, stage, responsible and field changes, newest first", r.tag)
		if entity != "deal" {
			o.Description = "Includes the activities, tasks and stage changes of the " + entity + "'s deals."
		}
		huma.Register(a, o, func(ctx context.Context, in *struct {
			ID    int64  `path:"id"`
			After string `query:"after"`
			Limit int    `query:"limit" minimum:"0" maximum:"500"`
		}) (*struct{ Body TimelineOut }, error) {
			l, err := h.svc.Timeline(ctx, actorOf(ctx), entity, in.ID, crm.Page{After: in.After, Limit: in.Limit})
			if err != nil {
				return nil, handlerErr(ctx, err)
			}
			out := TimelineOut{Items: []TimelineItemOut{}, Next: l.Next}
			for _, it := range l.Items {
				item := TimelineItemOut{At: it.At, Type: it.Type, ID: it.ID}
				switch {
				case it.Activity != nil:
					v := activityOut(it.Activity)
					item.Activity = &v
				case it.Task != nil:
					v := h.taskOut(it.Task)
					item.Task = &v
				case it.Stage != nil:
					e := it.Stage
					item.StageChange = &StageEventOut{At: e.At, FromPipelineID: idPtr(e.FromPipelineID), FromStageID: idPtr(e.FromStageID), ToPipelineID: e.ToPipelineID, ToStageID: e.ToStageID, UserID: idPtr(e.UserID)}
				case it.Responsible != nil:
					e := it.Responsible
					item.ResponsibleChange = &ResponsibleEventOut{At: e.At, FromUserID: idPtr(e.FromUserID), ToUserID: e.ToUserID, ByUserID: idPtr(e.ByUserID)}
				case it.Change != nil:
					item.FieldChange = &FieldChangeOut{Action: it.Change.Action, UserID: idPtr(it.Change.UserID), Changes: it.Change.Changes}
				}
				out.Items = append(out.Items, item)
			}
			return &struct{ Body TimelineOut }{out}, nil
		})
	}
}
