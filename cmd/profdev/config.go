package main

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/profdev/profdev/worker"
	"github.com/profdev/profdev/workflows"
)

// config is every setting of the production pieces, read from the environment in one place.
type config struct {
	DatabaseURL string

	TemporalAddress   string
	TemporalNamespace string
	TemporalTLS       bool
	TemporalTLSCA     string // PEM file of the CA that signed the frontend's certificate
	TemporalTLSCert   string // client certificate PEM file, for mTLS
	TemporalTLSKey    string // client key PEM file, for mTLS
	TemporalAPIKey    string // Temporal Cloud style API key (secret)

	HTTPAddr      string
	PublicBaseURL string

	AuthIssuer        string // OIDC issuer URL: discovery + JWKS
	AuthJWKSURL       string // a JWK set URL, when there is no discovery document
	AuthPublicKeyFile string // a PEM public key or certificate, when there is no IdP
	AuthAudience      string
	AuthTokenIssuer   string // expected iss with a JWKS URL or public key
	// AuthFromRegistry: the token says who (sub), the registry of authorised people says
	// role and scope (process 5); off, tokens carry the role themselves.
	AuthFromRegistry bool
	// The web console's sign-in: an OIDC client of AUTH_ISSUER (authorization code + PKCE).
	OIDCClientID     string
	OIDCClientSecret string // secret
	// TemporalUIURL is the Temporal Web UI the operator's console pages link to.
	TemporalUIURL string

	SMTPHost     string
	SMTPPort     int
	SMTPUsername string
	SMTPPassword string // secret
	SMTPTLS      string
	MailFrom     string

	LogLevel  string
	LogFormat string // json or pretty

	SigningKind        string // gost, ecdsa, remote; "" = gost where the engine works, else ecdsa
	SigningDir         string // key material of the gost and ecdsa signers
	SigningRemoteURL   string
	SigningRemoteToken string // secret
	SigningRemoteChain string // PEM file of the remote service's chain

	RegionalHolidays string // e.g. region-16=2026-08-30,2026-11-06;region-02=2026-10-11

	// PlanningTerms are the working-day terms of new planning cycles; PlanningSchedules open
	// each authority's cycle on a day of the year with them.
	PlanningTerms     workflows.PlanningTerms
	PlanningSchedules []worker.PlanningSchedule

	ShutdownTimeout time.Duration
}

// EnvVars is every environment variable loadConfig reads, in the order of config's fields.
// The deployment files in deploy/ are checked against it (deploy/deploy_test.go reads this
// list from the source), and TestEnvVarsListed keeps it equal to what loadConfig reads.
var EnvVars = []string{
	"DATABASE_URL",
	"TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TEMPORAL_TLS", "TEMPORAL_TLS_CA_FILE", "TEMPORAL_TLS_CERT_FILE",
	"TEMPORAL_TLS_KEY_FILE", "TEMPORAL_API_KEY",
	"HTTP_ADDR", "PUBLIC_BASE_URL",
	"AUTH_ISSUER", "AUTH_JWKS_URL", "AUTH_PUBLIC_KEY_FILE", "AUTH_AUDIENCE", "AUTH_TOKEN_ISSUER", "AUTH_FROM_REGISTRY",
	"OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "TEMPORAL_UI_URL",
	"SMTP_HOST", "SMTP_PORT", "SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_TLS", "MAIL_FROM",
	"LOG_LEVEL", "LOG_FORMAT",
	"SIGNING_KIND", "SIGNING_DIR", "SIGNING_REMOTE_URL", "SIGNING_REMOTE_TOKEN", "SIGNING_REMOTE_CHAIN_FILE",
	"REGIONAL_HOLIDAYS",
	"PLANNING_PLANS_REMIND_BEFORE", "PLANNING_REVIEW_DAYS", "PLANNING_RESUBMIT_DAYS", "PLANNING_REPORT_REMIND_BEFORE",
	"PLANNING_SCHEDULE", "PLANNING_YEAR_OFFSET", "PLANNING_PLANS_DUE_DAYS", "PLANNING_QUARTERLY_REPORTS", "PLANNING_DIRECTIONS",
	"SHUTDOWN_TIMEOUT",
}

// loadConfig reads the environment through getenv; defaults suit a local cluster.
func loadConfig(getenv func(string) string) (config, error) {
	get := func(k, def string) string {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
		return def
	}
	c := config{
		DatabaseURL:        get("DATABASE_URL", ""),
		TemporalAddress:    get("TEMPORAL_ADDRESS", "127.0.0.1:7233"),
		TemporalNamespace:  get("TEMPORAL_NAMESPACE", "default"),
		TemporalTLSCA:      get("TEMPORAL_TLS_CA_FILE", ""),
		TemporalTLSCert:    get("TEMPORAL_TLS_CERT_FILE", ""),
		TemporalTLSKey:     get("TEMPORAL_TLS_KEY_FILE", ""),
		TemporalAPIKey:     get("TEMPORAL_API_KEY", ""),
		HTTPAddr:           get("HTTP_ADDR", ":8080"),
		PublicBaseURL:      get("PUBLIC_BASE_URL", "http://localhost:8080"),
		AuthIssuer:         get("AUTH_ISSUER", ""),
		AuthJWKSURL:        get("AUTH_JWKS_URL", ""),
		AuthPublicKeyFile:  get("AUTH_PUBLIC_KEY_FILE", ""),
		AuthAudience:       get("AUTH_AUDIENCE", ""),
		AuthTokenIssuer:    get("AUTH_TOKEN_ISSUER", ""),
		OIDCClientID:       get("OIDC_CLIENT_ID", ""),
		OIDCClientSecret:   get("OIDC_CLIENT_SECRET", ""),
		TemporalUIURL:      get("TEMPORAL_UI_URL", ""),
		SMTPHost:           get("SMTP_HOST", ""),
		SMTPUsername:       get("SMTP_USERNAME", ""),
		SMTPPassword:       get("SMTP_PASSWORD", ""),
		SMTPTLS:            get("SMTP_TLS", "opportunistic"),
		MailFrom:           get("MAIL_FROM", "profdev <noreply@profdev.local>"),
		LogLevel:           get("LOG_LEVEL", "info"),
		LogFormat:          get("LOG_FORMAT", "json"),
		RegionalHolidays:   get("REGIONAL_HOLIDAYS", ""),
		SigningKind:        get("SIGNING_KIND", ""),
		SigningDir:         get("SIGNING_DIR", ""),
		SigningRemoteURL:   get("SIGNING_REMOTE_URL", ""),
		SigningRemoteToken: get("SIGNING_REMOTE_TOKEN", ""),
		SigningRemoteChain: get("SIGNING_REMOTE_CHAIN_FILE", ""),
	}
	var errs []string
	var err error
	if c.TemporalTLS, err = strconv.ParseBool(get("TEMPORAL_TLS", "false")); err != nil {
		errs = append(errs, "TEMPORAL_TLS must be true or false")
	}
	if c.AuthFromRegistry, err = strconv.ParseBool(get("AUTH_FROM_REGISTRY", "false")); err != nil {
		errs = append(errs, "AUTH_FROM_REGISTRY must be true or false")
	}
	if c.SMTPPort, err = strconv.Atoi(get("SMTP_PORT", "587")); err != nil || c.SMTPPort < 1 || c.SMTPPort > 65535 {
		errs = append(errs, "SMTP_PORT must be a port number")
	}
	if c.ShutdownTimeout, err = time.ParseDuration(get("SHUTDOWN_TIMEOUT", "20s")); err != nil {
		errs = append(errs, "SHUTDOWN_TIMEOUT must be a duration such as 20s")
	}
	terms := []struct {
		name string
		dst  *int
		def  int
	}{
		{"PLANNING_PLANS_REMIND_BEFORE", &c.PlanningTerms.PlansRemindBefore, workflows.DefaultPlanningTerms.PlansRemindBefore},
		{"PLANNING_REVIEW_DAYS", &c.PlanningTerms.ReviewDays, workflows.DefaultPlanningTerms.ReviewDays},
		{"PLANNING_RESUBMIT_DAYS", &c.PlanningTerms.ResubmitDays, workflows.DefaultPlanningTerms.ResubmitDays},
		{"PLANNING_REPORT_REMIND_BEFORE", &c.PlanningTerms.ReportRemindBefore, workflows.DefaultPlanningTerms.ReportRemindBefore},
	}
	for _, term := range terms {
		if *term.dst, err = strconv.Atoi(get(term.name, strconv.Itoa(term.def))); err != nil || *term.dst < 0 || *term.dst > 60 {
			errs = append(errs, term.name+" must be 0 to 60 working days")
		}
	}
	if c.PlanningSchedules, err = parsePlanningSchedules(get("PLANNING_SCHEDULE", "mintrud=12-01"), get("PLANNING_YEAR_OFFSET", "1"),
		get("PLANNING_PLANS_DUE_DAYS", "20"), get("PLANNING_QUARTERLY_REPORTS", "true"), get("PLANNING_DIRECTIONS", "")); err != nil {
		errs = append(errs, err.Error())
	}
	for i := range c.PlanningSchedules {
		c.PlanningSchedules[i].Terms = c.PlanningTerms
	}
	if c.LogFormat != "json" && c.LogFormat != "pretty" {
		errs = append(errs, "LOG_FORMAT must be json or pretty")
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	return c, nil
}

// print logs the effective configuration with secrets masked.
func (c config) print(log zerolog.Logger, piece string) {
	log.Info().
		Str("piece", piece).
		Str("database_url", maskURL(c.DatabaseURL)).
		Str("temporal_address", c.TemporalAddress).
		Str("temporal_namespace", c.TemporalNamespace).
		Bool("temporal_tls", c.TemporalTLS || c.TemporalTLSCA != "" || c.TemporalTLSCert != "").
		Str("temporal_api_key", mask(c.TemporalAPIKey)).
		Str("http_addr", c.HTTPAddr).
		Str("public_base_url", c.PublicBaseURL).
		Str("auth_issuer", c.AuthIssuer).
		Str("auth_jwks_url", c.AuthJWKSURL).
		Str("auth_public_key_file", c.AuthPublicKeyFile).
		Str("auth_audience", c.AuthAudience).
		Bool("auth_from_registry", c.AuthFromRegistry).
		Str("oidc_client_id", c.OIDCClientID).
		Str("oidc_client_secret", mask(c.OIDCClientSecret)).
		Str("temporal_ui_url", c.TemporalUIURL).
		Str("smtp_host", c.SMTPHost).
		Int("smtp_port", c.SMTPPort).
		Str("smtp_username", c.SMTPUsername).
		Str("smtp_password", mask(c.SMTPPassword)).
		Str("smtp_tls", c.SMTPTLS).
		Str("mail_from", c.MailFrom).
		Str("log_level", c.LogLevel).
		Str("regional_holidays", c.RegionalHolidays).
		Int("planning_schedules", len(c.PlanningSchedules)).
		Interface("planning_terms", c.PlanningTerms).
		Str("signing_kind", c.SigningKind).
		Str("signing_dir", c.SigningDir).
		Str("signing_remote_url", c.SigningRemoteURL).
		Str("signing_remote_token", mask(c.SigningRemoteToken)).
		Msg("effective configuration")
}

func mask(secret string) string {
	if secret == "" {
		return ""
	}
	return "***"
}

// maskURL hides the password of a URL; an unparsable URL is hidden whole.
func maskURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" { // a keyword/value DSN (host=... password=...) is hidden whole
		return "***"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "***")
	}
	q := u.Query()
	masked := false
	for _, k := range []string{"password", "sslpassword"} {
		if q.Has(k) {
			q.Set(k, "***")
			masked = true
		}
	}
	if masked {
		u.RawQuery = q.Encode()
	}
	return strings.ReplaceAll(u.String(), "%2A%2A%2A", "***") // url escapes the mask's asterisks
}

// parsePlanningSchedules reads PLANNING_SCHEDULE ("mintrud=12-01;region-64=11-15": the
// authority and the month-day its cycle opens; "off" for none) and the settings every
// scheduled cycle shares.
func parsePlanningSchedules(spec, offset, dueDays, quarterly, directions string) ([]worker.PlanningSchedule, error) {
	if spec == "off" {
		return nil, nil
	}
	var base workflows.ScheduledCycle
	var err error
	if base.YearOffset, err = strconv.Atoi(offset); err != nil || base.YearOffset < 0 || base.YearOffset > 1 {
		return nil, fmt.Errorf("PLANNING_YEAR_OFFSET must be 0 (the current year) or 1 (the next)")
	}
	if base.PlansDueDays, err = strconv.Atoi(dueDays); err != nil || base.PlansDueDays < 1 || base.PlansDueDays > 120 {
		return nil, fmt.Errorf("PLANNING_PLANS_DUE_DAYS must be 1 to 120 working days")
	}
	if base.QuarterlyReports, err = strconv.ParseBool(quarterly); err != nil {
		return nil, fmt.Errorf("PLANNING_QUARTERLY_REPORTS must be true or false")
	}
	for _, d := range strings.Split(directions, ";") {
		if d = strings.TrimSpace(d); d != "" {
			base.PriorityDirections = append(base.PriorityDirections, d)
		}
	}
	var out []worker.PlanningSchedule
	for _, item := range strings.Split(spec, ";") {
		authority, day, ok := strings.Cut(strings.TrimSpace(item), "=")
		t, err := time.Parse("01-02", day)
		if !ok || authority == "" || err != nil {
			return nil, fmt.Errorf("PLANNING_SCHEDULE must be authority=MM-DD items separated by ';', or off")
		}
		out = append(out, worker.PlanningSchedule{Authority: authority, Month: t.Month(), Day: t.Day(), ScheduledCycle: base})
	}
	return out, nil
}
