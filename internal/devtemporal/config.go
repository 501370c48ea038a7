package devtemporal

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strconv"
	"time"

	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
	"google.golang.org/protobuf/types/known/durationpb"
)

const (
	// clusterName is persisted in the database on first start and must
	// never change afterwards.
	clusterName = "active"

	// namespaceRetention is how long closed workflows stay visible.
	namespaceRetention = 7 * 24 * time.Hour

	// namespaceRefreshInterval is how often every service re-reads the
	// namespace records (server default: 2s). Waiting for it is the price
	// of registering a search attribute on an existing database; the
	// re-read is one query on a table of a few rows.
	namespaceRefreshInterval = time.Second

	// loopback is where the four services listen: the frontend is reached
	// from outside through frontendProxy, the others not at all.
	loopback = "127.0.0.1"
)

// serverPorts are the listening ports of one server run, all on loopback:
// the frontend's public port is served by frontendProxy.
type serverPorts struct {
	frontend, history, matching, worker int
}

// pickPorts returns free ports for the four services. Free ports are found
// by binding port 0 and releasing it: another process may bind one before the
// server does, and buildServer then tries again with new ones.
func pickPorts() (serverPorts, error) {
	var p serverPorts
	for _, port := range []*int{&p.frontend, &p.history, &p.matching, &p.worker} {
		var err error
		if *port, err = freePort(loopback); err != nil {
			return serverPorts{}, err
		}
	}
	return p, nil
}

func freePort(ip string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		return 0, fmt.Errorf("find a free port on %s: %w", ip, err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// checkPortFree fails if addr cannot be bound. The Temporal server and the
// UI server both exit the process when a listener fails, so a port already
// in use must be caught before starting them.
func checkPortFree(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("address %s is not available (is another Temporal server running?): %w", addr, err)
	}
	return l.Close()
}

// sqlConfig returns the SQLite persistence settings for the database file.
func sqlConfig(dbPath string) *config.SQL {
	return &config.SQL{
		PluginName:   sqliteplugin.PluginName,
		DatabaseName: dbPath,
		// Keys other than SQLite URI parameters ("mode") are passed to
		// SQLite as pragmas. WAL with synchronous=NORMAL makes the many
		// small commits of a Temporal server cheap while staying safe
		// against a crash of profdev (only an OS crash can lose the last
		// commits of a dev database, which is acceptable). The plugin
		// keeps a single connection per database unless MaxConns says
		// otherwise; one writer is what SQLite wants, so it is kept.
		ConnectAttributes: map[string]string{
			"mode":         "rwc",
			"journal_mode": "wal",
			"synchronous":  "normal",
			"busy_timeout": "10000",
		},
	}
}

// prepareDatabase creates the schema when the database file does not exist
// yet and creates the namespace when it is missing. Both steps are skipped
// on later starts, so workflows survive restarts.
//
// On creation the namespace gets the custom search attributes directly,
// which spares the first start from waiting for namespace caches; later
// additions go through the OperatorService (see searchattr.Ensure).
func prepareDatabase(cfg Config, sql *config.SQL) (created bool, err error) {
	if _, err := os.Stat(sql.DatabaseName); errors.Is(err, fs.ErrNotExist) {
		if err := sqliteschema.SetupSchema(sql); err != nil {
			// Leave no half-initialised file behind: the next start
			// would take it for a valid database.
			for _, suffix := range []string{"", "-wal", "-shm"} {
				_ = os.Remove(sql.DatabaseName + suffix)
			}
			return false, fmt.Errorf("create Temporal schema in %s: %w", sql.DatabaseName, err)
		}
		created = true
	} else if err != nil {
		return false, fmt.Errorf("check Temporal database: %w", err)
	}

	ns, err := sqliteschema.NewNamespaceConfig(clusterName, cfg.Namespace, false, cfg.SearchAttributes)
	if err != nil {
		return created, fmt.Errorf("build namespace %q: %w", cfg.Namespace, err)
	}
	ns.Detail.Config.Retention = durationpb.New(namespaceRetention)
	// CreateNamespaces leaves an existing namespace untouched.
	if err := sqliteschema.CreateNamespaces(sql, ns); err != nil {
		return created, fmt.Errorf("create namespace %q: %w", cfg.Namespace, err)
	}
	return created, nil
}

// serverConfig builds the static configuration of a single-process server.
func serverConfig(cfg Config, sql *config.SQL, ports serverPorts) *config.Config {
	frontendAddr := net.JoinHostPort(loopback, strconv.Itoa(ports.frontend))
	internal := func(port int) config.Service {
		return config.Service{RPC: config.RPC{GRPCPort: port, BindOnIP: loopback}}
	}
	return &config.Config{
		Global: config.Global{
			// Membership is static (see serverOptions); these only
			// matter to code that reads them regardless.
			Membership: config.Membership{
				MaxJoinDuration:  5 * time.Second,
				BroadcastAddress: loopback,
			},
			// Metrics stay nil, which selects the no-op handler, and
			// PProf.Port stays 0, which disables pprof: a dev server
			// must not occupy ports beyond the ones it announces.
		},
		Persistence: config.Persistence{
			DefaultStore:     sqliteplugin.PluginName,
			VisibilityStore:  sqliteplugin.PluginName,
			NumHistoryShards: 1,
			DataStores: map[string]config.DataStore{
				sqliteplugin.PluginName: {SQL: sql},
			},
		},
		ClusterMetadata: &cluster.Config{
			EnableGlobalNamespace:    false,
			FailoverVersionIncrement: 10,
			MasterClusterName:        clusterName,
			CurrentClusterName:       clusterName,
			ClusterInformation: map[string]cluster.ClusterInformation{
				clusterName: {
					Enabled:                true,
					InitialFailoverVersion: 1,
					RPCAddress:             frontendAddr,
				},
			},
		},
		DCRedirectionPolicy: config.DCRedirectionPolicy{Policy: "noop"},
		Services: map[string]config.Service{
			string(primitives.FrontendService): internal(ports.frontend),
			string(primitives.HistoryService):  internal(ports.history),
			string(primitives.MatchingService): internal(ports.matching),
			string(primitives.WorkerService):   internal(ports.worker),
		},
		Archival: config.Archival{
			History:    config.HistoryArchival{State: "disabled"},
			Visibility: config.VisibilityArchival{State: "disabled"},
		},
		NamespaceDefaults: config.NamespaceDefaults{
			Archival: config.ArchivalNamespaceDefaults{
				History:    config.HistoryArchivalNamespaceDefaults{State: "disabled"},
				Visibility: config.VisibilityArchivalNamespaceDefaults{State: "disabled"},
			},
		},
		// The server's own system workers dial the frontend through this.
		PublicClient: config.PublicClient{HostPort: frontendAddr},
	}
}

// serverOptions returns the options for temporal.NewServer.
func serverOptions(cfg Config, conf *config.Config, ports serverPorts, logger log.Logger) []temporal.ServerOption {
	// Static membership replaces the ringpop gossip ring, whose join
	// dominates the start time of a single-process server.
	host := func(ip string, port int) static.Hosts {
		return static.SingleLocalHost(net.JoinHostPort(ip, strconv.Itoa(port)))
	}
	hosts := map[primitives.ServiceName]static.Hosts{
		primitives.FrontendService: host(loopback, ports.frontend),
		primitives.HistoryService:  host(loopback, ports.history),
		primitives.MatchingService: host(loopback, ports.matching),
		primitives.WorkerService:   host(loopback, ports.worker),
	}

	dynamic := dynamicconfig.StaticClient{
		dynamicconfig.NamespaceCacheRefreshInterval.Key(): namespaceRefreshInterval,
		// The default of 10 visibility requests per second is easily
		// exceeded by the Web UI polling a few lists at once.
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,
		// One matching host serves every task queue here: partitions would only forward
		// polls and tasks between themselves.
		dynamicconfig.MatchingNumTaskqueueReadPartitions.Key():  1,
		dynamicconfig.MatchingNumTaskqueueWritePartitions.Key(): 1,
	}

	return []temporal.ServerOption{
		temporal.WithConfig(conf),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(hosts),
		temporal.WithLogger(logger),
		temporal.WithDynamicConfigClient(dynamic),
		// A local dev server has no authentication.
		temporal.WithAuthorizer(authorization.NewNoopAuthorizer()),
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper {
			return authorization.NewNoopClaimMapper()
		}),
	}
}

// dialAddress is the address clients in this process use to reach a
// listener on ip:port: an unspecified bind address (0.0.0.0, ::) is not
// something to dial, so it is replaced by the loopback address.
func dialAddress(ip string, port int) string {
	if parsed := net.ParseIP(ip); parsed != nil && parsed.IsUnspecified() {
		ip = loopback
	}
	return net.JoinHostPort(ip, strconv.Itoa(port))
}
