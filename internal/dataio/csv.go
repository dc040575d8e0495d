// Package dataio reads and writes the files people bring to and take from Voronka: CSV in any
// delimiter and encoding, XLSX, and the exports of other CRMs.
package dataio

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// Encoding of a text file.
const (
	UTF8        = "utf-8"
	Windows1251 = "windows-1251"
)

// CSVReader reads records from a CSV file whose encoding (UTF-8 with or without BOM, or
// Windows-1251), delimiter (comma, semicolon, tab or pipe) and line endings (LF or CRLF) it detects.
type CSVReader struct {
	Encoding  string
	Delimiter rune
	Header    []string
	r         *csv.Reader
	line      int
}

// RowError is a problem with one line of a file.
type RowError struct {
	Line    int // 1-based line of the file (the header is line 1)
	Column  string
	Value   string
	Message string
}

func (e *RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Message)
	}
	return fmt.Sprintf("line %d, column %q, value %q: %s", e.Line, e.Column, e.Value, e.Message)
}

// sniffSize is how much of the file detection looks at.
const sniffSize = 64 << 10

// NewCSVReader detects the format from the start of r and reads the header row. An empty file or
// one whose header has an empty or repeated column name is an error.
func NewCSVReader(r io.Reader) (*CSVReader, error) {
	br := bufio.NewReaderSize(r, sniffSize)
	head, err := br.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	var src io.Reader = br
	enc := UTF8
	if bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")) {
		_, _ = br.Discard(3)
		head = head[3:]
	} else if !validUTF8Prefix(head) {
		enc = Windows1251
		src = transform.NewReader(br, charmap.Windows1251.NewDecoder())
		head, _ = charmap.Windows1251.NewDecoder().Bytes(head)
	}
	if len(bytes.TrimSpace(head)) == 0 {
		return nil, &RowError{Line: 1, Message: "the file is empty"}
	}
	c := &CSVReader{Encoding: enc, Delimiter: sniffDelimiter(head)}
	c.r = csv.NewReader(src)
	c.r.Comma = c.Delimiter
	c.r.FieldsPerRecord = -1
	c.r.ReuseRecord = false
	header, err := c.Read()
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		header[i] = h
		if h == "" {
			return nil, &RowError{Line: 1, Message: fmt.Sprintf("column %d of the header has no name", i+1)}
		}
		if seen[strings.ToLower(h)] {
			return nil, &RowError{Line: 1, Column: h, Value: h, Message: "the header names this column twice"}
		}
		seen[strings.ToLower(h)] = true
	}
	c.Header = header
	return c, nil
}

// validUTF8Prefix reports whether b is UTF-8, allowing a rune cut at the end of the sample.
func validUTF8Prefix(b []byte) bool {
	for i := 0; i < 3 && len(b) > 0 && !utf8.Valid(b); i++ {
		b = b[:len(b)-1]
	}
	return utf8.Valid(b)
}

// sniffDelimiter picks the candidate that splits the first lines (outside quotes) into the same
// number of fields, preferring the one giving the most fields; a comma when nothing fits.
func sniffDelimiter(sample []byte) rune {
	lines := strings.Split(strings.ReplaceAll(string(sample), "\r\n", "\n"), "\n")
	if len(lines) > 1 {
		lines = lines[:len(lines)-1] // the last line may be cut
	}
	if len(lines) > 20 {
		lines = lines[:20]
	}
	best, bestFields := ',', 1
	for _, d := range []rune{',', ';', '\t', '|'} {
		n := -1
		consistent := true
		for _, l := range lines {
			if strings.TrimSpace(l) == "" {
				continue
			}
			k := countOutsideQuotes(l, d) + 1
			if n == -1 {
				n = k
			} else if k != n {
				consistent = false
				break
			}
		}
		if consistent && n > bestFields {
			best, bestFields = d, n
		}
	}
	return best
}

func countOutsideQuotes(line string, d rune) int {
	n, quoted := 0, false
	for _, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
		case r == d && !quoted:
			n++
		}
	}
	return n
}

// Read returns the next record and the line it starts on; io.EOF at the end. A malformed line (a
// bad quote) is a *RowError; blank lines are skipped.
func (c *CSVReader) Read() ([]string, error) {
	for {
		rec, err := c.r.Read()
		if err == nil {
			c.line, _ = c.r.FieldPos(0) // only valid after a record was read
		}
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, &RowError{Line: pe.StartLine, Message: "malformed CSV: " + pe.Err.Error()}
		} else if err != nil {
			return nil, err
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		return rec, nil
	}
}

// Line returns the file line the last record read starts on.
func (c *CSVReader) Line() int { return c.line }

// Row returns the next record as a map from header names to values, checking that it has as many
// fields as the header (a ragged row is a *RowError naming its line).
func (c *CSVReader) Row() (map[string]string, error) {
	rec, err := c.Read()
	if err != nil {
		return nil, err
	}
	if len(rec) != len(c.Header) {
		return nil, &RowError{Line: c.line, Message: fmt.Sprintf("has %d fields, the header has %d", len(rec), len(c.Header))}
	}
	m := make(map[string]string, len(rec))
	for i, v := range rec {
		m[c.Header[i]] = v
	}
	return m, nil
}
