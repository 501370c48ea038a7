package console

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/gob"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/profdev/profdev/internal/domain"
)

// Session keys.
const (
	keyActor = "actor" // the signed-in person, as sessionActor
	keyCSRF  = "csrf"
	keyFlash = "flash"
	// maxFormBytes bounds a posted form; a spreadsheet of a batch fits.
	maxFormBytes = 32 << 20
)

// sessionActor is who signed in, as the session keeps it (gob-encoded by scs).
type sessionActor struct {
	Sub, Name, Role, Authority, Agency, Provider, Servant string
}

func init() { gob.Register(sessionActor{}) }

func (s sessionActor) actor() domain.Actor {
	return domain.Actor{Sub: s.Sub, Name: s.Name, Role: domain.Role(s.Role), Authority: s.Authority,
		Agency: s.Agency, Provider: s.Provider, Servant: s.Servant}
}

func toSession(a domain.Actor) sessionActor {
	return sessionActor{Sub: a.Sub, Name: a.Name, Role: string(a.Role), Authority: a.Authority,
		Agency: a.Agency, Provider: a.Provider, Servant: a.Servant}
}

type actorCtxKey struct{}

// actorOf is the signed-in person of a request that passed signedIn.
func actorOf(r *http.Request) domain.Actor {
	a, _ := r.Context().Value(actorCtxKey{}).(domain.Actor)
	return a
}

// signIn starts a fresh session for the person (a new token, so that a session fixed
// before sign-in is worth nothing).
func (c *Console) signIn(ctx context.Context, a domain.Actor) error {
	if err := c.sessions.RenewToken(ctx); err != nil {
		return err
	}
	c.sessions.Put(ctx, keyActor, toSession(a))
	c.sessions.Put(ctx, keyCSRF, newToken())
	return nil
}

// signedIn lets only a signed-in person through, sending others to /login (and back here
// after). With authorisation from the registry, the registry is asked on every request: a
// person blocked since signing in is signed out at once.
func (c *Console) signedIn(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		sa, ok := c.sessions.Get(ctx, keyActor).(sessionActor)
		if !ok || sa.Sub == "" {
			c.toLogin(w, r, "")
			return
		}
		a := sa.actor()
		if c.cfg.RegistryAuthorisation {
			current, err := c.app.ActorFromRegistry(ctx, a)
			if err != nil {
				if domain.IsCode(err, domain.CodeForbidden) {
					_ = c.sessions.Destroy(ctx)
					c.toLogin(w, r, "blocked")
					return
				}
				c.renderError(w, r, err)
				return
			}
			a = current
		}
		log := zerolog.Ctx(ctx).With().Str("actor_sub", a.Sub).Str("actor_role", string(a.Role)).Logger()
		ctx = log.WithContext(context.WithValue(ctx, actorCtxKey{}, a))
		h(w, r.WithContext(ctx))
	}
}

func (c *Console) toLogin(w http.ResponseWriter, r *http.Request, reason string) {
	q := url.Values{}
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		q.Set("next", r.URL.RequestURI())
	}
	if reason != "" {
		q.Set("reason", reason)
	}
	target := "/login"
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// safeNext keeps a post-sign-in redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

// csrfToken is the session's CSRF token, made on first use.
func (c *Console) csrfToken(ctx context.Context) string {
	tok := c.sessions.GetString(ctx, keyCSRF)
	if tok == "" {
		tok = newToken()
		c.sessions.Put(ctx, keyCSRF, tok)
	}
	return tok
}

// checkCSRF refuses every POST whose form does not carry the session's CSRF token, before
// any handler reads it: nothing changes.
func (c *Console) checkCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		var err error
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			err = r.ParseMultipartForm(8 << 20)
		} else {
			err = r.ParseForm()
		}
		if err != nil {
			c.renderStatus(w, r, http.StatusBadRequest, "Форма не прочитана", "Форма слишком велика или повреждена. Откройте страницу заново и повторите.")
			return
		}
		want := c.sessions.GetString(r.Context(), keyCSRF)
		got := r.PostFormValue("csrf")
		if want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
			zerolog.Ctx(r.Context()).Warn().Str("path", r.URL.Path).Msg("console: form without a valid CSRF token refused")
			c.renderStatus(w, r, http.StatusForbidden, "Срок действия формы истёк",
				"Форма отправлена без действующего ключа защиты. Откройте страницу заново и повторите действие.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// flash keeps a message for the next page the person sees (after a redirect).
func (c *Console) flash(r *http.Request, msg string) { c.sessions.Put(r.Context(), keyFlash, msg) }

func newToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// statusWriter remembers the status written, for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// requestLog gives every request an ID and a logger, and logs it once when it ends.
func (c *Console) requestLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-ID")
		if len(id) < 8 || len(id) > 64 || strings.ContainsAny(id, " \t\r\n\"") {
			id = newToken()[:24]
		}
		w.Header().Set("X-Request-ID", id)
		log := c.log.With().Str("request_id", id).Str("transport", "console").Logger()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(log.WithContext(r.Context())))
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		ev := log.Info()
		if sw.status >= 500 {
			ev = log.Error()
		}
		ev.Str("method", r.Method).Str("path", r.URL.Path).Int("status", sw.status).Dur("latency", time.Since(start)).Msg("request")
	})
}

// recoverPanics turns a panic into the console's error page, logged with its stack.
func (c *Console) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				zerolog.Ctx(r.Context()).Error().Str("panic", fmt.Sprint(v)).Bytes("stack", debug.Stack()).Msg("console handler panicked")
				c.renderError(w, r, domain.Errorf(domain.CodeInternal, "internal error"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}
