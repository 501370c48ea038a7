package postgres_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/profdev/profdev/api/console"
	"github.com/profdev/profdev/internal/app"
	"github.com/profdev/profdev/internal/benchtable"
	"github.com/profdev/profdev/internal/postgres"
)

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// consolePages times the web console's pages of each role on the seeded database, as the
// person's browser asks for them (signed in, through the session cookie): the whole
// server-side work of a page (session, scope, reads, template) is in each figure.
func consolePages(ctx context.Context, b *testing.B, db *postgres.DB, samples, certs int) {
	con, err := console.New(console.Config{DevSignIn: true, Version: "bench"}, console.Deps{Log: zerolog.Nop(),
		App: app.New(app.Config{}, db, nil, zerolog.Nop()), People: db, Idempotency: db})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(con.Handler())
	defer srv.Close()
	pages := []struct{ who, path string }{
		{"dev-ministry-mintrud", "/"},
		{"dev-ministry-mintrud", "/certificates"},
		{"dev-ministry-mintrud", "/certificates?status=enrolled&overdue=1"},
		{"dev-ministry-mintrud", "/certificates?name=" + url.QueryEscape("Служащий 1999")},
		{"dev-ministry-mintrud", "/certificates/MT-2026-000001"},
		{"dev-ministry-mintrud", "/certificates/new"},
		{"dev-ministry-mintrud", "/certificates/batch"},
		{"dev-ministry-mintrud", "/summary"},
		{"dev-ministry-mintrud", "/registry/applications"},
		{"dev-ministry-mintrud", "/planning"},
		{"dev-ministry-mintrud", "/connections"},
		{"dev-ministry-mintrud", "/registry"},
		{"dev-provider-prov-01", "/"},
		{"dev-provider-prov-01", "/certificates"},
		{"dev-provider-prov-01", "/certificates/outcomes"},
		{"dev-hr-agency-001", "/"},
		{"dev-hr-agency-001", "/certificates?status=completed"},
		{"dev-hr-agency-001", "/agency"},
		{"dev-hr-agency-001", "/reserve/nominations"},
		{"dev-reserve_authority-mintrud", "/reserve/nominations"},
		{"dev-servant-servant-1", "/"},
		{"dev-servant-servant-1", "/certificates"},
		{"dev-operator", "/notifications"},
	}
	clients := map[string]*http.Client{}
	fmt.Printf("\n%-64s %9s %9s\n", "console page (signed in, HTML)", "p50 ms", "p99 ms")
	for _, p := range pages {
		c := clients[p.who]
		if c == nil {
			c = signedIn(b, srv.URL, p.who)
			clients[p.who] = c
		}
		times := make([]time.Duration, samples)
		for i := range samples + 3 {
			t0 := time.Now()
			resp, err := c.Get(srv.URL + p.path)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("%s %s: %d", p.who, p.path, resp.StatusCode)
			}
			if i >= 3 { // the first ones warm the cache
				times[i-3] = time.Since(t0)
			}
		}
		slices.Sort(times)
		label, _ := url.QueryUnescape(p.path)
		fmt.Printf("%-64s %9.2f %9.2f\n", strings.TrimPrefix(p.who, "dev-")+" "+label, ms(percentile(times, 50)), ms(percentile(times, 99)))
		benchtable.Add("console page: "+strings.TrimPrefix(p.who, "dev-")+" "+label,
			fmt.Sprintf("p50 %.2f / p99 %.2f ms", ms(percentile(times, 50)), ms(percentile(times, 99))),
			fmt.Sprintf("signed in, whole server side; %d certificates", certs))
	}
}

// signedIn is a browser-like client signed in on the development sign-in page.
func signedIn(b *testing.B, base, sub string) *http.Client {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get(base + "/login")
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindSubmatch(body)
	if m == nil {
		b.Fatalf("no CSRF token on /login:\n%s", body)
	}
	resp, err = c.PostForm(base+"/login", url.Values{"csrf": {string(m[1])}, "person": {sub}, "next": {"/"}})
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/" {
		b.Fatalf("sign in as %s: %d at %s", sub, resp.StatusCode, resp.Request.URL)
	}
	return c
}
