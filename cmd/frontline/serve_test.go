package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"strings"
	"testing"
	"time"

	"frontline/store/storetest"
)

// TestServeEndToEnd starts the binary's run with `serve` on port 0, on
// both engines, posts events with a dispatch token, reads scores with an
// assessor's, and stops it gracefully.
func TestServeEndToEnd(t *testing.T) {
	worked, err := os.ReadFile("../../store/testdata/worked.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	storetest.ForEachDSN(t, func(t *testing.T, dsn string) {
		env := map[string]string{"FRONTLINE_DB": dsn, "FRONTLINE_LANG": "en", "FRONTLINE_ADDR": "127.0.0.1:0"}
		frontline(t, env, "", "registry", "load", "../../store/testdata/registry.yaml")
		bot := strings.TrimSpace(frontline(t, env, "", "users", "add", "bot", "--role", "dispatch").stdout)
		olgaPassword := strings.TrimSpace(frontline(t, env, "", "users", "add", "olga", "--role", "org_assessor").stdout)
		olga := strings.TrimSpace(frontline(t, env, "", "users", "token", "olga").stdout)
		frontline(t, env, "", "users", "add", "dina", "--role", "discipline_inspector")
		dina := strings.TrimSpace(frontline(t, env, "", "users", "token", "dina").stdout)

		ctx, cancel := context.WithCancel(context.Background())
		logs, logw := io.Pipe()
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, []string{"serve"}, strings.NewReader(""), io.Discard, logw, testEnv(env), time.Now)
			logw.Close()
		}()
		var addr string
		lines := bufio.NewScanner(logs)
		for addr == "" && lines.Scan() {
			var entry struct{ Msg, Addr string }
			if json.Unmarshal(lines.Bytes(), &entry) == nil && entry.Msg == "serving" {
				addr = entry.Addr
			}
		}
		go io.Copy(io.Discard, logs)
		if addr == "" {
			t.Fatalf("serve never said where it listens: %v", <-done)
		}
		call := func(token, method, path, body string) (int, string) {
			req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/x-ndjson")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, string(b)
		}
		if code, body := call(bot, "POST", "/api/v1/events", string(worked)); code != 200 || !strings.Contains(body, `"accepted":16`) {
			t.Fatalf("post events: %d %s", code, body)
		}
		if code, body := call(olga, "GET", "/api/v1/scores?period=2026-06&asof=2026-07-01", ""); code != 200 || !strings.Contains(body, `"unit":"D1"`) {
			t.Errorf("read scores: %d %s", code, body)
		}
		// The dashboard's way in: the password printed once, a session cookie.
		jar, _ := cookiejar.New(nil)
		browser := &http.Client{Jar: jar}
		res, err := browser.Post("http://"+addr+"/api/v1/login", "application/json",
			strings.NewReader(`{"name":"olga","password":"`+olgaPassword+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("olga signs in with her first password: %d", res.StatusCode)
		}
		if res, err := browser.Get("http://" + addr + "/api/v1/scores?period=2026-06&asof=2026-07-01"); err != nil || res.StatusCode != 200 {
			t.Errorf("scores with the session cookie: %v %v", res, err)
		} else {
			res.Body.Close()
		}
		// A warning stream stays open until the server stops; it does not
		// hold the shutdown up.
		req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/warnings/stream", nil)
		req.Header.Set("Authorization", "Bearer "+dina)
		stream, err := http.DefaultClient.Do(req)
		if err != nil || stream.StatusCode != 200 {
			t.Fatalf("stream: %v %v", stream, err)
		}
		defer stream.Body.Close()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve stopped with %v, want a clean shutdown", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("serve did not stop")
		}
	})
}
