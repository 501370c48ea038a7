package console

import (
	"context"
	"crypto/sha256"
	"net/http"

	"github.com/profdev/profdev/internal/postgres"
)

// IdempotencyStore keeps the first outcome of each creating form (the same store, and the
// same table, as the JSON API's Idempotency-Key).
type IdempotencyStore interface {
	ClaimIdempotencyKey(ctx context.Context, r postgres.IdempotentRequest) (*postgres.StoredResponse, error)
	CompleteIdempotencyKey(ctx context.Context, r postgres.IdempotentRequest, resp postgres.StoredResponse) error
	ReleaseIdempotencyKey(ctx context.Context, r postgres.IdempotentRequest) error
}

// once carries out a creating form at most once per form key (a hidden field each such
// form gets when it is shown): a second press of the button, or the browser resending the
// form, is sent to the page the first one led to instead of issuing twice. A refused form
// releases its key, so that the person can correct it and send it again.
func (c *Console) once(w http.ResponseWriter, r *http.Request, run func() (string, error), refused func(error)) {
	key := r.PostFormValue("form_key")
	if c.idem == nil || key == "" {
		target, err := run()
		if err != nil {
			refused(err)
			return
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	sum := sha256.Sum256([]byte(key))
	req := postgres.IdempotentRequest{ActorSub: actorOf(r).Sub, Key: "console:" + key, Method: r.Method, Path: r.URL.Path, RequestHash: sum[:]}
	ctx := r.Context()
	stored, err := c.idem.ClaimIdempotencyKey(ctx, req)
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	if stored != nil {
		http.Redirect(w, r, string(stored.Body), http.StatusSeeOther)
		return
	}
	target, err := run()
	if err != nil {
		_ = c.idem.ReleaseIdempotencyKey(context.WithoutCancel(ctx), req)
		refused(err)
		return
	}
	_ = c.idem.CompleteIdempotencyKey(context.WithoutCancel(ctx), req, postgres.StoredResponse{Status: http.StatusSeeOther, ContentType: "text/uri-list", Body: []byte(target)})
	http.Redirect(w, r, target, http.StatusSeeOther)
}
