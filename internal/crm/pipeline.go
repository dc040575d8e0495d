package crm

import (
	"context"
	"time"
)

// Stage kinds: a deal in an open stage is open; the won and lost stages end a pipeline.
const (
	StageOpen = "open"
	StageWon  = "won"
	StageLost = "lost"
)

// Pipeline is a sales funnel (воронка): ordered stages a deal moves through.
type Pipeline struct {
	ID        int64
	AccountID int64
	Name      string
	Position  int
	Archived  bool
	Stages    []*Stage // in order
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

// Stage is one step of a pipeline (этап) with the probability that a deal in it is won.
type Stage struct {
	ID          int64
	PipelineID  int64
	Name        string
	Position    int
	Kind        string // open, won, lost
	Probability int    // 0..100
}

// Stage returns the pipeline's stage with the id, or nil.
func (p *Pipeline) Stage(id int64) *Stage {
	for _, s := range p.Stages {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// FirstOpen returns the first open stage: where a new deal starts.
func (p *Pipeline) FirstOpen() *Stage {
	for _, s := range p.Stages {
		if s.Kind == StageOpen {
			return s
		}
	}
	return nil
}

// StageInput describes a stage when a pipeline is created or its stages are replaced; ID 0 is a new stage.
type StageInput struct {
	ID          int64
	Name        string
	Kind        string
	Probability int
}

// LossReason is why deals are lost, for the lost-deals breakdown.
type LossReason struct {
	ID       int64
	Name     string
	Position int
	Archived bool
	Version  int64
}

// PipelineStore stores pipelines, their stages and loss reasons.
type PipelineStore interface {
	// InsertPipeline stores p with its stages, setting their ids.
	InsertPipeline(ctx context.Context, actor *Actor, p *Pipeline) error
	// FindPipeline returns a pipeline with its stages; ENOTFOUND.
	FindPipeline(ctx context.Context, actor *Actor, id int64) (*Pipeline, error)
	// FindPipelines returns the pipelines with their stages, by position.
	FindPipelines(ctx context.Context, actor *Actor, archived bool) ([]*Pipeline, error)
	// UpdatePipeline stores p's name, position and archived flag and replaces its stages: stages
	// with an id keep it, new ones get one, missing ones are deleted. ECONFLICT on a stale version.
	UpdatePipeline(ctx context.Context, actor *Actor, p *Pipeline, expectVersion int64) error
	// CountDealsInStage returns how many live deals are in the stage.
	CountDealsInStage(ctx context.Context, actor *Actor, stageID int64) (int, error)
	// InsertLossReason stores r.
	InsertLossReason(ctx context.Context, actor *Actor, r *LossReason, at time.Time) error
	// FindLossReasons returns the account's loss reasons by position.
	FindLossReasons(ctx context.Context, actor *Actor) ([]*LossReason, error)
}

func validatePipeline(v *Validation, p *Pipeline, stages []StageInput) {
	if v.Required("name", p.Name) {
		v.MaxLen("name", p.Name, 200)
	}
	open, won, lost := 0, 0, 0
	for i, s := range stages {
		f := func(name string) string { return "stages[" + itoa(i) + "]." + name }
		if v.Required(f("name"), s.Name) {
			v.MaxLen(f("name"), s.Name, 200)
		}
		if s.Probability < 0 || s.Probability > 100 {
			v.Add(f("probability"), "out_of_range", "must be from 0 to 100")
		}
		switch s.Kind {
		case StageOpen:
			open++
			if won+lost > 0 {
				v.Add(f("kind"), "order", "open stages must come before the won and lost stages")
			}
		case StageWon:
			won++
		case StageLost:
			lost++
		default:
			v.Add(f("kind"), "one_of", "must be open, won or lost")
		}
	}
	if open == 0 {
		v.Add("stages", "no_open", "a pipeline needs at least one open stage")
	}
	if won != 1 || lost != 1 {
		v.Add("stages", "won_lost", "a pipeline ends in exactly one won and one lost stage")
	}
}

// DefaultPipeline is the pipeline a new account starts with.
func DefaultPipeline() (string, []StageInput) {
	return "Продажи", []StageInput{
		{Name: "Новая заявка", Kind: StageOpen, Probability: 10},
		{Name: "Квалификация", Kind: StageOpen, Probability: 25},
		{Name: "КП отправлено", Kind: StageOpen, Probability: 50},
		{Name: "Переговоры", Kind: StageOpen, Probability: 75},
		{Name: "Успешно реализовано", Kind: StageWon, Probability: 100},
		{Name: "Закрыто и не реализовано", Kind: StageLost, Probability: 0},
	}
}

// DefaultLossReasons are the loss reasons a new account starts with.
var DefaultLossReasons = []string{"Дорого", "Выбрали конкурента", "Не дозвонились", "Неактуально", "Другое"}
