package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/server"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

// importCSV has 4 deals of an amoCRM-like export; the third has a date that is not a date.
const importCSV = "ID;Название сделки;Бюджет;Этап сделки;Дата создания\n" +
	"501;Тур в Турцию;125 000;Первичный контакт;01.03.2025\n" +
	"502;Тур в Египет;99 000;Первичный контакт;02.03.2025\n" +
	"503;Плохая дата;1 000;Первичный контакт;31.02.2025\n" +
	"504;Тур в Сочи;50 000;Первичный контакт;03.03.2025\n"

// multipartBody builds a multipart form: "file" with name and content, then the other fields.
func multipartBody(name string, content []byte, fields ...string) ([]byte, string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if name != "" {
		fw, _ := mw.CreateFormFile("file", name) // writing to a bytes.Buffer does not fail
		fw.Write(content)
	}
	for i := 0; i+1 < len(fields); i += 2 {
		mw.WriteField(fields[i], fields[i+1])
	}
	mw.Close()
	return b.Bytes(), mw.FormDataContentType()
}

func (e *env) upload(token, name string, content []byte, fields ...string) response {
	e.t.Helper()
	body, ct := multipartBody(name, content, fields...)
	return e.do(nil, "POST", "/api/v1/imports", token, body, "Content-Type", ct)
}

// startJobs works the queue until the test ends.
func (e *env) startJobs() {
	e.t.Helper()
	if err := e.jobs.Start(e.t.Context()); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := e.jobs.Stop(ctx); err != nil {
			e.t.Error(err)
		}
	})
}

// pollImport gets the import until it is done or failed.
func (e *env) pollImport(token string, id any) map[string]any {
	e.t.Helper()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		r := e.do(nil, "GET", fmt.Sprintf("/api/v1/imports/%v", id), token, nil)
		if r.Status != 200 {
			e.t.Fatalf("get import: %d %s", r.Status, r.Body)
		}
		m := r.json(e.t)
		if m["status"] == "done" || m["status"] == "failed" {
			return m
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("import still %v after a minute: %s", m["status"], r.Body)
		}
	}
}

func wantFields(t *testing.T, m map[string]any, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if fmt.Sprint(m[k]) != fmt.Sprint(v) {
			t.Errorf("%s = %v, want %v (import %v)", k, m[k], v, m)
		}
	}
}

func TestImportOverHTTP(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.startJobs()
		admin := e.token(e.alpha.Admin)

		r := e.upload(admin, "deals.csv", []byte(importCSV))
		if r.Status != http.StatusAccepted {
			t.Fatalf("upload: %d %s", r.Status, r.Body)
		}
		queued := r.json(t)
		id := queued["id"]
		if loc := r.Header.Get("Location"); loc != fmt.Sprintf("/api/v1/imports/%v", id) {
			t.Errorf("Location %q", loc)
		}
		wantFields(t, queued, map[string]any{"status": "queued", "file_name": "deals.csv", "entity": "deals", "rows_total": 4, "rows_done": 0, "percent": 0})

		done := e.pollImport(admin, id)
		// Rows 501, 502, 504 created; 503 rejected (31 February).
		wantFields(t, done, map[string]any{"status": "done", "rows_done": 4, "rows_total": 4, "percent": 100, "created": 3, "updated": 0,
			"rejected": 1, "attempts": 1, "errors_url": fmt.Sprintf("/api/v1/imports/%v/errors", id)})
		var n int
		var sum int64
		db.SQL().QueryRow(`SELECT COUNT(*), SUM(amount) FROM deals WHERE account_id = $1`, e.alpha.Account.ID).Scan(&n, &sum)
		if n != 3 || sum != (125_000+99_000+50_000)*100 {
			t.Errorf("deals: %d worth %d kopecks, want 3 worth 27400000", n, sum)
		}

		rep := e.do(nil, "GET", fmt.Sprintf("/api/v1/imports/%v/errors", id), admin, nil)
		if rep.Status != 200 || !strings.HasPrefix(rep.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("errors: %d %s %s", rep.Status, rep.Header.Get("Content-Type"), rep.Body)
		}
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(rep.Body, []byte("\ufeff")))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 2 || recs[0][0] != "line" || recs[1][0] != "4" || recs[1][2] != "31.02.2025" {
			t.Errorf("errors report: %q", recs)
		}

		// The same file again updates the deals instead of duplicating them; a dry run writes nothing.
		again := e.pollImport(admin, e.upload(admin, "deals.csv", []byte(importCSV)).json(t)["id"])
		wantFields(t, again, map[string]any{"status": "done", "created": 0, "updated": 3, "rejected": 1})
		dry := e.pollImport(admin, e.upload(admin, "more.csv", []byte(strings.ReplaceAll(importCSV, ";50", ";60")+"505;Новая;1;Первичный контакт;04.03.2025\n"),
			"dry_run", "true").json(t)["id"])
		wantFields(t, dry, map[string]any{"status": "done", "dry_run": true, "created": 1, "updated": 3, "rejected": 1})
		db.SQL().QueryRow(`SELECT COUNT(*), SUM(amount) FROM deals WHERE account_id = $1`, e.alpha.Account.ID).Scan(&n, &sum)
		if n != 3 || sum != 27_400_000 {
			t.Errorf("after the re-import and the dry run: %d deals worth %d, want 3 worth 27400000", n, sum)
		}

		list := e.do(nil, "GET", "/api/v1/imports", admin, nil)
		var items []map[string]any
		if err := json.Unmarshal(list.Body, &items); err != nil || list.Status != 200 || len(items) != 3 || fmt.Sprint(items[2]["id"]) != fmt.Sprint(id) {
			t.Errorf("list: %d %s", list.Status, list.Body)
		}
	})
}

func TestImportOfABadFileFails(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.startJobs()
		admin := e.token(e.alpha.Admin)
		for _, c := range []struct {
			name, content string
			fields        []string
			want          string
		}{
			{"deals.xlsx", "this is not a workbook", nil, "not a readable XLSX file"},
			{"deals.csv", "Фрукт;Цвет\nяблоко;красное\n", nil, "name"},
			{"deals.csv", "Название;Сумма\nА;1\n", []string{"mapping", `{"entity":"deals","source":"sheet","fields":{"name":{"column":"Название"},"amount":{"column":"Нет такой"}}}`}, `"Нет такой"`},
		} {
			r := e.upload(admin, c.name, []byte(c.content), c.fields...)
			if r.Status != http.StatusAccepted {
				t.Fatalf("%s: upload %d %s", c.content, r.Status, r.Body)
			}
			got := e.pollImport(admin, r.json(t)["id"])
			if got["status"] != "failed" || !strings.Contains(fmt.Sprint(got["error"]), c.want) {
				t.Errorf("%s: %v, want failed with %q", c.content, got, c.want)
			}
			if got["created"].(float64) != 0 {
				t.Errorf("a failed import created records: %v", got)
			}
		}
		var n int
		db.SQL().QueryRow(`SELECT COUNT(*) FROM deals WHERE account_id = $1`, e.alpha.Account.ID).Scan(&n)
		if n != 0 {
			t.Errorf("%d deals after failed imports", n)
		}
	})
}

func TestImportUploadIsChecked(t *testing.T) {
	e := newEnv(t, testkit.OpenSQLite(t))
	admin := e.token(e.alpha.Admin)
	wantError(t, e.upload(admin, "deals.txt", []byte("a;b\n")), 422, crm.EINVALID, "file")
	wantError(t, e.upload(admin, "", nil, "entity", "deals"), 422, crm.EINVALID, "file")
	wantError(t, e.upload(admin, "deals.csv", []byte(importCSV), "entity", "leads"), 422, crm.EINVALID, "entity")
	wantError(t, e.upload(admin, "deals.csv", []byte(importCSV), "mapping", `{"entity":"deals","joins":[{"file":"m.csv","on":"A","key":"B","as":"m"}],"fields":{"name":{"column":"A"}}}`), 422, crm.EINVALID, "mapping")
	wantError(t, e.upload(admin, "deals.csv", []byte(importCSV), "dry_run", "maybe"), 422, crm.EINVALID, "dry_run")
	wantError(t, e.do(nil, "POST", "/api/v1/imports", admin, []byte(`{"file":"x"}`)), 422, crm.EINVALID, "body")
	wantError(t, e.upload(e.token(e.alpha.NorthHead), "deals.csv", []byte(importCSV)), 403, crm.EFORBIDDEN, "")

	// Files over the limit: 413, whether the size is announced or not; nothing is stored.
	small := server.New(server.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MaxImportBytes: 1024, Jobs: e.jobs}, e.db, e.svc)
	srv := httptest.NewServer(small.Handler())
	defer srv.Close()
	body, ct := multipartBody("deals.csv", bytes.Repeat([]byte("1;x;1;Первичный контакт;01.03.2025\n"), 100))
	for _, chunked := range []bool{false, true} {
		var rd io.Reader = bytes.NewReader(body)
		if chunked {
			rd = io.MultiReader(rd) // no length: sent chunked
		}
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/imports", rd)
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "Bearer "+admin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		wantError(t, response{Status: resp.StatusCode, Header: resp.Header, Body: b}, http.StatusRequestEntityTooLarge, "payload_too_large", "")
	}
	var n int
	e.db.SQL().QueryRow(`SELECT COUNT(*) FROM imports`).Scan(&n)
	if n != 0 {
		t.Errorf("%d imports stored from refused uploads", n)
	}
}

// Another account's import is not found, neither it nor its report; a manager of the account may
// not look at imports.
func TestImportsAreScopedToTheAccount(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.startJobs()
		admin := e.token(e.alpha.Admin)
		id := e.upload(admin, "deals.csv", []byte(importCSV)).json(t)["id"]
		e.pollImport(admin, id)

		other := e.token(e.beta.Admin)
		for _, path := range []string{"/api/v1/imports/%v", "/api/v1/imports/%v/errors"} {
			wantError(t, e.do(nil, "GET", fmt.Sprintf(path, id), other, nil), 404, crm.ENOTFOUND, "")
			wantError(t, e.do(nil, "GET", fmt.Sprintf(path, id), e.token(e.alpha.North1), nil), 403, crm.EFORBIDDEN, "")
		}
		if r := e.do(nil, "GET", "/api/v1/imports", other, nil); r.Status != 200 || strings.TrimSpace(string(r.Body)) != "[]" {
			t.Errorf("the other account's list: %d %s", r.Status, r.Body)
		}
	})
}

// walkImport creates a finished import with a report in the owner's account.
func walkImport(w *walker, _ *crm.User, owner string) int64 {
	o := w.orgOf(owner)
	im := &store.Import{AccountID: o.Account.ID, UserID: o.Admin.ID, FileName: "walk.csv", FileSize: 3, Entity: "deals", Options: "{}",
		CreatedAt: time.Now()}
	imports := w.db.Imports()
	if err := imports.Create(w.t.Context(), im, []byte("a\n1")); err != nil {
		w.t.Fatal(err)
	}
	im.Status, im.RowsDone, im.Rejected = store.ImportDone, 1, 1
	if err := imports.Finish(w.t.Context(), im, []byte("line,column,value,message\n2,a,1,bad\n"), time.Now()); err != nil {
		w.t.Fatal(err)
	}
	return im.ID
}

func init() {
	body, ct := multipartBody("walk.csv", []byte("ID;Название сделки\n1;Walk\n"))
	walkOps = append(walkOps,
		walkOp{method: "GET", path: "/imports", want: adminOnly(200)},
		walkOp{method: "POST", path: "/imports", body: string(body), header: []string{"Content-Type", ct}, want: adminOnly(http.StatusAccepted)},
		walkOp{method: "GET", path: "/imports/{id}", target: walkImport, want: adminOnly(200)},
		walkOp{method: "GET", path: "/imports/{id}/errors", target: walkImport, want: adminOnly(200)},
	)
}
