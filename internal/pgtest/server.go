package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/rs/zerolog"
	"github.com/testcontainers/testcontainers-go"
	tcpostgres "github.com/testcontainers/testcontainers-go/modules/postgres"

	"github.com/profdev/profdev/internal/pglocal"
)

const (
	// image is the server the production database runs.
	image = "postgres:15"
	// dockerProbeTimeout bounds the check for a Docker engine, which must not hang a test
	// run on a machine where a socket exists but nothing answers behind it.
	dockerProbeTimeout = 2 * time.Second
	// startTimeout covers pulling the image on a cold Docker cache.
	startTimeout = 5 * time.Minute
)

// containerSettings match those of a pglocal Ephemeral cluster: durability is pointless
// for a server thrown away after the run, and parallel tests each holding a pool need
// connections.
var containerSettings = []string{
	"-c", "fsync=off",
	"-c", "synchronous_commit=off",
	"-c", "full_page_writes=off",
	"-c", "max_connections=200",
}

// startServer starts the shared server: in Docker if an engine answers, else locally, and
// locally too if the container fails (no network to pull the image, say).
func startServer(log zerolog.Logger) (*server, error) {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()

	dockerErr := dockerAnswers()
	if dockerErr == nil {
		s, err := startContainer(ctx, log)
		if err == nil {
			return s, nil
		}
		dockerErr = fmt.Errorf("start a %s container: %w", image, err)
		log.Warn().Err(dockerErr).Msg("falling back to the local PostgreSQL binaries")
	} else {
		log.Info().Str("docker", dockerErr.Error()).Msg("using the local PostgreSQL binaries")
	}

	s, err := startLocal(ctx, log, "")
	if err != nil {
		return nil, noServer(dockerErr, err)
	}
	return s, nil
}

// noServer explains why neither kind of server could be had, and what to install.
func noServer(dockerErr, localErr error) error {
	if errors.Is(localErr, pglocal.ErrNotInstalled) {
		return fmt.Errorf("PostgreSQL server binaries not found and Docker is unusable (%v); "+
			"install the binaries: %s (details: %w)", dockerErr, pglocal.InstallHint, localErr)
	}
	return fmt.Errorf("start a local PostgreSQL server for tests (Docker is unusable: %v): %w", dockerErr, localErr)
}

// dockerAnswers returns nil if a Docker engine answers within dockerProbeTimeout.
func dockerAnswers() error {
	ctx, cancel := context.WithTimeout(context.Background(), dockerProbeTimeout)
	defer cancel()
	answer := make(chan error, 1)
	go func() {
		// NewDockerProvider talks to the engine without a deadline of its own, hence the
		// goroutine; if it hangs, it is abandoned.
		p, err := testcontainers.NewDockerProvider()
		if err != nil {
			answer <- err
			return
		}
		answer <- p.Health(ctx) // also closes p
	}()
	select {
	case err := <-answer:
		if err != nil {
			return fmt.Errorf("no Docker engine: %w", err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("no Docker engine answered within %v", dockerProbeTimeout)
	}
}

func startContainer(ctx context.Context, log zerolog.Logger) (*server, error) {
	log.Info().Str("image", image).Msg("starting PostgreSQL container for tests")
	ctr, err := tcpostgres.Run(ctx, image,
		tcpostgres.WithDatabase("postgres"),
		tcpostgres.WithUsername("postgres"),
		tcpostgres.WithPassword("postgres"),
		tcpostgres.BasicWaitStrategies(),
		testcontainers.WithCmd(append([]string{"postgres"}, containerSettings...)...),
	)
	if err != nil {
		_ = testcontainers.TerminateContainer(ctr) // Run may return a created container on error
		return nil, err
	}
	dsn, err := ctr.ConnectionString(ctx, "sslmode=disable")
	if err != nil {
		_ = testcontainers.TerminateContainer(ctr)
		return nil, err
	}
	return &server{
		kind:     "docker",
		adminDSN: dsn,
		stop: func(ctx context.Context) error {
			return testcontainers.TerminateContainer(ctr, testcontainers.StopContext(ctx))
		},
	}, nil
}

// startLocal starts a throwaway cluster in a new temporary directory; binDir is passed to
// pglocal (empty: search the usual places).
func startLocal(ctx context.Context, log zerolog.Logger, binDir string) (*server, error) {
	sweepLeftovers(log)
	dir, err := os.MkdirTemp("", tempPrefix)
	if err != nil {
		return nil, err
	}
	// MkdirTemp makes it 0700; as root the server runs as the postgres user, who must be
	// able to enter it.
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	began := time.Now()
	c, err := pglocal.Start(ctx, pglocal.Options{
		Dir:       filepath.Join(dir, "cluster"),
		BinDir:    binDir,
		Logger:    log,
		Ephemeral: true,
	})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	log.Info().Str("dir", dir).Int("port", c.Port()).Dur("took", time.Since(began)).Msg("local PostgreSQL for tests is ready")
	return &server{
		kind:     "local",
		adminDSN: c.DSN("postgres"),
		stop: func(ctx context.Context) error {
			return errors.Join(c.Stop(ctx), os.RemoveAll(dir))
		},
	}, nil
}
