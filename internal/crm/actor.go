package crm

import "slices"

// Role is what a user may do and see.
type Role string

// The roles. An admin sees and manages the whole account; a head of sales (РОП) sees and manages the
// records of their team; a manager sees their own records.
const (
	RoleAdmin   Role = "admin"
	RoleHead    Role = "head"
	RoleManager Role = "manager"
)

// Roles lists every role, for validation and documentation.
var Roles = []Role{RoleAdmin, RoleHead, RoleManager}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Actor is who is asking: every service and store method takes one, and nothing reads or writes
// outside its account or beyond what its role may see.
type Actor struct {
	AccountID int64
	UserID    int64
	Role      Role
	TeamID    int64 // 0 when the user is in no team
	// TeamUserIDs are the users of the actor's team (the actor included) for a head; nil otherwise.
	TeamUserIDs []int64
}

// SeesAll reports whether the actor sees every record of the account.
func (a *Actor) SeesAll() bool { return a.Role == RoleAdmin }

// CanSee reports whether the actor may see a record whose responsible user is ownerID.
func (a *Actor) CanSee(ownerID int64) bool {
	switch a.Role {
	case RoleAdmin:
		return true
	case RoleHead:
		return ownerID == a.UserID || slices.Contains(a.TeamUserIDs, ownerID)
	default:
		return ownerID == a.UserID
	}
}

// IsAdmin reports whether the actor administers the account.
func (a *Actor) IsAdmin() bool { return a.Role == RoleAdmin }

// SystemActor is the actor of work done by Voronka itself in an account (first start, migrations of
// history, automation): it sees the whole account and has no user.
func SystemActor(accountID int64) *Actor {
	return &Actor{AccountID: accountID, Role: RoleAdmin}
}
