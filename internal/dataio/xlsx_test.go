package dataio

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func workbook(t testing.TB, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestXLSXReader(t *testing.T) {
	data := workbook(t, [][]any{
		{"Название сделки", "Бюджет", "Дата создания"},
		{"Тур в Сочи", 150000.5, 45657},
		{},
		{"Круиз", "90 000", nil},
	})
	x, err := NewXLSXReader(bytes.NewReader(data), "")
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if strings.Join(x.Columns(), "|") != "Название сделки|Бюджет|Дата создания" {
		t.Fatalf("header %v", x.Columns())
	}
	var rows []map[string]string
	var lines []int
	for {
		r, err := x.Row()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
		lines = append(lines, x.Line())
	}
	if len(rows) != 2 || rows[0]["Бюджет"] != "150000.5" || rows[0]["Дата создания"] != "45657" || rows[1]["Дата создания"] != "" || lines[1] != 4 {
		t.Fatalf("rows %v lines %v", rows, lines)
	}
}

func TestXLSXBadFiles(t *testing.T) {
	for name, data := range map[string][]byte{
		"not a zip":   []byte("Name,Amount\nx,1\n"),
		"empty sheet": workbook(t, nil),
		"dup header":  workbook(t, [][]any{{"a", "A"}, {1, 2}}),
	} {
		if _, err := NewXLSXReader(bytes.NewReader(data), ""); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := NewXLSXReader(bytes.NewReader(workbook(t, [][]any{{"a"}})), "Nope"); err == nil {
		t.Errorf("a missing sheet was accepted")
	}
}

// A zip bomb: a tiny file whose worksheet unpacks to more than the limit is refused without
// unpacking it into memory.
func TestXLSXZipBomb(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"} {
		w, _ := zw.Create(name)
		_, _ = w.Write([]byte(`<?xml version="1.0"?><x/>`))
	}
	w, _ := zw.Create("xl/worksheets/sheet1.xml")
	zeros := make([]byte, 1<<20)
	for range (MaxXLSXUnpackedBytes >> 20) + 8 {
		_, _ = w.Write(zeros)
	}
	_ = zw.Close()
	if buf.Len() > 20<<20 {
		t.Fatalf("bomb is %d bytes", buf.Len())
	}
	_, err := NewXLSXReader(bytes.NewReader(buf.Bytes()), "")
	if err == nil || !strings.Contains(err.Error(), "unpacks to more than") {
		t.Fatalf("zip bomb: %v", err)
	}
}

func FuzzXLSXReader(f *testing.F) {
	f.Add(workbook(f, [][]any{{"a", "b"}, {1, "x"}}))
	f.Add([]byte("PK\x03\x04garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := NewXLSXReader(bytes.NewReader(data), "")
		if err != nil {
			return
		}
		defer x.Close()
		for range 10000 {
			if _, err := x.Row(); errors.Is(err, io.EOF) {
				return
			}
		}
	})
}
