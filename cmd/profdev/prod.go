package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/rs/zerolog"

	"github.com/profdev/profdev/api"
	"github.com/profdev/profdev/api/console"
	"github.com/profdev/profdev/worker"
)

// runAPI serves the HTTP API against a production Temporal cluster and PostgreSQL.
func runAPI(ctx context.Context, cfg config, log zerolog.Logger) error {
	cfg.print(log, "api")
	db, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	tc, err := dialTemporal(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer tc.Close()
	verifier, err := buildVerifier(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer verifier.Close()
	srv := api.New(api.Config{Version: version, PublicBaseURL: cfg.PublicBaseURL, PlanningTerms: cfg.PlanningTerms,
		RegistryAuthorisation: cfg.AuthFromRegistry, Console: consoleConfig(cfg, false)}, api.Deps{
		Log: log, Store: db, Temporal: tc, Verifier: verifier, Sessions: db.SessionStore(),
	})
	log.Info().Str("addr", cfg.HTTPAddr).Msg("API listening")
	return serveHTTP(ctx, cfg.HTTPAddr, srv, cfg.ShutdownTimeout, log)
}

// runWorker polls the task queue until interrupted.
func runWorker(ctx context.Context, cfg config, log zerolog.Logger) error {
	cfg.print(log, "worker")
	db, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	tc, err := dialTemporal(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer tc.Close()
	notifier, err := buildNotifier(cfg, db, "", log)
	if err != nil {
		return err
	}
	cals, err := buildCalendars(cfg)
	if err != nil {
		return err
	}
	signer, err := buildSigner(ctx, cfg, "", db, log)
	if err != nil {
		return err
	}
	w := worker.New(tc, workerDeps(db, notifier, cals, signer), worker.Options{StopTimeout: cfg.ShutdownTimeout})
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	if err := worker.EnsurePlanningSchedules(ctx, tc, cfg.PlanningSchedules); err != nil {
		return err
	}
	log.Info().Msg("worker polling")
	<-ctx.Done()
	w.Stop()
	return nil
}

// runMigrate applies pending migrations; run it before rolling out api and worker.
func runMigrate(ctx context.Context, cfg config, log zerolog.Logger) error {
	cfg.print(log, "migrate")
	db, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	for _, m := range applied {
		log.Info().Int64("version", m.Version).Str("name", m.Name).Msg("migration applied")
	}
	current, latest, err := db.MigrationVersions(ctx)
	if err != nil {
		return err
	}
	if current != latest {
		return errors.New("database is not at the latest version after migrating")
	}
	log.Info().Int64("version", current).Int("applied", len(applied)).Msg("database schema is current")
	return nil
}

// consoleConfig is the web console's part of the configuration: development sign-in under
// `profdev dev`, OIDC sign-in against AUTH_ISSUER when a client ID is set.
func consoleConfig(cfg config, dev bool) console.Config {
	c := console.Config{DevSignIn: dev, TemporalUIURL: cfg.TemporalUIURL, TemporalNamespace: cfg.TemporalNamespace}
	if cfg.AuthIssuer != "" && cfg.OIDCClientID != "" {
		c.OIDC = console.OIDCConfig{Issuer: cfg.AuthIssuer, ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCClientSecret, RoleClaims: !cfg.AuthFromRegistry}
	}
	return c
}
