package crm

import (
	"context"
	"fmt"
)

// CreatePipeline creates a pipeline with its ordered stages. Admins only. EFORBIDDEN, EINVALID,
// ECONFLICT (name taken).
func (s *Service) CreatePipeline(ctx context.Context, actor *Actor, name string, stages []StageInput) (*Pipeline, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	var p *Pipeline
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		p, err = s.createPipeline(ctx, tx, actor, name, stages)
		return err
	})
	return p, err
}

func (s *Service) createPipeline(ctx context.Context, tx Tx, actor *Actor, name string, stages []StageInput) (*Pipeline, error) {
	p := &Pipeline{Name: name, CreatedAt: s.Now(), UpdatedAt: s.Now()}
	var v Validation
	validatePipeline(&v, p, stages)
	if err := v.Err(); err != nil {
		return nil, err
	}
	existing, err := tx.FindPipelines(ctx, actor, true)
	if err != nil {
		return nil, err
	}
	p.Position = len(existing)
	for i, in := range stages {
		p.Stages = append(p.Stages, &Stage{Name: in.Name, Kind: in.Kind, Probability: in.Probability, Position: i})
	}
	if err := tx.InsertPipeline(ctx, actor, p); err != nil {
		return nil, err
	}
	return p, s.audit(ctx, tx, actor, "pipeline", p.ID, "create", map[string]Change{"name": {After: p.Name}})
}

// Pipeline returns a pipeline with its stages. Every user of the account may read pipelines. ENOTFOUND.
func (s *Service) Pipeline(ctx context.Context, actor *Actor, id int64) (*Pipeline, error) {
	var p *Pipeline
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		p, err = tx.FindPipeline(ctx, actor, id)
		return err
	})
	return p, err
}

// Pipelines returns the account's pipelines with their stages; archived ones only when asked.
func (s *Service) Pipelines(ctx context.Context, actor *Actor, archived bool) ([]*Pipeline, error) {
	var ps []*Pipeline
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		ps, err = tx.FindPipelines(ctx, actor, archived)
		return err
	})
	return ps, err
}

// PipelineUpdate changes a pipeline; nil fields stay. Stages, when given, is the full ordered list:
// stages named by id keep their id (and their deals), new ones are added, missing ones removed —
// refused with ECONFLICT while live deals are in them.
type PipelineUpdate struct {
	Name     *string
	Archived *bool
	Stages   []StageInput
	Version  *int64
}

// UpdatePipeline changes a pipeline. Admins only. EFORBIDDEN, ENOTFOUND, EINVALID, ECONFLICT.
func (s *Service) UpdatePipeline(ctx context.Context, actor *Actor, id int64, upd PipelineUpdate) (*Pipeline, error) {
	var p *Pipeline
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		if p, err = tx.FindPipeline(ctx, actor, id); err != nil {
			return err
		}
		if err := requireAdmin(actor); err != nil {
			return err
		}
		if err := checkVersion(upd.Version, p.Version); err != nil {
			return err
		}
		changes := map[string]Change{}
		if upd.Name != nil {
			diff(changes, "name", p.Name, *upd.Name)
			p.Name = *upd.Name
		}
		if upd.Archived != nil {
			diff(changes, "archived", p.Archived, *upd.Archived)
			p.Archived = *upd.Archived
		}
		stages := upd.Stages
		if stages == nil {
			for _, st := range p.Stages {
				stages = append(stages, StageInput{ID: st.ID, Name: st.Name, Kind: st.Kind, Probability: st.Probability})
			}
		}
		var v Validation
		validatePipeline(&v, p, stages)
		kept := map[int64]bool{}
		for i, in := range stages {
			if in.ID == 0 {
				continue
			}
			if old := p.Stage(in.ID); old == nil {
				v.Add(fmt.Sprintf("stages[%d].id", i), "unknown", "is not a stage of this pipeline")
			} else if kept[in.ID] {
				v.Add(fmt.Sprintf("stages[%d].id", i), "duplicate", "names a stage twice")
			}
			kept[in.ID] = true
		}
		if err := v.Err(); err != nil {
			return err
		}
		for _, old := range p.Stages {
			if kept[old.ID] {
				continue
			}
			n, err := tx.CountDealsInStage(ctx, actor, old.ID)
			if err != nil {
				return err
			}
			if n > 0 {
				return &Error{Code: ECONFLICT, Message: fmt.Sprintf("Stage %q still holds %d deals: move them first.", old.Name, n),
					Fields: []FieldError{{Field: "stages", Code: "in_use", Message: fmt.Sprintf("stage %d (%s) holds deals", old.ID, old.Name)}}}
			}
		}
		if upd.Stages != nil {
			changes["stages"] = Change{Before: stageNames(p.Stages), After: inputNames(stages)}
		}
		p.Stages = nil
		for i, in := range stages {
			p.Stages = append(p.Stages, &Stage{ID: in.ID, PipelineID: p.ID, Name: in.Name, Kind: in.Kind, Probability: in.Probability, Position: i})
		}
		p.UpdatedAt = s.Now()
		if err := tx.UpdatePipeline(ctx, actor, p, p.Version); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "pipeline", p.ID, "update", changes)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

func stageNames(ss []*Stage) []string {
	out := make([]string, len(ss))
	for i, st := range ss {
		out[i] = st.Name
	}
	return out
}

func inputNames(ss []StageInput) []string {
	out := make([]string, len(ss))
	for i, st := range ss {
		out[i] = st.Name
	}
	return out
}

// CreateLossReason adds a loss reason. Admins only.
func (s *Service) CreateLossReason(ctx context.Context, actor *Actor, name string) (*LossReason, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	var v Validation
	if v.Required("name", name) {
		v.MaxLen("name", name, 200)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	r := &LossReason{Name: name}
	err := s.store.Write(ctx, func(tx Tx) error {
		rs, err := tx.FindLossReasons(ctx, actor)
		if err != nil {
			return err
		}
		r.Position = len(rs)
		if err := tx.InsertLossReason(ctx, actor, r, s.Now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "loss_reason", r.ID, "create", map[string]Change{"name": {After: name}})
	})
	return r, err
}

// LossReasons returns the account's loss reasons.
func (s *Service) LossReasons(ctx context.Context, actor *Actor) ([]*LossReason, error) {
	var rs []*LossReason
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		rs, err = tx.FindLossReasons(ctx, actor)
		return err
	})
	return rs, err
}
