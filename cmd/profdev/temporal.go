package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/cluster"
	tconfig "go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	tlog "go.temporal.io/server/common/log"
	"go.temporal.io/server/common/membership/static"
	"go.temporal.io/server/common/metrics"
	pgplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/postgresql"
	"go.temporal.io/server/common/primitives"
	"go.temporal.io/server/temporal"
	"go.temporal.io/server/tools/common/schema"
	sqltool "go.temporal.io/server/tools/sql"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/profdev/profdev/internal/devtemporal/searchattr"
	"github.com/profdev/profdev/internal/logging"
	"github.com/profdev/profdev/workflows"
)

// runTemporal hosts a Temporal server (all four services in one process) on PostgreSQL
// persistence and visibility: the production shape of the cluster on one machine, for the
// topology test and for a small installation that does not run Temporal's Helm chart. It
// sets up or upgrades both schemas with the server's own schema tool (the embedded
// postgresql/v12 files, as `temporal-sql-tool setup-schema -v 0.0` then `update-schema`
// do), creates the namespace and registers profdev's search attributes, then serves until
// SIGTERM. Restarting it on the same databases finds every workflow again.
func runTemporal(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("temporal", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		persistence = fs.String("persistence-url", "", "PostgreSQL URL of the history database, e.g. postgres://temporal:pw@db:5432/temporal")
		visibility  = fs.String("visibility-url", "", "PostgreSQL URL of the visibility database, e.g. postgres://temporal:pw@db:5432/temporal_visibility")
		ip          = fs.String("ip", "127.0.0.1", "address the frontend listens on")
		port        = fs.Int("port", 7233, "frontend gRPC port")
		namespace   = fs.String("namespace", cfg.TemporalNamespace, "namespace created with profdev's search attributes")
		shards      = fs.Int("history-shards", 4, "history shards; fixed at the first start, never change it afterwards")
		retention   = fs.Duration("retention", 30*24*time.Hour, "how long closed workflows are kept")
		metricsAddr = fs.String("metrics-addr", "", "Prometheus listen address for the server's metrics (empty: none)")
		setup       = fs.Bool("setup-schema", true, "create or upgrade both schemas before starting")
		serverLevel = fs.String("server-log-level", "warn", "level of the server's own logs")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if net.ParseIP(*ip) == nil {
		return fmt.Errorf("--ip %q is not an IP address", *ip)
	}
	log, err := logging.New(logging.Config{Level: cfg.LogLevel, Pretty: cfg.LogFormat == "pretty"}, stderr)
	if err != nil {
		return err
	}
	log = log.With().Str("piece", "temporal").Str("version", version).Logger()
	store, err := temporalSQL(*persistence, "--persistence-url")
	if err != nil {
		return err
	}
	vis, err := temporalSQL(*visibility, "--visibility-url")
	if err != nil {
		return err
	}
	slog := tlog.NewZapLogger(tlog.BuildZapLogger(tlog.Config{Level: *serverLevel, Format: "json"}))
	began := time.Now()
	if *setup {
		for _, s := range []struct {
			sql  *tconfig.SQL
			name string
		}{{store, "postgresql/v12/temporal"}, {vis, "postgresql/v12/visibility"}} {
			if err := setupTemporalSchema(s.sql, s.name, slog); err != nil {
				return err
			}
		}
		log.Info().Str("persistence", store.DatabaseName).Str("visibility", vis.DatabaseName).Msg("Temporal schemas are current")
	}

	ports := serverPorts{frontend: *port}
	for _, p := range []*int{&ports.history, &ports.matching, &ports.worker} {
		if *p, err = freeLoopbackPort(); err != nil {
			return err
		}
	}
	frontend := net.JoinHostPort(*ip, strconv.Itoa(*port))
	dial := frontend
	if net.ParseIP(*ip).IsUnspecified() {
		dial = net.JoinHostPort("127.0.0.1", strconv.Itoa(*port))
	}
	if l, err := net.Listen("tcp", frontend); err != nil { // the server exits the process when it cannot bind
		return fmt.Errorf("frontend address %s: %w", frontend, err)
	} else {
		l.Close()
	}
	conf := temporalServerConfig(store, vis, *ip, dial, ports, *shards, *metricsAddr)
	host := func(ip string, port int) static.Hosts {
		return static.SingleLocalHost(net.JoinHostPort(ip, strconv.Itoa(port)))
	}
	dialHost, _, _ := net.SplitHostPort(dial)
	ts, err := temporal.NewServer(
		temporal.WithConfig(conf),
		temporal.ForServices(temporal.DefaultServices),
		// One process hosts every service; static membership spares the gossip ring's join.
		temporal.WithStaticHosts(map[primitives.ServiceName]static.Hosts{
			primitives.FrontendService: host(dialHost, ports.frontend),
			primitives.HistoryService:  host("127.0.0.1", ports.history),
			primitives.MatchingService: host("127.0.0.1", ports.matching),
			primitives.WorkerService:   host("127.0.0.1", ports.worker),
		}),
		temporal.WithLogger(slog),
		temporal.WithDynamicConfigClient(dynamicconfig.StaticClient{
			// Search attributes registered at start reach every service within a second.
			dynamicconfig.NamespaceCacheRefreshInterval.Key(): time.Second,
		}),
		temporal.WithAuthorizer(authorization.NewNoopAuthorizer()),
		temporal.WithClaimMapper(func(*tconfig.Config) authorization.ClaimMapper { return authorization.NewNoopClaimMapper() }),
	)
	if err != nil {
		return fmt.Errorf("create Temporal server: %w", err)
	}
	if err := ts.Start(); err != nil {
		_ = ts.Stop()
		return fmt.Errorf("start Temporal server: %w", err)
	}
	defer func() {
		if err := ts.Stop(); err != nil {
			log.Warn().Err(err).Msg("Temporal server stop")
		}
		log.Info().Msg("Temporal server stopped")
	}()
	rctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := prepareNamespace(rctx, dial, *namespace, *retention, log); err != nil {
		return err
	}
	log.Info().Str("frontend", frontend).Str("namespace", *namespace).Int("history_shards", *shards).
		Dur("took", time.Since(began)).Msg("Temporal server ready")
	<-ctx.Done()
	log.Info().Msg("stopping Temporal server")
	return nil
}

// serverPorts are the gRPC ports of the four services of one run.
type serverPorts struct{ frontend, history, matching, worker int }

func freeLoopbackPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// temporalSQL turns a postgres:// URL into the server's SQL settings for the postgres12
// plugin; query parameters (sslmode, ...) become connect attributes.
func temporalSQL(raw, flagName string) (*tconfig.SQL, error) {
	if raw == "" {
		return nil, fmt.Errorf("%s is required", flagName)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" || strings.Trim(u.Path, "/") == "" {
		return nil, fmt.Errorf("%s must be postgres://user:password@host:port/database", flagName)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "5432")
	}
	pw, _ := u.User.Password()
	attrs := map[string]string{}
	for k, v := range u.Query() {
		attrs[k] = v[0]
	}
	return &tconfig.SQL{
		PluginName: pgplugin.PluginName, DatabaseName: strings.Trim(u.Path, "/"), ConnectAddr: host, ConnectProtocol: "tcp",
		User: u.User.Username(), Password: pw, ConnectAttributes: attrs,
		MaxConns: 20, MaxIdleConns: 20, MaxConnLifetime: time.Hour,
	}, nil
}

// setupTemporalSchema creates the schema version tables and applies every versioned step of
// the embedded schema that the database lacks: a no-op on a current database.
func setupTemporalSchema(sql *tconfig.SQL, schemaName string, logger tlog.Logger) error {
	conn, err := sqltool.NewConnection(sql, logger)
	if err != nil {
		return fmt.Errorf("connect to %s for the schema: %w", sql.DatabaseName, err)
	}
	defer conn.Close()
	if err := schema.NewSetupSchemaTask(conn, &schema.SetupConfig{InitialVersion: "0.0"}, logger).Run(); err != nil {
		return fmt.Errorf("set up schema of %s: %w", sql.DatabaseName, err)
	}
	if err := schema.NewUpdateSchemaTask(conn, &schema.UpdateConfig{DBName: sql.DatabaseName, SchemaName: schemaName}, logger).Run(); err != nil {
		return fmt.Errorf("update schema of %s: %w", sql.DatabaseName, err)
	}
	return nil
}

// temporalServerConfig is the static configuration of a one-process server on PostgreSQL.
func temporalServerConfig(store, vis *tconfig.SQL, ip, dial string, p serverPorts, shards int, metricsAddr string) *tconfig.Config {
	const clusterName = "active" // persisted at first start; never change it
	internal := func(port int) tconfig.Service {
		return tconfig.Service{RPC: tconfig.RPC{GRPCPort: port, BindOnIP: "127.0.0.1"}}
	}
	c := &tconfig.Config{
		Global: tconfig.Global{Membership: tconfig.Membership{MaxJoinDuration: 5 * time.Second, BroadcastAddress: "127.0.0.1"}},
		Persistence: tconfig.Persistence{
			DefaultStore: "default", VisibilityStore: "visibility", NumHistoryShards: int32(shards),
			DataStores: map[string]tconfig.DataStore{"default": {SQL: store}, "visibility": {SQL: vis}},
		},
		ClusterMetadata: &cluster.Config{
			FailoverVersionIncrement: 10, MasterClusterName: clusterName, CurrentClusterName: clusterName,
			ClusterInformation: map[string]cluster.ClusterInformation{clusterName: {Enabled: true, InitialFailoverVersion: 1, RPCAddress: dial}},
		},
		DCRedirectionPolicy: tconfig.DCRedirectionPolicy{Policy: "noop"},
		Services: map[string]tconfig.Service{
			string(primitives.FrontendService): {RPC: tconfig.RPC{GRPCPort: p.frontend, BindOnIP: ip}},
			string(primitives.HistoryService):  internal(p.history),
			string(primitives.MatchingService): internal(p.matching),
			string(primitives.WorkerService):   internal(p.worker),
		},
		Archival: tconfig.Archival{History: tconfig.HistoryArchival{State: "disabled"}, Visibility: tconfig.VisibilityArchival{State: "disabled"}},
		NamespaceDefaults: tconfig.NamespaceDefaults{Archival: tconfig.ArchivalNamespaceDefaults{
			History: tconfig.HistoryArchivalNamespaceDefaults{State: "disabled"}, Visibility: tconfig.VisibilityArchivalNamespaceDefaults{State: "disabled"},
		}},
		PublicClient: tconfig.PublicClient{HostPort: dial},
	}
	if metricsAddr != "" {
		c.Global.Metrics = &metrics.Config{Prometheus: &metrics.PrometheusConfig{Framework: metrics.FrameworkOpentelemetry, ListenAddress: metricsAddr, HandlerPath: "/metrics"}}
	}
	return c
}

// prepareNamespace waits for the frontend, registers the namespace unless it exists and
// the search attributes every profdev workflow sets, and waits until they are queryable.
func prepareNamespace(ctx context.Context, addr, namespace string, retention time.Duration, log zerolog.Logger) error {
	c, err := client.NewLazyClient(client.Options{HostPort: addr, Namespace: namespace, Logger: logging.NewSDK(log.Level(zerolog.WarnLevel))})
	if err != nil {
		return err
	}
	defer c.Close()
	for {
		actx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err = c.CheckHealth(actx, &client.CheckHealthRequest{})
		cancel()
		if err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("Temporal frontend not healthy: %w (last error: %v)", ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	for {
		_, err = c.WorkflowService().RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
			Namespace: namespace, WorkflowExecutionRetentionPeriod: durationpb.New(retention),
		})
		var exists *serviceerror.NamespaceAlreadyExists
		if err == nil || errors.As(err, &exists) {
			break
		}
		select { // the system namespace may still be on its way
		case <-ctx.Done():
			return fmt.Errorf("register namespace %q: %w", namespace, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
	// The namespace cache learns of a new namespace at its next refresh.
	for {
		_, err = c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
		if err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("describe namespace %q: %w", namespace, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
	attrs := workflows.SearchAttributes()
	added, err := searchattr.Ensure(ctx, c, namespace, attrs)
	if err != nil {
		return err
	}
	if len(added) > 0 {
		log.Info().Strs("attributes", added).Str("namespace", namespace).Msg("registered search attributes")
		if err := searchattr.WaitQueryable(ctx, c, namespace, added); err != nil {
			return err
		}
		time.Sleep(2 * time.Second) // history validates upserts against its own cache: one refresh and a half
	}
	return nil
}
