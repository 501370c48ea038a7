package api

import (
	"context"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/profdev/profdev/internal/domain"
)

// TokenVerifier turns a bearer token into the caller.
type TokenVerifier interface {
	Verify(ctx context.Context, token string) (domain.Actor, error)
}

const actorKey = "profdev.actor"

// authenticate requires a valid bearer token and puts the caller on the request.
func (s *Server) authenticate() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.GetHeader("Authorization")
		scheme, token, ok := strings.Cut(h, " ")
		if h == "" {
			fail(c, domain.Errorf(domain.CodeUnauthenticated, "missing bearer token: send the header Authorization: Bearer followed by the token"))
			return
		}
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			fail(c, domain.Errorf(domain.CodeUnauthenticated, "malformed Authorization header: expected Bearer <token>"))
			return
		}
		actor, err := s.verifier.Verify(c.Request.Context(), strings.TrimSpace(token))
		if err != nil {
			if domain.ErrorCode(err) != domain.CodeUnauthenticated {
				err = domain.Wrap(err, domain.CodeUnauthenticated, "invalid token")
			}
			fail(c, err)
			return
		}
		if s.cfg.RegistryAuthorisation {
			if actor, err = s.app.ActorFromRegistry(c.Request.Context(), actor); err != nil {
				fail(c, err)
				return
			}
			if actor.Role == domain.RoleApplicant && !applicantRoutes[c.Request.Method+" "+c.FullPath()] {
				fail(c, domain.Forbidden("the caller is not yet connected: only their own connection request is open to them"))
				return
			}
		}
		c.Set(actorKey, actor)
		log := zerolog.Ctx(c.Request.Context()).With().Str("actor_sub", actor.Sub).Str("actor_role", string(actor.Role)).Logger()
		c.Request = c.Request.WithContext(log.WithContext(c.Request.Context()))
		c.Next()
	}
}

// actorOf returns the authenticated caller.
func actorOf(c *gin.Context) domain.Actor {
	v, _ := c.Get(actorKey)
	a, _ := v.(domain.Actor)
	return a
}
