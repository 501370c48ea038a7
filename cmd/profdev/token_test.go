package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/profdev/profdev/internal/auth"
	"github.com/profdev/profdev/internal/domain"
)

// noEnv is a getenv for an empty environment.
func noEnv(string) string { return "" }

// TestTokenSubcommand: `profdev token` mints a token that the dev server of the same data
// directory accepts, with the default subject <role>-<scope>, and refuses what it would not.
func TestTokenSubcommand(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		args    []string
		want    domain.Actor
		wantTTL time.Duration
	}{
		{
			name:    "hr of an agency",
			args:    []string{"--role", "hr", "--agency", "agency-1"},
			want:    domain.Actor{Sub: "hr-agency-1", Role: domain.RoleHR, Agency: "agency-1"},
			wantTTL: 30 * 24 * time.Hour,
		},
		{
			name:    "ministry with a name",
			args:    []string{"--role", "ministry", "--authority", "mintrud", "--name", "Инспектор"},
			want:    domain.Actor{Sub: "ministry-mintrud", Name: "Инспектор", Role: domain.RoleMinistry, Authority: "mintrud"},
			wantTTL: 30 * 24 * time.Hour,
		},
		{
			name:    "operator has no scope",
			args:    []string{"--role", "operator"},
			want:    domain.Actor{Sub: "operator", Role: domain.RoleOperator},
			wantTTL: 30 * 24 * time.Hour,
		},
		{
			name:    "provider with an explicit subject and lifetime",
			args:    []string{"--role", "provider", "--provider", "provider-7", "--sub", "user-42", "--ttl", "1h"},
			want:    domain.Actor{Sub: "user-42", Role: domain.RoleProvider, Provider: "provider-7"},
			wantTTL: time.Hour,
		},
	}
	var kids []string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := mustMintCLI(t, dir, tt.args...)

			// Verified independently of the Signer, with the public key of the dev key file.
			v, err := auth.NewStaticVerifier(mustDevSigner(t, dir).PublicKey(), auth.Options{Issuer: devIssuer, Audience: devAudience})
			if err != nil {
				t.Fatal(err)
			}
			actor, err := v.Verify(context.Background(), tok)
			if err != nil {
				t.Fatalf("the dev key's verifier refuses the token: %v", err)
			}
			if diff := cmp.Diff(tt.want, actor); diff != "" {
				t.Errorf("actor mismatch (-want +got):\n%s", diff)
			}

			header, claims := mustDecodeJWT(t, tok)
			if header["alg"] != "ES256" {
				t.Errorf("alg = %v, want ES256", header["alg"])
			}
			kid, _ := header["kid"].(string)
			kids = append(kids, kid)
			type registered struct {
				Iss      string
				Aud      any
				Lifetime time.Duration
			}
			got := registered{Iss: str(claims["iss"]), Aud: claims["aud"], Lifetime: time.Duration(num(claims["exp"])-num(claims["iat"])) * time.Second}
			want := registered{Iss: devIssuer, Aud: []any{devAudience}, Lifetime: tt.wantTTL}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("registered claims mismatch (-want +got):\n%s", diff)
			}
			// Exactly the scope claim of the role, nothing of the others.
			for _, c := range []string{"authority", "agency", "provider", "servant"} {
				if _, has := claims[c]; has != (c == tt.want.Role.ScopeClaim()) {
					t.Errorf("claim %q present = %v for role %s", c, has, tt.want.Role)
				}
			}
		})
	}

	t.Run("same key on every invocation", func(t *testing.T) {
		first, _ := mustDecodeJWT(t, mustMintCLI(t, dir, "--role", "operator"))
		second, _ := mustDecodeJWT(t, mustMintCLI(t, dir, "--role", "operator"))
		want := mustDevSigner(t, dir).KeyID()
		for i, kid := range append([]string{str(first["kid"]), str(second["kid"])}, kids...) {
			if kid != want {
				t.Errorf("token %d: kid %q, want the dev key's %q", i, kid, want)
			}
		}
		info, err := os.Stat(filepath.Join(dir, devKeyFile))
		if err != nil {
			t.Fatalf("dev key file: %v", err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("dev key file mode %v, want 0600", info.Mode().Perm())
		}
	})
}

func TestTokenSubcommandRefuses(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"role without its scope", []string{"--role", "hr"}, "role hr needs the agency claim"},
		{"scope of another role", []string{"--role", "agency_head", "--authority", "mintrud"}, "role agency_head needs the agency claim"},
		{"ministry without authority", []string{"--role", "ministry"}, "needs the authority claim"},
		{"unknown role", []string{"--role", "janitor", "--agency", "agency-1"}, `unknown role "janitor"`},
		// Without --role the message is "token has no subject" (the default subject of an
		// empty role is empty), which does not say what is missing; only refusal is checked.
		{"no role", nil, ""},
		{"non-positive lifetime", []string{"--role", "operator", "--ttl", "0s"}, "ttl"},
		{"unknown flag", []string{"--role", "operator", "--bogus"}, "bogus"},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(append([]string{"token", "--data-dir", dir}, tt.args...), noEnv, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("run(token %v) = %v; want an error containing %q", tt.args, err, tt.wantErr)
			}
			if stdout.Len() != 0 {
				t.Errorf("a refused token printed to stdout: %q", stdout.String())
			}
		})
	}
}

// mustMintCLI runs `profdev token --data-dir dir args...` and returns the token it printed.
func mustMintCLI(t *testing.T, dir string, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if err := run(append([]string{"token", "--data-dir", dir}, args...), noEnv, &stdout, &stderr); err != nil {
		t.Fatalf("run(token %v): %v\nstderr: %s", args, err, stderr.String())
	}
	if stderr.Len() != 0 {
		t.Errorf("token wrote to stderr: %q", stderr.String())
	}
	out := stdout.String()
	tok := strings.TrimSuffix(out, "\n")
	if tok == "" || strings.ContainsAny(tok, " \n") || strings.Count(tok, ".") != 2 {
		t.Fatalf("token printed %q, want one JWT line", out)
	}
	return tok
}

func mustDevSigner(t *testing.T, dir string) *auth.Signer {
	t.Helper()
	s, err := devSigner(dir)
	if err != nil {
		t.Fatalf("devSigner(%s): %v", dir, err)
	}
	return s
}

// mustDecodeJWT returns the header and payload of a compact JWS, unverified.
func mustDecodeJWT(t *testing.T, tok string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3: %q", len(parts), tok)
	}
	decode := func(what, part string) map[string]any {
		raw, err := base64.RawURLEncoding.DecodeString(part)
		if err != nil {
			t.Fatalf("token %s is not base64url: %v", what, err)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("token %s is not JSON: %v: %s", what, err, raw)
		}
		return m
	}
	return decode("header", parts[0]), decode("payload", parts[1])
}

func str(v any) string { s, _ := v.(string); return s }

func num(v any) int64 { f, _ := v.(float64); return int64(f) }
