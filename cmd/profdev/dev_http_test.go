package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/profdev/profdev/api"
)

var tokenLine = regexp.MustCompile(`export TOKEN_([A-Z_]+)=(\S+)`)

// mustBannerTokens waits for the banner on stdout and returns its tokens by upper-case role.
func mustBannerTokens(t *testing.T, p *devProcess) map[string]string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var out []byte
	for {
		var err error
		if out, err = os.ReadFile(p.stdoutPath); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(out, []byte("Try: curl")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no complete banner on stdout:\n%s", p.name, out)
		}
		time.Sleep(pollInterval)
	}
	tokens := map[string]string{}
	for _, m := range tokenLine.FindAllStringSubmatch(string(out), -1) {
		tokens[m[1]] = m[2]
	}
	var got []string
	for role := range tokens {
		got = append(got, role)
	}
	slices.Sort(got)
	want := []string{"AGENCY_HEAD", "HR", "MINISTRY", "OPERATOR", "PROVIDER", "RESERVE_AUTHORITY", "SERVANT"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("%s: banner tokens by role (-want +got):\n%s\nstdout:\n%s", p.name, diff, out)
	}
	return tokens
}

func bearer(token string) string { return "Bearer " + token }

// mustDo sends one request and returns the status, headers and body.
func mustDo(t *testing.T, method, url, authorization string, body []byte) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return resp.StatusCode, resp.Header, data
}

// checkErrorBody checks the documented error document {"error":{"code":...,"message":...}}.
func checkErrorBody(t *testing.T, hdr http.Header, body []byte, wantCode string) {
	t.Helper()
	if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error Content-Type %q, want application/json", ct)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var eb api.ErrorBody
	if err := dec.Decode(&eb); err != nil {
		t.Errorf("error body is not {\"error\":{...}}: %v: %s", err, body)
		return
	}
	if string(eb.Error.Code) != wantCode || eb.Error.Message == "" {
		t.Errorf("error body %s: want code %q and a message", body, wantCode)
	}
}
