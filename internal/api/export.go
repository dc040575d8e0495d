package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/dataio"
)

// ExportQuery are the parameters of the list exports other than deals'.
type ExportQuery struct {
	Format string `query:"format" enum:"csv,xlsx," doc:"Default csv"`
	Lang   string `query:"lang" enum:"ru,en," doc:"The headers' language; default the account's"`
	From   string `query:"from" doc:"From this day (YYYY-MM-DD, the account's midnight) or instant (RFC 3339), inclusive: created (contacts, companies), paid (payments), due (tasks), happened (activities)"`
	To     string `query:"to" doc:"Up to this day or instant, exclusive"`
}

// registerExports adds GET /contacts/export, /companies/export, /payments/export, /tasks/export and
// /activities/export (deals have theirs, with the list's filters, in deals.go).
func (h *Handlers) registerExports(a huma.API) {
	for _, e := range []struct{ entity, tag, what string }{
		{"contacts", "Contacts", "contacts"},
		{"companies", "Companies", "companies"},
		{"payments", "Payments", "payments received"},
		{"tasks", "Tasks", "tasks"},
		{"activities", "Activities", "calls, e-mails, meetings, messages and notes"},
	} {
		o := op("export-"+e.entity, http.MethodGet, "/"+e.entity+"/export", "Export "+e.what+" as CSV or XLSX", e.tag)
		o.Description = fmt.Sprintf("Every one of the %s you may see, as a file in Russian or English. Contacts, companies and payments import again through `voronka import`.", e.what)
		entity := e.entity
		huma.Register(a, o, func(ctx context.Context, in *struct{ ExportQuery }) (*ExportOut, error) {
			actor := actorOf(ctx)
			acc, err := h.svc.Account(ctx, actor)
			if err != nil {
				return nil, handlerErr(ctx, err)
			}
			var v crm.Validation
			f := dataio.ExportFilter{From: parseInstant(&v, "from", in.From, acc), To: parseInstant(&v, "to", in.To, acc)}
			if err := v.Err(); err != nil {
				return nil, handlerErr(ctx, err)
			}
			format, lang := cmpOr(in.Format, "csv"), cmpOr(in.Lang, acc.Locale)
			var buf bytes.Buffer
			if _, err := dataio.Export(ctx, h.svc, actor, entity, f, &buf, format, lang); err != nil {
				return nil, handlerErr(ctx, err)
			}
			return exportOut(entity, format, buf.Bytes()), nil
		})
	}
}
