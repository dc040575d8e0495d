package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/voronka/voronka/internal/crm"
)

// UserOut is a user of the account.
type UserOut struct {
	ID          int64      `json:"id" example:"3"`
	Email       string     `json:"email" example:"anna@example.com"`
	Name        string     `json:"name" example:"Anna Petrova"`
	Role        string     `json:"role" enum:"admin,head,manager" example:"manager"`
	TeamID      *int64     `json:"team_id" example:"1"`
	Active      bool       `json:"active" example:"true"`
	LastLoginAt *time.Time `json:"last_login_at"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	Version     int64      `json:"version" example:"1"`
}

func userOut(u *crm.User) UserOut {
	out := UserOut{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), Active: u.Active,
		LastLoginAt: timePtr(u.LastLoginAt), CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, Version: u.Version}
	if u.TeamID != 0 {
		id := u.TeamID
		out.TeamID = &id
	}
	return out
}

// UserCreateIn creates a user.
type UserCreateIn struct {
	Email    string `json:"email" maxLength:"254" example:"anna@example.com"`
	Name     string `json:"name" maxLength:"200" example:"Anna Petrova"`
	Password string `json:"password" maxLength:"256" doc:"At least 8 characters" example:"correct horse battery"`
	Role     string `json:"role" enum:"admin,head,manager" example:"manager"`
	TeamID   int64  `json:"team_id,omitempty" example:"1"`
}

// UserPatch changes user fields; omitted fields stay.
type UserPatch struct {
	Email    *string `json:"email,omitempty" maxLength:"254"`
	Name     *string `json:"name,omitempty" maxLength:"200"`
	Password *string `json:"password,omitempty" maxLength:"256"`
	Role     *string `json:"role,omitempty" enum:"admin,head,manager"`
	TeamID   *int64  `json:"team_id,omitempty" doc:"0 takes the user out of their team"`
	Active   *bool   `json:"active,omitempty" doc:"false deactivates: the user can no longer log in; their history stays"`
	Version  *int64  `json:"version,omitempty" doc:"The version you read; a stale one gets 409"`
}

// AbsenceOut is a period a user is away.
type AbsenceOut struct {
	ID       int64  `json:"id" example:"4"`
	UserID   int64  `json:"user_id" example:"3"`
	StartsOn string `json:"starts_on" format:"date" example:"2026-07-01"`
	EndsOn   string `json:"ends_on" format:"date" example:"2026-07-14"`
	Reason   string `json:"reason" example:"vacation"`
}

// AbsenceIn records an absence.
type AbsenceIn struct {
	StartsOn string `json:"starts_on" doc:"First day away, YYYY-MM-DD" example:"2026-07-01"`
	EndsOn   string `json:"ends_on" doc:"Last day away, YYYY-MM-DD" example:"2026-07-14"`
	Reason   string `json:"reason,omitempty" maxLength:"200" example:"vacation"`
}

func (h *Handlers) registerUsers(a huma.API) {
	huma.Register(a, op("list-users", http.MethodGet, "/users", "List the account's users", "Users"), func(ctx context.Context, in *struct {
		TeamID int64  `query:"team_id" doc:"Only this team"`
		Active string `query:"active" enum:"true,false," doc:"Only active (true) or deactivated (false) users"`
	}) (*struct{ Body []UserOut }, error) {
		f := crm.UserFilter{TeamID: in.TeamID}
		if in.Active != "" {
			v := in.Active == "true"
			f.Active = &v
		}
		us, err := h.svc.Users(ctx, actorOf(ctx), f)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		out := make([]UserOut, len(us))
		for i, u := range us {
			out[i] = userOut(u)
		}
		return &struct{ Body []UserOut }{out}, nil
	})

	o := op("create-user", http.MethodPost, "/users", "Create a user (administrators)", "Users")
	o.DefaultStatus = http.StatusCreated
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, func(ctx context.Context, in *struct{ Body UserCreateIn }) (*struct{ Body UserOut }, error) {
		b := in.Body
		u, err := h.svc.CreateUser(ctx, actorOf(ctx), crm.UserCreate{Email: b.Email, Name: b.Name, Password: b.Password, Role: crm.Role(b.Role), TeamID: b.TeamID})
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body UserOut }{userOut(u)}, nil
	})

	huma.Register(a, op("get-user", http.MethodGet, "/users/{id}", "Get a user", "Users"), func(ctx context.Context, in *struct {
		ID int64 `path:"id" doc:"The user's id"`
	}) (*struct{ Body UserOut }, error) {
		u, err := h.svc.User(ctx, actorOf(ctx), in.ID)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body UserOut }{userOut(u)}, nil
	})

	o = op("update-user", http.MethodPatch, "/users/{id}", "Change a user", "Users")
	o.Description = "Administrators change anyone; every user may change their own name, e-mail and password."
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID      int64  `path:"id" doc:"The user's id"`
		IfMatch string `header:"If-Match" doc:"The version you read; a stale one gets 409"`
		Body    UserPatch
	}) (*struct{ Body UserOut }, error) {
		b := in.Body
		upd := crm.UserUpdate{Name: b.Name, Email: b.Email, Password: b.Password, TeamID: b.TeamID, Active: b.Active}
		if b.Role != nil {
			r := crm.Role(*b.Role)
			upd.Role = &r
		}
		var err error
		if upd.Version, err = versionOf(b.Version, in.IfMatch); err != nil {
			return nil, handlerErr(ctx, err)
		}
		u, err := h.svc.UpdateUser(ctx, actorOf(ctx), in.ID, upd)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body UserOut }{userOut(u)}, nil
	})

	huma.Register(a, op("list-absences", http.MethodGet, "/users/{id}/absences", "List a user's absences", "Users"), func(ctx context.Context, in *struct {
		ID int64 `path:"id" doc:"The user's id"`
	}) (*struct{ Body []AbsenceOut }, error) {
		as, err := h.svc.Absences(ctx, actorOf(ctx), in.ID)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		out := make([]AbsenceOut, len(as))
		for i, ab := range as {
			out[i] = AbsenceOut{ID: ab.ID, UserID: ab.UserID, StartsOn: ab.StartsOn.String(), EndsOn: ab.EndsOn.String(), Reason: ab.Reason}
		}
		return &struct{ Body []AbsenceOut }{out}, nil
	})

	o = op("create-absence", http.MethodPost, "/users/{id}/absences", "Record an absence (vacation): lead distribution skips the user then", "Users")
	o.DefaultStatus = http.StatusCreated
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" doc:"The user's id"`
		Body AbsenceIn
	}) (*struct{ Body AbsenceOut }, error) {
		var v crm.Validation
		starts, err := crm.ParseDate(in.Body.StartsOn)
		if err != nil {
			v.Add("starts_on", "format", err.Error())
		}
		ends, err := crm.ParseDate(in.Body.EndsOn)
		if err != nil {
			v.Add("ends_on", "format", err.Error())
		}
		if err := v.Err(); err != nil {
			return nil, handlerErr(ctx, err)
		}
		ab := &crm.Absence{UserID: in.ID, StartsOn: starts, EndsOn: ends, Reason: in.Body.Reason}
		if err := h.svc.AddAbsence(ctx, actorOf(ctx), ab); err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body AbsenceOut }{AbsenceOut{ID: ab.ID, UserID: ab.UserID, StartsOn: ab.StartsOn.String(), EndsOn: ab.EndsOn.String(), Reason: ab.Reason}}, nil
	})

	o = op("delete-absence", http.MethodDelete, "/users/{id}/absences/{absence_id}", "Remove an absence", "Users")
	o.DefaultStatus = http.StatusNoContent
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID        int64 `path:"id" doc:"The user's id"`
		AbsenceID int64 `path:"absence_id"`
	}) (*struct{}, error) {
		return nil, handlerErr(ctx, h.svc.RemoveAbsence(ctx, actorOf(ctx), in.ID, in.AbsenceID))
	})
}
