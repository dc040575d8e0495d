package analytics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/voronka/voronka/internal/crm"
)

// The funnel's drill-down: the deals behind each figure of the funnel analysis (funnel.go), by the
// same cohort, reach and exit rules.

// The parts of a funnel a drill-down lists.
const (
	FunnelEntry    = "entry"     // the cohort: deals whose first entry into the pipeline is in the period
	FunnelReached  = "reached"   // reached the stage: ever in it or beyond, or won
	FunnelDropOff  = "drop_off"  // reached the stage but not the next (not won now, after the last)
	FunnelInStage  = "in_stage"  // in the stage now (in_stage_now)
	FunnelWon      = "won"       // won in the pipeline now
	FunnelLost     = "lost"      // lost in the pipeline now (by loss_reason_id: -1 for none)
	FunnelOpen     = "open"      // open in the pipeline now
	FunnelMovedOut = "moved_out" // now in another pipeline
)

// FunnelParts lists the parts a funnel drill-down may ask for.
var FunnelParts = []string{FunnelEntry, FunnelReached, FunnelDropOff, FunnelInStage, FunnelWon, FunnelLost, FunnelOpen, FunnelMovedOut}

// FunnelRecordsRequest asks for the deals behind a figure of the funnel of a pipeline (0: the
// account's first) over the cohort of the period. StageID names an open stage of the pipeline for
// reached, drop_off and in_stage; LossReasonID narrows lost to a reason (-1: lost without one).
// Filter.PipelineID is ignored, as in FunnelRequest.
type FunnelRecordsRequest struct {
	PipelineID   int64
	Period       Period
	Filter       Filter
	Part         string
	StageID      int64
	LossReasonID int64
	Limit        int
	Offset       int
}

// FunnelRecords lists the deals behind a figure of the funnel, as many as the funnel counts,
// newest entry first, within what the actor may see. EINVALID for an unknown part, pipeline or
// stage, or a bad period.
func (e *Engine) FunnelRecords(ctx context.Context, actor *crm.Actor, req FunnelRecordsRequest) (*Drill, error) {
	var v crm.Validation
	if !contains(FunnelParts, req.Part) {
		v.Add("part", "unknown", fmt.Sprintf("%q is not a part of the funnel: entry, reached, drop_off, in_stage, won, lost, open, moved_out", req.Part))
	}
	stagePart := req.Part == FunnelReached || req.Part == FunnelDropOff || req.Part == FunnelInStage
	if stagePart && req.StageID == 0 {
		v.Add("stage_id", "required", req.Part+" is of a stage: give stage_id")
	}
	if req.LossReasonID != 0 && req.Part != FunnelLost {
		v.Add("loss_reason_id", "unused", "loss_reason_id narrows the lost deals only")
	}
	if req.Limit < 0 || req.Offset < 0 || req.Limit > 1000 {
		v.Add("limit", "range", "limit is 1…1000 and offset ≥ 0")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := req.Period.Validate(); err != nil {
		return nil, err
	}
	if req.Limit == 0 {
		req.Limit = 100
	}
	db := e.db.Reader()
	pid := req.PipelineID
	var err error
	if pid == 0 {
		err = db.QueryRowContext(ctx, `SELECT id FROM pipelines WHERE account_id = $1 AND NOT archived ORDER BY position, id LIMIT 1`, actor.AccountID).Scan(&pid)
	} else {
		err = db.QueryRowContext(ctx, `SELECT id FROM pipelines WHERE account_id = $1 AND id = $2`, actor.AccountID, pid).Scan(&pid)
	}
	if errors.Is(err, sql.ErrNoRows) {
		v.Add("pipeline_id", "unknown", "no such pipeline in this account")
		return nil, v.Err()
	} else if err != nil {
		return nil, fmt.Errorf("analytics: funnel records: %w", err)
	}
	stages, stageIDs, err := e.funnelStages(ctx, actor, pid)
	if err != nil {
		return nil, err
	}
	// The stage's position and the next open stage's (the won stage's after the last).
	var pos, next int64 = -1, -1
	for i, s := range stages {
		if s.id == req.StageID && s.kind == crm.StageOpen {
			pos, next = s.position, wonTop
			if i+1 < len(stages) && stages[i+1].kind == crm.StageOpen {
				next = stages[i+1].position
			}
		}
	}
	if stagePart && pos < 0 {
		v.Add("stage_id", "unknown", "not an open stage of the pipeline's funnel")
		return nil, v.Err()
	}
	f := req.Filter
	f.PipelineID = 0
	q := &query{engine: e.db.Engine}
	cte := q.funnelCohort(actor, pid, stageIDs, req.Period.Span(), "", f)
	acc, p := q.add(actor.AccountID), q.add(pid)
	reach := func(st string) string {
		return fmt.Sprintf("CASE WHEN %[1]s.kind = 'won' THEN %[2]d WHEN %[1]s.kind = 'open' AND NOT %[1]s.archived THEN %[1]s.position END", st, wonTop)
	}
	// The furthest stage each deal reached, as funnelFacts: its events into the pipeline's stages
	// and the stage it is in now.
	tops := fmt.Sprintf(`tops AS (
			SELECT deal_id, MAX(top) AS top FROM (
				SELECT cd.deal_id, %[1]s AS top
				FROM cd JOIN deal_stage_events ev ON ev.account_id = %[3]s AND ev.deal_id = cd.deal_id AND ev.to_pipeline_id = %[4]s
					JOIN stages es ON es.account_id = ev.account_id AND es.id = ev.to_stage_id
				UNION ALL
				SELECT cd.deal_id, %[2]s
				FROM cd JOIN stages cs ON cs.account_id = %[3]s AND cs.id = cd.stage_id AND cs.pipeline_id = %[4]s
			) t GROUP BY deal_id)`, reach("es"), reach("cs"), acc, p)
	var cond string
	switch req.Part {
	case FunnelEntry:
		cond = "TRUE"
	case FunnelReached:
		cond = "tops.top >= " + q.add(pos)
	case FunnelDropOff:
		if next == wonTop {
			// After the last open stage the next step is the win: reached it and not won now.
			cond = fmt.Sprintf("tops.top >= %s AND NOT (cd.pipeline_id = %s AND cd.status = 'won')", q.add(pos), p)
		} else {
			cond = fmt.Sprintf("tops.top >= %s AND tops.top < %s", q.add(pos), q.add(next))
		}
	case FunnelInStage:
		// Its last stage event (of any pipeline) is into the stage: a visit still open.
		cond = fmt.Sprintf(`(SELECT e.to_stage_id FROM deal_stage_events e WHERE e.account_id = %s AND e.deal_id = cd.deal_id
			ORDER BY e.at DESC, e.id DESC LIMIT 1) = %s`, acc, q.add(req.StageID))
	case FunnelWon, FunnelLost, FunnelOpen:
		cond = fmt.Sprintf("cd.pipeline_id = %s AND cd.status = %s", p, q.add(req.Part))
		switch {
		case req.Part != FunnelLost:
		case req.LossReasonID > 0:
			cond += " AND cd.loss_reason_id = " + q.add(req.LossReasonID)
		case req.LossReasonID < 0:
			cond += " AND cd.loss_reason_id IS NULL"
		}
	case FunnelMovedOut:
		cond = "cd.pipeline_id <> " + p
	}
	inner := fmt.Sprintf(`%s, %s
		SELECT d.id AS id, 'deal' AS kind, d.name AS title, d.status AS status, '' AS grp, %s AS score,
			d.amount AS amount, %s AS v, cd.entered AS at, %s AS day,
			d.responsible_id AS responsible_id, u.name AS responsible, d.id AS deal_id, d.name AS deal,
			d.contact_id AS contact_id, d.company_id AS company_id, d.created_at AS c_at, d.closed_at AS x_at
		FROM cd JOIN deals d ON d.account_id = %s AND d.id = cd.deal_id JOIN users u ON u.id = d.responsible_id
			LEFT JOIN tops ON tops.deal_id = cd.deal_id
		WHERE %s`, cte, tops, nullInt, nullNum, nullDate, acc, cond)
	out := &Drill{KPI: "funnel", Part: req.Part, Kind: KindDeal, Set: req.Part, Deals: []DrillDeal{}, Records: []DrillRecord{}}
	if err := e.runRecords(ctx, q, inner, DrillRequest{Period: req.Period, Limit: req.Limit, Offset: req.Offset}, out); err != nil {
		return nil, err
	}
	return out, nil
}
