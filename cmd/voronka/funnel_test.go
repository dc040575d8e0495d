package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// "voronka funnel" prints the funnel of the demo's first pipeline; the CSV and the JSON agree, a
// pipeline is found by name, an unknown one is named in the error.
func TestFunnelCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "voronka.db")
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"demo", "-db", db, "-deals", "120", "-until", "2026-10-31",
		"-admin-password", "demo-password-4", "-quiet"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	funnel := func(args ...string) (string, error) {
		out.Reset()
		errOut.Reset()
		err := run(context.Background(), append([]string{"funnel", "-db", db, "-from", "2025-01-01", "-to", "2026-11-01"}, args...), &out, &errOut)
		return out.String(), err
	}
	js, err := funnel("-format", "json")
	if err != nil {
		t.Fatalf("json: %v %s", err, errOut.String())
	}
	var fn struct {
		Pipeline string `json:"pipeline"`
		Total    struct {
			Entry, Won int64
		} `json:"total"`
	}
	if err := json.Unmarshal([]byte(js), &fn); err != nil || fn.Total.Entry == 0 {
		t.Fatalf("json: %v %s", err, js)
	}
	csvOut, err := funnel("-pipeline", fn.Pipeline, "-by", "channel", "-format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("(all),entry,%d,", fn.Total.Entry); !strings.Contains(csvOut, want) || !strings.Contains(csvOut, fmt.Sprintf("(all),won,%d,", fn.Total.Won)) {
		t.Errorf("csv lacks %q: %s", want, csvOut)
	}
	table, err := funnel("-by", "client_type")
	if err != nil || !strings.Contains(table, "Анализ воронки «"+fn.Pipeline+"»") || !strings.Contains(table, "client_type = new") {
		t.Errorf("table: %v %s", err, table)
	}
	if _, err := funnel("-pipeline", "Нет такой"); err == nil || !strings.Contains(err.Error(), "Нет такой") {
		t.Errorf("unknown pipeline: %v", err)
	}
	if _, err := funnel("-by", "planet"); err == nil || !strings.Contains(err.Error(), "planet") {
		t.Errorf("unknown slice: %v", err)
	}
}
