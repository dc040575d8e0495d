package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/dataio"
	"github.com/voronka/voronka/internal/store"
)

// ImportArgs is the job that runs one uploaded import (a row of the imports table).
type ImportArgs struct {
	AccountID int64 `json:"account_id"`
	ImportID  int64 `json:"import_id"`
}

// Kind implements river.JobArgs.
func (ImportArgs) Kind() string { return "import" }

// InsertOpts implements river.JobArgsWithInsertOpts: a failure of the database is retried a few
// times (each attempt resumes after the last saved chunk); a bad file fails at once.
func (ImportArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 5} }

// ImportOptions are the options of an import besides the file, as stored with it.
type ImportOptions struct {
	Mapping json.RawMessage `json:"mapping,omitempty"` // a mapping (docs/import.md); else the header is matched
	Create  []string        `json:"create,omitempty"`  // without a mapping: the missing records rows may create
	Sheet   string          `json:"sheet,omitempty"`   // the XLSX sheet; default the first
	Chunk   int             `json:"chunk,omitempty"`   // rows per transaction; default 500
}

type importWorker struct {
	river.WorkerDefaults[ImportArgs]
	db  *store.DB
	svc *crm.Service
	now func() time.Time
	log *slog.Logger
}

// Timeout implements river.Worker: an import runs as long as its file needs.
func (w *importWorker) Timeout(*river.Job[ImportArgs]) time.Duration { return -1 }

// Work runs the importer on the stored upload, saving the progress after every chunk; a run
// after an interruption resumes after the last saved chunk.
func (w *importWorker) Work(ctx context.Context, job *river.Job[ImportArgs]) error {
	imports := w.db.Imports()
	im, err := imports.Get(ctx, job.Args.AccountID, job.Args.ImportID)
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return river.JobCancel(err) // the account or the import is gone
	}
	if err != nil {
		return err
	}
	if im.Status == store.ImportDone || im.Status == store.ImportFailed {
		return nil // finished by an earlier attempt whose completion River did not record
	}
	if err := imports.Start(ctx, im.AccountID, im.ID, w.now()); err != nil {
		return err
	}
	sum, report, err := w.run(ctx, im)
	if err == nil {
		im.Status = store.ImportDone
		im.RowsTotal = int64(sum.Rows)
		w.count(im, sum)
		return imports.Finish(context.WithoutCancel(ctx), im, report, w.now())
	}
	var ce *crm.Error
	switch {
	case errors.As(err, &ce) && ce.Code != crm.EINTERNAL:
		// The file, the mapping or the user: running it again would fail the same way.
		im.Status, im.Error = store.ImportFailed, crm.ErrorMessage(err)
		if sum != nil {
			w.count(im, sum)
		}
		if ferr := imports.Finish(context.WithoutCancel(ctx), im, report, w.now()); ferr != nil {
			return ferr
		}
		return river.JobCancel(err)
	case ctx.Err() != nil:
		// Shutdown: the saved progress stays; the next start resumes after it.
		return err
	case job.Attempt >= job.MaxAttempts:
		w.log.Error("import failed", "account", im.AccountID, "import", im.ID, "err", err)
		im.Status, im.Error = store.ImportFailed, "The import stopped on an internal error after several attempts; it has been logged."
		if sum != nil {
			w.count(im, sum)
		}
		return imports.Finish(context.WithoutCancel(ctx), im, report, w.now())
	}
	w.log.Warn("import interrupted; it will be retried", "account", im.AccountID, "import", im.ID, "attempt", job.Attempt, "err", err)
	return err
}

func (w *importWorker) count(im *store.Import, s *dataio.Summary) {
	im.RowsDone, im.Created, im.Updated, im.Rejected, im.Warnings = int64(s.Rows), int64(s.Created), int64(s.Updated), int64(s.Rejected), int64(s.Warnings)
}

// run imports the upload of im and returns the summary and the rejected rows' report.
func (w *importWorker) run(ctx context.Context, im *store.Import) (*dataio.Summary, []byte, error) {
	imports := w.db.Imports()
	fail := func(format string, args ...any) (*dataio.Summary, []byte, error) {
		return nil, nil, crm.Errorf(crm.EINVALID, format, args...)
	}
	upload, err := imports.File(ctx, im.AccountID, im.ID, "upload")
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return fail("The uploaded file is no longer stored.")
	}
	if err != nil {
		return nil, nil, err
	}
	var opt ImportOptions
	if err := json.Unmarshal([]byte(im.Options), &opt); err != nil {
		return fail("The import's options are unreadable: %v", err)
	}
	rows, err := dataio.OpenRows(bytes.NewReader(upload), im.FileName, opt.Sheet)
	if err != nil {
		return fail("%s: %v", im.FileName, err)
	}
	if c, ok := rows.(io.Closer); ok {
		defer c.Close()
	}
	var m *dataio.Mapping
	if len(opt.Mapping) > 0 {
		if m, err = dataio.ReadMapping(bytes.NewReader(opt.Mapping)); err != nil {
			return fail("mapping: %v", err)
		}
	} else if m, err = dataio.AutoMappingFor(im.Entity, rows.Columns(), opt.Create); err != nil {
		return fail("%s: %v", im.FileName, err)
	}
	actor, err := w.svc.ActorFor(ctx, im.AccountID, im.UserID)
	if err != nil || !actor.IsAdmin() {
		return fail("The user who uploaded the file is no longer an active administrator of the account.")
	}

	var report bytes.Buffer
	importer := &dataio.Importer{Service: w.svc, Tx: w.db, Actor: actor, Mapping: m, DryRun: im.DryRun, Chunk: opt.Chunk, Errors: &report}
	if im.RowsDone > 0 {
		saved, err := imports.File(ctx, im.AccountID, im.ID, "errors")
		if err != nil && crm.ErrorCode(err) != crm.ENOTFOUND {
			return nil, nil, err
		}
		if err == nil { // progress is saved with its report: without one, start again
			report.Write(saved)
			importer.Resume = &dataio.Summary{Rows: int(im.RowsDone), Created: int(im.Created), Updated: int(im.Updated),
				Rejected: int(im.Rejected), Warnings: int(im.Warnings)}
		}
	}
	saved := -1
	importer.Progress = func(s dataio.Summary) {
		w.count(im, &s)
		var rep []byte
		if report.Len() != saved {
			rep, saved = bytes.Clone(report.Bytes()), report.Len()
		}
		if err := imports.SaveProgress(context.WithoutCancel(ctx), im, rep, w.now()); err != nil {
			w.log.Warn("save import progress", "import", im.ID, "err", err)
			saved = -1
		}
	}
	sum, err := importer.Run(ctx, rows)
	return sum, bytes.Clone(report.Bytes()), err
}
