package postgres

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrator opens a goose provider over the pool. The session lock keeps two replicas that
// start together from applying the same migration twice.
func (db *DB) migrator() (*goose.Provider, *sql.DB, error) {
	sqlDB := stdlib.OpenDBFromPool(db.pool)
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, nil, err
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, nil, err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, sub, goose.WithSessionLocker(locker))
	if err != nil {
		_ = sqlDB.Close()
		return nil, nil, err
	}
	return p, sqlDB, nil
}

// MigrationResult is one applied migration.
type MigrationResult struct {
	Version int64
	Name    string
}

// Migrate applies every pending migration and returns what it applied.
func (db *DB) Migrate(ctx context.Context) ([]MigrationResult, error) {
	p, sqlDB, err := db.migrator()
	if err != nil {
		return nil, fmt.Errorf("postgres.Migrate: %w", err)
	}
	defer sqlDB.Close()
	results, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres.Migrate: %w", err)
	}
	out := make([]MigrationResult, 0, len(results))
	for _, r := range results {
		out = append(out, MigrationResult{Version: r.Source.Version, Name: r.Source.Path})
	}
	return out, nil
}

// MigrationVersions returns the version the database is at and the newest one embedded.
func (db *DB) MigrationVersions(ctx context.Context) (current, latest int64, err error) {
	p, sqlDB, err := db.migrator()
	if err != nil {
		return 0, 0, fmt.Errorf("postgres.MigrationVersions: %w", err)
	}
	defer sqlDB.Close()
	current, latest, err = p.GetVersions(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("postgres.MigrationVersions: %w", err)
	}
	return current, latest, nil
}
