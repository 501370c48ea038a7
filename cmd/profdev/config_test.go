package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"

	"github.com/profdev/profdev/worker"
	"github.com/profdev/profdev/workflows"
)

// envOf is a getenv over a fixed map: tests never read the real environment.
func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// TestConfigMasksSecrets: the effective configuration that every piece logs at start shows
// where it connects but never a password or key.
func TestConfigMasksSecrets(t *testing.T) {
	const (
		dbPassword   = "Db-s3cr3t-Pw"
		smtpPassword = "Smtp-s3cr3t-Pw"
		apiKey       = "tmprl-s3cr3t-Api-Key"
	)
	common := map[string]string{
		"SMTP_HOST":        "smtp.mail.example.org",
		"SMTP_USERNAME":    "mailer",
		"SMTP_PASSWORD":    smtpPassword,
		"TEMPORAL_ADDRESS": "temporal.cluster.example.org:7233",
		"TEMPORAL_API_KEY": apiKey,
	}
	tests := []struct {
		name        string
		databaseURL string
		extra       map[string]string // replaces common when not nil
		wantFields  map[string]any    // fields of the log line
		wantHosts   []string          // non-secret names the line must show
	}{
		{
			name:        "password in the URL",
			databaseURL: "postgres://profdev:" + dbPassword + "@db.internal.example:5432/profdev?sslmode=require",
			wantFields: map[string]any{
				"database_url":     "postgres://profdev:***@db.internal.example:5432/profdev?sslmode=require",
				"smtp_password":    "***",
				"temporal_api_key": "***",
				"smtp_host":        "smtp.mail.example.org",
				"smtp_username":    "mailer",
				"temporal_address": "temporal.cluster.example.org:7233",
			},
			wantHosts: []string{"db.internal.example", "smtp.mail.example.org", "temporal.cluster.example.org"},
		},
		{
			name:        "password as a query parameter",
			databaseURL: "postgres://db.internal.example/profdev?user=profdev&password=" + dbPassword,
			wantFields: map[string]any{
				"database_url":     "postgres://db.internal.example/profdev?password=***&user=profdev",
				"smtp_password":    "***",
				"temporal_api_key": "***",
			},
			wantHosts: []string{"db.internal.example", "smtp.mail.example.org", "temporal.cluster.example.org"},
		},
		{
			// pgx accepts keyword/value connection strings too; they are not URLs.
			name:        "keyword/value connection string",
			databaseURL: "host=db.internal.example user=profdev password=" + dbPassword + " dbname=profdev",
			wantFields: map[string]any{
				"database_url":     "***",
				"smtp_password":    "***",
				"temporal_api_key": "***",
			},
			wantHosts: []string{"smtp.mail.example.org", "temporal.cluster.example.org"},
		},
		{
			name:        "no secrets set: nothing pretends to be masked",
			databaseURL: "postgres://profdev@db.internal.example/profdev",
			extra:       map[string]string{"SMTP_HOST": "smtp.mail.example.org"},
			wantFields: map[string]any{
				"database_url":     "postgres://profdev@db.internal.example/profdev",
				"smtp_password":    "",
				"temporal_api_key": "",
			},
			wantHosts: []string{"db.internal.example", "smtp.mail.example.org"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			base := common
			if tt.extra != nil {
				base = tt.extra
			}
			for k, v := range base {
				env[k] = v
			}
			env["DATABASE_URL"] = tt.databaseURL
			cfg, err := loadConfig(envOf(env))
			if err != nil {
				t.Fatalf("loadConfig: %v", err)
			}

			var buf bytes.Buffer
			cfg.print(zerolog.New(&buf), "test")
			out := buf.String()
			line := mustLogLine(t, out)

			got := map[string]any{}
			for k := range tt.wantFields {
				got[k] = line[k]
			}
			if diff := cmp.Diff(tt.wantFields, got); diff != "" {
				t.Errorf("logged fields mismatch (-want +got):\n%s\nline: %s", diff, out)
			}
			if len(tt.extra) == 0 && !strings.Contains(out, "***") {
				t.Errorf("output has no *** mask: %s", out)
			}
			for _, secret := range []string{dbPassword, smtpPassword, apiKey} {
				if strings.Contains(out, secret) {
					t.Errorf("output contains the secret %q: %s", secret, out)
				}
			}
			for _, host := range tt.wantHosts {
				if !strings.Contains(out, host) {
					t.Errorf("output lacks the non-secret %q: %s", host, out)
				}
			}
		})
	}
}

// mustLogLine decodes the single JSON log line of out.
func mustLogLine(t *testing.T, out string) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1 {
		t.Fatalf("print wrote %d lines, want 1:\n%s", len(lines), out)
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &line); err != nil {
		t.Fatalf("log line is not JSON: %v\n%s", err, out)
	}
	return line
}

// TestConfigRejectsBadValues: every bad setting is named, all of them in one error.
func TestConfigRejectsBadValues(t *testing.T) {
	checked := []string{"SMTP_PORT", "LOG_FORMAT", "TEMPORAL_TLS", "SHUTDOWN_TIMEOUT", "PLANNING_SCHEDULE", "PLANNING_YEAR_OFFSET", "PLANNING_PLANS_DUE_DAYS", "PLANNING_QUARTERLY_REPORTS", "PLANNING_REVIEW_DAYS"}
	tests := []struct {
		name string
		env  map[string]string
		want []string // the variables the error must name; the others of checked it must not
	}{
		{"defaults", nil, nil},
		{"good values", map[string]string{"SMTP_PORT": "465", "LOG_FORMAT": "pretty", "TEMPORAL_TLS": "true", "SHUTDOWN_TIMEOUT": "5s"}, nil},
		{"SMTP_PORT not a number", map[string]string{"SMTP_PORT": "abc"}, []string{"SMTP_PORT"}},
		{"SMTP_PORT zero", map[string]string{"SMTP_PORT": "0"}, []string{"SMTP_PORT"}},
		{"SMTP_PORT too big", map[string]string{"SMTP_PORT": "65536"}, []string{"SMTP_PORT"}},
		{"LOG_FORMAT xml", map[string]string{"LOG_FORMAT": "xml"}, []string{"LOG_FORMAT"}},
		{"TEMPORAL_TLS maybe", map[string]string{"TEMPORAL_TLS": "maybe"}, []string{"TEMPORAL_TLS"}},
		{"SHUTDOWN_TIMEOUT soon", map[string]string{"SHUTDOWN_TIMEOUT": "soon"}, []string{"SHUTDOWN_TIMEOUT"}},
		{"planning schedules", map[string]string{"PLANNING_SCHEDULE": "mintrud=12-01;region-64=03-15", "PLANNING_DIRECTIONS": "a; b"}, nil},
		{"planning off", map[string]string{"PLANNING_SCHEDULE": "off"}, nil},
		{"PLANNING_SCHEDULE bad day", map[string]string{"PLANNING_SCHEDULE": "mintrud=13-40"}, []string{"PLANNING_SCHEDULE"}},
		{"PLANNING_YEAR_OFFSET 2", map[string]string{"PLANNING_YEAR_OFFSET": "2"}, []string{"PLANNING_YEAR_OFFSET"}},
		{"PLANNING_PLANS_DUE_DAYS 0", map[string]string{"PLANNING_PLANS_DUE_DAYS": "0"}, []string{"PLANNING_PLANS_DUE_DAYS"}},
		{"PLANNING_QUARTERLY_REPORTS maybe", map[string]string{"PLANNING_QUARTERLY_REPORTS": "maybe"}, []string{"PLANNING_QUARTERLY_REPORTS"}},
		{"PLANNING_REVIEW_DAYS -1", map[string]string{"PLANNING_REVIEW_DAYS": "-1"}, []string{"PLANNING_REVIEW_DAYS"}},
		{
			"three at once",
			map[string]string{"SMTP_PORT": "abc", "LOG_FORMAT": "xml", "TEMPORAL_TLS": "maybe"},
			[]string{"SMTP_PORT", "LOG_FORMAT", "TEMPORAL_TLS"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadConfig(envOf(tt.env))
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("loadConfig: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("loadConfig accepted %v", tt.env)
			}
			var named []string
			for _, k := range checked {
				if strings.Contains(err.Error(), k) {
					named = append(named, k)
				}
			}
			var want []string
			for _, k := range checked { // in checked's order, as named is
				for _, w := range tt.want {
					if w == k {
						want = append(want, k)
					}
				}
			}
			if diff := cmp.Diff(want, named); diff != "" {
				t.Errorf("variables named by %q (-want +got):\n%s", err, diff)
			}
		})
	}
}

// TestConfigDefaults: an empty environment gives the documented local defaults.
func TestConfigDefaults(t *testing.T) {
	got, err := loadConfig(envOf(map[string]string{"HTTP_ADDR": "  ", "LOG_LEVEL": ""}))
	if err != nil {
		t.Fatal(err)
	}
	want := config{
		TemporalAddress:   "127.0.0.1:7233",
		TemporalNamespace: "default",
		HTTPAddr:          ":8080",
		PublicBaseURL:     "http://localhost:8080",
		SMTPPort:          587,
		SMTPTLS:           "opportunistic",
		MailFrom:          "profdev <noreply@profdev.local>",
		LogLevel:          "info",
		LogFormat:         "json",
		ShutdownTimeout:   20 * time.Second,
		PlanningTerms:     workflows.DefaultPlanningTerms,
		PlanningSchedules: []worker.PlanningSchedule{{Authority: "mintrud", Month: time.December, Day: 1,
			ScheduledCycle: workflows.ScheduledCycle{YearOffset: 1, PlansDueDays: 20, QuarterlyReports: true, Terms: workflows.DefaultPlanningTerms}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("defaults mismatch (-want +got):\n%s", diff)
	}
}

// TestPlanningSchedulesParse: each authority's day, and the settings every schedule shares.
func TestPlanningSchedulesParse(t *testing.T) {
	got, err := loadConfig(envOf(map[string]string{"PLANNING_SCHEDULE": "mintrud=12-01; region-64=03-15", "PLANNING_YEAR_OFFSET": "0",
		"PLANNING_PLANS_DUE_DAYS": "10", "PLANNING_QUARTERLY_REPORTS": "false", "PLANNING_DIRECTIONS": "Цифровизация; Наставничество;",
		"PLANNING_REVIEW_DAYS": "7"}))
	if err != nil {
		t.Fatal(err)
	}
	terms := workflows.DefaultPlanningTerms
	terms.ReviewDays = 7
	shared := workflows.ScheduledCycle{PlansDueDays: 10, PriorityDirections: []string{"Цифровизация", "Наставничество"}, Terms: terms}
	want := []worker.PlanningSchedule{
		{Authority: "mintrud", Month: time.December, Day: 1, ScheduledCycle: shared},
		{Authority: "region-64", Month: time.March, Day: 15, ScheduledCycle: shared},
	}
	if diff := cmp.Diff(want, got.PlanningSchedules); diff != "" {
		t.Errorf("schedules mismatch (-want +got):\n%s", diff)
	}
}
