package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/voronka/voronka/internal/crm"
)

// Import is a file import run in the background (internal/jobs): what was uploaded, how far the
// import has got, and what it did.
type Import struct {
	ID         int64
	AccountID  int64
	UserID     int64 // who uploaded it; the import acts as this user
	FileName   string
	FileSize   int64
	Entity     string
	Options    string // JSON: the mapping, create, sheet (internal/jobs.ImportOptions)
	DryRun     bool
	Status     string // ImportQueued, ImportRunning, ImportDone or ImportFailed
	RowsTotal  int64  // 0 while unknown (a workbook before the end)
	RowsDone   int64  // rows read and either written or rejected, as of the last saved progress
	Created    int64
	Updated    int64
	Rejected   int64
	Warnings   int64
	Error      string // why a failed import failed
	Attempts   int
	HasReport  bool // the rejected rows' report is stored
	CreatedAt  time.Time
	StartedAt  time.Time
	FinishedAt time.Time
	UpdatedAt  time.Time
}

// The states of an import.
const (
	ImportQueued  = "queued"
	ImportRunning = "running"
	ImportDone    = "done"
	ImportFailed  = "failed"
)

// Imports keeps background imports, per account. Every method is scoped to one account.
type Imports struct{ db *DB }

// Imports returns the database's import store.
func (db *DB) Imports() *Imports { return &Imports{db: db} }

const importColumns = `id, account_id, user_id, file_name, file_size, entity, options, dry_run, status,
	rows_total, rows_done, created, updated, rejected, warnings, error, attempts,
	EXISTS (SELECT 1 FROM import_files f WHERE f.account_id = imports.account_id AND f.import_id = imports.id AND f.kind = 'errors'),
	created_at, started_at, finished_at, updated_at`

func scanImport(row interface{ Scan(...any) error }) (*Import, error) {
	var im Import
	var total sql.NullInt64
	var started, finished sql.NullTime
	err := row.Scan(&im.ID, &im.AccountID, &im.UserID, &im.FileName, &im.FileSize, &im.Entity, &im.Options, &im.DryRun, &im.Status,
		&total, &im.RowsDone, &im.Created, &im.Updated, &im.Rejected, &im.Warnings, &im.Error, &im.Attempts, &im.HasReport,
		&im.CreatedAt, &started, &finished, &im.UpdatedAt)
	if err != nil {
		return nil, err
	}
	im.RowsTotal = total.Int64
	im.StartedAt, im.FinishedAt = utc(started), utc(finished)
	im.CreatedAt, im.UpdatedAt = im.CreatedAt.UTC(), im.UpdatedAt.UTC()
	return &im, nil
}

// Create stores a queued import and its upload; inside Atomic it joins the transaction, so that
// the job that runs it is enqueued with it.
func (s *Imports) Create(ctx context.Context, im *Import, upload []byte) error {
	return s.db.Write(ctx, func(t crm.Tx) error {
		q := t.(*Tx).q
		im.Status = ImportQueued
		im.UpdatedAt = im.CreatedAt
		err := q.QueryRowContext(ctx, `
			INSERT INTO imports (account_id, user_id, file_name, file_size, entity, options, dry_run, status, rows_total, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
			im.AccountID, im.UserID, im.FileName, im.FileSize, im.Entity, im.Options, im.DryRun, im.Status,
			nullID(im.RowsTotal), im.CreatedAt.UTC()).Scan(&im.ID)
		if err != nil {
			return wrap("insert import", err)
		}
		_, err = q.ExecContext(ctx, `INSERT INTO import_files (account_id, import_id, kind, content) VALUES ($1, $2, 'upload', $3)`,
			im.AccountID, im.ID, upload)
		return wrap("insert import file", err)
	})
}

// Get returns an import of the account; ENOTFOUND when the account has none with the id.
func (s *Imports) Get(ctx context.Context, accountID, id int64) (*Import, error) {
	var im *Import
	err := s.db.Read(ctx, func(t crm.Tx) error {
		var err error
		im, err = scanImport(t.(*Tx).q.QueryRowContext(ctx, `SELECT `+importColumns+` FROM imports WHERE account_id = $1 AND id = $2`, accountID, id))
		return notFound("find import", err, "Import", id)
	})
	return im, err
}

// List returns the account's imports, newest first, at most limit.
func (s *Imports) List(ctx context.Context, accountID int64, limit int) ([]*Import, error) {
	var out []*Import
	err := s.db.Read(ctx, func(t crm.Tx) error {
		rows, err := t.(*Tx).q.QueryContext(ctx, `SELECT `+importColumns+` FROM imports WHERE account_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
			accountID, limit)
		if err != nil {
			return wrap("find imports", err)
		}
		defer rows.Close()
		for rows.Next() {
			im, err := scanImport(rows)
			if err != nil {
				return wrap("find imports", err)
			}
			out = append(out, im)
		}
		return wrap("find imports", rows.Err())
	})
	return out, err
}

// File returns a stored file of an import: "upload" (kept until the import ends) or "errors"
// (the rejected rows' report); ENOTFOUND when there is none.
func (s *Imports) File(ctx context.Context, accountID, id int64, kind string) ([]byte, error) {
	var b []byte
	err := s.db.Read(ctx, func(t crm.Tx) error {
		err := t.(*Tx).q.QueryRowContext(ctx, `SELECT content FROM import_files WHERE account_id = $1 AND import_id = $2 AND kind = $3`,
			accountID, id, kind).Scan(&b)
		return notFound("find import file", err, "File of import", id)
	})
	return b, err
}

// Start marks an import running and counts the attempt.
func (s *Imports) Start(ctx context.Context, accountID, id int64, now time.Time) error {
	_, err := s.db.write.ExecContext(ctx, `
		UPDATE imports SET status = $1, attempts = attempts + 1, started_at = COALESCE(started_at, $2), updated_at = $2
		WHERE account_id = $3 AND id = $4`, ImportRunning, now.UTC(), accountID, id)
	return wrap("start import", err)
}

// SaveProgress stores the progress and counts of im and, when report is not nil, the rejected
// rows' report so far, in one transaction.
func (s *Imports) SaveProgress(ctx context.Context, im *Import, report []byte, now time.Time) error {
	return s.db.Write(ctx, func(t crm.Tx) error {
		q := t.(*Tx).q
		_, err := q.ExecContext(ctx, `
			UPDATE imports SET rows_total = $1, rows_done = $2, created = $3, updated = $4, rejected = $5, warnings = $6, updated_at = $7
			WHERE account_id = $8 AND id = $9`,
			nullID(im.RowsTotal), im.RowsDone, im.Created, im.Updated, im.Rejected, im.Warnings, now.UTC(), im.AccountID, im.ID)
		if err != nil {
			return wrap("save import progress", err)
		}
		return s.saveReport(ctx, q, im, report)
	})
}

func (s *Imports) saveReport(ctx context.Context, q querier, im *Import, report []byte) error {
	if report == nil {
		return nil
	}
	_, err := q.ExecContext(ctx, `
		INSERT INTO import_files (account_id, import_id, kind, content) VALUES ($1, $2, 'errors', $3)
		ON CONFLICT (account_id, import_id, kind) DO UPDATE SET content = excluded.content`, im.AccountID, im.ID, report)
	return wrap("save import report", err)
}

// Finish stores the final counts, the state (ImportDone or ImportFailed) with the error of a
// failed import, and the report when not nil; the upload is deleted.
func (s *Imports) Finish(ctx context.Context, im *Import, report []byte, now time.Time) error {
	return s.db.Write(ctx, func(t crm.Tx) error {
		q := t.(*Tx).q
		_, err := q.ExecContext(ctx, `
			UPDATE imports SET status = $1, error = $2, rows_total = $3, rows_done = $4, created = $5, updated = $6, rejected = $7,
				warnings = $8, finished_at = $9, updated_at = $9
			WHERE account_id = $10 AND id = $11`,
			im.Status, im.Error, nullID(im.RowsTotal), im.RowsDone, im.Created, im.Updated, im.Rejected, im.Warnings, now.UTC(),
			im.AccountID, im.ID)
		if err != nil {
			return wrap("finish import", err)
		}
		if err := s.saveReport(ctx, q, im, report); err != nil {
			return err
		}
		_, err = q.ExecContext(ctx, `DELETE FROM import_files WHERE account_id = $1 AND import_id = $2 AND kind = 'upload'`, im.AccountID, im.ID)
		return wrap("delete import upload", err)
	})
}
