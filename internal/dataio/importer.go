package dataio

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/voronka/voronka/internal/crm"
)

// Transactor runs fn in one transaction that every service call made with fn's context joins
// (store.DB.Atomic).
type Transactor interface {
	Atomic(ctx context.Context, fn func(ctx context.Context) error) error
}

// Importer brings the rows of a file into an account as deals, through the domain services (the
// one door for writes: every row is validated like an API request). Rows are written in chunks,
// each in one transaction: a chunk with a bad row is rolled back and its rows are retried one by
// one, so that good rows are not held back and no chunk is ever half-written. Every row carries
// an external id (Mapping.Source + the external_id field): importing a file again, or after an
// interruption, updates the deals imported before instead of duplicating them.
type Importer struct {
	Service *crm.Service
	Tx      Transactor
	Actor   *crm.Actor // an administrator: imports set history
	Mapping *Mapping
	Dir     string // where the files of joins are; default the working directory
	DryRun  bool   // validate every row, write nothing
	Chunk   int    // rows per transaction; default 5000 for new deals (bulk), 500 for the rest
	// PerRow writes every row through the domain service one by one (CreateDeal), as before the
	// bulk path for new deals existed: for comparison and for finding a problem.
	PerRow bool
	// Errors receives the rejected rows as CSV (line, column, value, message); may be nil.
	Errors io.Writer
	// Progress, when set, is called after every chunk, once the chunk is committed and its
	// problems are written to Errors; not after a chunk that failed.
	Progress func(Summary)
	// Resume continues an interrupted import: the first Resume.Rows rows of the file are read and
	// passed over (they were written or rejected before), the counts start from Resume's, and the
	// report's header is not written again (Errors continues the earlier report).
	Resume *Summary

	loc     *time.Location
	joins   []joinTable
	cache   *refCache
	report  *csv.Writer
	created []func()     // forgets what the current transaction created, if it rolls back
	pending []RowProblem // the problems of the rows read since the last chunk, written in line order
}

// Summary counts what an import did.
type Summary struct {
	Rows     int           // rows read
	Created  int           // deals created
	Updated  int           // deals that existed (same external id) and were updated
	Rejected int           // rows with an error, written to the report
	Warnings int           // rows imported with a correction (see the report)
	Elapsed  time.Duration //
}

// RowProblem is a rejected row or a correction, as the error report lists them.
type RowProblem struct {
	Line    int
	Column  string
	Value   string
	Message string
	Warning bool
}

type joinTable struct {
	j    Join
	rows map[string]map[string]string
}

type chunkRow struct {
	line int
	row  map[string]string
}

// Run imports every row of r.
func (im *Importer) Run(ctx context.Context, r RowReader) (*Summary, error) {
	start := time.Now()
	if !im.Actor.IsAdmin() {
		return nil, crm.Errorf(crm.EFORBIDDEN, "Only an administrator may import.")
	}
	if err := im.Mapping.Check(); err != nil {
		return nil, crm.Errorf(crm.EINVALID, "%v", err)
	}
	if err := im.prepare(ctx, r.Columns()); err != nil {
		return nil, err
	}
	if im.Errors != nil {
		im.report = csv.NewWriter(im.Errors)
		if im.Resume == nil {
			_ = im.report.Write([]string{"line", "column", "value", "message"})
		}
		defer im.report.Flush()
	}
	if im.Chunk <= 0 {
		im.Chunk = 500
		if im.bulk() {
			im.Chunk = 5000
		}
	}
	sum, skip := &Summary{}, 0
	if im.Resume != nil {
		*sum, skip = *im.Resume, im.Resume.Rows
		start = start.Add(-im.Resume.Elapsed)
	}
	var chunk []chunkRow
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		var err error
		if im.bulk() {
			err = im.writeChunkBulk(ctx, chunk, sum)
		} else {
			err = im.writeChunk(ctx, chunk, sum)
		}
		im.flushProblems()
		chunk = chunk[:0]
		sum.Elapsed = time.Since(start)
		if im.report != nil {
			im.report.Flush()
		}
		if im.Progress != nil && err == nil {
			im.Progress(*sum) // not after a failed chunk: a resume would pass over its rows
		}
		return err
	}
	for {
		row, err := r.Row()
		if errors.Is(err, io.EOF) {
			break
		}
		var re *RowError
		if skip > 0 && (err == nil || errors.As(err, &re)) {
			skip-- // done before the interruption
			continue
		}
		if errors.As(err, &re) {
			sum.Rows++
			sum.Rejected++
			im.problem(RowProblem{Line: re.Line, Column: re.Column, Value: re.Value, Message: re.Message})
			continue
		}
		if err != nil {
			return sum, fmt.Errorf("line %d: %w", r.Line()+1, err)
		}
		sum.Rows++
		row[lineColumn] = strconv.Itoa(r.Line())
		im.join(row)
		chunk = append(chunk, chunkRow{line: r.Line(), row: row})
		if len(chunk) >= im.Chunk {
			if err := flush(); err != nil {
				return sum, err
			}
		}
		if err := ctx.Err(); err != nil {
			return sum, err
		}
	}
	err := flush()
	im.flushProblems()
	return sum, err
}

// prepare checks the file's header against the mapping and loads the joins and the lookups.
func (im *Importer) prepare(ctx context.Context, header []string) error {
	acc, err := im.Service.Account(ctx, im.Actor)
	if err != nil {
		return err
	}
	im.loc = acc.Location()
	if im.Mapping.TimeZone != "" {
		if im.loc, err = time.LoadLocation(im.Mapping.TimeZone); err != nil {
			return crm.Errorf(crm.EINVALID, "mapping: time_zone %q is unknown", im.Mapping.TimeZone)
		}
	}
	for _, j := range im.Mapping.Joins {
		t, err := im.loadJoin(j)
		if err != nil {
			return err
		}
		im.joins = append(im.joins, t)
		for _, c := range t.columns() {
			header = append(header, j.As+"."+c)
		}
	}
	header = append(header, lineColumn)
	var missing []string
	for col, where := range im.Mapping.columns() {
		if !slices.Contains(header, col) {
			missing = append(missing, fmt.Sprintf("%q (for %s)", col, strings.Join(where, ", ")))
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return crm.Errorf(crm.EINVALID, "The file has no column %s. Its columns: %s.", strings.Join(missing, ", "), strings.Join(header[:len(header)-1], ", "))
	}
	im.cache, err = newRefCache(ctx, im.Service, im.Actor)
	return err
}

func (t joinTable) columns() []string {
	for _, r := range t.rows {
		cols := make([]string, 0, len(r))
		for c := range r {
			cols = append(cols, c)
		}
		slices.Sort(cols)
		return cols
	}
	return nil
}

func (im *Importer) loadJoin(j Join) (joinTable, error) {
	path := j.File
	if !filepath.IsAbs(path) && im.Dir != "" {
		path = filepath.Join(im.Dir, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return joinTable{}, crm.Errorf(crm.EINVALID, "join %s: %v", j.File, err)
	}
	defer f.Close()
	rr, err := OpenRows(f, path, "")
	if err != nil {
		return joinTable{}, crm.Errorf(crm.EINVALID, "join %s: %v", j.File, err)
	}
	if c, ok := rr.(io.Closer); ok {
		defer c.Close()
	}
	if !slices.Contains(rr.Columns(), j.Key) {
		return joinTable{}, crm.Errorf(crm.EINVALID, "join %s: no column %q", j.File, j.Key)
	}
	t := joinTable{j: j, rows: map[string]map[string]string{}}
	for {
		row, err := rr.Row()
		if errors.Is(err, io.EOF) {
			return t, nil
		}
		if err != nil {
			return joinTable{}, crm.Errorf(crm.EINVALID, "join %s: %v", j.File, err)
		}
		k := strings.TrimSpace(row[j.Key])
		if _, dup := t.rows[k]; !dup {
			t.rows[k] = row
		}
	}
}

// join adds the joined files' columns to row.
func (im *Importer) join(row map[string]string) {
	for _, t := range im.joins {
		k := strings.TrimSpace(row[t.j.On])
		if to, ok := t.j.Map[k]; ok {
			k = to
		}
		if other, ok := t.rows[k]; ok {
			for c, v := range other {
				row[t.j.As+"."+c] = v
			}
		}
	}
}

// writeChunk imports rows in one transaction; when one fails, the transaction is rolled back and
// the rows are imported one by one, each in its own.
func (im *Importer) writeChunk(ctx context.Context, rows []chunkRow, sum *Summary) error {
	var created, updated, warned int
	var warnings []RowProblem
	errRollback := errors.New("dry run")
	err := im.Tx.Atomic(ctx, func(ctx context.Context) error {
		created, updated, warned, warnings = 0, 0, 0, nil
		for _, r := range rows {
			isNew, warns, err := im.importRow(ctx, r)
			if err != nil {
				return err
			}
			if isNew {
				created++
			} else {
				updated++
			}
			if len(warns) > 0 {
				warned++
				warnings = append(warnings, warns...)
			}
		}
		if im.DryRun {
			return errRollback
		}
		return nil
	})
	if err == nil || (im.DryRun && errors.Is(err, errRollback)) {
		im.committed(err == nil)
		sum.Created, sum.Updated, sum.Warnings = sum.Created+created, sum.Updated+updated, sum.Warnings+warned
		for _, w := range warnings {
			im.problem(w)
		}
		return nil
	}
	im.committed(false)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return im.oneByOne(ctx, rows, sum)
}

// oneByOne imports rows each in its own transaction: the bad rows are reported, the good ones
// written.
func (im *Importer) oneByOne(ctx context.Context, rows []chunkRow, sum *Summary) error {
	errRollback := errors.New("dry run")
	for _, r := range rows {
		var isNew bool
		var warns []RowProblem
		err := im.Tx.Atomic(ctx, func(ctx context.Context) error {
			var err error
			isNew, warns, err = im.importRow(ctx, r)
			if err == nil && im.DryRun {
				return errRollback
			}
			return err
		})
		ok := err == nil || (im.DryRun && errors.Is(err, errRollback))
		im.committed(err == nil)
		switch {
		case ok:
			if isNew {
				sum.Created++
			} else {
				sum.Updated++
			}
			if len(warns) > 0 {
				sum.Warnings++
				for _, w := range warns {
					im.problem(w)
				}
			}
		case ctx.Err() != nil:
			return ctx.Err()
		default:
			var re *RowError
			if !errors.As(err, &re) && !isRowError(err) {
				return fmt.Errorf("line %d: %w", r.line, err)
			}
			sum.Rejected++
			for _, p := range im.problemsOf(r, err) {
				im.problem(p)
			}
		}
	}
	return nil
}

// committed forgets the records the last transaction created when it did not commit.
func (im *Importer) committed(ok bool) {
	if !ok {
		for _, forget := range im.created {
			forget()
		}
	}
	im.created = nil
}

// isRowError reports whether err is about the row's data (then the row is rejected and the import
// goes on) rather than the database or the system (then the import stops).
func isRowError(err error) bool {
	switch crm.ErrorCode(err) {
	case crm.EINVALID, crm.ECONFLICT, crm.ENOTFOUND, crm.EFORBIDDEN:
		return true
	}
	return false
}

func (im *Importer) problem(p RowProblem) {
	if im.report != nil {
		im.pending = append(im.pending, p)
	}
}

// flushProblems writes the problems found since the last call, in the order of their lines.
func (im *Importer) flushProblems() {
	slices.SortStableFunc(im.pending, func(a, b RowProblem) int { return a.Line - b.Line })
	for _, p := range im.pending {
		msg := p.Message
		if p.Warning {
			msg = "warning: " + msg
		}
		_ = im.report.Write([]string{strconv.Itoa(p.Line), p.Column, p.Value, msg})
	}
	im.pending = im.pending[:0]
}

// problemsOf turns an error into report lines, naming the file's column behind each field.
func (im *Importer) problemsOf(r chunkRow, err error) []RowProblem {
	var re *RowError
	if errors.As(err, &re) {
		return []RowProblem{{Line: r.line, Column: re.Column, Value: re.Value, Message: re.Message}}
	}
	var ce *crm.Error
	if errors.As(err, &ce) && len(ce.Fields) > 0 {
		out := make([]RowProblem, 0, len(ce.Fields))
		for _, f := range ce.Fields {
			p := RowProblem{Line: r.line, Message: f.Field + ": " + f.Message}
			if mf, ok := im.Mapping.Fields[domainField(f.Field)]; ok {
				p.Column, p.Value = mf.column(), mf.value(r.row)
			}
			out = append(out, p)
		}
		return out
	}
	return []RowProblem{{Line: r.line, Message: crm.ErrorMessage(err)}}
}

// domainField names the mapping field behind a domain error's field.
func domainField(f string) string {
	switch {
	case strings.HasPrefix(f, "stage"):
		return "stage"
	case strings.HasPrefix(f, "items"):
		return "product"
	case f == "responsible_id":
		return "responsible"
	case f == "company_id":
		return "company"
	case f == "contact_id":
		return "contact"
	case f == "channel_id":
		return "channel"
	case f == "loss_reason_id":
		return "loss_reason"
	}
	return f
}
