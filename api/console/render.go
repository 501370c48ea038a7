package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"cloud.google.com/go/civil"
	"github.com/rs/zerolog"

	"github.com/profdev/profdev/internal/calendar"
	"github.com/profdev/profdev/internal/domain"
)

// pages are the parsed templates: each page is the layout plus its own file.
type pages struct{ byName map[string]*template.Template }

func loadPages() (*pages, error) {
	layout, err := fs.ReadFile(templateFS, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	partials, err := fs.ReadFile(templateFS, "templates/partials.html")
	if err != nil {
		return nil, err
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" || name == "partials" {
			continue
		}
		body, err := fs.ReadFile(templateFS, f)
		if err != nil {
			return nil, err
		}
		t, err := template.New("layout").Funcs(funcs).Parse(string(layout))
		if err == nil {
			_, err = t.Parse(string(partials))
		}
		if err == nil {
			_, err = t.Parse(string(body))
		}
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", name, err)
		}
		p.byName[name] = t
	}
	return p, nil
}

// view is what every page gets: who is signed in, the CSRF token for its forms, the
// message left by the previous step, the errors of a refused form, and the page's data.
type view struct {
	Title   string
	Actor   *domain.Actor
	CSRF    string
	Flash   string
	Problem *problem
	Nav     []navItem
	Path    string
	Version string
	Data    any
}

type navItem struct {
	Href, Label string
	Current     bool
}

// problem is a refused step in words: a heading, what was wrong, and per field what to fix.
type problem struct {
	Title   string
	Message string
	Fields  []fieldProblem
}

type fieldProblem struct {
	Field, Label, Message string
}

// For returns the message about one field (for the error beside it), or "".
func (p *problem) For(field string) string {
	if p == nil {
		return ""
	}
	for _, f := range p.Fields {
		if f.Field == field {
			return f.Message
		}
	}
	return ""
}

// render writes a page with status 200 (or the status of a refused form).
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any, prob *problem) {
	t, ok := c.pages.byName[name]
	if !ok {
		panic("console: no template " + name)
	}
	v := view{Title: title, Problem: prob, Data: data, Path: r.URL.Path, Version: c.cfg.Version}
	if a := actorOf(r); a.Sub != "" {
		v.Actor = &a
		v.Nav = navFor(a, r.URL.Path)
	}
	if hasSession(c, r.Context()) {
		v.CSRF = c.csrfToken(r.Context())
		v.Flash = c.sessions.PopString(r.Context(), keyFlash)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		zerolog.Ctx(r.Context()).Error().Err(err).Str("page", name).Msg("console: render")
		http.Error(w, "Ошибка отображения страницы", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// hasSession reports whether the request went through the session middleware (the
// cross-origin refusal is written before it).
func hasSession(c *Console, ctx context.Context) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	_ = c.sessions.Exists(ctx, keyCSRF)
	return true
}

// renderStatus writes the console's page for a status with a heading and an explanation.
func (c *Console) renderStatus(w http.ResponseWriter, r *http.Request, status int, title, message string) {
	c.render(w, r, status, "error", title, nil, &problem{Title: title, Message: message})
}

// renderError shows a step's refusal as a page: 404 for what the person may not see (or
// does not exist), 403 for a step of another role, 409 for a step the state does not allow,
// 503 while a dependency is down; an internal error says nothing of its cause.
func (c *Console) renderError(w http.ResponseWriter, r *http.Request, err error) {
	p := problemOf(err)
	status := statusOf(err)
	if status >= 500 {
		zerolog.Ctx(r.Context()).Error().Err(err).Msg("console: step failed")
	}
	c.render(w, r, status, "error", p.Title, nil, p)
}

func statusOf(err error) int {
	switch domain.ErrorCode(err) {
	case domain.CodeInvalid:
		return http.StatusBadRequest
	case domain.CodeUnauthenticated:
		return http.StatusUnauthorized
	case domain.CodeForbidden:
		return http.StatusForbidden
	case domain.CodeNotFound:
		return http.StatusNotFound
	case domain.CodeConflict, domain.CodeIdempotencyConflict:
		return http.StatusConflict
	case domain.CodeUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// problemOf puts an error of the application layer in words.
func problemOf(err error) *problem {
	var msg string
	var fields []domain.FieldError
	if de := asDomain(err); de != nil {
		msg, fields = de.Message, de.Fields
	}
	p := &problem{}
	switch domain.ErrorCode(err) {
	case domain.CodeInvalid:
		p.Title = "Исправьте ошибки в форме"
		p.Message = "Проверьте отмеченные поля."
		if len(fields) == 0 {
			p.Message = ruMessage(msg)
		}
	case domain.CodeForbidden:
		p.Title = "Нет доступа"
		p.Message = "Это действие выполняет другой участник процесса. " + ruMessage(msg)
	case domain.CodeNotFound:
		p.Title = "Страница не найдена"
		p.Message = "Такой записи нет, или она вам недоступна. Проверьте адрес или найдите запись через поиск."
	case domain.CodeConflict, domain.CodeIdempotencyConflict:
		p.Title = "Действие сейчас невозможно"
		p.Message = ruMessage(msg)
	case domain.CodeUnavailable:
		p.Title = "Сервис временно недоступен"
		p.Message = "Часть системы сейчас не отвечает. Ничего не потеряно: повторите действие через минуту."
	case domain.CodeUnauthenticated:
		p.Title = "Войдите в систему"
		p.Message = "Сеанс завершён. Войдите снова."
	default:
		p.Title = "Внутренняя ошибка"
		p.Message = "Что-то пошло не так на нашей стороне. Повторите действие позже; если ошибка повторится, сообщите оператору."
	}
	for _, f := range fields {
		p.Fields = append(p.Fields, fieldProblem{Field: f.Field, Label: fieldLabel(f.Field), Message: ruMessage(f.Message)})
	}
	return p
}

func asDomain(err error) *domain.Error {
	var de *domain.Error
	if errors.As(err, &de) {
		return de
	}
	return nil
}

// Template functions.
var funcs = template.FuncMap{
	"date":     formatDate,
	"datetime": formatTime,
	"status":   statusLabel,
	"role":     roleLabel,
	"outcome":  statusLabel,
	"console":  domain.ConsolePath,
	"taskLink": taskLink,
	"field":    fieldLabel,
	"action":   actionLabel,
	"statuses": func() []string {
		return []string{"issued", "enrolled", "completed", "failed_attestation", "partially_completed", "expelled", "annulled", "lapsed"}
	},
	"outcomes":    func() []string { return []string{"completed", "partially_completed", "failed_attestation", "expelled"} },
	"scores":      func() []int { return []int{1, 2, 3, 4, 5} },
	"today":       func() string { return time.Now().In(calendar.Moscow).Format("2006-01-02") },
	"add":         func(a, b int) int { return a + b },
	"percent":     percent,
	"join":        strings.Join,
	"temporalURL": func(base, ns, id string) string { return temporalURL(base, ns, id) },
}

func formatDate(v any) string {
	switch d := v.(type) {
	case civil.Date:
		if !d.IsValid() {
			return ""
		}
		return fmt.Sprintf("%02d.%02d.%04d", d.Day, int(d.Month), d.Year)
	case *civil.Date:
		if d == nil {
			return ""
		}
		return formatDate(*d)
	case time.Time:
		if d.IsZero() {
			return ""
		}
		return d.In(calendar.Moscow).Format("02.01.2006")
	case *time.Time:
		if d == nil {
			return ""
		}
		return formatDate(*d)
	}
	return fmt.Sprint(v)
}

func formatTime(v any) string {
	switch t := v.(type) {
	case time.Time:
		if t.IsZero() {
			return ""
		}
		return t.In(calendar.Moscow).Format("02.01.2006 15:04") + " МСК"
	case *time.Time:
		if t == nil {
			return ""
		}
		return formatTime(*t)
	}
	return fmt.Sprint(v)
}

func percent(part, whole int) int {
	if whole <= 0 {
		return 0
	}
	return part * 100 / whole
}

func temporalURL(base, ns, id string) string {
	if base == "" {
		return ""
	}
	return strings.TrimRight(base, "/") + "/namespaces/" + ns + "/workflows/" + id
}
