package store

import (
	"fmt"

	"github.com/voronka/voronka/internal/crm"
)

// visible returns the SQL condition that limits rows to those the actor may see by their
// responsible-user column col, and its arguments, numbered from argn. An admin sees everything
// ("TRUE"); a head of sales sees their team's (and their own) records; a manager their own.
// col must be a column name written in this package, never user input.
func visible(actor *crm.Actor, col string, argn int) (string, []any) {
	switch {
	case actor.SeesAll():
		return "TRUE", nil
	case actor.Role == crm.RoleHead && actor.TeamID != 0:
		return fmt.Sprintf("(%s = $%d OR %s IN (SELECT id FROM users WHERE account_id = $%d AND team_id = $%d))",
			col, argn, col, argn+1, argn+2), []any{actor.UserID, actor.AccountID, actor.TeamID}
	default:
		return fmt.Sprintf("%s = $%d", col, argn), []any{actor.UserID}
	}
}

// args collects query arguments and hands out their $N placeholders, so that optional filters can
// be added without counting by hand.
type args struct{ list []any }

// add appends v and returns its placeholder.
func (a *args) add(v any) string {
	a.list = append(a.list, v)
	return fmt.Sprintf("$%d", len(a.list))
}

// next is the number the next placeholder will get.
func (a *args) next() int { return len(a.list) + 1 }

// addAll appends vs (already numbered from next()).
func (a *args) addAll(vs []any) { a.list = append(a.list, vs...) }

// Visible is visible for the read side (internal/analytics), which writes its own SQL: the one
// rule of who sees whose records, in one place.
func Visible(actor *crm.Actor, col string, argn int) (string, []any) {
	return visible(actor, col, argn)
}
