package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/httperr"
	"github.com/voronka/voronka/internal/jobs"
	"github.com/voronka/voronka/internal/store"
)

// ImportOut is a background import: its state, progress and what it did.
type ImportOut struct {
	ID         int64      `json:"id" example:"12"`
	Status     string     `json:"status" enum:"queued,running,done,failed" doc:"queued until a worker takes it; done or failed at the end"`
	FileName   string     `json:"file_name" example:"deals.csv"`
	FileSize   int64      `json:"file_size" doc:"Bytes"`
	Entity     string     `json:"entity" example:"deals"`
	DryRun     bool       `json:"dry_run" doc:"Every row checked, nothing written"`
	UserID     int64      `json:"user_id" doc:"The administrator who uploaded it; the import acts as them"`
	RowsDone   int64      `json:"rows_done" doc:"Rows read and written or rejected, as of the last chunk"`
	RowsTotal  *int64     `json:"rows_total" doc:"Rows in the file: counted from a CSV's lines at upload (exact at the end); null for a workbook until it is done"`
	Percent    *int       `json:"percent" doc:"rows_done of rows_total, 100 when done; null while the total is unknown"`
	Created    int64      `json:"created"`
	Updated    int64      `json:"updated" doc:"Records that existed (same external id) and were updated"`
	Rejected   int64      `json:"rejected" doc:"Rows with an error, listed in the report"`
	Warnings   int64      `json:"warnings" doc:"Rows imported with a correction, listed in the report"`
	Error      string     `json:"error,omitempty" doc:"Why a failed import failed"`
	ErrorsURL  string     `json:"errors_url,omitempty" doc:"The rejected rows' report (CSV), once there is one"`
	Attempts   int        `json:"attempts" doc:"Runs so far: more than one after an interruption (each resumes after the last chunk)"`
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
}

func importOut(im *store.Import) ImportOut {
	o := ImportOut{ID: im.ID, Status: im.Status, FileName: im.FileName, FileSize: im.FileSize, Entity: im.Entity, DryRun: im.DryRun,
		UserID: im.UserID, RowsDone: im.RowsDone, Created: im.Created, Updated: im.Updated, Rejected: im.Rejected,
		Warnings: im.Warnings, Error: im.Error, Attempts: im.Attempts, CreatedAt: im.CreatedAt}
	if im.RowsTotal > 0 || im.Status == store.ImportDone {
		total := im.RowsTotal
		o.RowsTotal = &total
	}
	switch {
	case im.Status == store.ImportDone:
		p := 100
		o.Percent = &p
	case o.RowsTotal != nil && *o.RowsTotal > 0:
		p := int(min(99, im.RowsDone*100 / *o.RowsTotal))
		o.Percent = &p
	}
	if im.HasReport {
		o.ErrorsURL = fmt.Sprintf("%s/imports/%d/errors", Prefix, im.ID)
	}
	if !im.StartedAt.IsZero() {
		o.StartedAt = &im.StartedAt
	}
	if !im.FinishedAt.IsZero() {
		o.FinishedAt = &im.FinishedAt
	}
	return o
}

// importForm documents the multipart form of POST /imports (the handler reads it itself, to
// answer an oversized file with 413).
type importForm struct {
	File    string `json:"file" format:"binary" doc:"The CSV (any delimiter, UTF-8 or Windows-1251) or XLSX file"`
	Mapping string `json:"mapping,omitempty" doc:"A mapping (JSON, as a file or a text field; docs/import.md); without it the header is matched by name. Joins are not supported here"`
	Entity  string `json:"entity,omitempty" enum:"deals,contacts,companies,payments,spend,tasks,activities" doc:"Without a mapping: what the rows are; default deals"`
	DryRun  bool   `json:"dry_run,omitempty" doc:"Check every row, write nothing"`
	Create  string `json:"create,omitempty" doc:"Without a mapping: missing records rows may also create, comma-separated: users, teams, products…"`
	Sheet   string `json:"sheet,omitempty" doc:"The XLSX sheet; default the first"`
}

func (h *Handlers) registerImports(a huma.API) {
	o := op("create-import", http.MethodPost, "/imports", "Upload a file to import in the background (administrators)", "Imports")
	o.Description = "Stores the file and queues its import: the answer (202) carries the import's id; poll GET /imports/{id} for its progress. " +
		"The import survives a restart of the server: it resumes after the last chunk written. Rows are checked and written as by `voronka import`. " +
		fmt.Sprintf("Files up to %d MiB by default (413 beyond).", jobs.DefaultMaxImportBytes>>20)
	o.DefaultStatus = http.StatusAccepted
	o.Errors = append(o.Errors, http.StatusRequestEntityTooLarge, http.StatusServiceUnavailable)
	huma.Register(a, o, func(ctx context.Context, _ *struct{}) (*struct {
		Location string `header:"Location"`
		Body     ImportOut
	}, error) {
		if h.jobs == nil {
			return nil, noJobs()
		}
		if err := jobs.MayImport(actorOf(ctx)); err != nil {
			return nil, handlerErr(ctx, err)
		}
		up, err := readImportForm(requestOf(ctx))
		if err != nil {
			return nil, err
		}
		im, err := h.jobs.CreateImport(ctx, actorOf(ctx), up)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct {
			Location string `header:"Location"`
			Body     ImportOut
		}{fmt.Sprintf("%s/imports/%d", Prefix, im.ID), importOut(im)}, nil
	})
	// Documented after registering: with a request body in the operation huma would read and
	// decode the body itself, and answer an oversized one with 422 instead of 413.
	a.OpenAPI().Paths["/imports"].Post.RequestBody = &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
		"multipart/form-data": {Schema: huma.SchemaFromType(a.OpenAPI().Components.Schemas, reflect.TypeFor[importForm]())},
	}}

	huma.Register(a, op("list-imports", http.MethodGet, "/imports", "List the account's imports, newest first (administrators)", "Imports"),
		func(ctx context.Context, in *struct {
			Limit int `query:"limit" minimum:"1" maximum:"500" default:"50"`
		}) (*struct{ Body []ImportOut }, error) {
			if h.jobs == nil {
				return nil, noJobs()
			}
			ims, err := h.jobs.Imports(ctx, actorOf(ctx), cmp(in.Limit, 50))
			if err != nil {
				return nil, handlerErr(ctx, err)
			}
			out := make([]ImportOut, len(ims))
			for i, im := range ims {
				out[i] = importOut(im)
			}
			return &struct{ Body []ImportOut }{out}, nil
		})

	huma.Register(a, op("get-import", http.MethodGet, "/imports/{id}", "An import's state and progress (administrators)", "Imports"),
		func(ctx context.Context, in *struct {
			ID int64 `path:"id"`
		}) (*struct{ Body ImportOut }, error) {
			if h.jobs == nil {
				return nil, noJobs()
			}
			im, err := h.jobs.Import(ctx, actorOf(ctx), in.ID)
			if err != nil {
				return nil, handlerErr(ctx, err)
			}
			return &struct{ Body ImportOut }{importOut(im)}, nil
		})

	o = op("get-import-errors", http.MethodGet, "/imports/{id}/errors", "The rejected rows of an import, as CSV (administrators)", "Imports")
	o.Description = "Columns line, column, value, message; corrections are listed too, their message starting with \"warning:\". " +
		"Available as soon as the first chunk is written; 404 before."
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*ExportOut, error) {
		if h.jobs == nil {
			return nil, noJobs()
		}
		_, b, err := h.jobs.ImportReport(ctx, actorOf(ctx), in.ID)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		// A BOM, so that Excel opens the report in UTF-8.
		out := exportOut(fmt.Sprintf("import-%d-errors", in.ID), "csv", append([]byte("\ufeff"), b...))
		return out, nil
	})
}

func cmp(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}

func noJobs() error {
	return &Error{status: http.StatusServiceUnavailable, Body: httperr.Body{Code: crm.EINTERNAL, Message: "Background jobs are not running on this server."}}
}

// readImportForm reads the multipart form of POST /imports. The body's size is capped by the
// server (server.Config.MaxImportBytes); past it the answer is 413.
func readImportForm(r *http.Request) (jobs.Upload, error) {
	var up jobs.Upload
	invalid := func(field, msg string) error {
		return &Error{status: http.StatusUnprocessableEntity, Body: httperr.Body{Code: crm.EINVALID, Message: "Some fields are invalid.",
			Fields: []httperr.Field{{Field: field, Code: "invalid", Message: msg}}}}
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
		return up, invalid("body", "send the file as multipart/form-data, in the field \"file\"")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return up, invalid("body", err.Error())
	}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return up, bodyError(err, invalid)
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return up, bodyError(err, invalid)
		}
		switch p.FormName() {
		case "file":
			up.FileName, up.Content = p.FileName(), b
		case "mapping":
			up.Mapping = b
		case "entity":
			up.Entity = strings.TrimSpace(string(b))
		case "sheet":
			up.Sheet = strings.TrimSpace(string(b))
		case "create":
			for _, c := range strings.Split(string(b), ",") {
				if c = strings.TrimSpace(c); c != "" {
					up.Create = append(up.Create, c)
				}
			}
		case "dry_run":
			if up.DryRun, err = strconv.ParseBool(strings.TrimSpace(string(b))); err != nil {
				return up, invalid("dry_run", "must be true or false")
			}
		default:
			return up, invalid(p.FormName(), "unknown field: file, mapping, entity, dry_run, create and sheet are known")
		}
	}
	if up.FileName == "" {
		return up, invalid("file", "send the file in the field \"file\", with its name (deals.csv, deals.xlsx)")
	}
	return up, nil
}

// bodyError answers a body over the size limit with 413, anything else as a bad form.
func bodyError(err error, invalid func(field, msg string) error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return &Error{status: http.StatusRequestEntityTooLarge, Body: httperr.Body{Code: httperr.EPAYLOAD,
			Message: fmt.Sprintf("The file is larger than the import limit of %s: split it into smaller files.", sizeOf(tooLarge.Limit))}}
	}
	return invalid("body", "cannot read the multipart form: "+err.Error())
}

func sizeOf(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
