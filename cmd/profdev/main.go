// Command profdev is the one binary of profdev: `dev` runs the whole system in one process;
// `api`, `worker` and `migrate` are the production pieces, configured by environment;
// `token` mints a development token; `version` prints the build.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"

	"github.com/profdev/profdev/internal/logging"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `profdev: professional development of civil servants on Temporal workflows

Usage:
  profdev dev [--data-dir .data] [--http-addr 127.0.0.1:8080] [--ui-port 8233] [--temporal-port 7233]
      the whole system in one process: Temporal server and Web UI, PostgreSQL
      (unless DATABASE_URL is set), migrations, the worker and the API
  profdev api       the HTTP API            (DATABASE_URL, TEMPORAL_ADDRESS, HTTP_ADDR, AUTH_*)
  profdev worker    the Temporal worker     (DATABASE_URL, TEMPORAL_ADDRESS, SMTP_*)
  profdev migrate   apply database migrations (DATABASE_URL)
  profdev token --role ROLE [--authority A | --agency A | --provider P | --servant S]
                [--name NAME] [--sub SUB] [--ttl 720h] [--data-dir .data]
      mint a development token signed with the dev key of --data-dir
  profdev version

Environment: DATABASE_URL, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TLS,
TEMPORAL_TLS_CA_FILE, TEMPORAL_TLS_CERT_FILE, TEMPORAL_TLS_KEY_FILE, TEMPORAL_API_KEY,
HTTP_ADDR, PUBLIC_BASE_URL, AUTH_ISSUER, AUTH_JWKS_URL, AUTH_PUBLIC_KEY_FILE, AUTH_AUDIENCE,
AUTH_TOKEN_ISSUER, AUTH_FROM_REGISTRY, SMTP_HOST, SMTP_PORT, SMTP_USERNAME, SMTP_PASSWORD, SMTP_TLS, MAIL_FROM,
LOG_LEVEL, LOG_FORMAT (json|pretty), REGIONAL_HOLIDAYS, SHUTDOWN_TIMEOUT.
`

func main() {
	if err := run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "profdev:", err)
		}
		os.Exit(1)
	}
}

func run(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("a subcommand is required")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	cmd, rest := args[0], args[1:]
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, versionString())
		return nil
	case "token":
		return runToken(rest, stdout, stderr)
	case "temporal":
		return runTemporal(ctx, rest, getenv, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}

	switch cmd {
	case "dev", "api", "worker", "migrate":
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown subcommand %q", cmd)
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log, err := logging.New(logging.Config{Level: cfg.LogLevel, Pretty: cfg.LogFormat == "pretty"}, stderr)
	if err != nil {
		return err
	}
	log = log.With().Str("version", version).Logger()
	switch cmd {
	case "dev":
		return runDev(ctx, rest, cfg, getenv, stdout, stderr)
	case "api":
		return runAPI(ctx, cfg, log)
	case "worker":
		return runWorker(ctx, cfg, log)
	case "migrate":
		return runMigrate(ctx, cfg, log)
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown subcommand %q", cmd)
}

func versionString() string {
	s := "profdev " + version + " (" + runtime.Version() + ")"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			switch d.Path {
			case "go.temporal.io/sdk", "go.temporal.io/server":
				s += "\n  " + d.Path + " " + d.Version
			}
		}
	}
	return s
}
