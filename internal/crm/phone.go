package crm

import "strings"

// NormalizePhone returns the digits of a phone number in international form without "+", so that
// one number is one string however it was typed: "8 (912) 345-67-89", "+7 912 345 67 89" and
// "9123456789" are all "79123456789" (a Russian 8-prefix or a bare 10-digit number starting with 9
// is taken as +7). ok is false when the number has fewer than 7 or more than 15 digits.
func NormalizePhone(raw string) (digits string, ok bool) {
	var b strings.Builder
	for _, r := range raw {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else if r >= '０' && r <= '９' { // full-width digits from some phone exports
			b.WriteRune('0' + (r - '０'))
		}
	}
	d := b.String()
	trimmed := strings.TrimSpace(raw)
	switch {
	case strings.HasPrefix(d, "00") && !strings.HasPrefix(trimmed, "+"):
		d = d[2:] // 00 international prefix
	case len(d) == 11 && d[0] == '8' && !strings.HasPrefix(trimmed, "+"):
		d = "7" + d[1:]
	case len(d) == 10 && d[0] == '9':
		d = "7" + d
	}
	if len(d) < 7 || len(d) > 15 {
		return "", false
	}
	return d, true
}
