// Package postgres is profdev's storage adapter: a pgx/v5 pool, the schema migrations
// embedded in the binary, and the store methods. Each store method is one transaction, and
// PostgreSQL errors become domain errors here, so no caller ever sees a driver error.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/profdev/profdev/internal/domain"
)

// DB is the store: every exported method is one transaction boundary.
type DB struct {
	pool *pgxpool.Pool
	log  zerolog.Logger
}

// Config is how to reach the database.
type Config struct {
	URL      string
	MaxConns int32 // 0 keeps pgx's default
}

// Open connects a pool and checks that the server answers.
func Open(ctx context.Context, cfg Config, log zerolog.Logger) (*DB, error) {
	pcfg, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("postgres.Open: parse database URL: %w", err)
	}
	if cfg.MaxConns > 0 {
		pcfg.MaxConns = cfg.MaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("postgres.Open: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres.Open: ping: %w", err)
	}
	return &DB{pool: pool, log: log}, nil
}

// Close releases the pool.
func (db *DB) Close() { db.pool.Close() }

// Pool exposes the pool to tests and benchmarks that seed or inspect rows directly; the
// product goes through the store's methods.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.pool.Ping(ctx) }

// maxTxAttempts bounds retries of a transaction that lost a serialization race.
const maxTxAttempts = 5

// InTx runs fn in one transaction at the given isolation level, retrying it from the start
// when PostgreSQL reports a serialization failure or deadlock, and maps the final error.
func (db *DB) InTx(ctx context.Context, iso pgx.TxIsoLevel, fn func(pgx.Tx) error) error {
	var err error
	for attempt := 1; attempt <= maxTxAttempts; attempt++ {
		err = pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: iso}, fn)
		if !retryable(err) {
			break
		}
		db.log.Debug().Int("attempt", attempt).Err(err).Msg("retrying transaction after serialization failure")
		select {
		case <-ctx.Done():
			return mapError(ctx.Err())
		case <-time.After(time.Duration(attempt*attempt) * 5 * time.Millisecond):
		}
	}
	return mapError(err)
}

func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

// mapError turns driver errors into domain errors; domain errors pass through unchanged.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Wrap(err, domain.CodeNotFound, "record not found")
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return domain.Wrap(err, domain.CodeUnavailable, "the database did not answer in time")
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505":
			return domain.Wrap(err, domain.CodeConflict, "a record with the same identity already exists")
		case "23503":
			return domain.Wrap(err, domain.CodeNotFound, "a referenced record does not exist")
		case "23514", "22P02", "22007", "22008", "23502":
			return domain.Wrap(err, domain.CodeInvalid, "the value is not acceptable")
		case "40001", "40P01":
			// Still losing after InTx's own retries: a retry later will win, so the step waits
			// rather than fails (a conflict would end an activity for good).
			return domain.Wrap(err, domain.CodeUnavailable, "concurrent changes kept winning; try again")
		case "57P01", "57P02", "57P03", "08000", "08003", "08006":
			return domain.Wrap(err, domain.CodeUnavailable, "the database is unavailable")
		}
	}
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) {
		return domain.Wrap(err, domain.CodeUnavailable, "the database is unavailable")
	}
	return domain.Wrap(err, domain.CodeInternal, "storage error")
}
