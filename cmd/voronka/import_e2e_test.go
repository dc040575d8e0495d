package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"
)

// serve works the import queue: an upload is imported in the background and its state polled; a
// second start on the same database sees it as it was left.
func TestServeRunsUploadedImports(t *testing.T) {
	for engine, dsn := range dsns(t) {
		t.Run(engine, func(t *testing.T) {
			m, url, _ := startMain(t, dsn, "long enough password")
			status, tok := postJSON(t, url+"/api/v1/auth/token", "", map[string]string{"email": "boss@example.com", "password": "long enough password"})
			if status != 201 {
				t.Fatalf("token: %d", status)
			}
			token := tok["token"].(string)
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			fw, _ := mw.CreateFormFile("file", "deals.csv")
			fw.Write([]byte("ID;Название сделки;Бюджет;Этап сделки;Дата создания\n1;Первая;1000;Первичный контакт;01.03.2025\n2;Вторая;2000;Первичный контакт;02.03.2025\n"))
			mw.Close()
			req, _ := http.NewRequest("POST", url+"/api/v1/imports", &body)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var im map[string]any
			json.NewDecoder(resp.Body).Decode(&im)
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				t.Fatalf("upload: %d %v", resp.StatusCode, im)
			}
			get := func(base string) map[string]any {
				req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/imports/%v", base, im["id"]), nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var out map[string]any
				json.NewDecoder(resp.Body).Decode(&out)
				return out
			}
			var got map[string]any
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				if got = get(url); got["status"] == "done" || got["status"] == "failed" || time.Now().After(deadline) {
					break
				}
			}
			if got["status"] != "done" || got["created"] != float64(2) {
				req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/imports/%v/errors", url, im["id"]), nil)
				req.Header.Set("Authorization", "Bearer "+token)
				var rep bytes.Buffer
				if resp, err := http.DefaultClient.Do(req); err == nil {
					rep.ReadFrom(resp.Body)
					resp.Body.Close()
				}
				t.Fatalf("import under serve: %v\n%s", got, rep.String())
			}
			if err := m.Close(); err != nil {
				t.Fatalf("close: %v", err)
			}
			m2, url2, _ := startMain(t, dsn, "long enough password")
			defer m2.Close()
			if again := get(url2); again["status"] != "done" || !strings.HasSuffix(fmt.Sprint(again["file_name"]), "deals.csv") {
				t.Errorf("after a restart: %v", again)
			}
		})
	}
}
