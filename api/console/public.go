package console

import (
	"net/http"
	"strconv"

	"github.com/profdev/profdev/internal/app"
	"github.com/profdev/profdev/internal/domain"
)

// The public pages: verification of a certificate (where its QR code leads) and the
// registry of providers. Nobody signs in; nothing personal is shown.

func (c *Console) verify(w http.ResponseWriter, r *http.Request) {
	v, err := c.app.VerifyCertificate(r.Context(), r.PathValue("number"))
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "verify", "Проверка сертификата "+v.Number, v, nil)
}

type registryView struct {
	Page      app.PublicRegistryPage
	Authority string
	Year      int
}

func (c *Console) publicRegistry(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := registryView{Authority: q.Get("authority"), Year: currentYear()}
	if y := q.Get("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || !domain.ValidYear(n) {
			c.renderError(w, r, domain.Invalid("invalid filter", domain.FieldError{Field: "year", Message: domain.YearMessage}))
			return
		}
		v.Year = n
	}
	if v.Authority != "" {
		page, err := c.app.PublicRegistry(r.Context(), v.Authority, v.Year)
		if err != nil {
			c.renderError(w, r, err)
			return
		}
		v.Page = page
	}
	c.render(w, r, http.StatusOK, "registry", "Реестр образовательных организаций", v, nil)
}
