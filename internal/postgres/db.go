// Package postgres is profdev's storage adapter: a pgx/v5 pool, the schema migrations
// embedded in the binary, and the store methods. Each store method is one transaction (a read
// of one statement runs outside one, see read), and
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

// querier is what a read of one statement needs; the pool and a transaction both are one.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// read runs a read of one statement on the pool, outside a transaction: one statement sees
// one snapshot anyway, and BEGIN and COMMIT would be two round trips more, each a wait for
// the server that a loaded machine stretches. The error is mapped as InTx maps it.
func (db *DB) read(ctx context.Context, fn func(q querier) error) error {
	return mapError(fn(db.pool))
}

// atomically sends the queued statements in one round trip, where PostgreSQL runs them in
// one implicit transaction: all of them or none. A deadlock is retried as InTx retries it;
// the error is mapped.
func (db *DB) atomically(ctx context.Context, b *pgx.Batch) error {
	var err error
	for attempt := 1; attempt <= maxTxAttempts; attempt++ {
		if err = db.sendBatch(ctx, b); !retryable(err) {
			break
		}
		select {
		case <-ctx.Done():
			return mapError(ctx.Err())
		case <-time.After(time.Duration(attempt*attempt) * 5 * time.Millisecond):
		}
	}
	return mapError(err)
}

func (db *DB) sendBatch(ctx context.Context, b *pgx.Batch) error {
	br := db.pool.SendBatch(ctx, b)
	for range b.Len() {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return err
		}
	}
	return br.Close()
}

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
