package analytics

// The speed and discipline KPIs of KPI.md («Скорость и дисциплина»).

func init() {
	register(&KPI{ID: "lead_response_minutes", NameRU: "Скорость отработки заявки", NameEN: "Lead response time", Unit: Minutes,
		facts:      []factGroup{factsTouch},
		Definition: "median minutes from a lead's creation (in the period) to its first touch — an outbound call, e-mail or message, or a meeting, logged by a user on the deal or its client; leads never touched are left out (see uncontacted_leads); numerator / denominator = total minutes / touched leads, whose ratio is the mean",
		eval: func(f facts) (*float64, *float64, *float64) {
			if f["touched"] == 0 {
				return nil, nil, ptr(0)
			}
			return ptr(f["response_median_seconds"] / 60), ptr(f["response_seconds"] / 60), ptr(f["touched"])
		}})
	register(&KPI{ID: "uncontacted_leads", NameRU: "Необработанные лиды", NameEN: "Uncontacted leads", Unit: Count,
		facts:      []factGroup{factsTouch},
		Definition: "leads created in the period with no touch within the account's SLA (default 24 h) of their creation; the denominator is the leads, so numerator / denominator is the share",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ptr(f["uncontacted"]), ptr(f["uncontacted"]), ptr(f["touch_leads"])
		}})
}
