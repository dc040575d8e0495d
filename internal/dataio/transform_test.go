package dataio

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseMoney(t *testing.T) {
	for _, c := range []struct {
		in           string
		decimalComma bool
		want         int64
		ok           bool
	}{
		{"1 234 567,89 ₽", true, 123456789, true},
		{"1\u00a0234\u00a0567,89 руб.", true, 123456789, true},
		{"1 500,50 руб.", true, 150050, true},
		{"125 000,50 руб.", false, 12500050, true}, // digits grouped by spaces: the comma is decimal
		{"1,234", false, 123400, true},
		{"12,5", false, 0, false},
		{"$1,234.56", false, 123456, true},
		{"1.234,56 €", true, 123456, true},
		{"1.234.567", true, 123456700, true},
		{"1234", false, 123400, true},
		{"-15,5", true, -1550, true},
		{"(2 000)", true, -200000, true},
		{"USD 99.90", false, 9990, true},
		{"1,234", false, 123400, true},
		{"0.5", false, 50, true},
		{"12.345", false, 0, false}, // three decimals
		{"1,234", true, 0, false},   // a decimal comma with three decimals
		{"1k", false, 0, false},
		{"abc", false, 0, false},
		{"", false, 0, false},
		{"1-2", false, 0, false},
		{"99999999999999999999", false, 0, false},
	} {
		got, err := ParseMoney(c.in, c.decimalComma)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("ParseMoney(%q, %v) = %d, %v; want %d ok=%v", c.in, c.decimalComma, got, err, c.want, c.ok)
		}
	}
}

func TestParseTime(t *testing.T) {
	msk, _ := time.LoadLocation("Europe/Moscow")
	for _, c := range []struct {
		in, format string
		want       time.Time
	}{
		{"31.12.2025", "", time.Date(2025, 12, 31, 0, 0, 0, 0, msk)},
		{"31.12.2025 18:30", "DD.MM.YYYY HH:mm", time.Date(2025, 12, 31, 18, 30, 0, 0, msk)},
		{"2025-12-31", "", time.Date(2025, 12, 31, 0, 0, 0, 0, msk)},
		{"2017-03-01 10:11:12", "", time.Date(2017, 3, 1, 10, 11, 12, 0, msk)},
		{"2017-03-01T10:11:12Z", "", time.Date(2017, 3, 1, 10, 11, 12, 0, time.UTC)},
		{"12/31/2025", "MM/DD/YYYY", time.Date(2025, 12, 31, 0, 0, 0, 0, msk)},
		{"45657", "", time.Date(2024, 12, 31, 0, 0, 0, 0, msk)}, // Excel serial
		{"45657.75", "excel", time.Date(2024, 12, 31, 18, 0, 0, 0, msk)},
		{"1", "excel", time.Date(1900, 1, 1, 0, 0, 0, 0, msk)},
		{"59", "excel", time.Date(1900, 2, 28, 0, 0, 0, 0, msk)},
		{"61", "excel", time.Date(1900, 3, 1, 0, 0, 0, 0, msk)},
	} {
		got, err := ParseTime(c.in, c.format, msk)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("ParseTime(%q, %q) = %v, %v; want %v", c.in, c.format, got, err, c.want)
		}
	}
	for _, bad := range []struct{ in, format string }{{"31.13.2025", ""}, {"yesterday", ""}, {"", ""}, {"2025-12-31", "DD.MM.YYYY"}, {"1.1.1", "nonsense"}} {
		if _, err := ParseTime(bad.in, bad.format, msk); err == nil {
			t.Errorf("ParseTime(%q, %q) accepted", bad.in, bad.format)
		}
	}
}

// FuzzParseMoney: never panics, and every amount it formats itself it reads back exactly.
func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"1 234,56 ₽", "$1,234.56", "1.234,56", "-0,01", "(5)", "руб.", "1e9", "١٢٣"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, decimalComma bool) {
		v, err := ParseMoney(s, decimalComma)
		if err != nil {
			return
		}
		whole, cents := v/100, v%100
		if cents < 0 {
			cents = -cents
		}
		sep := "."
		if decimalComma {
			sep = ","
		}
		sign := ""
		if v < 0 && whole == 0 {
			sign = "-"
		}
		formatted := sign + strconv.FormatInt(whole, 10) + sep + strings.Repeat("0", 2-len(strconv.FormatInt(cents, 10))) + strconv.FormatInt(cents, 10)
		back, err := ParseMoney(formatted, decimalComma)
		if err != nil || back != v {
			t.Fatalf("%q → %d → %q → %d, %v", s, v, formatted, back, err)
		}
	})
}

// FuzzParseTime never panics and never returns a zero time without an error.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"31.12.2025", "2025-12-31T10:00:00+03:00", "45657.5", "0", "99999999", "31/12/2025 10:00"} {
		f.Add(s, "")
	}
	f.Add("31.12.2025", "DD.MM.YYYY")
	f.Fuzz(func(t *testing.T, s, format string) {
		got, err := ParseTime(s, format, time.UTC)
		if err == nil && got.IsZero() {
			t.Fatalf("ParseTime(%q, %q) returned the zero time", s, format)
		}
	})
}
