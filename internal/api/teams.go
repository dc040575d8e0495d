package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// TeamOut is a team of managers led by a head of sales.
type TeamOut struct {
	ID      int64  `json:"id" example:"1"`
	Name    string `json:"name" example:"B2B"`
	Version int64  `json:"version" example:"1"`
}

// TeamIn names a team.
type TeamIn struct {
	Name    string `json:"name" maxLength:"200" example:"B2B"`
	Version *int64 `json:"version,omitempty" doc:"On update: the version you read; a stale one gets 409"`
}

func (h *Handlers) registerTeams(a huma.API) {
	huma.Register(a, op("list-teams", http.MethodGet, "/teams", "List teams", "Teams"), func(ctx context.Context, _ *struct{}) (*struct{ Body []TeamOut }, error) {
		ts, err := h.svc.Teams(ctx, actorOf(ctx))
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		out := make([]TeamOut, len(ts))
		for i, t := range ts {
			out[i] = TeamOut{ID: t.ID, Name: t.Name, Version: t.Version}
		}
		return &struct{ Body []TeamOut }{out}, nil
	})

	o := op("create-team", http.MethodPost, "/teams", "Create a team (administrators)", "Teams")
	o.DefaultStatus = http.StatusCreated
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, func(ctx context.Context, in *struct{ Body TeamIn }) (*struct{ Body TeamOut }, error) {
		t, err := h.svc.CreateTeam(ctx, actorOf(ctx), in.Body.Name)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body TeamOut }{TeamOut{ID: t.ID, Name: t.Name, Version: t.Version}}, nil
	})

	o = op("update-team", http.MethodPatch, "/teams/{id}", "Rename a team (administrators)", "Teams")
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID      int64  `path:"id"`
		IfMatch string `header:"If-Match"`
		Body    TeamIn
	}) (*struct{ Body TeamOut }, error) {
		version, err := versionOf(in.Body.Version, in.IfMatch)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		t, err := h.svc.RenameTeam(ctx, actorOf(ctx), in.ID, in.Body.Name, version)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body TeamOut }{TeamOut{ID: t.ID, Name: t.Name, Version: t.Version}}, nil
	})
}
