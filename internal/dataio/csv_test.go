package dataio

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

func readAll(t *testing.T, data []byte) (*CSVReader, []map[string]string, []error) {
	t.Helper()
	r, err := NewCSVReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("NewCSVReader: %v", err)
	}
	var rows []map[string]string
	var errs []error
	for {
		row, err := r.Row()
		if errors.Is(err, io.EOF) {
			return r, rows, errs
		}
		if err != nil {
			errs = append(errs, err)
			var re *RowError
			if !errors.As(err, &re) {
				t.Fatalf("not a RowError: %v", err)
			}
			continue
		}
		rows = append(rows, row)
	}
}

func TestCSVFormats(t *testing.T) {
	utf := "Название сделки;Бюджет;Ответственный\r\n\"Тур в Сочи; 2 чел.\";\"150 000,00\";Анна\r\nКруиз;90000;Борис\r\n"
	win, _ := charmap.Windows1251.NewEncoder().String(utf)
	for _, c := range []struct {
		name, data, enc string
		delim           rune
	}{
		{"utf-8 with BOM, semicolons, CRLF", "\xEF\xBB\xBF" + utf, UTF8, ';'},
		{"utf-8, LF", strings.ReplaceAll(utf, "\r\n", "\n"), UTF8, ';'},
		{"windows-1251", win, Windows1251, ';'},
		{"tabs", strings.ReplaceAll(strings.ReplaceAll(utf, ";", "\t"), "\"Тур в Сочи\t 2 чел.\"", "\"Тур в Сочи; 2 чел.\""), UTF8, '\t'},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, rows, errs := readAll(t, []byte(c.data))
			if r.Encoding != c.enc || r.Delimiter != c.delim {
				t.Errorf("detected %s %q, want %s %q", r.Encoding, r.Delimiter, c.enc, c.delim)
			}
			if len(errs) != 0 || len(rows) != 2 {
				t.Fatalf("rows %d errs %v", len(rows), errs)
			}
			if rows[0]["Название сделки"] != "Тур в Сочи; 2 чел." || rows[0]["Бюджет"] != "150 000,00" || rows[1]["Ответственный"] != "Борис" {
				t.Errorf("rows: %v", rows)
			}
		})
	}
}

func TestCSVBadInput(t *testing.T) {
	_, rows, errs := readAll(t, []byte("a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n"))
	if len(rows) != 2 || len(errs) != 2 {
		t.Fatalf("rows %d errs %v", len(rows), errs)
	}
	if !strings.Contains(errs[0].Error(), "line 3") || !strings.Contains(errs[1].Error(), "line 4") {
		t.Errorf("ragged rows reported as %v", errs)
	}
	for _, bad := range []string{"", "   \n", "a,,c\n1,2,3\n", "a,b,a\n1,2,3\n"} {
		if _, err := NewCSVReader(strings.NewReader(bad)); err == nil {
			t.Errorf("header %q accepted", bad)
		}
	}
	_, _, errs = readAll(t, []byte("a,b\n\"unterminated,2\n3,4\n"))
	if len(errs) == 0 {
		t.Errorf("a bad quote was not reported")
	}
}

// FuzzCSVReader: any bytes give rows or errors, never a panic or a hang.
func FuzzCSVReader(f *testing.F) {
	f.Add([]byte("a;b\n1;2\n"))
	f.Add([]byte("\xEF\xBB\xBFx,y\r\n\"q\"\"\",2\r\n"))
	f.Add([]byte("\xcd\xe0\xe7\xe2\xe0\xed\xe8\xe5\t\xc1\xfe\xe4\xe6\xe5\xf2\n1\t2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewCSVReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		for range 10000 {
			if _, err := r.Row(); errors.Is(err, io.EOF) {
				return
			}
		}
	})
}
