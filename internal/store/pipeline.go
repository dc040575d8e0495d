package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/voronka/voronka/internal/crm"
)

// InsertPipeline stores a pipeline and its stages.
func (t *Tx) InsertPipeline(ctx context.Context, actor *crm.Actor, p *crm.Pipeline) error {
	p.AccountID = actor.AccountID
	err := t.q.QueryRowContext(ctx, `
		INSERT INTO pipelines (account_id, name, position, archived, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, 1) RETURNING id, version`,
		actor.AccountID, p.Name, p.Position, p.Archived, p.CreatedAt.UTC(), p.UpdatedAt.UTC()).Scan(&p.ID, &p.Version)
	if crm.ErrorCode(mapError(err)) == crm.ECONFLICT {
		return &crm.Error{Code: crm.ECONFLICT, Message: "A pipeline with this name already exists.",
			Fields: []crm.FieldError{{Field: "name", Code: "taken", Message: p.Name + " is already a pipeline"}}}
	} else if err != nil {
		return wrap("insert pipeline", err)
	}
	for _, st := range p.Stages {
		st.PipelineID = p.ID
		if err := t.insertStage(ctx, actor, st, p.CreatedAt); err != nil {
			return err
		}
	}
	return nil
}

func (t *Tx) insertStage(ctx context.Context, actor *crm.Actor, st *crm.Stage, at time.Time) error {
	err := t.q.QueryRowContext(ctx, `
		INSERT INTO stages (account_id, pipeline_id, name, position, kind, probability, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 1) RETURNING id`,
		actor.AccountID, st.PipelineID, st.Name, st.Position, st.Kind, st.Probability, at.UTC()).Scan(&st.ID)
	return wrap("insert stage", err)
}

// FindPipeline returns a pipeline of the account with its live stages.
func (t *Tx) FindPipeline(ctx context.Context, actor *crm.Actor, id int64) (*crm.Pipeline, error) {
	ps, err := t.findPipelines(ctx, actor, id, true)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, crm.Errorf(crm.ENOTFOUND, "Pipeline %d not found.", id)
	}
	return ps[0], nil
}

// FindPipelines returns the account's pipelines with their stages, by position.
func (t *Tx) FindPipelines(ctx context.Context, actor *crm.Actor, archived bool) ([]*crm.Pipeline, error) {
	return t.findPipelines(ctx, actor, 0, archived)
}

func (t *Tx) findPipelines(ctx context.Context, actor *crm.Actor, id int64, archived bool) ([]*crm.Pipeline, error) {
	rows, err := t.q.QueryContext(ctx, `
		SELECT id, account_id, name, position, archived, created_at, updated_at, version FROM pipelines
		WHERE account_id = $1 AND ($2 = 0 OR id = $2) AND ($3 OR NOT archived)
		ORDER BY position, id`, actor.AccountID, id, archived)
	if err != nil {
		return nil, wrap("find pipelines", err)
	}
	var ps []*crm.Pipeline
	byID := map[int64]*crm.Pipeline{}
	for rows.Next() {
		var p crm.Pipeline
		var created, updated sql.NullTime
		if err := rows.Scan(&p.ID, &p.AccountID, &p.Name, &p.Position, &p.Archived, &created, &updated, &p.Version); err != nil {
			rows.Close()
			return nil, wrap("find pipelines", err)
		}
		p.CreatedAt, p.UpdatedAt = utc(created), utc(updated)
		ps = append(ps, &p)
		byID[p.ID] = &p
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap("find pipelines", err)
	}
	rows, err = t.q.QueryContext(ctx, `
		SELECT id, pipeline_id, name, position, kind, probability FROM stages
		WHERE account_id = $1 AND ($2 = 0 OR pipeline_id = $2) AND NOT archived
		ORDER BY pipeline_id, position, id`, actor.AccountID, id)
	if err != nil {
		return nil, wrap("find stages", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st crm.Stage
		if err := rows.Scan(&st.ID, &st.PipelineID, &st.Name, &st.Position, &st.Kind, &st.Probability); err != nil {
			return nil, wrap("find stages", err)
		}
		if p := byID[st.PipelineID]; p != nil {
			p.Stages = append(p.Stages, &st)
		}
	}
	return ps, wrap("find stages", rows.Err())
}

// UpdatePipeline stores the pipeline and reconciles its stages with p.Stages. A stage left out is
// archived, not deleted: past stage changes keep pointing at it.
func (t *Tx) UpdatePipeline(ctx context.Context, actor *crm.Actor, p *crm.Pipeline, expectVersion int64) error {
	res, err := t.q.ExecContext(ctx, `
		UPDATE pipelines SET name = $1, archived = $2, updated_at = $3, version = version + 1
		WHERE account_id = $4 AND id = $5 AND version = $6`,
		p.Name, p.Archived, p.UpdatedAt.UTC(), actor.AccountID, p.ID, expectVersion)
	if crm.ErrorCode(mapError(err)) == crm.ECONFLICT {
		return &crm.Error{Code: crm.ECONFLICT, Message: "A pipeline with this name already exists.", Fields: []crm.FieldError{{Field: "name", Code: "taken", Message: p.Name + " is already a pipeline"}}}
	} else if err != nil {
		return wrap("update pipeline", err)
	}
	if err := checkVersioned(res, "Pipeline", p.ID); err != nil {
		return err
	}
	p.Version = expectVersion + 1
	var keep []any
	for _, st := range p.Stages {
		if st.ID == 0 {
			if err := t.insertStage(ctx, actor, st, p.UpdatedAt); err != nil {
				return err
			}
		} else if _, err := t.q.ExecContext(ctx, `
			UPDATE stages SET name = $1, position = $2, kind = $3, probability = $4, updated_at = $5, version = version + 1
			WHERE account_id = $6 AND id = $7 AND pipeline_id = $8`,
			st.Name, st.Position, st.Kind, st.Probability, p.UpdatedAt.UTC(), actor.AccountID, st.ID, p.ID); err != nil {
			return wrap("update stage", err)
		}
		keep = append(keep, st.ID)
	}
	rows, err := t.q.QueryContext(ctx, `SELECT id FROM stages WHERE account_id = $1 AND pipeline_id = $2 AND NOT archived`, actor.AccountID, p.ID)
	if err != nil {
		return wrap("update stages", err)
	}
	var gone []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return wrap("update stages", err)
		}
		if !containsAny(keep, id) {
			gone = append(gone, id)
		}
	}
	rows.Close()
	for _, id := range gone {
		if _, err := t.q.ExecContext(ctx, `UPDATE stages SET archived = TRUE, updated_at = $1 WHERE account_id = $2 AND id = $3`,
			p.UpdatedAt.UTC(), actor.AccountID, id); err != nil {
			return wrap("archive stage", err)
		}
	}
	return nil
}

func containsAny(list []any, id int64) bool {
	for _, v := range list {
		if v.(int64) == id {
			return true
		}
	}
	return false
}

// CountDealsInStage returns the number of live deals in a stage.
func (t *Tx) CountDealsInStage(ctx context.Context, actor *crm.Actor, stageID int64) (int, error) {
	var n int
	err := t.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM deals WHERE account_id = $1 AND stage_id = $2 AND deleted_at IS NULL`,
		actor.AccountID, stageID).Scan(&n)
	return n, wrap("count deals in stage", err)
}

// InsertLossReason stores a loss reason.
func (t *Tx) InsertLossReason(ctx context.Context, actor *crm.Actor, r *crm.LossReason, at time.Time) error {
	err := t.q.QueryRowContext(ctx, `
		INSERT INTO loss_reasons (account_id, name, position, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $4, 1)
		RETURNING id, version`, actor.AccountID, r.Name, r.Position, at.UTC()).Scan(&r.ID, &r.Version)
	if crm.ErrorCode(mapError(err)) == crm.ECONFLICT {
		return &crm.Error{Code: crm.ECONFLICT, Message: "This loss reason exists.", Fields: []crm.FieldError{{Field: "name", Code: "taken", Message: r.Name + " exists"}}}
	}
	return wrap("insert loss reason", err)
}

// FindLossReasons returns the account's loss reasons by position.
func (t *Tx) FindLossReasons(ctx context.Context, actor *crm.Actor) ([]*crm.LossReason, error) {
	rows, err := t.q.QueryContext(ctx, `SELECT id, name, position, archived, version FROM loss_reasons WHERE account_id = $1 ORDER BY position, id`, actor.AccountID)
	if err != nil {
		return nil, wrap("find loss reasons", err)
	}
	defer rows.Close()
	var out []*crm.LossReason
	for rows.Next() {
		var r crm.LossReason
		if err := rows.Scan(&r.ID, &r.Name, &r.Position, &r.Archived, &r.Version); err != nil {
			return nil, wrap("find loss reasons", err)
		}
		out = append(out, &r)
	}
	return out, wrap("find loss reasons", rows.Err())
}
