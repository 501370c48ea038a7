package devtemporal

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	"github.com/temporalio/ui-server/v2/server/server_options"
)

// uiStopTimeout bounds the wait for the UI's serve loop to return after it
// has been closed.
const uiStopTimeout = 5 * time.Second

// webUI is a running Temporal Web UI server.
type webUI struct {
	server *uiserver.Server
	addr   string
	// done is closed when the server's blocking Start returns.
	done chan struct{}
}

// startUI starts the Web UI on cfg.IP:cfg.UIPort against the frontend at
// frontendAddr and waits until it answers its health endpoint.
func startUI(ctx context.Context, cfg Config, frontendAddr string) (*webUI, error) {
	addr := net.JoinHostPort(cfg.IP, strconv.Itoa(cfg.UIPort))
	srv, err := newUIServer(&uiconfig.Config{
		// The UI server joins host and port with a plain colon.
		Host:                bracketIPv6(cfg.IP),
		Port:                cfg.UIPort,
		TemporalGRPCAddress: frontendAddr,
		EnableUI:            true,
		DefaultNamespace:    cfg.Namespace,
		// Auth stays disabled: a local dev server has no identity
		// provider.
		// The UI is served over plain http, where browsers drop
		// cookies marked Secure; without this the CSRF cookie, hence
		// every write action, would break.
		CORS: uiconfig.CORS{CookieInsecure: true},
		// Request logs go to stdout through echo, bypassing our logger.
		HideLogs: true,
		// Nothing in a local tool should phone home on its own.
		DisableNewsFetch:   true,
		NotifyOnNewVersion: false,
	})
	if err != nil {
		return nil, err
	}

	ui := &webUI{server: srv, addr: dialAddress(cfg.IP, cfg.UIPort), done: make(chan struct{})}
	go func() {
		defer close(ui.done)
		// Start blocks until Stop. It exits the process itself if it
		// cannot listen, which the port check in Start guards against;
		// the error it returns is always nil.
		_ = srv.Start()
	}()

	if err := waitHTTP(ctx, "http://"+ui.addr+"/healthz"); err != nil {
		_ = ui.stop()
		return nil, fmt.Errorf("web UI on %s: %w", addr, err)
	}
	return ui, nil
}

// newUIServer builds the UI server, turning its panics on invalid
// configuration into an error.
func newUIServer(cfg *uiconfig.Config) (srv *uiserver.Server, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("web UI config: %w", err)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("create web UI server: %v", r)
		}
	}()
	return uiserver.NewServer(server_options.WithConfigProvider(cfg)), nil
}

// bracketIPv6 wraps an IPv6 address in brackets so it can be followed by
// ":port".
func bracketIPv6(ip string) string {
	if strings.Contains(ip, ":") {
		return "[" + ip + "]"
	}
	return ip
}

// stop closes the UI server and waits for its serve loop to return.
func (ui *webUI) stop() error {
	ui.server.Stop()
	select {
	case <-ui.done:
		return nil
	case <-time.After(uiStopTimeout):
		return fmt.Errorf("web UI did not stop within %s", uiStopTimeout)
	}
}

// waitHTTP polls url until it answers 200 OK or ctx ends.
func waitHTTP(ctx context.Context, url string) error {
	const interval = 50 * time.Millisecond
	httpClient := &http.Client{Timeout: time.Second}
	var lastErr error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("build request: %w", err)
		}
		resp, err := httpClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		lastErr = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("not ready: %w (last error: %w)", ctx.Err(), lastErr)
		case <-time.After(interval):
		}
	}
}
