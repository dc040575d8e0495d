package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/dataio"
	"github.com/voronka/voronka/internal/store"
)

// DefaultMaxImportBytes caps an uploaded import file unless configured otherwise.
const DefaultMaxImportBytes = 32 << 20

// Upload is a file to import in the background, with the options of "voronka import".
type Upload struct {
	FileName string // its extension, .csv or .xlsx, says how to read it
	Content  []byte
	Entity   string   // without a mapping: deals (default), contacts, companies, payments, spend, tasks or activities
	Mapping  []byte   // a mapping (JSON, docs/import.md); its entity wins
	Create   []string // without a mapping: the missing records rows may create (users, teams, products…)
	Sheet    string   // the XLSX sheet; default the first
	DryRun   bool     // check every row, write nothing
	Chunk    int      // rows per transaction; default 500
}

// MayImport returns EFORBIDDEN unless the actor may import. An import writes the history the
// figures are computed from (creation and closing dates, stage dates) and may create users, so
// only an administrator may run one — the rule of the importer itself (docs/import.md).
func MayImport(actor *crm.Actor) error {
	if !actor.IsAdmin() {
		return crm.Errorf(crm.EFORBIDDEN, "Only an administrator may import: an import sets the history the figures are computed from.")
	}
	return nil
}

// CreateImport stores the upload as a queued import of the actor's account and enqueues the job
// that runs it, in one transaction. EFORBIDDEN unless the actor is an administrator; EINVALID for
// a file that is not .csv or .xlsx, an empty file, an unknown entity or a bad mapping.
func (c *Client) CreateImport(ctx context.Context, actor *crm.Actor, up Upload) (*store.Import, error) {
	if err := MayImport(actor); err != nil {
		return nil, err
	}
	var v crm.Validation
	ext := strings.ToLower(filepath.Ext(up.FileName))
	if ext != ".csv" && ext != ".xlsx" {
		v.Add("file", "type", "must be a .csv or .xlsx file")
	} else if len(up.Content) == 0 {
		v.Add("file", "required", "is empty")
	}
	opt := ImportOptions{Create: up.Create, Sheet: up.Sheet, Chunk: up.Chunk}
	entity := cmpOr(up.Entity, "deals")
	if len(bytes.TrimSpace(up.Mapping)) > 0 {
		m, err := dataio.ReadMapping(bytes.NewReader(up.Mapping))
		switch {
		case err != nil:
			v.Add("mapping", "invalid", err.Error())
		case len(m.Joins) > 0:
			v.Add("mapping", "invalid", "joins read other files, which an upload does not carry: join the files before uploading, or use voronka import")
		default:
			entity, opt.Mapping = m.Entity, json.RawMessage(up.Mapping)
		}
	} else if _, ok := dataio.EntityFields[entity]; !ok {
		v.Add("entity", "invalid", "must be deals, contacts, companies, payments, spend, tasks or activities")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	options, _ := json.Marshal(opt)
	im := &store.Import{
		AccountID: actor.AccountID, UserID: actor.UserID, FileName: filepath.Base(up.FileName), FileSize: int64(len(up.Content)),
		Entity: entity, Options: string(options), DryRun: up.DryRun, CreatedAt: c.now(),
	}
	if ext == ".csv" { // a workbook's rows are known only once read
		im.RowsTotal = int64(max(0, bytes.Count(up.Content, []byte{'\n'})-1))
		if len(up.Content) > 0 && up.Content[len(up.Content)-1] != '\n' {
			im.RowsTotal++
		}
	}
	err := c.db.Atomic(ctx, func(ctx context.Context) error {
		if err := c.db.Imports().Create(ctx, im, up.Content); err != nil {
			return err
		}
		return c.Enqueue(ctx, ImportArgs{AccountID: im.AccountID, ImportID: im.ID})
	})
	if err != nil {
		return nil, err
	}
	return im, nil
}

// Import returns an import of the actor's account: ENOTFOUND when the account has none with the
// id, EFORBIDDEN when the actor is not an administrator.
func (c *Client) Import(ctx context.Context, actor *crm.Actor, id int64) (*store.Import, error) {
	im, err := c.db.Imports().Get(ctx, actor.AccountID, id)
	if err != nil {
		return nil, err
	}
	return im, MayImport(actor)
}

// Imports returns the latest imports of the actor's account, newest first; EFORBIDDEN when the
// actor is not an administrator.
func (c *Client) Imports(ctx context.Context, actor *crm.Actor, limit int) ([]*store.Import, error) {
	if err := MayImport(actor); err != nil {
		return nil, err
	}
	return c.db.Imports().List(ctx, actor.AccountID, limit)
}

// ImportReport returns the rejected rows' report of an import (CSV: line, column, value,
// message); ENOTFOUND when there is no such import or it has no report yet.
func (c *Client) ImportReport(ctx context.Context, actor *crm.Actor, id int64) (*store.Import, []byte, error) {
	im, err := c.Import(ctx, actor, id)
	if err != nil {
		return nil, nil, err
	}
	b, err := c.db.Imports().File(ctx, actor.AccountID, id, "errors")
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return nil, nil, crm.Errorf(crm.ENOTFOUND, "Import %d has no report of rejected rows yet.", id)
	}
	return im, b, err
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
