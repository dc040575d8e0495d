// Package demo fills a new account with the history of a believable sales team: a travel agency
// with a B2C and a B2B pipeline, managers of different skill, channels with monthly spend, two and
// a half years of seasonal leads, and a CRM go-live in the middle after which conversion, response
// speed and upsells improve — so that every KPI and report has something to show.
//
// The account's structure (users, teams, pipelines, products, channels, spend, plans, costs) is
// created through the domain services like any other; its volume history (deals, stage changes,
// activities, tasks, payments…) goes through the store's bulk Loader, which is what makes a
// million deals take minutes instead of hours. The same seed and the same end date give the same
// data.
package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
)

// Options say what to generate.
type Options struct {
	Deals         int      // number of deals; default 3000
	Seed          uint64   // default 1
	Until         crm.Date // the last day of history; default today in Moscow
	Months        int      // months of history, ending with Until's month; default 30
	AccountName   string   // default "Демо: турагентство «Горизонт»"
	AccountSlug   string   // default derived from the name
	AdminEmail    string   // default admin@example.com
	AdminPassword string   // required: every demo user gets it
	// Progress, when set, is called now and then with the deals generated so far and the total.
	Progress func(done, total int)
}

// Result is what Generate made.
type Result struct {
	Account *crm.Account
	Admin   *crm.User
	Users   []*crm.User        // heads and managers
	Rows    map[string]int64   // rows loaded per table of the history
	GoLive  crm.Date           //
	From    crm.Date           // the first day of history
	Until   crm.Date           // the last day of history
	Elapsed time.Duration      //
	Extra   map[string]float64 // a few figures of the generated history, for the summary
}

// DemoLocation is the demo account's time zone.
const DemoLocation = "Europe/Moscow"

func (o *Options) defaults(loc *time.Location) error {
	if o.Deals == 0 {
		o.Deals = 3000
	}
	if o.Deals < 0 {
		return errors.New("demo: the number of deals cannot be negative")
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Until.IsZero() {
		o.Until = crm.DateOf(time.Now().In(loc))
	}
	if o.Months == 0 {
		o.Months = 30
	}
	if o.Months < 4 {
		return errors.New("demo: at least 4 months of history")
	}
	if o.AccountName == "" {
		o.AccountName = "Демо: турагентство «Горизонт»"
	}
	if o.AdminEmail == "" {
		o.AdminEmail = "admin@example.com"
	}
	if o.AdminPassword == "" {
		return errors.New("demo: an admin password is needed")
	}
	return nil
}

// Generate creates a new account filled with demo data in db. svc is only used for its password
// settings; Generate writes the structure through a service of its own whose clock stands at the
// start of the history.
func Generate(ctx context.Context, db *store.DB, svc *crm.Service, opt Options) (*Result, error) {
	began := time.Now()
	loc, err := time.LoadLocation(DemoLocation)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if err := opt.defaults(loc); err != nil {
		return nil, err
	}
	last := opt.Until.In(loc)
	first := time.Date(last.Year(), last.Month()-time.Month(opt.Months-1), 1, 0, 0, 0, 0, loc)
	goLive := time.Date(first.Year(), first.Month()+time.Month(opt.Months/2), 1, 0, 0, 0, 0, loc)

	// The structure is dated at the start of the history.
	own := crm.NewService(db)
	own.SetPasswordParams(svc.PasswordParams())
	clock := first.Add(9 * time.Hour)
	own.SetClock(func() time.Time { return clock })

	w := &world{rng: rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15)), loc: loc,
		from: first, goLive: goLive, until: last.AddDate(0, 0, 1).Add(-time.Second), months: opt.Months}
	res := &Result{GoLive: crm.DateOf(goLive), From: crm.DateOf(first), Until: opt.Until}
	if err := w.setup(ctx, own, opt, res); err != nil {
		return nil, err
	}
	if err := w.history(ctx, db, opt, res); err != nil {
		return nil, err
	}
	if err := w.budget(ctx, own); err != nil {
		return nil, err
	}
	// The manager who left is deactivated now, with their history kept.
	if w.leaver != nil {
		off := false
		if _, err := own.UpdateUser(ctx, w.admin, w.leaver.user.ID, crm.UserUpdate{Active: &off}); err != nil {
			return nil, fmt.Errorf("demo: deactivate %s: %w", w.leaver.user.Email, err)
		}
	}
	res.Elapsed = time.Since(began)
	return res, nil
}

// setup creates the account, its people, pipelines, loss reasons, products and channels.
func (w *world) setup(ctx context.Context, svc *crm.Service, opt Options, res *Result) error {
	in := crm.AccountCreate{
		Name: opt.AccountName, Slug: opt.AccountSlug, Currency: "RUB", TimeZone: DemoLocation, Locale: "ru",
		GoLiveDate: crm.DateOf(w.goLive), AdminEmail: opt.AdminEmail, AdminName: "Администратор",
		AdminPassword: opt.AdminPassword,
	}
	base := in.Slug
	if base == "" {
		base = crm.Slugify(in.Name)
	}
	var acc *crm.Account
	var admin *crm.User
	var err error
	for i := 1; ; i++ {
		// Another demo may be in the database already: the next free slug, unless one was asked for.
		if i > 1 {
			in.Slug = fmt.Sprintf("%s-%d", base, i)
		}
		acc, admin, err = svc.CreateAccount(ctx, in)
		if err == nil || opt.AccountSlug != "" || crm.ErrorCode(err) != crm.ECONFLICT || i >= 100 {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("demo: account: %w", err)
	}
	res.Account, res.Admin = acc, admin
	w.accountID = acc.ID
	if w.admin, err = svc.ActorFor(ctx, acc.ID, admin.ID); err != nil {
		return err
	}
	if err := w.people(ctx, svc, opt, res); err != nil {
		return fmt.Errorf("demo: users: %w", err)
	}
	if err := w.catalog(ctx, svc); err != nil {
		return fmt.Errorf("demo: catalog: %w", err)
	}
	return nil
}

// people creates two teams with a head each and the managers, each with a skill profile.
func (w *world) people(ctx context.Context, svc *crm.Service, opt Options, res *Result) error {
	total := min(max(opt.Deals/20000, 8), 48)
	b2b := max(2, total/4)
	teams := []string{"Отдел туров", "Корпоративный отдел"}
	counts := []int{total - b2b, b2b}
	used := map[string]bool{}
	for p, name := range teams {
		team, err := svc.CreateTeam(ctx, w.admin, name)
		if err != nil {
			return err
		}
		head, err := w.newUser(ctx, svc, opt, used, crm.RoleHead, team.ID)
		if err != nil {
			return err
		}
		res.Users = append(res.Users, head)
		for i := 0; i < counts[p]; i++ {
			u, err := w.newUser(ctx, svc, opt, used, crm.RoleManager, team.ID)
			if err != nil {
				return err
			}
			res.Users = append(res.Users, u)
			m := &manager{user: u, pipeline: p,
				skill:     0.9 + 0.2*w.rng.Float64(),
				speed:     0.5 + 1.5*w.rng.Float64(),
				upsell:    0.6 + 0.9*w.rng.Float64(),
				diligence: 0.9 + 0.1*w.rng.Float64(),
				load:      0.7 + 0.6*w.rng.Float64(),
				fromMonth: 0, toMonth: w.months,
			}
			w.managers = append(w.managers, m)
		}
	}
	// Profiles that make the reports tell stories: a manager who hardly logs anything (CRM
	// adoption), one hired a third of the way in, one who leaves two thirds of the way in (and is
	// deactivated), a star and a struggler.
	b2c := w.managers[:counts[0]]
	b2c[0].skill, b2c[0].speed = 1.12, 0.45
	b2c[1].skill, b2c[1].speed = 0.88, 2.2
	b2c[2].diligence = 0.3
	if len(b2c) > 4 {
		b2c[3].fromMonth = w.months / 3
		b2c[4].toMonth = 2 * w.months / 3
		w.leaver = b2c[4]
	}
	return nil
}

func (w *world) newUser(ctx context.Context, svc *crm.Service, opt Options, used map[string]bool, role crm.Role, team int64) (*crm.User, error) {
	var name, email string
	for {
		female := w.rng.IntN(2) == 0
		first := pick(w.rng, firstNamesM)
		last := pick(w.rng, lastNames)
		if female {
			first = pick(w.rng, firstNamesF)
			last = feminine(last)
		}
		name = first + " " + last
		email = translit(string([]rune(first)[:1])) + "." + translit(last) + "@horizon-tour.example"
		if !used[email] {
			used[email] = true
			break
		}
	}
	return svc.CreateUser(ctx, w.admin, crm.UserCreate{Email: email, Name: name, Password: opt.AdminPassword, Role: role, TeamID: team})
}

// catalog shapes the pipelines, loss reasons, products and channels.
func (w *world) catalog(ctx context.Context, svc *crm.Service) error {
	ps, err := svc.Pipelines(ctx, w.admin, false)
	if err != nil {
		return err
	}
	// The account's default pipeline becomes the B2C one: its stages are renamed and one is added.
	def := ps[0]
	b2c := pipelines[0]
	stages := append([]crm.StageInput(nil), b2c.stages...)
	for i, j := range []int{0, 1, -1, 2, 3, 4, 5} {
		if j >= 0 {
			stages[i].ID = def.Stages[j].ID
		}
	}
	p0, err := svc.UpdatePipeline(ctx, w.admin, def.ID, crm.PipelineUpdate{Name: &b2c.name, Stages: stages})
	if err != nil {
		return err
	}
	p1, err := svc.CreatePipeline(ctx, w.admin, pipelines[1].name, pipelines[1].stages)
	if err != nil {
		return err
	}
	w.pipes = []*crm.Pipeline{p0, p1}

	have, err := svc.LossReasons(ctx, w.admin)
	if err != nil {
		return err
	}
	byName := map[string]int64{}
	for _, r := range have {
		byName[r.Name] = r.ID
	}
	for _, name := range lossReasons {
		if _, ok := byName[name]; !ok {
			r, err := svc.CreateLossReason(ctx, w.admin, name)
			if err != nil {
				return err
			}
			byName[name] = r.ID
		}
		w.lossIDs = append(w.lossIDs, byName[name])
	}
	for _, ps := range products {
		p := &crm.Product{Name: ps.name, SKU: ps.sku, Category: ps.category, Price: ps.price, Cost: ps.cost, Active: true}
		if err := svc.CreateProduct(ctx, w.admin, p); err != nil {
			return err
		}
		w.productIDs = append(w.productIDs, p.ID)
	}
	for _, cs := range channels {
		c, err := svc.CreateChannel(ctx, w.admin, cs.name)
		if err != nil {
			return err
		}
		w.channelIDs = append(w.channelIDs, c.ID)
	}
	return nil
}

// budget records what the history implies: monthly marketing spend per channel, sales plans
// per manager, team and account, the CRM's cost ledger, and a few vacations.
func (w *world) budget(ctx context.Context, svc *crm.Service) error {
	for c, cs := range channels {
		for m := 0; m < w.months; m++ {
			start := w.monthStart(m)
			end := start.AddDate(0, 1, -1)
			if cs.spansTwoMonth {
				// Exhibitions are paid for a fortnight either side of the month's turn: entries that
				// span two months, which reports pro-rate by day.
				start, end = start.AddDate(0, 0, 14), start.AddDate(0, 1, 13)
				if end.After(w.until) {
					continue
				}
			}
			leads := w.channelLeads[c][m]
			amount := int64(leads)*cs.costPerLead + cs.monthlyFee
			if amount == 0 {
				continue
			}
			amount = amount * int64(90+w.rng.IntN(21)) / 100 / 100 * 100 // ±10 %, whole roubles
			e := &crm.SpendEntry{ChannelID: w.channelIDs[c], StartsOn: crm.DateOf(start), EndsOn: crm.DateOf(end), Amount: amount,
				Note: fmt.Sprintf("%s, %s", cs.name, start.Format("01.2006"))}
			if err := svc.AddSpend(ctx, w.admin, e); err != nil {
				return fmt.Errorf("demo: spend: %w", err)
			}
		}
	}
	for m := 0; m < w.months; m++ {
		month := crm.DateOf(w.monthStart(m))
		var plans []*crm.SalesPlan
		team := map[int64]*crm.SalesPlan{}
		acc := &crm.SalesPlan{Month: month, Scope: "account"}
		for i, mg := range w.managers {
			if m < mg.fromMonth || m >= mg.toMonth {
				continue
			}
			// A plan is set from what the manager usually sells, a little ambitious; the figures
			// round to 10,000 roubles.
			expect := w.expectedRevenue(i, m)
			rev := expect * int64(95+w.rng.IntN(30)) / 100 / 1_000_000 * 1_000_000
			if rev == 0 {
				continue
			}
			margin := rev * 15 / 100 / 100_000 * 100_000
			won := max(1, int(int64(w.managerWon[i][m])*int64(95+w.rng.IntN(30))/100))
			plans = append(plans, &crm.SalesPlan{Month: month, Scope: "user", ScopeID: mg.user.ID, Revenue: rev, Margin: margin, WonDeals: won})
			t := team[mg.user.TeamID]
			if t == nil {
				t = &crm.SalesPlan{Month: month, Scope: "team", ScopeID: mg.user.TeamID}
				team[mg.user.TeamID] = t
				plans = append(plans, t)
			}
			t.Revenue, t.Margin, t.WonDeals = t.Revenue+rev, t.Margin+margin, t.WonDeals+won
			acc.Revenue, acc.Margin, acc.WonDeals = acc.Revenue+rev, acc.Margin+margin, acc.WonDeals+won
		}
		if acc.Revenue > 0 {
			plans = append(plans, acc)
		}
		if len(plans) > 0 {
			if err := svc.SetSalesPlans(ctx, w.admin, month, plans); err != nil {
				return fmt.Errorf("demo: plans: %w", err)
			}
		}
	}
	gl := crm.DateOf(w.goLive)
	before := func(months int) crm.Date { return crm.DateOf(w.goLive.AddDate(0, -months, 0)) }
	costs := []*crm.CRMCost{
		{Category: "implementation", IncurredOn: before(2), Recurrence: "one_off", Amount: 45_000_000, Note: "Внедрение: настройка воронок, импорт истории"},
		{Category: "customisation", IncurredOn: before(1), Recurrence: "one_off", Amount: 15_000_000, Note: "Доработка отчётов и интеграция с сайтом"},
		{Category: "training", IncurredOn: gl, Recurrence: "one_off", Amount: 8_000_000, Note: "Обучение менеджеров"},
		{Category: "hardware", IncurredOn: before(1), Recurrence: "monthly", Amount: 600_000, Note: "Сервер (VPS)"},
		{Category: "support", IncurredOn: gl, Recurrence: "monthly", Amount: 1_500_000, Note: "Сопровождение"},
		{Category: "admin_salary", IncurredOn: gl, Recurrence: "monthly", Amount: 3_000_000, Note: "Администратор CRM (0,5 ставки)"},
		{Category: "other", IncurredOn: crm.DateOf(w.from), Recurrence: "monthly", Amount: 1_200_000, Acquisition: true, Note: "IP-телефония отдела продаж"},
	}
	for _, c := range costs {
		if err := svc.AddCost(ctx, w.admin, c); err != nil {
			return fmt.Errorf("demo: costs: %w", err)
		}
	}
	for _, mg := range w.managers {
		m := w.rng.IntN(w.months)
		start := w.monthStart(m).AddDate(0, 0, w.rng.IntN(14))
		a := &crm.Absence{UserID: mg.user.ID, StartsOn: crm.DateOf(start), EndsOn: crm.DateOf(start.AddDate(0, 0, 13)), Reason: "Отпуск"}
		if err := svc.AddAbsence(ctx, w.admin, a); err != nil {
			return fmt.Errorf("demo: absences: %w", err)
		}
	}
	return nil
}

// expectedRevenue is manager i's revenue in month m smoothed with the months around it.
func (w *world) expectedRevenue(i, m int) int64 {
	var sum, n int64
	for k := max(0, m-2); k <= min(w.months-1, m+2); k++ {
		sum += w.managerRevenue[i][k]
		n++
	}
	return sum / n
}

func (w *world) monthStart(m int) time.Time {
	return time.Date(w.from.Year(), w.from.Month()+time.Month(m), 1, 0, 0, 0, 0, w.loc)
}
