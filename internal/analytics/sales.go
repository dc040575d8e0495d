package analytics

// The sales KPIs of KPI.md («Показатели продаж»). A deal counts while it is not deleted; its status
// is the current one (a won deal that was reopened is not won), its pipeline and manager the
// current ones.

func init() {
	register(&KPI{ID: "leads", NameRU: "Обращения (лиды)", NameEN: "Leads", Unit: Count, facts: []factGroup{factsCreated},
		Definition: "deals created in the period",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ptr(f["leads"]), ptr(f["leads"]), nil
		}})
	register(&KPI{ID: "won_deals", NameRU: "Успешные сделки", NameEN: "Won deals", Unit: Count, facts: []factGroup{factsClosed},
		Definition: "deals won, closed_at in the period",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ptr(f["won"]), ptr(f["won"]), nil
		}})
	register(&KPI{ID: "lost_deals", NameRU: "Проигранные сделки", NameEN: "Lost deals", Unit: Count, facts: []factGroup{factsClosed},
		Definition: "deals lost, closed_at in the period",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ptr(f["lost"]), ptr(f["lost"]), nil
		}})
	register(&KPI{ID: "lead_conversion", NameRU: "Конверсия в продажу", NameEN: "Lead conversion", Unit: Percent, facts: []factGroup{factsCreated, factsClosed},
		Definition: "won_deals / leads × 100: deals won in the period over deals created in it (23 won of 150 leads = 15.3 %)",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ratio(f["won"], f["leads"], 100), ptr(f["won"]), ptr(f["leads"])
		}})
	register(&KPI{ID: "cohort_conversion", NameRU: "Конверсия когорты", NameEN: "Cohort conversion", Unit: Percent, facts: []factGroup{factsCreated},
		Definition: "of the deals created in the period, the share won so far",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ratio(f["cohort_won"], f["leads"], 100), ptr(f["cohort_won"]), ptr(f["leads"])
		}})
	register(&KPI{ID: "win_rate", NameRU: "Доля выигранных", NameEN: "Win rate", Unit: Percent, facts: []factGroup{factsClosed},
		Definition: "won / (won + lost) × 100 of the deals closed in the period",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ratio(f["won"], f["won"]+f["lost"], 100), ptr(f["won"]), ptr(f["won"] + f["lost"])
		}})
	register(&KPI{ID: "revenue", NameRU: "Выручка", NameEN: "Revenue", Unit: Money, facts: []factGroup{factsClosed},
		Definition: "Σ amount of the deals won in the period",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ptr(f["revenue"]), ptr(f["revenue"]), nil
		}})
	register(&KPI{ID: "average_check", NameRU: "Средний чек", NameEN: "Average check", Unit: Money, facts: []factGroup{factsClosed},
		Definition: "revenue / won_deals",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ratio(f["revenue"], f["won"], 1), ptr(f["revenue"]), ptr(f["won"])
		}})
	register(&KPI{ID: "margin", NameRU: "Маржа", NameEN: "Margin", Unit: Money, facts: []factGroup{factsClosed},
		Definition: "Σ (amount − cost) of the deals won in the period; cost = Σ line items' cost × quantity",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ptr(f["revenue"] - f["cost"]), ptr(f["revenue"] - f["cost"]), nil
		}})
	register(&KPI{ID: "margin_rate", NameRU: "Рентабельность", NameEN: "Margin rate", Unit: Percent, facts: []factGroup{factsClosed},
		Definition: "margin / revenue × 100",
		eval: func(f facts) (*float64, *float64, *float64) {
			m := f["revenue"] - f["cost"]
			return ratio(m, f["revenue"], 100), ptr(m), ptr(f["revenue"])
		}})
	register(&KPI{ID: "sales_cycle_days", NameRU: "Длительность сделки", NameEN: "Sales cycle", Unit: Days, facts: []factGroup{factsCycle, factsClosed},
		Definition: "median days from created_at to closed_at of the deals won in the period; the numerator and denominator are the total days and the deals, whose ratio is the mean",
		eval: func(f facts) (*float64, *float64, *float64) {
			if f["won"] == 0 {
				return nil, nil, ptr(0)
			}
			return ptr(f["cycle_median_seconds"] / 86400), ptr(f["cycle_seconds"] / 86400), ptr(f["won"])
		}})
}

func init() {
	register(&KPI{ID: "upsell_deals", NameRU: "Допродажи", NameEN: "Upsell deals", Unit: Count, facts: []factGroup{factsClosed, factsAddOn},
		Definition: "won deals (closed in the period) with at least one line item marked as an add-on to the main purchase",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ptr(f["upsell_deals"]), ptr(f["upsell_deals"]), nil
		}})
	register(&KPI{ID: "upsell_revenue", NameRU: "Выручка допродаж", NameEN: "Upsell revenue", Unit: Money, facts: []factGroup{factsClosed, factsAddOn},
		Definition: "Σ amount of the add-on line items of the deals won in the period",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ptr(f["upsell_revenue"]), ptr(f["upsell_revenue"]), nil
		}})
	register(&KPI{ID: "upsell_rate", NameRU: "Доля допродаж", NameEN: "Upsell rate", Unit: Percent, facts: []factGroup{factsClosed, factsAddOn},
		Definition: "upsell_deals / won_deals × 100",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ratio(f["upsell_deals"], f["won"], 100), ptr(f["upsell_deals"]), ptr(f["won"])
		}})
	register(&KPI{ID: "repeat_sales", NameRU: "Повторные продажи", NameEN: "Repeat sales", Unit: Count, facts: []factGroup{factsClosed, factsAddOn},
		Definition: "won deals (closed in the period) of existing clients: the client (the company, else the main contact) had a won deal closed before this deal was created",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ptr(f["repeat"]), ptr(f["repeat"]), nil
		}})
	register(&KPI{ID: "open_pipeline", NameRU: "Открытые сделки", NameEN: "Open pipeline", Unit: Money, facts: []factGroup{factsOpen},
		Definition: "Σ amount of the deals open at the end of the period (created before its end, not closed by then); the numerator is the amount, the denominator the number of deals",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ptr(f["open_amount"]), ptr(f["open_amount"]), ptr(f["open"])
		}})
	register(&KPI{ID: "weighted_pipeline", NameRU: "Взвешенная воронка", NameEN: "Weighted pipeline", Unit: Money, facts: []factGroup{factsOpen},
		Definition: "Σ amount × the probability set on the deal's current stage, of the deals open at the end of the period (probabilities learned from history come with the forecast)",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ptr(f["weighted_amount"]), ptr(f["weighted_amount"]), ptr(f["open_amount"])
		}})
}
