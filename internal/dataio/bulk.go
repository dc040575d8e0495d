package dataio

import (
	"context"
	"errors"

	"github.com/voronka/voronka/internal/crm"
)

// bulk reports whether new deals are created in bulk (Service.CreateDeals) rather than one by one.
func (im *Importer) bulk() bool { return im.Mapping.Entity == "deals" && !im.PerRow }

// writeChunkBulk imports a chunk of deal rows in one transaction: the rows are read and checked
// one by one (creating the records they name, as the mapping allows), the new deals are created
// together by Service.CreateDeals — validated exactly as CreateDeal validates them, written as
// the same rows with multi-row statements — and the deals imported before (the same external id)
// are updated together by Service.UpdateDeals (read together, each updated by UpdateDeal's rules,
// and not written at all when the row changes nothing). A chunk with a bad row is rolled back, so that the
// bad row leaves nothing behind; its good rows are then written in bulk again, and the bad ones
// one by one, each reported.
func (im *Importer) writeChunkBulk(ctx context.Context, rows []chunkRow, sum *Summary) error {
	res, bad, err := im.tryBulk(ctx, rows)
	if err == nil && len(bad) == 0 {
		res.add(im, sum)
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		// Not a row's fault (or not only): the rows one by one find out whose.
		return im.oneByOne(ctx, rows, sum)
	}
	var good, rejected []chunkRow
	for i, r := range rows {
		if bad[i] {
			rejected = append(rejected, r)
		} else {
			good = append(good, r)
		}
	}
	if len(good) > 0 {
		res, bad, err = im.tryBulk(ctx, good)
		switch {
		case err == nil && len(bad) == 0:
			res.add(im, sum)
		case ctx.Err() != nil:
			return ctx.Err()
		default:
			if err := im.oneByOne(ctx, good, sum); err != nil {
				return err
			}
		}
	}
	return im.oneByOne(ctx, rejected, sum)
}

// bulkResult is what a chunk did, counted once it commits.
type bulkResult struct {
	created, updated, warned int
	warnings                 []RowProblem
}

func (r *bulkResult) add(im *Importer, sum *Summary) {
	sum.Created, sum.Updated, sum.Warnings = sum.Created+r.created, sum.Updated+r.updated, sum.Warnings+r.warned
	for _, w := range r.warnings {
		im.problem(w)
	}
}

func (r *bulkResult) row(isNew bool, warns []RowProblem) {
	if isNew {
		r.created++
	} else {
		r.updated++
	}
	if len(warns) > 0 {
		r.warned++
		r.warnings = append(r.warnings, warns...)
	}
}

// rowFault reports whether err is about the row (it is rejected) rather than the system.
func rowFault(err error) bool {
	var re *RowError
	return errors.As(err, &re) || isRowError(err)
}

// tryBulk imports rows in one transaction, committed only when every row is good (and this is
// not a dry run). bad holds the indexes of the rows that failed; err is a failure not of a row.
func (im *Importer) tryBulk(ctx context.Context, rows []chunkRow) (res bulkResult, bad map[int]bool, err error) {
	errBad := errors.New("some rows are bad")
	errDry := errors.New("dry run")
	err = im.Tx.Atomic(ctx, func(ctx context.Context) error {
		res, bad = bulkResult{}, map[int]bool{}
		parsed := make([]crm.DealCreate, len(rows))
		warns := make([][]RowProblem, len(rows))
		later := make([]bool, len(rows)) // updated (or otherwise handled) one by one
		for i, r := range rows {
			in, w, err := im.parseDeal(ctx, r)
			if err != nil {
				if !rowFault(err) {
					return err
				}
				bad[i] = true
				continue
			}
			parsed[i], warns[i] = in, w
			// A Voronka export names its deals by id (Importer.ownID): the per-row path decides.
			if im.Mapping.Source == "voronka" && (rowReader{im: im, line: r.line, row: r.row}).str("id") != "" {
				later[i] = true
			}
		}
		// The deals imported before are updated together, the new ones created together.
		var exts []string
		for i := range rows {
			if !bad[i] && !later[i] {
				exts = append(exts, parsed[i].ExternalID)
			}
		}
		existing, err := im.Service.IDsByExternal(ctx, im.Actor, "deal", im.Mapping.Source, exts)
		if err != nil {
			return err
		}
		var news []crm.DealCreate
		var newAt, updAt []int
		var updIDs []int64
		var upds []crm.DealUpdate
		seen := map[string]bool{}
		for i := range rows {
			if bad[i] || later[i] {
				continue
			}
			ext := parsed[i].ExternalID
			if seen[ext] {
				later[i] = true // twice in the chunk: updated once the first is written
				continue
			}
			seen[ext] = true
			if id, ok := existing[ext]; ok {
				updIDs, upds, updAt = append(updIDs, id), append(upds, dealUpdate(parsed[i])), append(updAt, i)
				continue
			}
			news, newAt = append(news, parsed[i]), append(newAt, i)
		}
		errs, err := im.Service.UpdateDeals(ctx, im.Actor, updIDs, upds)
		if err != nil {
			return err
		}
		for j, e := range errs {
			i := updAt[j]
			e = im.deleted(e, "deal", parsed[i].ExternalSource, parsed[i].ExternalID)
			switch {
			case e == nil:
				res.row(false, warns[i])
			case rowFault(e):
				bad[i] = true
			default:
				return e
			}
		}
		_, errs, err = im.Service.CreateDeals(ctx, im.Actor, news)
		if err != nil {
			return err
		}
		for j, e := range errs {
			i := newAt[j]
			switch {
			case e == nil:
				res.row(true, warns[i])
			case crm.ExternalTaken(e):
				later[i] = true // imported before: updated
			case rowFault(e):
				bad[i] = true
			default:
				return e
			}
		}
		for i, r := range rows {
			if !later[i] || bad[i] {
				continue
			}
			isNew, w, err := im.importDeal(ctx, r)
			if err != nil {
				if !rowFault(err) {
					return err
				}
				bad[i] = true
				// After a failed statement PostgreSQL refuses the rest of the transaction: stop
				// here, the rows are retried without this one.
				break
			}
			res.row(isNew, w)
		}
		if len(bad) > 0 {
			return errBad
		}
		if im.DryRun {
			return errDry
		}
		return nil
	})
	im.committed(err == nil)
	switch {
	case err == nil, errors.Is(err, errDry):
		return res, nil, nil
	case errors.Is(err, errBad):
		return res, bad, nil
	}
	return res, nil, err
}
