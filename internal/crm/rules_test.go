package crm

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestNormalizePhone(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"8 (912) 345-67-89", "79123456789", true},
		{"+7 912 345 67 89", "79123456789", true},
		{"9123456789", "79123456789", true},
		{"+7(912)345-67-89 ", "79123456789", true},
		{"0049 30 1234567", "49301234567", true},
		{"+1 (212) 555-0100", "12125550100", true},
		{"+8 912 345 67 89", "89123456789", true}, // an explicit + keeps the country code as typed
		{"12-34", "", false},
		{"", "", false},
		{"1234567890123456", "", false},
	} {
		got, ok := NormalizePhone(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestValidateCustom(t *testing.T) {
	defs := []*CustomField{
		{Key: "budget", Type: FieldMoney}, {Key: "rating", Type: FieldNumber}, {Key: "source", Type: FieldSelect, Options: []string{"web", "call"}},
		{Key: "langs", Type: FieldMultiselect, Options: []string{"ru", "en"}}, {Key: "vip", Type: FieldCheckbox},
		{Key: "birthday", Type: FieldDate}, {Key: "site", Type: FieldURL}, {Key: "mobile", Type: FieldPhone},
		{Key: "mail", Type: FieldEmail}, {Key: "inn", Type: FieldText, Required: true},
	}
	var in map[string]any
	_ = json.Unmarshal([]byte(`{"budget": 1500000, "rating": 4.5, "source": "web", "langs": ["ru","en","ru"], "vip": true,
		"birthday": "1990-05-17", "site": "https://example.com", "mobile": "8 912 345-67-89", "mail": "A@B.RU", "inn": "7707083893"}`), &in)
	var v Validation
	got := ValidateCustom(&v, defs, in, true)
	if err := v.Err(); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"budget": int64(1500000), "rating": 4.5, "source": "web", "langs": []string{"ru", "en"}, "vip": true,
		"birthday": "1990-05-17", "site": "https://example.com", "mobile": "79123456789", "mail": "a@b.ru", "inn": "7707083893"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("normalised:\n got %#v\nwant %#v", got, want)
	}

	var bad map[string]any
	_ = json.Unmarshal([]byte(`{"budget": 10.5, "rating": "high", "source": "tv", "langs": ["de"], "vip": "yes",
		"birthday": "17.05.1990", "site": "ftp://x", "mobile": "12", "mail": "nope", "color": "red"}`), &bad)
	v = Validation{}
	ValidateCustom(&v, defs, bad, true)
	fields := map[string]string{}
	for _, f := range v.Fields {
		fields[f.Field] = f.Code
	}
	for _, k := range []string{"budget", "rating", "source", "langs", "vip", "birthday", "site", "mobile", "mail"} {
		if fields["custom."+k] != "invalid" {
			t.Errorf("custom.%s: code %q, want invalid", k, fields["custom."+k])
		}
	}
	if fields["custom.color"] != "unknown" || fields["custom.inn"] != "required" {
		t.Errorf("unknown/required: %v", fields)
	}
}

func TestNormalizeTags(t *testing.T) {
	var v Validation
	got := NormalizeTags(&v, "tags", []string{" VIP ", "vip", "", "hot  lead", "Cold"})
	if !reflect.DeepEqual(got, []string{"Cold", "VIP", "hot lead"}) || v.Err() != nil {
		t.Errorf("tags %q, err %v", got, v.Err())
	}
}

func TestCursorRoundTrip(t *testing.T) {
	c, err := DecodeCursor(EncodeCursor("2026-01-02T03:04:05Z", 42))
	if err != nil || c.ID != 42 || c.Value != "2026-01-02T03:04:05Z" {
		t.Fatalf("cursor: %+v %v", c, err)
	}
	for _, bad := range []string{"", "xyz", EncodeCursor(1, 0)} {
		if _, err := DecodeCursor(bad); ErrorCode(err) != EINVALID {
			t.Errorf("DecodeCursor(%q): %v", bad, err)
		}
	}
}

func TestSlugifyTransliteratesRussian(t *testing.T) {
	for in, want := range map[string]string{
		"Демо: турагентство «Горизонт»": "demo-turagentstvo-gorizont",
		"ООО «Щукин и партнёры»":        "ooo-shchukin-i-partnery",
		"Acme Inc.": "acme-inc",
		"!!":        "account",
	} {
		if got := Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
}
