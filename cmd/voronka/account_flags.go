package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
)

// accountFlags are -account and -as, of the commands that act in an account as one of its users.
type accountFlags struct{ slug, as string }

func (f *accountFlags) bind(fs *flag.FlagSet, asDoc string) {
	fs.StringVar(&f.slug, "account", "", "the account's slug (may be left out while there is one account)")
	fs.StringVar(&f.as, "as", "", asDoc)
}

// actorFinder finds the user a command acts as: reportActor (any active user, default the first
// administrator) or importActor (an administrator).
type actorFinder func(ctx context.Context, db *store.DB, svc *crm.Service, slug, email string) (*crm.Actor, error)

// inAccount is a command's database, opened and migrated, with the account and the user it acts as.
type inAccount struct {
	db    *store.DB
	svc   *crm.Service
	actor *crm.Actor
	acc   *crm.Account
}

// open opens the configured database (migrating it) and finds the account and the user by find.
// Close the result's db when done.
func (f *accountFlags) open(ctx context.Context, cfg Config, find actorFinder) (*inAccount, error) {
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a := &inAccount{db: db, svc: crm.NewService(db)}
	if a.actor, err = find(ctx, db, a.svc, f.slug, f.as); err != nil {
		db.Close()
		return nil, err
	}
	if a.acc, err = a.svc.Account(ctx, a.actor); err != nil {
		db.Close()
		return nil, describe(err)
	}
	return a, nil
}

// periodFlags are -from and -to: a period of days [from, to).
type periodFlags struct{ from, to string }

func (f *periodFlags) bind(fs *flag.FlagSet, fromDoc, toDoc string) {
	fs.StringVar(&f.from, "from", "", fromDoc)
	fs.StringVar(&f.to, "to", "", toDoc)
}

// dates parses the days given; a day left out is the zero Date.
func (f *periodFlags) dates() (from, to crm.Date, err error) {
	for _, d := range []struct {
		flag, v string
		dst     *crm.Date
	}{{"-from", f.from, &from}, {"-to", f.to, &to}} {
		if d.v == "" {
			continue
		}
		if *d.dst, err = crm.ParseDate(d.v); err != nil {
			return from, to, fmt.Errorf("%s: %w", d.flag, err)
		}
	}
	return from, to, nil
}
