package pgtest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/profdev/profdev/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestDatabasesAreIsolated(t *testing.T) {
	ctx := context.Background()
	a, b := connect(t, pgtest.NewDatabase(t)), connect(t, pgtest.NewDatabase(t))

	var nameA, nameB string
	mustScan(t, a.QueryRow(ctx, "SELECT current_database()"), &nameA)
	mustScan(t, b.QueryRow(ctx, "SELECT current_database()"), &nameB)
	if nameA == nameB {
		t.Fatalf("both DSNs lead to database %s", nameA)
	}

	if _, err := a.Exec(ctx, "CREATE TABLE items (id int PRIMARY KEY); INSERT INTO items VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	_, err := b.Exec(ctx, "SELECT * FROM items")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42P01" { // undefined_table
		t.Errorf("table of database %s visible from %s: err = %v", nameA, nameB, err)
	}
}

func TestDatabaseStartsEmpty(t *testing.T) {
	conn := connect(t, pgtest.NewDatabase(t))
	var tables int
	mustScan(t, conn.QueryRow(context.Background(),
		"SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"), &tables)
	if tables != 0 {
		t.Errorf("new database has %d tables", tables)
	}
}

func TestDSNWorksWithPool(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, "CREATE TABLE kv (k text PRIMARY KEY, v text)"); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "INSERT INTO kv VALUES ($1, $2)", "greeting", "hello"); err != nil {
		t.Fatal(err)
	}
	var v string
	mustScan(t, pool.QueryRow(ctx, "SELECT v FROM kv WHERE k = $1", "greeting"), &v)
	if v != "hello" {
		t.Errorf("v = %q", v)
	}
}

func TestDatabaseIsDroppedAfterTest(t *testing.T) {
	ctx := context.Background()
	var dropped string
	t.Run("owner", func(t *testing.T) {
		dsn := pgtest.NewDatabase(t)
		conn := connect(t, dsn)
		mustScan(t, conn.QueryRow(ctx, "SELECT current_database()"), &dropped)
		// A session the test forgets to close must not stop the drop (WITH (FORCE)).
		if _, err := pgx.Connect(ctx, dsn); err != nil {
			t.Fatal(err)
		}
	})

	conn := connect(t, pgtest.NewDatabase(t))
	var exists bool
	mustScan(t, conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", dropped), &exists)
	if exists {
		t.Errorf("database %s still exists after its test finished", dropped)
	}
}

func TestParallelTests(t *testing.T) {
	for i := range 8 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			conn := connect(t, pgtest.NewDatabase(t))
			if _, err := conn.Exec(context.Background(), "CREATE TABLE t (x int)"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatalf("connect to %s: %v", dsn, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func mustScan(t *testing.T, row pgx.Row, dest ...any) {
	t.Helper()
	if err := row.Scan(dest...); err != nil {
		t.Fatal(err)
	}
}
