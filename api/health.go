package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/client"
)

// Readiness is what /readyz checks: each dependency the API cannot serve without.
type Readiness interface {
	Ping(ctx context.Context) error
	MigrationVersions(ctx context.Context) (current, latest int64, err error)
}

// healthz says the process is alive; it checks nothing else on purpose.
func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok", "version": s.cfg.Version})
}

type readyCheck struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// readyz says whether PostgreSQL and Temporal answer and the schema is current.
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	checks := map[string]readyCheck{}
	ready := true
	record := func(name string, err error) {
		if err != nil {
			ready = false
			checks[name] = readyCheck{Error: err.Error()}
			return
		}
		checks[name] = readyCheck{OK: true}
	}
	record("postgres", s.ready.Ping(ctx))
	current, latest, err := s.ready.MigrationVersions(ctx)
	if err == nil && current != latest {
		err = errMigrations{current: current, latest: latest}
	}
	record("migrations", err)
	_, err = s.temporal.CheckHealth(ctx, &client.CheckHealthRequest{})
	record("temporal", err)
	status := http.StatusOK
	word := "ready"
	if !ready {
		status, word = http.StatusServiceUnavailable, "unavailable"
	}
	c.JSON(status, gin.H{"status": word, "checks": checks})
}

type errMigrations struct{ current, latest int64 }

func (e errMigrations) Error() string {
	return "database schema is at version " + strconv.FormatInt(e.current, 10) + ", this build needs " + strconv.FormatInt(e.latest, 10) + ": run `profdev migrate`"
}
