package demo

import "github.com/voronka/voronka/internal/crm"

// The demo company: a travel agency selling tours to people (B2C) and travel services to companies
// (B2B). Everything below is the catalog the simulation draws from; amounts are in kopecks.

// pipelineSpec is a pipeline with, for each open stage, the chance a deal moves on from it (before
// go-live, for an average manager) and the mean days it stays there.
type pipelineSpec struct {
	name    string
	stages  []crm.StageInput // open stages, then won, then lost
	advance []float64        // per open stage
	days    []float64        // per open stage
	share   float64          // of all deals
	season  [12]float64      // relative leads per calendar month
	// lossByStage: for each open stage, the loss reasons (indexes into lossReasons) deals lost there give.
	lossByStage [][]int
}

var lossReasons = []string{"Дорого", "Выбрали конкурента", "Не дозвонились", "Неактуально", "Другое",
	"Не устроили даты", "Нет мест / визы"}

const (
	lossExpensive = iota
	lossCompetitor
	lossNoAnswer
	lossNotRelevant
	lossOther
	lossDates
	lossVisa
)

var pipelines = []pipelineSpec{
	{
		name: "Туры (B2C)",
		stages: []crm.StageInput{
			{Name: "Новое обращение", Kind: crm.StageOpen, Probability: 10},
			{Name: "Консультация", Kind: crm.StageOpen, Probability: 20},
			{Name: "Подбор тура", Kind: crm.StageOpen, Probability: 35},
			{Name: "КП отправлено", Kind: crm.StageOpen, Probability: 55},
			{Name: "Бронирование", Kind: crm.StageOpen, Probability: 80},
			{Name: "Тур оплачен", Kind: crm.StageWon, Probability: 100},
			{Name: "Отказ", Kind: crm.StageLost, Probability: 0},
		},
		advance: []float64{0.70, 0.65, 0.67, 0.60, 0.78},
		days:    []float64{0.4, 1.5, 3, 4, 3},
		share:   0.8,
		// A summer peak, a small New Year bump, a quiet late autumn.
		season: [12]float64{0.95, 0.85, 0.95, 1.1, 1.35, 1.55, 1.5, 1.25, 0.95, 0.8, 0.7, 0.95},
		lossByStage: [][]int{
			{lossNoAnswer, lossNoAnswer, lossNotRelevant},
			{lossNotRelevant, lossExpensive, lossDates},
			{lossExpensive, lossDates, lossCompetitor},
			{lossExpensive, lossCompetitor, lossCompetitor, lossOther},
			{lossVisa, lossDates, lossOther},
		},
	},
	{
		name: "Корпоративные клиенты (B2B)",
		stages: []crm.StageInput{
			{Name: "Лид", Kind: crm.StageOpen, Probability: 5},
			{Name: "Квалификация", Kind: crm.StageOpen, Probability: 15},
			{Name: "Встреча", Kind: crm.StageOpen, Probability: 30},
			{Name: "КП", Kind: crm.StageOpen, Probability: 45},
			{Name: "Переговоры", Kind: crm.StageOpen, Probability: 65},
			{Name: "Договор", Kind: crm.StageOpen, Probability: 85},
			{Name: "Договор подписан", Kind: crm.StageWon, Probability: 100},
			{Name: "Не реализовано", Kind: crm.StageLost, Probability: 0},
		},
		advance: []float64{0.58, 0.66, 0.70, 0.66, 0.70, 0.84},
		days:    []float64{1, 3, 6, 7, 10, 6},
		share:   0.2,
		// Budgets close in December; January, May and August are slow.
		season: [12]float64{0.7, 1.0, 1.1, 1.1, 0.85, 1.0, 0.9, 0.75, 1.1, 1.15, 1.15, 1.2},
		lossByStage: [][]int{
			{lossNoAnswer, lossNotRelevant},
			{lossNotRelevant, lossOther},
			{lossCompetitor, lossNotRelevant},
			{lossExpensive, lossCompetitor},
			{lossExpensive, lossCompetitor, lossOther},
			{lossCompetitor, lossOther},
		},
	},
}

// productSpec is a product; addOn products are sold on top of a main one (допродажа).
type productSpec struct {
	name, sku, category string
	price, cost         int64
	addOn               bool
	perPerson           bool // quantity = travellers
	pipeline            int
}

var products = []productSpec{
	{"Тур в Турцию, 7 ночей", "TR-7", "Пляжный отдых", 9_500_000, 8_200_000, false, true, 0},
	{"Тур в Египет, 10 ночей", "EG-10", "Пляжный отдых", 11_000_000, 9_400_000, false, true, 0},
	{"Тур в ОАЭ, 7 ночей", "AE-7", "Пляжный отдых", 14_500_000, 12_300_000, false, true, 0},
	{"Тур в Таиланд, 12 ночей", "TH-12", "Экзотика", 18_500_000, 15_600_000, false, true, 0},
	{"Сочи, 7 ночей", "RU-SOCHI-7", "Россия", 6_500_000, 5_400_000, false, true, 0},
	{"Экскурсионный тур по Золотому кольцу", "RU-GOLD-5", "Россия", 4_200_000, 3_300_000, false, true, 0},
	{"Горнолыжный тур, Красная Поляна", "RU-SKI-7", "Горные лыжи", 12_000_000, 10_100_000, false, true, 0},
	{"Страховка выезжающих", "INS", "Услуги", 250_000, 90_000, true, true, 0},
	{"Трансфер аэропорт — отель", "TRF", "Услуги", 400_000, 250_000, true, false, 0},
	{"Экскурсионный пакет", "EXC", "Услуги", 900_000, 550_000, true, true, 0},
	{"Повышение категории номера", "UPG", "Услуги", 1_500_000, 1_050_000, true, false, 0},
	{"Корпоративное обслуживание командировок (год)", "B2B-TRAVEL", "Корпоративным", 120_000_000, 78_000_000, false, false, 1},
	{"Организация выездного мероприятия", "B2B-EVENT", "Корпоративным", 85_000_000, 61_000_000, false, false, 1},
	{"Инсентив-тур для сотрудников", "B2B-INCENTIVE", "Корпоративным", 240_000_000, 185_000_000, false, false, 1},
	{"Визовая поддержка", "VISA", "Услуги", 3_500_000, 1_500_000, true, false, 1},
	{"Бизнес-залы в аэропортах", "LOUNGE", "Услуги", 6_000_000, 3_900_000, true, false, 1},
}

// channelSpec is a lead channel: its share of each pipeline's leads, how well its leads convert,
// what a lead costs (0: no spend), and a fixed monthly fee (SEO retainer).
type channelSpec struct {
	name          string
	share         [2]float64
	conv          float64
	costPerLead   int64
	monthlyFee    int64
	utmSource     string
	utmMedium     string
	spansTwoMonth bool // spend entries run from the 15th to the 14th (exhibitions)
}

var channels = []channelSpec{
	{"Яндекс Директ", [2]float64{0.32, 0.12}, 0.95, 65_000, 0, "yandex", "cpc", false},
	{"VK Реклама", [2]float64{0.18, 0.03}, 0.85, 48_000, 0, "vk", "cpc", false},
	{"Сайт (SEO)", [2]float64{0.16, 0.18}, 1.05, 0, 8_000_000, "google", "organic", false},
	{"Рекомендации", [2]float64{0.18, 0.22}, 1.35, 0, 0, "", "", false},
	{"Telegram", [2]float64{0.12, 0.0}, 0.9, 38_000, 0, "telegram", "social", false},
	{"Партнёры", [2]float64{0.04, 0.10}, 1.1, 120_000, 0, "partner", "referral", false},
	{"Холодные звонки", [2]float64{0.0, 0.23}, 0.6, 0, 0, "", "", false},
	{"Выставки", [2]float64{0.0, 0.12}, 1.2, 2_500_000, 0, "", "offline", true},
}

var regions = []string{"Москва", "Москва", "Москва", "Санкт-Петербург", "Санкт-Петербург", "Екатеринбург",
	"Новосибирск", "Казань", "Краснодар", "Нижний Новгород"}

var segments = [2][]string{{"Эконом", "Эконом", "Стандарт", "Стандарт", "Стандарт", "Премиум"},
	{"Малый бизнес", "Малый бизнес", "Средний бизнес", "Крупный бизнес"}}

var firstNamesF = []string{"Анна", "Мария", "Елена", "Ольга", "Татьяна", "Наталья", "Ирина", "Екатерина",
	"Светлана", "Юлия", "Алина", "Дарья", "Ксения", "Виктория", "Полина", "Марина"}
var firstNamesM = []string{"Александр", "Дмитрий", "Сергей", "Андрей", "Алексей", "Максим", "Иван",
	"Михаил", "Артём", "Никита", "Павел", "Евгений", "Роман", "Владимир", "Олег", "Кирилл"}
var lastNames = []string{"Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов",
	"Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров",
	"Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров",
	"Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв"}

var companyWords = []string{"Альфа", "Вектор", "Гранит", "Дельта", "Север", "Интеграл", "Меридиан",
	"Орион", "Прогресс", "Ресурс", "Сигма", "Техно", "Уралсталь", "Феникс", "Эталон", "Атлант", "Байкал",
	"Волга", "Горизонт", "Зенит", "Импульс", "Кристалл", "Лидер", "Монолит", "Нева", "Олимп", "Полюс"}
var companyKinds = []string{"ООО", "ООО", "ООО", "АО", "ПАО", "ИП"}
var industries = []string{"Производство", "IT", "Торговля", "Строительство", "Финансы", "Логистика", "Медицина"}

var complaintCategories = []string{"Качество отеля", "Трансфер", "Задержка документов", "Работа менеджера", "Возврат денег"}

var taskTitles = []string{"Перезвонить клиенту", "Отправить подборку туров", "Уточнить даты и бюджет",
	"Отправить КП", "Проверить оплату", "Отправить документы", "Назначить встречу"}

var callResults = []string{"Дозвонился, обсудили варианты", "Не дозвонился", "Клиент думает",
	"Договорились о встрече", "Уточнили бюджет", "Перезвонить позже"}
