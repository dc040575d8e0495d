package dataio

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// headerAliases are the column names, as Russian and English users, amoCRM/Kommo and Bitrix24
// exports write them, that a deals file without a mapping is matched by (case-insensitively).
var headerAliases = map[string][]string{
	"id":                  {"voronka id"},
	"external_id":         {"id", "external id", "external_id", "номер", "№", "id сделки"},
	"pipeline":            {"воронка", "pipeline", "category_id"},
	"items":               {"товары", "items"},
	"name":                {"название сделки", "название", "сделка", "name", "deal", "deal name", "title", "наименование"},
	"amount":              {"бюджет", "сумма", "amount", "opportunity", "value", "deal value", "стоимость"},
	"stage":               {"этап сделки", "этап", "стадия", "stage", "stage_id", "статус", "status", "deal stage"},
	"responsible":         {"ответственный", "менеджер", "responsible", "owner", "manager", "assigned_by_id", "assigned_by", "assigned_by_name", "sales agent", "sales_agent"},
	"created_at":          {"дата создания", "создана", "created", "created at", "created_at", "date_create", "дата"},
	"closed_at":           {"дата закрытия", "закрыта", "closed", "closed at", "closed_at", "closedate", "close date", "close_date"},
	"company":             {"компания", "организация", "клиент", "company", "company_title", "account", "название компании"},
	"contact":             {"контакт", "основной контакт", "контактное лицо", "фио", "contact", "contact name", "contact_name", "имя"},
	"contact.phone":       {"телефон", "рабочий телефон", "мобильный телефон", "phone", "contact_phone"},
	"contact.email":       {"email", "e-mail", "эл. почта", "электронная почта", "рабочий email", "contact_email"},
	"channel":             {"источник", "канал", "source", "source_id", "channel", "origin", "источник сделки"},
	"tags":                {"теги", "тег", "tags"},
	"loss_reason":         {"причина отказа", "причина проигрыша", "loss reason", "loss_reason"},
	"region":              {"регион", "город", "region", "city"},
	"segment":             {"сегмент", "segment"},
	"product":             {"товар", "продукт", "product"},
	"quantity":            {"количество", "кол-во", "quantity", "qty"},
	"utm_source":          {"utm_source"},
	"utm_medium":          {"utm_medium"},
	"utm_campaign":        {"utm_campaign"},
	"utm_content":         {"utm_content"},
	"utm_term":            {"utm_term"},
	"expected_close_date": {"ожидаемая дата закрытия", "плановая дата закрытия", "expected close date", "begindate"},
}

// contactAliases and companyAliases override headerAliases for contacts and companies files.
var (
	contactAliases = map[string][]string{
		"name":     {"фио", "полное имя", "имя", "контакт", "контактное лицо", "name", "full name", "contact", "contact name"},
		"position": {"должность", "position", "job title"},
		"phone":    {"телефон", "рабочий телефон", "мобильный телефон", "телефоны", "phone", "mobile", "phones"},
		"email":    {"email", "e-mail", "эл. почта", "электронная почта", "рабочий email", "emails"},
		"company":  {"компания", "организация", "название компании", "company", "company name", "account"},
	}
	companyAliases = map[string][]string{
		"name":     {"название компании", "компания", "наименование", "название", "организация", "company", "company name", "name", "account"},
		"tax_id":   {"инн", "tax id", "inn", "tax_id"},
		"industry": {"отрасль", "сфера деятельности", "industry", "sector"},
		"website":  {"сайт", "web", "website", "web-сайт"},
		"phone":    {"телефон", "рабочий телефон", "phone"},
		"email":    {"email", "e-mail", "эл. почта", "электронная почта"},
	}
	paymentAliases = map[string][]string{
		"deal":    {"id сделки", "сделка", "deal", "deal id", "deal_external_id"},
		"deal_id": {"voronka id сделки", "deal voronka id", "voronka id", "deal_id"},
		"paid_at": {"дата оплаты", "дата платежа", "дата", "paid at", "paid_at", "date"},
		"amount":  {"сумма", "сумма оплаты", "amount", "paid"},
		"method":  {"способ оплаты", "способ", "method"},
		"note":    {"комментарий", "назначение", "note", "comment"},
	}
	spendAliases = map[string][]string{
		"channel":   {"канал", "источник", "channel", "source"},
		"starts_on": {"с", "начало", "дата начала", "from", "starts_on", "start"},
		"ends_on":   {"по", "конец", "дата окончания", "to", "ends_on", "end"},
		"month":     {"месяц", "month", "период", "period"},
		"amount":    {"сумма", "расход", "бюджет", "amount", "spend", "cost"},
		"note":      {"комментарий", "кампания", "note", "comment", "campaign"},
	}
)

var singular = map[string]string{"deals": "deal", "contacts": "contact", "companies": "company", "payments": "payment", "spend": "spend entry", "tasks": "task", "activities": "activity"}

var (
	taskAliases = map[string][]string{
		"external_id": {"voronka id", "id", "id задачи", "task id"},
		"type":        {"тип", "тип задачи", "type"},
		"title":       {"задача", "название", "текст задачи", "title", "task"},
		"description": {"описание", "description"},
		"deal":        {"id сделки", "deal id", "deal"},
		"responsible": {"ответственный", "исполнитель", "responsible", "assignee"},
		"due_at":      {"срок", "срок выполнения", "дата выполнения", "due", "due at", "due_at"},
		"done_at":     {"выполнена", "дата завершения", "done at", "done_at", "completed"},
		"result":      {"результат", "result"},
		"created_at":  {"создана", "дата создания", "created", "created_at"},
	}
	activityAliases = map[string][]string{
		"external_id": {"voronka id", "id", "id события", "activity id"},
		"kind":        {"тип", "тип события", "kind", "type"},
		"direction":   {"направление", "direction"},
		"deal":        {"id сделки", "deal id", "deal"},
		"user":        {"пользователь", "менеджер", "сотрудник", "автор", "user", "manager"},
		"at":          {"дата", "время", "дата и время", "at", "date"},
		"duration":    {"длительность, с", "длительность", "duration, s", "duration"},
		"result":      {"результат", "result"},
		"subject":     {"тема", "subject"},
		"body":        {"текст", "комментарий", "примечание", "body", "text", "note"},
	}
)

func aliasesOf(entity, field string) []string {
	switch entity {
	case "tasks":
		return taskAliases[field]
	case "activities":
		return activityAliases[field]
	case "payments":
		return paymentAliases[field]
	case "spend":
		return spendAliases[field]
	case "contacts":
		if a, ok := contactAliases[field]; ok {
			return a
		}
	case "companies":
		if a, ok := companyAliases[field]; ok {
			return a
		}
	}
	return headerAliases[field]
}

// Stage names of amoCRM/Kommo's and Bitrix24's default pipelines, as Voronka's default pipeline
// names them.
var (
	amoStages = map[string]string{
		"Неразобранное": "Новая заявка", "Первичный контакт": "Новая заявка", "Переговоры": "Переговоры",
		"Принимают решение": "Переговоры", "Согласование договора": "Переговоры",
		"Успешно реализовано": "Успешно реализовано", "Закрыто и не реализовано": "Закрыто и не реализовано",
	}
	bitrixStages = map[string]string{
		"NEW": "Новая заявка", "PREPARATION": "Квалификация", "PREPAYMENT_INVOICE": "КП отправлено",
		"EXECUTING": "Переговоры", "FINAL_INVOICE": "Переговоры", "WON": "Успешно реализовано",
		"LOSE": "Закрыто и не реализовано", "APOLOGY": "Закрыто и не реализовано",
		"Новая": "Новая заявка", "Подготовка документов": "Квалификация", "Cчёт на предоплату": "КП отправлено",
		"Счёт на предоплату": "КП отправлено", "В работе": "Переговоры", "Финальный счёт": "Переговоры",
		"Сделка успешна": "Успешно реализовано", "Сделка провалена": "Закрыто и не реализовано",
		"Анализ причины провала": "Закрыто и не реализовано",
	}
)

// DetectSource names the system a deals export comes from by its header: bitrix24, amocrm or csv.
func DetectSource(columns []string) string {
	has := func(names ...string) bool {
		for _, c := range columns {
			for _, n := range names {
				if strings.EqualFold(strings.TrimSpace(c), n) {
					return true
				}
			}
		}
		return false
	}
	switch {
	case has("Voronka ID"):
		return "voronka"
	case has("STAGE_ID", "OPPORTUNITY", "ASSIGNED_BY_ID", "DATE_CREATE"):
		return "bitrix24"
	case has("Этап сделки", "Бюджет", "Название сделки"):
		return "amocrm"
	}
	return "csv"
}

// AutoMapping builds a deals mapping for a file without one: the header is matched by the aliases
// above, and amoCRM/Kommo and Bitrix24 exports get their stage names translated. Companies,
// contacts, channels and loss reasons are created when missing; users only when create says so.
// It fails when no column gives a deal's name.
func AutoMapping(columns []string, create []string) (*Mapping, error) {
	return AutoMappingFor("deals", columns, create)
}

// AutoMappingFor builds the mapping of a file of the entity (deals, contacts, companies) from its
// header, as AutoMapping does for deals.
func AutoMappingFor(entity string, columns []string, create []string) (*Mapping, error) {
	fields, ok := EntityFields[entity]
	if !ok {
		return nil, fmt.Errorf("%q: deals, contacts, companies, payments, spend, tasks or activities", entity)
	}
	src := DetectSource(columns)
	// Russian headers mean Russian numbers: "49500,00" is 49,500 roubles.
	m := &Mapping{Entity: entity, Source: src, Fields: map[string]Field{}, DecimalComma: src == "amocrm" || slices.ContainsFunc(columns, hasCyrillic),
		Create: append([]string{"companies", "contacts", "channels", "loss_reasons"}, create...)}
	used := map[string]bool{}
	for _, field := range fields {
		for _, alias := range aliasesOf(entity, field) {
			i := slices.IndexFunc(columns, func(c string) bool { return strings.EqualFold(strings.TrimSpace(c), alias) })
			if i >= 0 && !used[columns[i]] {
				used[columns[i]] = true
				f := Field{Column: columns[i]}
				if field == "stage" {
					switch src {
					case "amocrm":
						f.Map = amoStages
					case "bitrix24":
						f.Map = bitrixStages
					}
				}
				if field == "tags" {
					f.Split = ","
				}
				m.Fields[field] = f
				break
			}
		}
	}
	required := map[string][]string{"payments": {"amount", "paid_at"}, "spend": {"channel", "amount"},
		"tasks": {"title", "due_at"}, "activities": {"kind", "at"}}[entity]
	if required == nil {
		required = []string{"name"}
	}
	for _, f := range required {
		if _, ok := m.Fields[f]; !ok {
			return nil, fmt.Errorf("no column gives the %s's %s (expected one of: %s); give a mapping file", singular[entity], f, strings.Join(aliasesOf(entity, f), ", "))
		}
	}
	if entity == "payments" || entity == "spend" {
		return m, m.Check() // identified by what they are: a deal's payment at a time, a channel's period
	}
	if entity == "tasks" || entity == "activities" {
		if _, ok := m.Fields["external_id"]; !ok {
			m.Fields["external_id"] = Field{Column: lineColumn}
		}
		return m, m.Check()
	}
	if _, ok := m.Fields["id"]; ok && src == "voronka" {
		m.Fields["external_id"] = m.Fields["id"] // in another account, the id is the external id
	}
	if _, ok := m.Fields["external_id"]; !ok {
		// Without an id column the line number is the id: re-importing the same file updates,
		// a file with rows added in the middle does not.
		m.Fields["external_id"] = Field{Column: lineColumn}
	}
	return m, m.Check()
}

// lineColumn is a pseudo-column holding the row's line number.
const lineColumn = "#line"

func hasCyrillic(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Cyrillic, r) {
			return true
		}
	}
	return false
}
