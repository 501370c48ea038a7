// Package devtemporal runs a Temporal server and the Temporal Web UI inside
// the profdev process, for `profdev dev`.
//
// The server keeps its state in a SQLite file under Config.DataDir, so
// workflows survive restarts of profdev. It runs the four Temporal services
// in-process with static membership, which makes it ready in a couple of
// seconds, and registers the custom search attributes profdev needs on every
// start, so that attributes added by a newer profdev reach an existing
// database too.
//
// The services listen on loopback ports chosen at each start; the port SDK
// clients dial (Config.FrontendPort) is bound by Start itself before anything
// else and forwarded to the frontend (see frontendProxy), so that a port
// another process takes in the moment between choosing and binding it costs a
// retry with new ports, never the start (see buildServer).
//
// It is a development tool: no authentication, no TLS, one history shard.
package devtemporal

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/rs/zerolog"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/temporal"

	"github.com/profdev/profdev/internal/devtemporal/searchattr"
)

// Defaults applied by Start to zero Config fields, except DefaultUIPort:
// a zero UIPort disables the UI.
const (
	DefaultIP           = "127.0.0.1"
	DefaultFrontendPort = 7233
	DefaultUIPort       = 8233
	DefaultNamespace    = "default"
)

// DatabaseFile is the name of the SQLite database inside Config.DataDir.
const DatabaseFile = "temporal.db"

// startTimeout bounds the readiness phase of Start when the caller's
// context has no deadline: a local server that is not ready by then will
// not become ready.
const startTimeout = time.Minute

// Config configures Start.
type Config struct {
	// DataDir holds the SQLite database (DataDir/temporal.db). It is
	// created if needed. Required.
	DataDir string
	// IP is the address the frontend and the UI listen on. Defaults to
	// 127.0.0.1. The other Temporal services always listen on 127.0.0.1.
	IP string
	// FrontendPort is the gRPC port of the frontend, the one SDK clients
	// dial. Defaults to 7233.
	FrontendPort int
	// UIPort is the HTTP port of the Web UI; 0 disables the UI. There is
	// no implicit default because 0 is taken: callers offer DefaultUIPort
	// (8233) as the default of their own setting.
	UIPort int
	// Namespace is created on first start. Defaults to "default".
	Namespace string
	// SearchAttributes are the custom search attributes registered on
	// Namespace, on every start if missing.
	SearchAttributes map[string]enumspb.IndexedValueType
	// Logger receives the server's logs and devtemporal's own. The zero
	// value discards everything.
	Logger zerolog.Logger
	// ServerInfoLevel is the level at which the server's Info messages are
	// logged. The zero value is zerolog.DebugLevel: the server is chatty,
	// and Start logs the few lines a user needs at Info itself.
	ServerInfoLevel zerolog.Level
}

func (c Config) withDefaults() Config {
	if c.IP == "" {
		c.IP = DefaultIP
	}
	if c.FrontendPort == 0 {
		c.FrontendPort = DefaultFrontendPort
	}
	if c.Namespace == "" {
		c.Namespace = DefaultNamespace
	}
	return c
}

func (c Config) validate() error {
	if c.DataDir == "" {
		return errors.New("DataDir is required")
	}
	// The server parses the bind address itself and exits the process on
	// failure, so a host name must be rejected here.
	if net.ParseIP(c.IP) == nil {
		return fmt.Errorf("IP %q is not an IP address", c.IP)
	}
	if c.FrontendPort < 1 || c.FrontendPort > 65535 {
		return fmt.Errorf("FrontendPort %d is out of range", c.FrontendPort)
	}
	if c.UIPort < 0 || c.UIPort > 65535 {
		return fmt.Errorf("UIPort %d is out of range", c.UIPort)
	}
	return nil
}

func (c Config) uiEnabled() bool { return c.UIPort > 0 }

// Server is a running Temporal server, with its Web UI unless disabled.
type Server struct {
	cfg          Config
	log          zerolog.Logger
	temporal     temporal.Server
	serverLog    *serverLogger
	ports        serverPorts // internal: the frontend's public port is the proxy's
	proxy        *frontendProxy
	ui           *webUI
	frontendAddr string

	stopOnce sync.Once
	stopErr  error
}

// Start starts the Temporal server and, unless disabled, the Web UI. It
// returns once the frontend serves requests, the search attributes are
// registered and the UI answers; ctx bounds that wait (one minute if ctx
// has no deadline). On error nothing is left running.
func Start(ctx context.Context, cfg Config) (_ *Server, err error) {
	begin := time.Now()
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("devtemporal: invalid config: %w", err)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, startTimeout)
		defer cancel()
	}
	logger := cfg.Logger.With().Str("component", "temporal").Logger()

	dataDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("devtemporal: resolve data dir: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("devtemporal: create data dir: %w", err)
	}

	// The frontend's public port is bound here and held: see frontendProxy.
	bindAddr := net.JoinHostPort(cfg.IP, strconv.Itoa(cfg.FrontendPort))
	public, err := net.Listen("tcp", bindAddr)
	if err != nil {
		return nil, fmt.Errorf("devtemporal: frontend: address %s is not available (is another Temporal server running?): %w", bindAddr, err)
	}
	proxy := newFrontendProxy(public, logger)
	defer func() {
		if err != nil && proxy != nil {
			_ = proxy.close()
		}
	}()
	// The UI server exits the process when it cannot bind, so check first.
	if cfg.uiEnabled() {
		if err := checkPortFree(net.JoinHostPort(cfg.IP, strconv.Itoa(cfg.UIPort))); err != nil {
			return nil, fmt.Errorf("devtemporal: web UI: %w", err)
		}
	}
	sql := sqlConfig(filepath.Join(dataDir, DatabaseFile))
	created, err := prepareDatabase(cfg, sql)
	if err != nil {
		return nil, fmt.Errorf("devtemporal: %w", err)
	}
	logger.Debug().Str("database", sql.DatabaseName).Bool("created", created).Msg("Temporal database ready")

	serverLog := newServerLogger(logger, cfg.ServerInfoLevel)
	ts, ports, err := buildServer(cfg, sql, serverLog, logger)
	if err != nil {
		return nil, fmt.Errorf("devtemporal: %w", err)
	}
	// Start does not block: the services run in background goroutines.
	if err := ts.Start(); err != nil {
		_ = ts.Stop()
		return nil, fmt.Errorf("devtemporal: start Temporal server: %w", err)
	}

	internalFrontend := net.JoinHostPort(loopback, strconv.Itoa(ports.frontend))
	proxy.serve(internalFrontend)
	s := &Server{
		cfg:          cfg,
		log:          logger,
		temporal:     ts,
		serverLog:    serverLog,
		ports:        ports,
		proxy:        proxy,
		frontendAddr: dialAddress(cfg.IP, cfg.FrontendPort),
	}
	proxy = nil // s.Stop closes it from here on
	defer func() {
		if err != nil {
			if stopErr := s.Stop(); stopErr != nil {
				logger.Warn().Err(stopErr).Msg("Stopping Temporal after a failed start")
			}
		}
	}()

	if err := s.awaitReady(ctx); err != nil {
		return nil, fmt.Errorf("devtemporal: %w", err)
	}
	logger.Debug().Dur("took", time.Since(begin)).Msg("Temporal frontend ready")

	if cfg.uiEnabled() {
		s.ui, err = startUI(ctx, cfg, internalFrontend)
		if err != nil {
			return nil, fmt.Errorf("devtemporal: %w", err)
		}
	}

	logger.Info().
		Str("frontend", s.frontendAddr).
		Str("ui", s.UIAddress()).
		Str("namespace", cfg.Namespace).
		Str("database", sql.DatabaseName).
		Dur("took", time.Since(begin)).
		Msg("Temporal dev server started")
	return s, nil
}

// portAttempts is how many sets of internal ports buildServer tries: each
// attempt fails only if another process bound one of its ports in the moment
// between our choosing it and the server binding it.
const portAttempts = 5

// pickPortsFunc is pickPorts; tests replace it to lose the race on purpose.
var pickPortsFunc = pickPorts

// buildServer builds the Temporal server on free internal ports. The server
// binds each service's listener while it is built, on ports chosen a moment
// earlier; when another process took one meanwhile, the attempt is abandoned
// and the next one tries new ports. An abandoned attempt keeps the listeners
// it had bound (the server offers no way to close them), which is why every
// port it binds is an internal one (see frontendProxy).
func buildServer(cfg Config, sql *config.SQL, serverLog *serverLogger, logger zerolog.Logger) (temporal.Server, serverPorts, error) {
	for attempt := 1; ; attempt++ {
		ports, err := pickPortsFunc()
		if err != nil {
			return nil, serverPorts{}, err
		}
		ts, err := newTemporal(serverOptions(cfg, serverConfig(cfg, sql, ports), ports, serverLog), serverLog)
		if err == nil {
			return ts, ports, nil
		}
		var fatal *startupFatal
		if !errors.As(err, &fatal) || !fatal.bindFailure() {
			return nil, serverPorts{}, fmt.Errorf("create Temporal server: %w", err)
		}
		if attempt == portAttempts {
			return nil, serverPorts{}, fmt.Errorf("create Temporal server: %d attempts lost their ports to other processes; last: %w", attempt, err)
		}
		logger.Warn().Str("service", fatal.service).Str("address", fatal.address).Int("attempt", attempt).
			Msg("Another process took a Temporal port before the server could bind it; trying new ports")
	}
}

// newTemporal is temporal.NewServer with the server's Fatal calls turned into
// an error (see serverLogger.Fatal).
func newTemporal(opts []temporal.ServerOption, serverLog *serverLogger) (ts temporal.Server, err error) {
	serverLog.building.Store(true)
	defer serverLog.building.Store(false)
	defer func() {
		if r := recover(); r != nil {
			fatal, ok := r.(*startupFatal)
			if !ok {
				panic(r)
			}
			ts, err = nil, fatal
		}
	}()
	return temporal.NewServer(opts...)
}

// awaitReady waits until the frontend serves requests, then registers the
// missing search attributes and waits until the server accepts them.
func (s *Server) awaitReady(ctx context.Context) error {
	// A lazy client does not fail when the frontend is not listening yet;
	// CheckHealth below is what waits for it.
	c, err := client.NewLazyClient(client.Options{
		HostPort:  s.frontendAddr,
		Namespace: s.cfg.Namespace,
		Logger:    sdkLogger{zl: s.log},
	})
	if err != nil {
		return fmt.Errorf("create Temporal client: %w", err)
	}
	defer c.Close()

	if err := waitHealthy(ctx, c); err != nil {
		return err
	}

	added, err := searchattr.Ensure(ctx, c, s.cfg.Namespace, s.cfg.SearchAttributes)
	if err != nil {
		return err
	}
	if len(added) == 0 {
		return nil
	}
	// Every service sees the new attributes at its next namespace cache
	// refresh, at most one interval after they were stored. History,
	// which validates the upserts of workflows, cannot be asked whether
	// it did, so that delay is waited out; the frontend is checked too.
	cachesRefreshed := time.Now().Add(namespaceRefreshInterval + namespaceRefreshInterval/2)
	s.log.Info().Strs("attributes", added).Str("namespace", s.cfg.Namespace).Msg("Registered search attributes")
	if err := searchattr.WaitQueryable(ctx, c, s.cfg.Namespace, added); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return fmt.Errorf("wait for namespace caches: %w", ctx.Err())
	case <-time.After(time.Until(cachesRefreshed)):
	}
	return nil
}

// waitHealthy polls the frontend's gRPC health check until it reports
// serving: the server's Start returns before its listeners accept calls.
func waitHealthy(ctx context.Context, c client.Client) error {
	const interval = 50 * time.Millisecond
	for {
		attemptCtx, cancel := context.WithTimeout(ctx, time.Second)
		_, err := c.CheckHealth(attemptCtx, &client.CheckHealthRequest{})
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("frontend not healthy: %w (last error: %w)", ctx.Err(), err)
		case <-time.After(interval):
		}
	}
}

// FrontendAddress is the host:port SDK clients dial.
func (s *Server) FrontendAddress() string { return s.frontendAddr }

// UIAddress is the host:port of the Web UI (serving http), or "" if the UI
// is disabled.
func (s *Server) UIAddress() string {
	if s.ui == nil {
		return ""
	}
	return s.ui.addr
}

// Namespace is the namespace created for profdev.
func (s *Server) Namespace() string { return s.cfg.Namespace }

// Stop stops the Web UI, then the Temporal server. It is safe to call more
// than once; later calls return the result of the first.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		begin := time.Now()
		// Services stopping one after the other make the remaining ones
		// warn about their peers; none of that is actionable.
		s.serverLog.quiet()
		var errs []error
		if s.ui != nil {
			if err := s.ui.stop(); err != nil {
				errs = append(errs, fmt.Errorf("stop web UI: %w", err))
			}
		}
		// Clients are cut off first, so that the server's shutdown does not wait on them.
		if s.proxy != nil {
			if err := s.proxy.close(); err != nil {
				errs = append(errs, fmt.Errorf("stop frontend proxy: %w", err))
			}
		}
		if err := s.temporal.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("stop Temporal server: %w", err))
		}
		s.stopErr = errors.Join(errs...)
		s.log.Info().Dur("took", time.Since(begin)).Msg("Temporal dev server stopped")
	})
	return s.stopErr
}
