package crm

import (
	"slices"
	"strings"
)

// NormalizeTags trims tags, drops empty ones and duplicates (case-insensitively, keeping the first
// spelling) and sorts them. It records an error on field when a tag is longer than 50 characters or
// there are more than 50 tags.
func NormalizeTags(v *Validation, field string, tags []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, t := range tags {
		t = strings.Join(strings.Fields(t), " ")
		if t == "" || seen[strings.ToLower(t)] {
			continue
		}
		if len([]rune(t)) > 50 {
			v.Add(field, "too_long", "a tag must be at most 50 characters")
			continue
		}
		seen[strings.ToLower(t)] = true
		out = append(out, t)
	}
	if len(out) > 50 {
		v.Add(field, "too_many", "at most 50 tags")
	}
	slices.Sort(out)
	return out
}
