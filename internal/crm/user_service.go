package crm

import "context"

// CreateUser adds a user to the actor's account. Admins only: EFORBIDDEN; EINVALID; ECONFLICT when
// the e-mail is taken in the account.
func (s *Service) CreateUser(ctx context.Context, actor *Actor, in UserCreate) (*User, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	u := &User{Email: NormalizeEmail(in.Email), Name: in.Name, Role: in.Role, TeamID: in.TeamID, Active: true}
	var v Validation
	validateUser(&v, u)
	validatePassword(&v, "password", in.Password)
	if err := v.Err(); err != nil {
		return nil, err
	}
	hash, err := HashPassword(in.Password, s.password)
	if err != nil {
		return nil, err
	}
	u.PasswordHash = hash
	err = s.store.Write(ctx, func(tx Tx) error {
		if err := checkTeam(ctx, tx, actor, u.TeamID); err != nil {
			return err
		}
		u.CreatedAt, u.UpdatedAt = s.Now(), s.Now()
		if err := tx.InsertUser(ctx, actor, u); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "user", u.ID, "create", map[string]Change{
			"email": {After: u.Email}, "name": {After: u.Name}, "role": {After: u.Role}, "team_id": {After: u.TeamID},
		})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// UpdateUser changes a user. An admin may change anything; any user may change their own name, e-mail
// and password. EFORBIDDEN, ENOTFOUND, EINVALID, ECONFLICT. An admin cannot demote or deactivate
// themselves, so that an account always keeps an administrator.
func (s *Service) UpdateUser(ctx context.Context, actor *Actor, id int64, upd UserUpdate) (*User, error) {
	self := id == actor.UserID
	var u *User
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		if u, err = tx.FindUser(ctx, actor, id); err != nil {
			return err
		}
		if !actor.IsAdmin() && (!self || upd.Role != nil || upd.TeamID != nil || upd.Active != nil) {
			return Errorf(EFORBIDDEN, "Only an administrator may change other users, roles, teams and activity.")
		}
		if self && ((upd.Role != nil && *upd.Role != RoleAdmin && actor.IsAdmin()) || (upd.Active != nil && !*upd.Active)) {
			return Errorf(EFORBIDDEN, "You cannot demote or deactivate yourself; ask another administrator.")
		}
		if err := checkVersion(upd.Version, u.Version); err != nil {
			return err
		}
		before := *u
		if upd.Name != nil {
			u.Name = *upd.Name
		}
		if upd.Email != nil {
			u.Email = NormalizeEmail(*upd.Email)
		}
		if upd.Role != nil {
			u.Role = *upd.Role
		}
		if upd.TeamID != nil {
			u.TeamID = *upd.TeamID
		}
		if upd.Active != nil {
			u.Active = *upd.Active
		}
		var v Validation
		validateUser(&v, u)
		if upd.Password != nil {
			validatePassword(&v, "password", *upd.Password)
		}
		if err := v.Err(); err != nil {
			return err
		}
		if err := checkTeam(ctx, tx, actor, u.TeamID); err != nil {
			return err
		}
		changes := map[string]Change{}
		diff(changes, "name", before.Name, u.Name)
		diff(changes, "email", before.Email, u.Email)
		diff(changes, "role", before.Role, u.Role)
		diff(changes, "team_id", before.TeamID, u.TeamID)
		diff(changes, "active", before.Active, u.Active)
		if upd.Password != nil {
			if u.PasswordHash, err = HashPassword(*upd.Password, s.password); err != nil {
				return err
			}
			changes["password"] = Change{Before: "***", After: "***"}
		}
		if len(changes) == 0 {
			return nil
		}
		u.UpdatedAt = s.Now()
		if err := tx.UpdateUser(ctx, actor, u, before.Version); err != nil {
			return err
		}
		action := "update"
		if before.Active && !u.Active {
			action = "deactivate"
		}
		return s.audit(ctx, tx, actor, "user", u.ID, action, changes)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// User returns a user of the actor's account. Every user may see the account's directory of users
// (names, roles, teams): records are assigned to them. ENOTFOUND.
func (s *Service) User(ctx context.Context, actor *Actor, id int64) (*User, error) {
	var u *User
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		u, err = tx.FindUser(ctx, actor, id)
		return err
	})
	return u, err
}

// Users returns the users of the actor's account matching f.
func (s *Service) Users(ctx context.Context, actor *Actor, f UserFilter) ([]*User, error) {
	var us []*User
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		us, err = tx.FindUsers(ctx, actor, f)
		return err
	})
	return us, err
}

// AddAbsence records that a user is away from StartsOn to EndsOn inclusive. Admins, the user's head,
// and the user themselves. EFORBIDDEN, ENOTFOUND, EINVALID.
func (s *Service) AddAbsence(ctx context.Context, actor *Actor, a *Absence) error {
	if err := s.store.Read(ctx, func(tx Tx) error { _, err := tx.FindUser(ctx, actor, a.UserID); return err }); err != nil {
		return err
	}
	if !actor.CanSee(a.UserID) {
		return Errorf(EFORBIDDEN, "You may record absences only for yourself or your team.")
	}
	var v Validation
	if a.StartsOn.IsZero() {
		v.Add("starts_on", "required", "must be a date")
	}
	if a.EndsOn.IsZero() {
		v.Add("ends_on", "required", "must be a date")
	}
	if !a.StartsOn.IsZero() && !a.EndsOn.IsZero() && a.EndsOn.Before(a.StartsOn) {
		v.Add("ends_on", "out_of_range", "must not be before starts_on")
	}
	v.MaxLen("reason", a.Reason, 200)
	if err := v.Err(); err != nil {
		return err
	}
	return s.store.Write(ctx, func(tx Tx) error {
		if _, err := tx.FindUser(ctx, actor, a.UserID); err != nil {
			return err
		}
		a.CreatedAt = s.Now()
		if err := tx.InsertAbsence(ctx, actor, a); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "user", a.UserID, "absence", map[string]Change{
			"absence": {After: a.StartsOn.String() + ".." + a.EndsOn.String()},
		})
	})
}

// Absences returns the absences of a user of the actor's account.
func (s *Service) Absences(ctx context.Context, actor *Actor, userID int64) ([]*Absence, error) {
	var as []*Absence
	err := s.store.Read(ctx, func(tx Tx) error {
		if _, err := tx.FindUser(ctx, actor, userID); err != nil {
			return err
		}
		var err error
		as, err = tx.FindAbsences(ctx, actor, userID)
		return err
	})
	return as, err
}

// RemoveAbsence deletes an absence of a user the actor may manage. EFORBIDDEN, ENOTFOUND.
func (s *Service) RemoveAbsence(ctx context.Context, actor *Actor, userID, id int64) error {
	return s.store.Write(ctx, func(tx Tx) error {
		if _, err := tx.FindUser(ctx, actor, userID); err != nil {
			return err
		}
		if !actor.CanSee(userID) {
			return Errorf(EFORBIDDEN, "You may change absences only for yourself or your team.")
		}
		as, err := tx.FindAbsences(ctx, actor, userID)
		if err != nil {
			return err
		}
		for _, a := range as {
			if a.ID == id {
				if err := tx.DeleteAbsence(ctx, actor, id); err != nil {
					return err
				}
				return s.audit(ctx, tx, actor, "user", userID, "absence_removed", map[string]Change{
					"absence": {Before: a.StartsOn.String() + ".." + a.EndsOn.String()},
				})
			}
		}
		return Errorf(ENOTFOUND, "Absence %d not found.", id)
	})
}

func validateUser(v *Validation, u *User) {
	validateEmail(v, "email", u.Email)
	if v.Required("name", u.Name) {
		v.MaxLen("name", u.Name, 200)
	}
	if !u.Role.Valid() {
		v.Add("role", "one_of", "must be admin, head or manager")
	}
	if u.TeamID < 0 {
		v.Add("team_id", "out_of_range", "must be a team id")
	}
}

func checkTeam(ctx context.Context, tx Tx, actor *Actor, teamID int64) error {
	if teamID == 0 {
		return nil
	}
	if _, err := tx.FindTeam(ctx, actor, teamID); ErrorCode(err) == ENOTFOUND {
		return &Error{Code: EINVALID, Message: "Some fields are invalid.", Fields: []FieldError{{Field: "team_id", Code: "unknown", Message: "no such team in this account"}}}
	} else if err != nil {
		return err
	}
	return nil
}
