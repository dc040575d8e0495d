package dataio

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// DateFormats a date column may be in, by name as mapping files write them.
var DateFormats = map[string]string{
	"DD.MM.YYYY":          "02.01.2006",
	"DD.MM.YYYY HH:mm":    "02.01.2006 15:04",
	"DD.MM.YYYY HH:mm:ss": "02.01.2006 15:04:05",
	"DD/MM/YYYY":          "02/01/2006",
	"MM/DD/YYYY":          "01/02/2006",
	"YYYY-MM-DD":          "2006-01-02",
	"YYYY-MM-DD HH:mm":    "2006-01-02 15:04",
	"YYYY-MM-DD HH:mm:ss": "2006-01-02 15:04:05",
	"ISO":                 time.RFC3339,
}

// autoFormats are tried, in order, when a column names no format. Day-first wins over month-first,
// as in Russian files.
var autoFormats = []string{
	time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02",
	"02.01.2006 15:04:05", "02.01.2006 15:04", "02.01.2006", "02.01.06",
	"02/01/2006 15:04:05", "02/01/2006 15:04", "02/01/2006",
}

// ParseTime reads a date or date-time in the named format ("" tries the common ones, "excel" reads
// an Excel serial day number). A value without a zone is taken in loc.
func ParseTime(s, format string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("is empty")
	}
	if format == "excel" || (format == "" && looksLikeSerial(s)) {
		return excelSerial(s, loc)
	}
	layouts := autoFormats
	if format != "" {
		l, ok := DateFormats[format]
		if !ok {
			return time.Time{}, fmt.Errorf("date format %q is unknown", format)
		}
		layouts = []string{l}
	}
	for _, l := range layouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, nil
		}
	}
	if format != "" {
		return time.Time{}, fmt.Errorf("is not a date in the format %s", format)
	}
	return time.Time{}, errors.New("is not a date (expected e.g. 31.12.2025 or 2025-12-31)")
}

func looksLikeSerial(s string) bool {
	f, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	return err == nil && f >= 1 && f < 2958466 && !strings.ContainsAny(s, "-/:")
}

// excelSerial converts an Excel (1900 system) serial day number, with a fraction for the time of
// day, to a time in loc. Excel's serial 60 is the non-existent 29 Feb 1900; serials after it are
// shifted by one day, which the 1899-12-30 epoch accounts for.
func excelSerial(s string, loc *time.Location) (time.Time, error) {
	f, err := strconv.ParseFloat(strings.Replace(strings.TrimSpace(s), ",", ".", 1), 64)
	if err != nil || f < 1 || f >= 2958466 || math.IsNaN(f) {
		return time.Time{}, errors.New("is not an Excel date serial")
	}
	days := math.Floor(f)
	secs := math.Round((f - days) * 86400)
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, loc)
	if days < 61 {
		base = base.AddDate(0, 0, 1)
	}
	t := base.AddDate(0, 0, int(days))
	return t.Add(time.Duration(secs) * time.Second), nil
}

// ParseMoney reads an amount into minor units (2 decimals): "1 234 567,89 ₽", "$1,234.56",
// "1.234,56 €", "1234", "-15,5". When both "." and "," appear, the last one is the decimal point;
// when only one appears, decimalComma says whether a comma is decimal (Russian files) — a dot is
// then a thousands separator only if followed by exactly three digits in every group.
func ParseMoney(s string, decimalComma bool) (int64, error) {
	s = strings.TrimSpace(s)
	neg := false
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		neg, s = true, s[1:len(s)-1]
	}
	var b strings.Builder
	var word []rune
	spaced := false // digits grouped by spaces: then a single comma is the decimal one
	endWord := func() error {
		if len(word) > 0 && !currencyWords[strings.ToLower(string(word))] {
			return fmt.Errorf("is not an amount (unexpected %q)", string(word))
		}
		word = word[:0]
		return nil
	}
	for _, r := range s {
		if unicode.IsLetter(r) {
			word = append(word, r)
			continue
		}
		if len(word) > 0 && r == '.' { // "руб." — the dot ends the abbreviation
			if err := endWord(); err != nil {
				return 0, err
			}
			continue
		}
		if err := endWord(); err != nil {
			return 0, err
		}
		switch {
		case r >= '0' && r <= '9', r == '.', r == ',':
			b.WriteRune(r)
		case r == '-' || r == '−':
			if b.Len() > 0 {
				return 0, errors.New("is not an amount")
			}
			neg = !neg
		case unicode.IsSpace(r), r == '\'', r == '\u00a0', r == '\u202f':
			// thousands separators
			spaced = spaced || b.Len() > 0
		case unicode.Is(unicode.Sc, r), r == '+':
			// currency signs: ₽, $, €, ₸
		default:
			return 0, fmt.Errorf("is not an amount (unexpected %q)", r)
		}
	}
	if err := endWord(); err != nil {
		return 0, err
	}
	num := strings.TrimRight(b.String(), ".,")
	if num == "" {
		return 0, errors.New("is not an amount")
	}
	lastDot, lastComma := strings.LastIndexByte(num, '.'), strings.LastIndexByte(num, ',')
	var intPart, frac string
	switch {
	case lastDot >= 0 && lastComma >= 0:
		sep := max(lastDot, lastComma)
		intPart, frac = num[:sep], num[sep+1:]
		intPart = strings.NewReplacer(".", "", ",", "").Replace(intPart)
	case lastComma >= 0 && (decimalComma || spaced) && strings.Count(num, ",") == 1:
		intPart, frac = num[:lastComma], num[lastComma+1:]
	case lastComma >= 0:
		if !thousandsGroups(num, ',') {
			return 0, errors.New("is not an amount (ambiguous commas)")
		}
		intPart = strings.ReplaceAll(num, ",", "")
	case lastDot >= 0 && decimalComma && thousandsGroups(num, '.') && strings.Count(num, ".") > 1:
		intPart = strings.ReplaceAll(num, ".", "")
	case lastDot >= 0:
		if strings.Count(num, ".") > 1 {
			if !thousandsGroups(num, '.') {
				return 0, errors.New("is not an amount (too many points)")
			}
			intPart = strings.ReplaceAll(num, ".", "")
		} else {
			intPart, frac = num[:lastDot], num[lastDot+1:]
		}
	default:
		intPart = num
	}
	if intPart == "" {
		intPart = "0"
	}
	if len(frac) > 2 {
		if strings.TrimRight(frac[2:], "0") != "" {
			return 0, errors.New("has more than 2 decimals")
		}
		frac = frac[:2]
	}
	for len(frac) < 2 {
		frac += "0"
	}
	whole, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil || whole > math.MaxInt64/100-1 {
		return 0, errors.New("is too large")
	}
	cents, _ := strconv.ParseInt(frac, 10, 64)
	v := whole*100 + cents
	if neg {
		v = -v
	}
	return v, nil
}

// currencyWords may stand before or after an amount.
var currencyWords = map[string]bool{
	"р": true, "руб": true, "рубль": true, "рублей": true, "рубля": true, "rub": true, "rur": true,
	"usd": true, "eur": true, "euro": true, "kzt": true, "тг": true, "тенге": true, "byn": true, "uah": true,
	"грн": true, "gbp": true, "cny": true, "юань": true, "brl": true, "r": true, "us": true, "долл": true,
}

// thousandsGroups reports whether every group after the first separator has exactly 3 digits.
func thousandsGroups(num string, sep byte) bool {
	parts := strings.Split(num, string(sep))
	if len(parts[0]) == 0 || len(parts[0]) > 3 {
		return false
	}
	for _, p := range parts[1:] {
		if len(p) != 3 {
			return false
		}
	}
	return true
}
