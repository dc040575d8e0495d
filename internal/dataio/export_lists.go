package dataio

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/voronka/voronka/internal/crm"
)

// ExportEntities are the lists Export writes.
var ExportEntities = []string{"deals", "contacts", "companies", "payments", "tasks", "activities"}

// ExportFilter narrows an export: a period of the list's own date (created for deals, contacts and
// companies; paid for payments; due for tasks; when it happened for activities), and a deal status.
type ExportFilter struct {
	From, To time.Time // [From, To); zero: open
	Status   string    // deals only
}

type column struct{ ru, en string }

func header(cols []column, lang string) []string {
	h := make([]string, len(cols))
	for i, c := range cols {
		h[i] = c.ru
		if lang == "en" {
			h[i] = c.en
		}
	}
	return h
}

var (
	contactColumns = []column{{"Voronka ID", "Voronka ID"}, {"ФИО", "Name"}, {"Должность", "Position"}, {"Компания", "Company"},
		{"Телефон", "Phone"}, {"Email", "Email"}, {"Ответственный", "Responsible"}, {"Источник", "Channel"},
		{"Регион", "Region"}, {"Сегмент", "Segment"}, {"Теги", "Tags"}, {"Дата создания", "Created"}}
	companyColumns = []column{{"Voronka ID", "Voronka ID"}, {"Название компании", "Company name"}, {"ИНН", "Tax ID"},
		{"Отрасль", "Industry"}, {"Регион", "Region"}, {"Сегмент", "Segment"}, {"Телефон", "Phone"}, {"Email", "Email"},
		{"Сайт", "Website"}, {"Ответственный", "Responsible"}, {"Теги", "Tags"}, {"Дата создания", "Created"}}
	paymentColumns = []column{{"Voronka ID сделки", "Deal Voronka ID"}, {"Название сделки", "Deal name"}, {"Дата оплаты", "Paid at"},
		{"Сумма", "Amount"}, {"Способ оплаты", "Method"}, {"Комментарий", "Note"}}
	taskColumns = []column{{"Voronka ID", "Voronka ID"}, {"Тип", "Type"}, {"Задача", "Title"}, {"Описание", "Description"},
		{"Сделка", "Deal"}, {"Ответственный", "Responsible"}, {"Срок", "Due"}, {"Выполнена", "Done at"},
		{"Результат", "Result"}, {"Создана", "Created"}}
	activityColumns = []column{{"Voronka ID", "Voronka ID"}, {"Тип", "Kind"}, {"Направление", "Direction"}, {"Дата", "At"},
		{"Длительность, с", "Duration, s"}, {"Тема", "Subject"}, {"Результат", "Result"}, {"Сделка", "Deal"},
		{"Контакт", "Contact"}, {"Пользователь", "User"}}
)

// Export writes a list of the entity (see ExportEntities) that the actor may see, as CSV or XLSX
// with Russian or English headers, and returns how many records it wrote. Deals, contacts,
// companies and payments import again as they are.
func Export(ctx context.Context, svc *crm.Service, actor *crm.Actor, entity string, f ExportFilter, w io.Writer, format, lang string) (int, error) {
	if entity == "deals" {
		return ExportDeals(ctx, svc, actor, crm.DealFilter{Status: f.Status, CreatedFrom: f.From, CreatedTo: f.To}, w, format, lang)
	}
	cols := map[string][]column{"contacts": contactColumns, "companies": companyColumns, "payments": paymentColumns,
		"tasks": taskColumns, "activities": activityColumns}[entity]
	if cols == nil {
		return 0, crm.Errorf(crm.EINVALID, "Cannot export %q: one of %s.", entity, strings.Join(ExportEntities, ", "))
	}
	x, err := startExport(ctx, svc, actor, w, format, &lang, cols)
	if err != nil {
		return 0, err
	}
	names, out, when := x.names, x.out, x.when
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	dealName := func(dealID int64) (string, error) {
		if dealID == 0 {
			return "", nil
		}
		d, err := names.deal(ctx, svc, actor, dealID)
		return d, err
	}
	switch entity {
	case "contacts":
		return writeList(out, func(p crm.Page) (*crm.List[*crm.Contact], error) {
			return svc.Contacts(ctx, actor, crm.ContactFilter{CreatedFrom: f.From, CreatedTo: f.To}, p)
		}, func(c *crm.Contact) ([]string, error) {
			company, err := names.company(ctx, svc, actor, c.CompanyID)
			if err != nil {
				return nil, err
			}
			phones := make([]string, len(c.Phones))
			for i, p := range c.Phones {
				phones[i] = p.Raw
			}
			emails := make([]string, len(c.Emails))
			for i, e := range c.Emails {
				emails[i] = e.Email
			}
			return []string{id(c.ID), c.Name, c.Position, company, strings.Join(phones, ", "), strings.Join(emails, ", "),
				names.users[c.ResponsibleID], names.channels[c.ChannelID], c.Region, c.Segment, strings.Join(c.Tags, ", "),
				when(c.CreatedAt)}, nil
		})
	case "companies":
		return writeList(out, func(p crm.Page) (*crm.List[*crm.Company], error) {
			return svc.Companies(ctx, actor, crm.CompanyFilter{CreatedFrom: f.From, CreatedTo: f.To}, p)
		}, func(c *crm.Company) ([]string, error) {
			return []string{id(c.ID), c.Name, c.TaxID, c.Industry, c.Region, c.Segment, c.Phone, c.Email, c.Website,
				names.users[c.ResponsibleID], strings.Join(c.Tags, ", "), when(c.CreatedAt)}, nil
		})
	case "payments":
		return writeList(out, func(p crm.Page) (*crm.List[*crm.Payment], error) {
			return svc.Payments(ctx, actor, crm.PaymentFilter{PaidFrom: f.From, PaidTo: f.To}, p)
		}, func(p *crm.Payment) ([]string, error) {
			deal, err := dealName(p.DealID)
			if err != nil {
				return nil, err
			}
			return []string{id(p.DealID), deal, when(p.PaidAt), FormatMoney(p.Amount, lang == "ru"), p.Method, p.Note}, nil
		})
	case "tasks":
		return writeList(out, func(p crm.Page) (*crm.List[*crm.Task], error) {
			return svc.Tasks(ctx, actor, crm.TaskFilter{DueFrom: f.From, DueTo: f.To}, p)
		}, func(t *crm.Task) ([]string, error) {
			deal, err := dealName(t.DealID)
			if err != nil {
				return nil, err
			}
			return []string{id(t.ID), t.Type, t.Title, t.Description, deal, names.users[t.ResponsibleID], when(t.DueAt),
				when(t.DoneAt), t.Result, when(t.CreatedAt)}, nil
		})
	default: // activities
		return writeList(out, func(p crm.Page) (*crm.List[*crm.Activity], error) {
			return svc.Activities(ctx, actor, crm.ActivityFilter{From: f.From, To: f.To}, p)
		}, func(a *crm.Activity) ([]string, error) {
			deal, err := dealName(a.DealID)
			if err != nil {
				return nil, err
			}
			contact := ""
			if a.ContactID != 0 {
				c, err := names.contact(ctx, svc, actor, a.ContactID)
				if err != nil {
					return nil, err
				}
				contact = c.Name
			}
			return []string{id(a.ID), a.Kind, a.Direction, when(a.At), strconv.Itoa(a.DurationSeconds), a.Subject, a.Result,
				deal, contact, names.users[a.UserID]}, nil
		})
	}
}
