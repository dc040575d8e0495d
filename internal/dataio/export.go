package dataio

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/voronka/voronka/internal/crm"
)

// The columns of a deals export, in Russian and English. Their names are aliases the importer
// knows, so an export imports again as it is (into this account: "Voronka ID" updates the deals;
// into another: they are created, with the id as their external id).
var dealColumns = []column{
	{"Voronka ID", "Voronka ID"},
	{"Название сделки", "Deal name"},
	{"Воронка", "Pipeline"},
	{"Этап сделки", "Stage"},
	{"Бюджет", "Amount"},
	{"Ответственный", "Responsible"},
	{"Компания", "Company"},
	{"Контакт", "Contact"},
	{"Телефон", "Phone"},
	{"Email", "Email"},
	{"Источник", "Channel"},
	{"Регион", "Region"},
	{"Сегмент", "Segment"},
	{"Теги", "Tags"},
	{"Причина отказа", "Loss reason"},
	{"Дата создания", "Created"},
	{"Дата закрытия", "Closed"},
	{"Товары", "Items"},
}

// ExportHeader returns the header of a deals export in the language (ru or en).
func ExportHeader(lang string) []string { return header(dealColumns, lang) }

// export is what every list export starts with: the names of ids, the file and its header, and
// the account's clock.
type export struct {
	names *nameBook
	out   rowWriter
	when  func(time.Time) string // a time in the account's zone; "" for none
}

// startExport opens the file, writes the header in the language (ru unless en) and loads the names.
func startExport(ctx context.Context, svc *crm.Service, actor *crm.Actor, w io.Writer, format string, lang *string, cols []column) (*export, error) {
	if *lang != "en" {
		*lang = "ru"
	}
	acc, err := svc.Account(ctx, actor)
	if err != nil {
		return nil, err
	}
	names, err := newNameBook(ctx, svc, actor)
	if err != nil {
		return nil, err
	}
	out, err := newRowWriter(w, format)
	if err != nil {
		return nil, err
	}
	if err := out.Write(header(cols, *lang)); err != nil {
		return nil, err
	}
	loc := acc.Location()
	return &export{names: names, out: out, when: func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format(time.DateTime)
	}}, nil
}

// rowWriter writes rows of cells to a CSV or an XLSX file.
type rowWriter interface {
	Write(row []string) error
	Close() error
}

type csvRows struct{ w *csv.Writer }

func (c csvRows) Write(row []string) error { return c.w.Write(row) }
func (c csvRows) Close() error             { c.w.Flush(); return c.w.Error() }

type xlsxRows struct {
	f   *excelize.File
	sw  *excelize.StreamWriter
	out io.Writer
	n   int
}

func (x *xlsxRows) Write(row []string) error {
	x.n++
	cells := make([]any, len(row))
	for i, v := range row {
		cells[i] = v
	}
	cell, _ := excelize.CoordinatesToCellName(1, x.n)
	return x.sw.SetRow(cell, cells)
}

func (x *xlsxRows) Close() error {
	if err := x.sw.Flush(); err != nil {
		return err
	}
	_, err := x.f.WriteTo(x.out)
	if cerr := x.f.Close(); err == nil {
		err = cerr
	}
	return err
}

func newRowWriter(w io.Writer, format string) (rowWriter, error) {
	switch format {
	case "", "csv":
		// A BOM, so that Excel opens the file in UTF-8.
		if _, err := io.WriteString(w, "\ufeff"); err != nil {
			return nil, err
		}
		return csvRows{csv.NewWriter(w)}, nil
	case "xlsx":
		f := excelize.NewFile()
		sw, err := f.NewStreamWriter("Sheet1")
		if err != nil {
			return nil, err
		}
		return &xlsxRows{f: f, sw: sw, out: w}, nil
	}
	return nil, crm.Errorf(crm.EINVALID, "format %q: csv or xlsx", format)
}

// ExportDeals writes the deals the actor sees that match f, with their line items, as CSV or XLSX
// with Russian or English headers; it returns how many it wrote. Money is written in major units
// with a decimal comma (ru) or point (en); times in the account's zone.
func ExportDeals(ctx context.Context, svc *crm.Service, actor *crm.Actor, f crm.DealFilter, w io.Writer, format, lang string) (int, error) {
	x, err := startExport(ctx, svc, actor, w, format, &lang, dealColumns)
	if err != nil {
		return 0, err
	}
	names, out, when := x.names, x.out, x.when
	money := func(v int64) string { return FormatMoney(v, lang == "ru") }
	return writeList(out, func(p crm.Page) (*crm.List[*crm.Deal], error) { return svc.Deals(ctx, actor, f, p) },
		func(d0 *crm.Deal) ([]string, error) {
			d, err := svc.Deal(ctx, actor, d0.ID) // with its items
			if err != nil {
				return nil, err
			}
			var contact, phone, email string
			if d.ContactID != 0 {
				c, err := names.contact(ctx, svc, actor, d.ContactID)
				if err != nil {
					return nil, err
				}
				contact = c.Name
				if len(c.Phones) > 0 {
					phone = c.Phones[0].Raw
				}
				if len(c.Emails) > 0 {
					email = c.Emails[0].Email
				}
			}
			company, err := names.company(ctx, svc, actor, d.CompanyID)
			if err != nil {
				return nil, err
			}
			p, st := names.stage(d.PipelineID, d.StageID)
			items := make([]string, len(d.Items))
			for i, it := range d.Items {
				items[i] = FormatItem(it, lang == "ru")
			}
			return []string{strconv.FormatInt(d.ID, 10), d.Name, p, st, money(d.Amount), names.users[d.ResponsibleID],
				company, contact, phone, email, names.channels[d.ChannelID], d.Region, d.Segment, strings.Join(d.Tags, ", "),
				names.losses[d.LossReasonID], when(d.CreatedAt), when(d.ClosedAt), strings.Join(items, "\n")}, nil
		})
}

// writeList writes every page fetch returns, a row each, and closes out; it returns the rows written.
func writeList[T any](out rowWriter, fetch func(crm.Page) (*crm.List[T], error), row func(T) ([]string, error)) (int, error) {
	n := 0
	page := crm.Page{Limit: 500}
	for {
		list, err := fetch(page)
		if err != nil {
			return n, err
		}
		for _, item := range list.Items {
			r, err := row(item)
			if err != nil {
				return n, err
			}
			if err := out.Write(r); err != nil {
				return n, err
			}
			n++
		}
		if list.Next == "" {
			break
		}
		page.After = list.Next
	}
	return n, out.Close()
}

// FormatMoney writes minor units as "125000.50" (or "125000,50" with a decimal comma).
func FormatMoney(v int64, decimalComma bool) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	s := fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
	if decimalComma {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// FormatItem writes a line item as "name × quantity × price[ − discount][ (+)]", (+) marking an
// add-on; ParseItem reads it back.
func FormatItem(it *crm.DealItem, decimalComma bool) string {
	s := fmt.Sprintf("%s × %d × %s", it.Name, it.Quantity, FormatMoney(it.Price, decimalComma))
	if it.Discount != 0 {
		s += " − " + FormatMoney(it.Discount, decimalComma)
	}
	if it.Upsell {
		s += " (+)"
	}
	return s
}

var itemRe = regexp.MustCompile(`^(.+?) × (\d+) × ([\d.,]+)(?: − ([\d.,]+))?( \(\+\))?$`)

// ParsedItem is a line item read from an export's items cell.
type ParsedItem struct {
	Name            string
	Quantity        int64
	Price, Discount int64
	Upsell          bool
}

// ParseItems reads an items cell: one item a line.
func ParseItems(cell string, decimalComma bool) ([]ParsedItem, error) {
	var out []ParsedItem
	for _, line := range strings.Split(cell, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		m := itemRe.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("%q is not an item (name × quantity × price)", line)
		}
		q, err := strconv.ParseInt(m[2], 10, 64)
		if err != nil || q <= 0 {
			return nil, fmt.Errorf("%q: the quantity must be a whole number above 0", line)
		}
		price, err := ParseMoney(m[3], decimalComma)
		if err != nil {
			return nil, fmt.Errorf("%q: price %w", line, err)
		}
		var disc int64
		if m[4] != "" {
			if disc, err = ParseMoney(m[4], decimalComma); err != nil {
				return nil, fmt.Errorf("%q: discount %w", line, err)
			}
		}
		out = append(out, ParsedItem{Name: m[1], Quantity: q, Price: price, Discount: disc, Upsell: m[5] != ""})
	}
	return out, nil
}

// nameBook turns ids into the names an export shows.
type nameBook struct {
	users, channels, losses map[int64]string
	pipes                   map[int64]*crm.Pipeline
	companies               map[int64]string
	contacts                map[int64]*crm.Contact
	deals                   map[int64]string
}

func (b *nameBook) deal(ctx context.Context, svc *crm.Service, actor *crm.Actor, id int64) (string, error) {
	if n, ok := b.deals[id]; ok {
		return n, nil
	}
	d, err := svc.Deal(ctx, actor, id)
	if err != nil {
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			return "", nil
		}
		return "", err
	}
	b.deals[id] = d.Name
	return d.Name, nil
}

func newNameBook(ctx context.Context, svc *crm.Service, actor *crm.Actor) (*nameBook, error) {
	b := &nameBook{users: map[int64]string{}, channels: map[int64]string{}, losses: map[int64]string{},
		pipes: map[int64]*crm.Pipeline{}, companies: map[int64]string{}, contacts: map[int64]*crm.Contact{},
		deals: map[int64]string{}}
	users, err := svc.Users(ctx, actor, crm.UserFilter{})
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		b.users[u.ID] = u.Name
	}
	chans, err := svc.Channels(ctx, actor)
	if err != nil {
		return nil, err
	}
	for _, c := range chans {
		b.channels[c.ID] = c.Name
	}
	losses, err := svc.LossReasons(ctx, actor)
	if err != nil {
		return nil, err
	}
	for _, l := range losses {
		b.losses[l.ID] = l.Name
	}
	pipes, err := svc.Pipelines(ctx, actor, true)
	if err != nil {
		return nil, err
	}
	for _, p := range pipes {
		b.pipes[p.ID] = p
	}
	return b, nil
}

func (b *nameBook) stage(pipeID, stageID int64) (string, string) {
	p := b.pipes[pipeID]
	if p == nil {
		return "", ""
	}
	if st := p.Stage(stageID); st != nil {
		return p.Name, st.Name
	}
	return p.Name, ""
}

func (b *nameBook) company(ctx context.Context, svc *crm.Service, actor *crm.Actor, id int64) (string, error) {
	if id == 0 {
		return "", nil
	}
	if n, ok := b.companies[id]; ok {
		return n, nil
	}
	c, err := svc.Company(ctx, actor, id)
	if err != nil {
		if crm.ErrorCode(err) == crm.ENOTFOUND { // deleted, or not the actor's to see
			return "", nil
		}
		return "", err
	}
	b.companies[id] = c.Name
	return c.Name, nil
}

func (b *nameBook) contact(ctx context.Context, svc *crm.Service, actor *crm.Actor, id int64) (*crm.Contact, error) {
	if c, ok := b.contacts[id]; ok {
		return c, nil
	}
	c, err := svc.Contact(ctx, actor, id)
	if err != nil {
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			c = &crm.Contact{}
		} else {
			return nil, err
		}
	}
	b.contacts[id] = c
	return c, nil
}
