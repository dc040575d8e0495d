package dataio

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Limits of XLSX files: the file itself is read into memory by the XLSX library, and a zip bomb —
// a small file that unpacks to gigabytes — is refused by the unpacked-size limits.
const (
	MaxXLSXBytes         = 256 << 20 // the .xlsx file
	MaxXLSXUnpackedBytes = 2 << 30   // everything inside it, unpacked
	maxXLSXInMemoryXML   = 128 << 20 // a worksheet larger than this is spilled to a temporary file
)

// RowReader is what an import reads rows from: a CSV or an XLSX sheet.
type RowReader interface {
	// Row returns the next row by header name; io.EOF at the end; a *RowError for a bad row,
	// after which reading may go on.
	Row() (map[string]string, error)
	// Line is the 1-based line (row) of the last row read; the header is line 1.
	Line() int
	// Columns returns the header.
	Columns() []string
}

// Columns returns the header of the CSV file.
func (c *CSVReader) Columns() []string { return c.Header }

// XLSXReader reads the rows of one sheet of an XLSX workbook. Cells are read raw: dates come as
// Excel serial numbers, which ParseTime understands, and numbers without the sheet's formatting.
type XLSXReader struct {
	Sheet  string
	header []string
	f      *excelize.File
	rows   *excelize.Rows
	line   int
}

// NewXLSXReader opens sheet (the first one when empty) of the workbook in r and reads its header.
func NewXLSXReader(r io.Reader, sheet string) (*XLSXReader, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxXLSXBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxXLSXBytes {
		return nil, &RowError{Line: 0, Message: fmt.Sprintf("the XLSX file is larger than %d MiB: split it or save it as CSV", MaxXLSXBytes>>20)}
	}
	f, err := excelize.OpenReader(strings.NewReader(string(data)), excelize.Options{
		UnzipSizeLimit: MaxXLSXUnpackedBytes, UnzipXMLSizeLimit: maxXLSXInMemoryXML,
	})
	if err != nil {
		if strings.Contains(err.Error(), "unzip size exceeds") { // excelize has no sentinel error for it
			return nil, &RowError{Message: "the XLSX file unpacks to more than 2 GiB (a zip bomb?)"}
		}
		return nil, &RowError{Message: "not a readable XLSX file: " + err.Error()}
	}
	x := &XLSXReader{f: f, Sheet: sheet}
	if x.Sheet == "" {
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			f.Close()
			return nil, &RowError{Message: "the workbook has no sheet"}
		}
		x.Sheet = sheets[0]
	}
	if x.rows, err = f.Rows(x.Sheet); err != nil {
		f.Close()
		return nil, &RowError{Message: fmt.Sprintf("sheet %q: %v", x.Sheet, err)}
	}
	header, err := x.next()
	if errors.Is(err, io.EOF) {
		x.Close()
		return nil, &RowError{Line: 1, Message: "the sheet is empty"}
	} else if err != nil {
		x.Close()
		return nil, err
	}
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		header[i] = h
		if h == "" {
			x.Close()
			return nil, &RowError{Line: x.line, Message: fmt.Sprintf("column %d of the header has no name", i+1)}
		}
		if seen[strings.ToLower(h)] {
			x.Close()
			return nil, &RowError{Line: x.line, Column: h, Value: h, Message: "the header names this column twice"}
		}
		seen[strings.ToLower(h)] = true
	}
	x.header = header
	return x, nil
}

// next returns the cells of the next non-empty row.
func (x *XLSXReader) next() ([]string, error) {
	for x.rows.Next() {
		x.line++
		cells, err := x.rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, &RowError{Line: x.line, Message: err.Error()}
		}
		for _, c := range cells {
			if strings.TrimSpace(c) != "" {
				return cells, nil
			}
		}
	}
	if err := x.rows.Error(); err != nil {
		return nil, &RowError{Line: x.line, Message: err.Error()}
	}
	return nil, io.EOF
}

// Row returns the next row by header name. Cells beyond the header are an error; missing trailing
// cells are empty (XLSX does not store them).
func (x *XLSXReader) Row() (map[string]string, error) {
	cells, err := x.next()
	if err != nil {
		return nil, err
	}
	if len(cells) > len(x.header) {
		for _, c := range cells[len(x.header):] {
			if strings.TrimSpace(c) != "" {
				return nil, &RowError{Line: x.line, Message: fmt.Sprintf("has values beyond the %d columns of the header", len(x.header))}
			}
		}
	}
	m := make(map[string]string, len(x.header))
	for i, h := range x.header {
		if i < len(cells) {
			m[h] = cells[i]
		} else {
			m[h] = ""
		}
	}
	return m, nil
}

// Line returns the sheet row of the last row read.
func (x *XLSXReader) Line() int { return x.line }

// Columns returns the header.
func (x *XLSXReader) Columns() []string { return x.header }

// Close releases the workbook and its temporary files.
func (x *XLSXReader) Close() error {
	if x.rows != nil {
		_ = x.rows.Close()
	}
	return x.f.Close()
}
