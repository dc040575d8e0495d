package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/voronka/voronka/internal/analytics"
)

const funnelUsage = `usage: voronka funnel [-pipeline NAME|ID] -from YYYY-MM-DD -to YYYY-MM-DD [-by channel] [-format table|csv|json]

The funnel analysis of a pipeline (default the account's first) for the deals that entered it in
[from, to): per stage reached, conversion, drop-off and days in the stage; won, lost by reason, open,
moved out; the bottleneck. -by: manager, team, channel, region, segment, product or client_type.`

// runFunnel is "voronka funnel".
func runFunnel(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("funnel", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, funnelUsage); fs.PrintDefaults() }
	cfg.bindDatabase(fs)
	var who accountFlags
	who.bind(fs, "the e-mail of the user whose view to compute (default the account's first administrator)")
	pipeline := fs.String("pipeline", "", "the pipeline's name or id (default the account's first)")
	var span periodFlags
	span.bind(fs, "first day of the period, YYYY-MM-DD", "the day after the last, YYYY-MM-DD")
	by := fs.String("by", "", "a slice: manager, team, channel, region, segment, product, client_type")
	format := fs.String("format", "table", "table, csv or json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if span.from == "" || span.to == "" {
		fs.Usage()
		return errors.New("-from and -to are required")
	}
	fd, td, err := span.dates()
	if err != nil {
		return err
	}
	if *format != "table" && *format != "csv" && *format != "json" {
		return fmt.Errorf("-format %q: table, csv or json", *format)
	}
	in, err := who.open(ctx, cfg, reportActor)
	if err != nil {
		return err
	}
	defer in.db.Close()
	db, svc, actor, acc := in.db, in.svc, in.actor, in.acc
	req := analytics.FunnelRequest{Period: analytics.Period{From: fd, To: td, Loc: acc.Location()}, By: analytics.Dimension(*by)}
	if *pipeline != "" {
		ps, err := svc.Pipelines(ctx, actor, true)
		if err != nil {
			return describe(err)
		}
		var names []string
		for _, p := range ps {
			if p.Name == *pipeline || strconv.FormatInt(p.ID, 10) == *pipeline {
				req.PipelineID = p.ID
				break
			}
			names = append(names, p.Name)
		}
		if req.PipelineID == 0 {
			return fmt.Errorf("-pipeline %q: no such pipeline; the account has %s", *pipeline, strings.Join(names, ", "))
		}
	}
	fn, err := analytics.NewEngine(db).Funnel(ctx, actor, req)
	if err != nil {
		return describe(err)
	}
	return writeFunnel(stdout, *format, fn)
}

// writeFunnel prints a funnel: for the total and each slice, a row for the entry, each stage and
// each exit. The table shows percentages and days with one decimal and a summary under each slice;
// CSV carries the full precision; JSON is the API's answer.
func writeFunnel(w io.Writer, format string, fn *analytics.Funnel) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(fn)
	}
	display := format != "csv"
	num := func(v *float64) string {
		switch {
		case v == nil && display:
			return "—"
		case v == nil:
			return ""
		case display:
			return strconv.FormatFloat(*v, 'f', 1, 64)
		}
		return strconv.FormatFloat(*v, 'f', -1, 64)
	}
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	header := []string{"slice", "step", "deals", "conversion_prev", "conversion_entry", "drop_off", "drop_off_rate", "median_days", "mean_days", "in_stage_now"}
	slices := append([]analytics.FunnelSlice{fn.Total}, fn.Slices...)
	rowsOf := func(s analytics.FunnelSlice) [][]string {
		label := s.Label
		if label == "" {
			label = "(all)"
		}
		rows := [][]string{{label, "entry", n(s.Entry), "", "", "", "", "", "", ""}}
		for _, st := range s.Stages {
			rows = append(rows, []string{label, st.Name, n(st.Reached), num(st.ConversionPrev), num(st.ConversionEntry), n(st.DropOff),
				num(st.DropOffRate), num(st.MedianDays), num(st.MeanDays), n(st.InStageNow)})
		}
		// The won row: conversion from the last stage and from entry; its days are the funnel length.
		var fromLast *float64
		if k := len(s.Stages); k > 0 && s.Stages[k-1].Reached > 0 {
			v := float64(s.Won) / float64(s.Stages[k-1].Reached) * 100
			fromLast = &v
		}
		rows = append(rows, []string{label, "won", n(s.Won), num(fromLast), num(s.Conversion), "", "", num(s.LengthDays), num(s.LengthMeanDays), ""},
			[]string{label, "lost", n(s.Lost), "", "", "", "", "", "", ""})
		for _, r := range s.LostByReason {
			rows = append(rows, []string{label, "lost: " + r.Reason, n(r.Count), "", "", "", "", "", "", ""})
		}
		return append(rows, []string{label, "open", n(s.Open), "", "", "", "", "", "", ""},
			[]string{label, "moved_out", n(s.MovedOut), "", "", "", "", "", "", ""})
	}
	if !display {
		cw := csv.NewWriter(w)
		_ = cw.Write(header)
		for _, s := range slices {
			_ = cw.WriteAll(rowsOf(s))
		}
		cw.Flush()
		return cw.Error()
	}
	fmt.Fprintf(w, "Анализ воронки «%s», вход %s\n", fn.Pipeline, fn.Period)
	for _, s := range slices {
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, strings.Join(header[1:], "\t")+"\t")
		for _, r := range rowsOf(s) {
			fmt.Fprintln(tw, strings.Join(r[1:], "\t")+"\t")
		}
		label := s.Label
		if label == "" {
			label = "(all)"
		}
		if fn.By != "" {
			fmt.Fprintf(w, "%s = %s\n", fn.By, label)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(w, "conversion %s %%, funnel length %s days (median)", num(s.Conversion), num(s.LengthDays))
		if b := s.Bottleneck; b != nil {
			fmt.Fprintf(w, "; bottleneck %s → %s: %.1f %%", b.Stage, b.Next, b.Value)
		}
		if b := s.Slowest; b != nil {
			fmt.Fprintf(w, "; slowest %s: %.1f days", b.Stage, b.Value)
		}
		fmt.Fprintln(w)
	}
	for _, note := range fn.Notes {
		fmt.Fprintln(w, "* "+note)
	}
	return nil
}
