package crm

import (
	"context"
	"time"
)

// Team is a group of managers led by a head of sales; a head sees the records of their team.
type Team struct {
	ID        int64
	AccountID int64
	Name      string
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

// TeamStore stores teams.
type TeamStore interface {
	// InsertTeam stores t; ECONFLICT when the name is taken in the account.
	InsertTeam(ctx context.Context, actor *Actor, t *Team) error
	// FindTeam returns the team with the id; ENOTFOUND when there is none.
	FindTeam(ctx context.Context, actor *Actor, id int64) (*Team, error)
	// FindTeamByName returns the team with the name; ENOTFOUND when there is none.
	FindTeamByName(ctx context.Context, actor *Actor, name string) (*Team, error)
	// FindTeams returns the account's teams by name.
	FindTeams(ctx context.Context, actor *Actor) ([]*Team, error)
	// UpdateTeam renames t when its version is expectVersion; ECONFLICT otherwise.
	UpdateTeam(ctx context.Context, actor *Actor, t *Team, expectVersion int64) error
}
