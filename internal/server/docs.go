package server

import (
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

var docsPage = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2433}
code{background:#f3f4f7;padding:.1rem .3rem;border-radius:3px}h2{margin-top:2rem;border-bottom:1px solid #ddd}
.op{margin:.4rem 0}.m{display:inline-block;width:4.5rem;font-weight:600}</style></head><body>
<h1>{{.Title}} {{.Version}}</h1><p>{{.Description}}</p>
<p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1). Every path below is under <code>/api/v1</code>.</p>
{{range .Tags}}<h2>{{.Name}}</h2>{{range .Ops}}<div class="op"><span class="m">{{.Method}}</span><code>{{.Path}}</code> — {{.Summary}}{{if .Public}} <em>(no login)</em>{{end}}</div>{{end}}{{end}}
</body></html>`))

type docsOp struct {
	Method, Path, Summary string
	Public                bool
}

type docsTag struct {
	Name string
	Ops  []docsOp
}

// docs serves a self-contained page listing the API's operations (huma's default page loads its
// scripts from a CDN, which a self-hosted install may not reach).
func (s *Server) docs(w http.ResponseWriter, r *http.Request) {
	oa := s.api.OpenAPI()
	byTag := map[string][]docsOp{}
	for path, item := range oa.Paths {
		for _, mo := range []struct {
			method string
			op     *huma.Operation
		}{{"GET", item.Get}, {"POST", item.Post}, {"PUT", item.Put}, {"PATCH", item.Patch}, {"DELETE", item.Delete}} {
			if mo.op == nil {
				continue
			}
			tag := "Other"
			if len(mo.op.Tags) > 0 {
				tag = mo.op.Tags[0]
			}
			byTag[tag] = append(byTag[tag], docsOp{Method: mo.method, Path: path, Summary: mo.op.Summary, Public: len(mo.op.Security) == 0})
		}
	}
	var tags []docsTag
	for name, ops := range byTag {
		slices.SortFunc(ops, func(a, b docsOp) int { return strings.Compare(a.Path+a.Method, b.Path+b.Method) })
		tags = append(tags, docsTag{Name: name, Ops: ops})
	}
	slices.SortFunc(tags, func(a, b docsTag) int { return strings.Compare(a.Name, b.Name) })
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = docsPage.Execute(w, map[string]any{"Title": oa.Info.Title, "Version": oa.Info.Version, "Description": oa.Info.Description, "Tags": tags})
}
