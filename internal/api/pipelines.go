package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/voronka/voronka/internal/crm"
)

// StageOut is a stage of a pipeline.
type StageOut struct {
	ID          int64  `json:"id" example:"12"`
	Name        string `json:"name" example:"КП отправлено"`
	Kind        string `json:"kind" enum:"open,won,lost" example:"open"`
	Probability int    `json:"probability" minimum:"0" maximum:"100" doc:"Chance, in percent, that a deal in this stage is won" example:"50"`
	Position    int    `json:"position" example:"2"`
}

// PipelineOut is a pipeline with its ordered stages.
type PipelineOut struct {
	ID       int64      `json:"id" example:"1"`
	Name     string     `json:"name" example:"Продажи"`
	Archived bool       `json:"archived"`
	Stages   []StageOut `json:"stages"`
	Version  int64      `json:"version" example:"1"`
}

// StageIn describes a stage; id names an existing stage when the stages are replaced.
type StageIn struct {
	ID          int64  `json:"id,omitempty" doc:"An existing stage keeps its id (and its deals)"`
	Name        string `json:"name" maxLength:"200" example:"Переговоры"`
	Kind        string `json:"kind" enum:"open,won,lost" example:"open"`
	Probability int    `json:"probability" example:"75"`
}

// PipelineIn creates a pipeline.
type PipelineIn struct {
	Name   string    `json:"name" maxLength:"200" example:"B2B"`
	Stages []StageIn `json:"stages" doc:"In order: open stages, then exactly one won and one lost stage"`
}

// PipelinePatch changes a pipeline; stages, when given, is the full ordered list.
type PipelinePatch struct {
	Name     *string   `json:"name,omitempty" maxLength:"200"`
	Archived *bool     `json:"archived,omitempty"`
	Stages   []StageIn `json:"stages,omitempty"`
	Version  *int64    `json:"version,omitempty"`
}

// LossReasonOut is a reason deals are lost.
type LossReasonOut struct {
	ID   int64  `json:"id" example:"3"`
	Name string `json:"name" example:"Дорого"`
}

func pipelineOut(p *crm.Pipeline) PipelineOut {
	out := PipelineOut{ID: p.ID, Name: p.Name, Archived: p.Archived, Version: p.Version, Stages: []StageOut{}}
	for _, s := range p.Stages {
		out.Stages = append(out.Stages, StageOut{ID: s.ID, Name: s.Name, Kind: s.Kind, Probability: s.Probability, Position: s.Position})
	}
	return out
}

func stageInputs(in []StageIn) []crm.StageInput {
	out := make([]crm.StageInput, len(in))
	for i, s := range in {
		out[i] = crm.StageInput{ID: s.ID, Name: s.Name, Kind: s.Kind, Probability: s.Probability}
	}
	return out
}

func (h *Handlers) registerPipelines(a huma.API) {
	huma.Register(a, op("list-pipelines", http.MethodGet, "/pipelines", "List pipelines with their stages", "Pipelines"), func(ctx context.Context, in *struct {
		Archived bool `query:"archived" doc:"Include archived pipelines"`
	}) (*struct{ Body []PipelineOut }, error) {
		ps, err := h.svc.Pipelines(ctx, actorOf(ctx), in.Archived)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		out := make([]PipelineOut, len(ps))
		for i, p := range ps {
			out[i] = pipelineOut(p)
		}
		return &struct{ Body []PipelineOut }{out}, nil
	})

	o := op("create-pipeline", http.MethodPost, "/pipelines", "Create a pipeline (administrators)", "Pipelines")
	o.DefaultStatus = http.StatusCreated
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, func(ctx context.Context, in *struct{ Body PipelineIn }) (*struct{ Body PipelineOut }, error) {
		p, err := h.svc.CreatePipeline(ctx, actorOf(ctx), in.Body.Name, stageInputs(in.Body.Stages))
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body PipelineOut }{pipelineOut(p)}, nil
	})

	huma.Register(a, op("get-pipeline", http.MethodGet, "/pipelines/{id}", "Get a pipeline", "Pipelines"), func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{ Body PipelineOut }, error) {
		p, err := h.svc.Pipeline(ctx, actorOf(ctx), in.ID)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body PipelineOut }{pipelineOut(p)}, nil
	})

	o = op("update-pipeline", http.MethodPatch, "/pipelines/{id}", "Rename, archive or re-stage a pipeline (administrators)", "Pipelines")
	o.Description = "`stages` replaces the ordered list of stages: stages named by id keep it (and their deals); new ones are added; a left-out stage is archived, which is refused (409) while live deals are in it."
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID      int64  `path:"id"`
		IfMatch string `header:"If-Match"`
		Body    PipelinePatch
	}) (*struct{ Body PipelineOut }, error) {
		version, err := versionOf(in.Body.Version, in.IfMatch)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		upd := crm.PipelineUpdate{Name: in.Body.Name, Archived: in.Body.Archived, Version: version}
		if in.Body.Stages != nil {
			upd.Stages = stageInputs(in.Body.Stages)
		}
		p, err := h.svc.UpdatePipeline(ctx, actorOf(ctx), in.ID, upd)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body PipelineOut }{pipelineOut(p)}, nil
	})

	huma.Register(a, op("list-loss-reasons", http.MethodGet, "/loss-reasons", "List loss reasons", "Pipelines"), func(ctx context.Context, _ *struct{}) (*struct{ Body []LossReasonOut }, error) {
		rs, err := h.svc.LossReasons(ctx, actorOf(ctx))
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		out := make([]LossReasonOut, len(rs))
		for i, r := range rs {
			out[i] = LossReasonOut{ID: r.ID, Name: r.Name}
		}
		return &struct{ Body []LossReasonOut }{out}, nil
	})

	o = op("create-loss-reason", http.MethodPost, "/loss-reasons", "Add a loss reason (administrators)", "Pipelines")
	o.DefaultStatus = http.StatusCreated
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, func(ctx context.Context, in *struct {
		Body struct {
			Name string `json:"name" maxLength:"200" example:"Дорого"`
		}
	}) (*struct{ Body LossReasonOut }, error) {
		r, err := h.svc.CreateLossReason(ctx, actorOf(ctx), in.Body.Name)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body LossReasonOut }{LossReasonOut{ID: r.ID, Name: r.Name}}, nil
	})
}
