package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
)

const userUsage = `usage:
  voronka user create -email E -name N [-role admin|head|manager] [-team NAME] [-password P] [-account SLUG]
  voronka user set-password -email E [-password P] [-account SLUG]
  voronka user deactivate -email E [-account SLUG]
  voronka user list [-account SLUG]
A missing -password is generated and printed once. -account may be left out while there is one account.`

// runUser manages users from the shell, as the account's administrator would.
func runUser(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(userUsage)
	}
	action := args[0]
	fs := flag.NewFlagSet("user "+action, flag.ContinueOnError)
	cfg.bindDatabase(fs)
	slug := fs.String("account", "", "the account's slug")
	email := fs.String("email", "", "the user's e-mail")
	name := fs.String("name", "", "the user's name")
	role := fs.String("role", "manager", "admin, head or manager")
	team := fs.String("team", "", "the team's name; created when it does not exist")
	password := fs.String("password", "", "the password; generated when empty")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := crm.NewService(db)
	actor, err := adminActor(ctx, db, *slug)
	if err != nil {
		return err
	}
	generated := *password == ""
	if generated {
		*password = crm.GeneratePassword()
	}
	switch action {
	case "create":
		var teamID int64
		if *team != "" {
			if teamID, err = findOrCreateTeam(ctx, db, svc, actor, *team); err != nil {
				return err
			}
		}
		u, err := svc.CreateUser(ctx, actor, crm.UserCreate{Email: *email, Name: *name, Password: *password, Role: crm.Role(*role), TeamID: teamID})
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "Created user %d %s (%s).\n", u.ID, u.Email, u.Role)
	case "set-password":
		u, err := userByEmail(ctx, svc, actor, *email)
		if err != nil {
			return err
		}
		if _, err := svc.UpdateUser(ctx, actor, u.ID, crm.UserUpdate{Password: password}); err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "Password of %s changed.\n", u.Email)
	case "deactivate":
		u, err := userByEmail(ctx, svc, actor, *email)
		if err != nil {
			return err
		}
		off := false
		if _, err := svc.UpdateUser(ctx, actor, u.ID, crm.UserUpdate{Active: &off}); err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "Deactivated %s: they can no longer log in; their records stay.\n", u.Email)
		return nil
	case "list":
		us, err := svc.Users(ctx, actor, crm.UserFilter{})
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tE-MAIL\tNAME\tROLE\tTEAM\tACTIVE")
		for _, u := range us {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%v\n", u.ID, u.Email, u.Name, u.Role, u.TeamID, u.Active)
		}
		return tw.Flush()
	default:
		return errors.New(userUsage)
	}
	if generated {
		fmt.Fprintf(stdout, "Password: %s  (generated; shown only this once)\n", *password)
	}
	return nil
}

// adminActor acts as the administrator of the account with the slug, or of the only account.
func adminActor(ctx context.Context, db *store.DB, slug string) (*crm.Actor, error) {
	var acc *crm.Account
	err := db.Read(ctx, func(tx crm.Tx) error {
		if slug != "" {
			var err error
			acc, err = tx.FindAccountBySlug(ctx, slug)
			return err
		}
		as, err := tx.FindAccounts(ctx)
		if err != nil {
			return err
		}
		if len(as) != 1 {
			return fmt.Errorf("there are %d accounts: name one with -account", len(as))
		}
		acc = as[0]
		return nil
	})
	if err != nil {
		return nil, describe(err)
	}
	return crm.SystemActor(acc.ID), nil
}

func findOrCreateTeam(ctx context.Context, db *store.DB, svc *crm.Service, actor *crm.Actor, name string) (int64, error) {
	var t *crm.Team
	err := db.Read(ctx, func(tx crm.Tx) error {
		var err error
		t, err = tx.FindTeamByName(ctx, actor, name)
		return err
	})
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		t, err = svc.CreateTeam(ctx, actor, name)
	}
	if err != nil {
		return 0, describe(err)
	}
	return t.ID, nil
}

func userByEmail(ctx context.Context, svc *crm.Service, actor *crm.Actor, email string) (*crm.User, error) {
	us, err := svc.Users(ctx, actor, crm.UserFilter{Email: email})
	if err != nil {
		return nil, err
	}
	if len(us) == 0 {
		return nil, fmt.Errorf("no user with e-mail %q", email)
	}
	return us[0], nil
}

// describe spells out a domain error's fields for the terminal.
func describe(err error) error {
	var ce *crm.Error
	if errors.As(err, &ce) && len(ce.Fields) > 0 {
		msg := ce.Message
		for _, f := range ce.Fields {
			msg += fmt.Sprintf("\n  -%s: %s", f.Field, f.Message)
		}
		return errors.New(msg)
	}
	return err
}
