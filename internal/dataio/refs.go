package dataio

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/voronka/voronka/internal/crm"
)

// refCache resolves the names a file gives (a manager, a company, a stage…) to records, creating
// them when the mapping allows. What a transaction creates is forgotten if it rolls back.
type refCache struct {
	pipe      *crm.Pipeline
	pipes     []*crm.Pipeline
	users     map[string]int64 // lowercase name or e-mail → id
	teams     map[string]int64
	companies map[string]int64
	contacts  map[string]int64 // "phone:…", "email:…", "name:…|company"
	channels  map[string]int64
	losses    map[string]int64
	products  map[string]*crm.Product
}

func key(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

func newRefCache(ctx context.Context, svc *crm.Service, actor *crm.Actor) (*refCache, error) {
	c := &refCache{users: map[string]int64{}, teams: map[string]int64{}, companies: map[string]int64{},
		contacts: map[string]int64{}, channels: map[string]int64{}, losses: map[string]int64{}, products: map[string]*crm.Product{}}
	users, err := svc.Users(ctx, actor, crm.UserFilter{})
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		c.users[key(u.Name)] = u.ID
		c.users[key(u.Email)] = u.ID
	}
	teams, err := svc.Teams(ctx, actor)
	if err != nil {
		return nil, err
	}
	for _, t := range teams {
		c.teams[key(t.Name)] = t.ID
	}
	chans, err := svc.Channels(ctx, actor)
	if err != nil {
		return nil, err
	}
	for _, ch := range chans {
		c.channels[key(ch.Name)] = ch.ID
	}
	losses, err := svc.LossReasons(ctx, actor)
	if err != nil {
		return nil, err
	}
	for _, l := range losses {
		c.losses[key(l.Name)] = l.ID
	}
	if c.pipes, err = svc.Pipelines(ctx, actor, false); err != nil {
		return nil, err
	}
	prods, err := svc.Products(ctx, actor, false)
	if err != nil {
		return nil, err
	}
	for _, p := range prods {
		c.products[key(p.Name)] = p
	}
	return c, nil
}

func (im *Importer) allowed(kind string) bool { return slices.Contains(im.Mapping.Create, kind) }

// remember caches a record the current transaction created, to be forgotten if it rolls back.
func remember[V any](im *Importer, m map[string]V, k string, v V) {
	m[k] = v
	im.created = append(im.created, func() { delete(m, k) })
}

func (c *refCache) pipeline(ctx context.Context, im *Importer) (*crm.Pipeline, error) {
	if c.pipe != nil {
		return c.pipe, nil
	}
	ps, err := im.Service.Pipelines(ctx, im.Actor, false)
	if err != nil {
		return nil, err
	}
	name := im.Mapping.Pipeline
	for _, p := range ps {
		if name == "" || key(p.Name) == key(name) {
			c.pipe = p
			return p, nil
		}
	}
	if len(im.Mapping.Stages) == 0 {
		return nil, crm.Errorf(crm.EINVALID, "No pipeline %q in the account; give the mapping's stages to create it.", name)
	}
	stages := make([]crm.StageInput, len(im.Mapping.Stages))
	for i, s := range im.Mapping.Stages {
		stages[i] = crm.StageInput{Name: s.Name, Kind: s.Kind, Probability: s.Probability}
	}
	p, err := im.Service.CreatePipeline(ctx, im.Actor, name, stages)
	if err != nil {
		return nil, err
	}
	c.pipe = p
	im.created = append(im.created, func() { c.pipe = nil })
	return p, nil
}

// pipelineNamed returns the account's pipeline with the name, or nil.
func (c *refCache) pipelineNamed(name string) *crm.Pipeline {
	for _, p := range c.pipes {
		if key(p.Name) == key(name) {
			return p
		}
	}
	return nil
}

func (c *refCache) user(ctx context.Context, im *Importer, r rowReader, name string) (int64, error) {
	if id, ok := c.users[key(name)]; ok {
		return id, nil
	}
	if !im.allowed("users") {
		return 0, r.fail("responsible", fmt.Sprintf("no user %q in the account: create the user, map the name to one, or import creating users", name))
	}
	var team int64
	if tn := r.str("team"); tn != "" {
		var ok bool
		if team, ok = c.teams[key(tn)]; !ok {
			if !im.allowed("teams") {
				return 0, r.fail("team", fmt.Sprintf("no team %q in the account", tn))
			}
			t, err := im.Service.CreateTeam(ctx, im.Actor, tn)
			if err != nil {
				return 0, err
			}
			team = t.ID
			remember(im, c.teams, key(tn), team)
		}
	}
	email := name
	if !crm.ValidEmail(name) {
		local := strings.Trim(strings.Join(strings.FieldsFunc(crm.Translit(name), func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
		}), "."), ".")
		if local == "" {
			local = "user"
		}
		email = fmt.Sprintf("%s@%s.import.invalid", local, crm.Slugify(im.Mapping.Source))
	}
	// An imported person cannot log in until an administrator sets their password.
	u, err := im.Service.CreateUser(ctx, im.Actor, crm.UserCreate{Email: email, Name: name, Password: crm.GeneratePassword(), Role: crm.RoleManager, TeamID: team})
	if err != nil {
		return 0, err
	}
	remember(im, c.users, key(name), u.ID)
	return u.ID, nil
}

func (c *refCache) company(ctx context.Context, im *Importer, r rowReader, name string, responsible int64) (int64, error) {
	k := key(name)
	if id, ok := c.companies[k]; ok {
		return id, nil
	}
	list, err := im.Service.Companies(ctx, im.Actor, crm.CompanyFilter{Q: name}, crm.Page{Limit: 50})
	if err != nil {
		return 0, err
	}
	for _, co := range list.Items {
		if key(co.Name) == k {
			c.companies[k] = co.ID
			return co.ID, nil
		}
	}
	if !im.allowed("companies") {
		return 0, r.fail("company", fmt.Sprintf("no company %q in the account", name))
	}
	co := &crm.Company{Name: name, Industry: r.str("company.industry"), Region: r.str("company.region"),
		Segment: r.str("company.segment"), TaxID: r.str("company.tax_id"), ResponsibleID: responsible}
	if _, err := im.Service.CreateCompany(ctx, im.Actor, co); err != nil {
		return 0, err
	}
	remember(im, c.companies, k, co.ID)
	return co.ID, nil
}

func (c *refCache) contact(ctx context.Context, im *Importer, r rowReader, company, responsible int64) (int64, error) {
	name, phone, email := r.str("contact"), r.str("contact.phone"), strings.ToLower(r.str("contact.email"))
	digits, _ := crm.NormalizePhone(phone)
	var keys []string
	if digits != "" {
		keys = append(keys, "phone:"+digits)
	}
	if email != "" {
		keys = append(keys, "email:"+email)
	}
	if name != "" {
		keys = append(keys, fmt.Sprintf("name:%s|%d", key(name), company))
	}
	for _, k := range keys {
		if id, ok := c.contacts[k]; ok {
			return id, nil
		}
	}
	for _, f := range []crm.ContactFilter{{Phone: phone}, {Email: email}} {
		if f.Phone == "" && f.Email == "" {
			continue
		}
		list, err := im.Service.Contacts(ctx, im.Actor, f, crm.Page{Limit: 1})
		if err != nil {
			return 0, err
		}
		if len(list.Items) > 0 {
			for _, k := range keys {
				c.contacts[k] = list.Items[0].ID
			}
			return list.Items[0].ID, nil
		}
	}
	if !im.allowed("contacts") {
		return 0, r.fail("contact", fmt.Sprintf("no contact %q in the account", strings.Join([]string{name, phone, email}, " ")))
	}
	in := crm.ContactInput{Name: name, Position: r.str("contact.position"), CompanyID: company, ResponsibleID: responsible}
	if in.Name == "" {
		in.Name = strings.TrimSpace(phone + " " + email)
	}
	if phone != "" {
		in.Phones = []crm.Phone{{Raw: phone}}
	}
	if email != "" {
		in.Emails = []crm.Email{{Email: email}}
	}
	ct, _, err := im.Service.CreateContact(ctx, im.Actor, in)
	if err != nil {
		return 0, err
	}
	for _, k := range keys {
		remember(im, c.contacts, k, ct.ID)
	}
	return ct.ID, nil
}

func (c *refCache) channel(ctx context.Context, im *Importer, r rowReader, name string) (int64, error) {
	if id, ok := c.channels[key(name)]; ok {
		return id, nil
	}
	if !im.allowed("channels") {
		return 0, r.fail("channel", fmt.Sprintf("no channel %q in the account", name))
	}
	ch, err := im.Service.CreateChannel(ctx, im.Actor, name)
	if err != nil {
		return 0, err
	}
	remember(im, c.channels, key(name), ch.ID)
	return ch.ID, nil
}

func (c *refCache) lossReason(ctx context.Context, im *Importer, r rowReader, name string) (int64, error) {
	if id, ok := c.losses[key(name)]; ok {
		return id, nil
	}
	if !im.allowed("loss_reasons") {
		return 0, r.fail("loss_reason", fmt.Sprintf("no loss reason %q in the account", name))
	}
	l, err := im.Service.CreateLossReason(ctx, im.Actor, name)
	if err != nil {
		return 0, err
	}
	remember(im, c.losses, key(name), l.ID)
	return l.ID, nil
}

// product returns the product's id and list price; a new product gets price as its list price.
func (c *refCache) product(ctx context.Context, im *Importer, r rowReader, name string, price int64) (int64, int64, error) {
	if p, ok := c.products[key(name)]; ok {
		return p.ID, p.Price, nil
	}
	if !im.allowed("products") {
		return 0, 0, r.fail("product", fmt.Sprintf("no product %q in the account: map it to one or import creating products", name))
	}
	p := &crm.Product{Name: name, Price: price, Active: true}
	if err := im.Service.CreateProduct(ctx, im.Actor, p); err != nil {
		return 0, 0, err
	}
	remember(im, c.products, key(name), p)
	return p.ID, p.Price, nil
}

// OpenRows reads rows from a CSV file or, when name ends in .xlsx, a sheet of a workbook (the
// first when sheet is empty). An XLSX reader must be closed.
func OpenRows(r io.Reader, name, sheet string) (RowReader, error) {
	if strings.EqualFold(filepath.Ext(name), ".xlsx") {
		return NewXLSXReader(r, sheet)
	}
	return NewCSVReader(r)
}
