package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/rs/zerolog"
	"go.temporal.io/sdk/client"

	"github.com/profdev/profdev/api"
	"github.com/profdev/profdev/internal/auth"
	"github.com/profdev/profdev/internal/calendar"
	"github.com/profdev/profdev/internal/logging"
	"github.com/profdev/profdev/internal/notify"
	"github.com/profdev/profdev/internal/postgres"
	"github.com/profdev/profdev/internal/signing"
	"github.com/profdev/profdev/worker"
)

// dialTemporal connects an SDK client to the frontend, with TLS or an API key when set.
func dialTemporal(ctx context.Context, cfg config, log zerolog.Logger) (client.Client, error) {
	opts := client.Options{
		HostPort:  cfg.TemporalAddress,
		Namespace: cfg.TemporalNamespace,
		Logger:    logging.NewSDK(log.Level(max(log.GetLevel(), zerolog.WarnLevel))),
	}
	if cfg.TemporalTLS || cfg.TemporalTLSCA != "" || cfg.TemporalTLSCert != "" {
		t := &tls.Config{MinVersion: tls.VersionTLS12}
		if cfg.TemporalTLSCA != "" {
			pem, err := os.ReadFile(cfg.TemporalTLSCA)
			if err != nil {
				return nil, fmt.Errorf("temporal TLS CA: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("temporal TLS CA %s holds no PEM certificate", cfg.TemporalTLSCA)
			}
			t.RootCAs = pool
		}
		if cfg.TemporalTLSCert != "" {
			cert, err := tls.LoadX509KeyPair(cfg.TemporalTLSCert, cfg.TemporalTLSKey)
			if err != nil {
				return nil, fmt.Errorf("temporal TLS client certificate: %w", err)
			}
			t.Certificates = []tls.Certificate{cert}
		}
		opts.ConnectionOptions.TLS = t
	}
	if cfg.TemporalAPIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(cfg.TemporalAPIKey)
	}
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, err := client.DialContext(dctx, opts)
	if err != nil {
		return nil, fmt.Errorf("dial Temporal at %s: %w", cfg.TemporalAddress, err)
	}
	return c, nil
}

// openStore connects to PostgreSQL.
func openStore(ctx context.Context, cfg config, log zerolog.Logger) (*postgres.DB, error) {
	if cfg.DatabaseURL == "" {
		return nil, errors.New("DATABASE_URL is required (postgres://user:password@host:5432/profdev)")
	}
	return postgres.Open(ctx, postgres.Config{URL: cfg.DatabaseURL}, log.With().Str("component", "postgres").Logger())
}

// buildNotifier sends over SMTP when SMTP_HOST is set; otherwise (development only) it
// writes each email to mailDir and logs it.
func buildNotifier(cfg config, db *postgres.DB, mailDir string, log zerolog.Logger) (*notify.Notifier, error) {
	var mailer notify.Mailer
	if cfg.SMTPHost != "" {
		m, err := notify.NewSMTPMailer(notify.SMTPConfig{
			Host: cfg.SMTPHost, Port: cfg.SMTPPort, Username: cfg.SMTPUsername, Password: cfg.SMTPPassword, TLS: cfg.SMTPTLS,
		})
		if err != nil {
			return nil, err
		}
		mailer = m
	} else {
		if mailDir == "" {
			return nil, errors.New("SMTP_HOST is required: the worker sends email")
		}
		mailer = &notify.LogMailer{Dir: mailDir, Log: log.With().Str("component", "mail").Logger()}
	}
	return notify.New(db, mailer, notify.Config{From: cfg.MailFrom, BaseURL: cfg.PublicBaseURL}, log.With().Str("component", "notify").Logger()), nil
}

// buildCalendars is the federal calendar plus the configured regional holidays.
func buildCalendars(cfg config) (*calendar.Regions, error) {
	extra, err := calendar.ParseRegionalHolidays(cfg.RegionalHolidays)
	if err != nil {
		return nil, fmt.Errorf("REGIONAL_HOLIDAYS: %w", err)
	}
	return calendar.NewRegions(calendar.Russia(), extra), nil
}

// buildVerifier picks the production token verifier from the settings.
func buildVerifier(ctx context.Context, cfg config, log zerolog.Logger) (*auth.Verifier, error) {
	opts := auth.Options{Issuer: cfg.AuthTokenIssuer, Audience: cfg.AuthAudience, Logger: log.With().Str("component", "auth").Logger(),
		IdentityOnly: cfg.AuthFromRegistry}
	switch {
	case cfg.AuthIssuer != "":
		return auth.NewOIDCVerifier(ctx, cfg.AuthIssuer, nil, opts)
	case cfg.AuthJWKSURL != "":
		return auth.NewJWKSVerifier(ctx, cfg.AuthJWKSURL, nil, opts)
	case cfg.AuthPublicKeyFile != "":
		pem, err := os.ReadFile(cfg.AuthPublicKeyFile)
		if err != nil {
			return nil, fmt.Errorf("AUTH_PUBLIC_KEY_FILE: %w", err)
		}
		key, err := auth.ParsePublicKeyPEM(pem)
		if err != nil {
			return nil, fmt.Errorf("AUTH_PUBLIC_KEY_FILE: %w", err)
		}
		return auth.NewStaticVerifier(key, opts)
	}
	return nil, errors.New("no token verifier configured: set AUTH_ISSUER (OIDC), AUTH_JWKS_URL or AUTH_PUBLIC_KEY_FILE")
}

// serveHTTP runs the API until ctx ends, then drains it within the shutdown timeout.
func serveHTTP(ctx context.Context, addr string, srv *api.Server, timeout time.Duration, log zerolog.Logger) error {
	hs := &http.Server{
		Addr:              addr,
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.ListenAndServe() }()
	select {
	case err := <-errc:
		return fmt.Errorf("HTTP server on %s: %w", addr, err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		log.Warn().Err(err).Msg("HTTP server did not drain in time")
	}
	return nil
}

// buildSigner picks the document signer: GOST through the openssl engine where it works,
// ECDSA otherwise, or the remote signing service; development key material lives in dir.
func buildSigner(ctx context.Context, cfg config, dir string, db *postgres.DB, log zerolog.Logger) (signing.Signer, error) {
	if cfg.SigningDir != "" {
		dir = cfg.SigningDir
	}
	if dir == "" && cfg.SigningKind != "remote" {
		return nil, errors.New("SIGNING_DIR is required: the signing key and certificate chain live there")
	}
	s, err := signing.New(signing.Config{
		Kind: cfg.SigningKind, Dir: dir, RemoteURL: cfg.SigningRemoteURL, RemoteToken: cfg.SigningRemoteToken,
		RemoteChainFile: cfg.SigningRemoteChain, Logger: log.With().Str("component", "signing").Logger(),
	})
	if err != nil {
		return nil, fmt.Errorf("signer: %w", err)
	}
	// Verifiers get the chain from the API, which reads what the workers publish.
	if err := db.PublishSigningChain(ctx, s.Algorithm(), s.Chain()); err != nil {
		return nil, fmt.Errorf("publish signing chain: %w", err)
	}
	log.Info().Str("algorithm", s.Algorithm()).Msg("documents are signed with this scheme")
	return s, nil
}

func workerDeps(db *postgres.DB, n *notify.Notifier, cals *calendar.Regions, s signing.Signer) worker.Deps {
	return worker.Deps{Notifier: n, Calendars: cals, Registry: db, Reserve: db, Planning: db, Connections: db, Certificates: db, Batches: db, Signer: s}
}
