package console

import (
	"encoding/gob"
	"net/http"
	"strconv"
	"strings"

	"github.com/profdev/profdev/internal/app"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
)

// Outcomes for a whole group (провайдер): the provider downloads a spreadsheet of its
// certificates awaiting an outcome, fills in how each servant finished, and uploads it. As
// with a batch, every row is checked first and the bad ones are shown with their errors;
// nothing is reported until the provider confirms. Then each good row goes to the same
// application call as the one-certificate outcome form, and the result page says, row by
// row, what was accepted and what was refused.

const (
	keyOutcomePreview = "outcome_preview"
	keyOutcomeResult  = "outcome_result"
	// maxOutcomeRows bounds one upload: a group, not the provider's whole year.
	maxOutcomeRows = 500
)

var outcomeSheet = sheetSpec{
	columns: []sheetColumn{
		{Field: "number", Header: "Номер сертификата", Example: "MT-2026-000001", Aliases: []string{"сертификат", "номер"}},
		{Field: "full_name", Header: "ФИО", Example: "Петров Пётр Петрович", Aliases: []string{"фио служащего"}},
		{Field: "outcome", Header: "Результат", Example: "завершено", Aliases: []string{"результат обучения"}},
		{Field: "finished_on", Header: "Дата окончания", Example: "", Aliases: []string{"дата окончания обучения"}},
		{Field: "document_number", Header: "Номер документа об обучении", Example: "", Aliases: []string{"номер документа"}},
		{Field: "hours_completed", Header: "Освоено часов", Example: "", Aliases: []string{"часов"}},
	},
	dates:    map[string]bool{"finished_on": true},
	optional: map[string]bool{"full_name": true, "document_number": true, "hours_completed": true},
	sheet:    "Результаты обучения",
}

// outcomeWords are what a person may write in the «Результат» column, besides the code.
var outcomeWords = map[string]domain.CertificateStatus{
	"завершено": domain.CertificateCompleted, "завершил": domain.CertificateCompleted, "завершила": domain.CertificateCompleted,
	"окончил": domain.CertificateCompleted, "окончила": domain.CertificateCompleted,
	"частично": domain.CertificatePartiallyCompleted, "освоено частично": domain.CertificatePartiallyCompleted,
	"не аттестован": domain.CertificateFailedAttestation, "не аттестована": domain.CertificateFailedAttestation,
	"отчислен": domain.CertificateExpelled, "отчислена": domain.CertificateExpelled,
}

// outcomeOf reads the «Результат» cell: a code, one of outcomeWords, or the status label the
// console shows.
func outcomeOf(cell string) (domain.CertificateStatus, bool) {
	n := normHeader(cell)
	for _, code := range []domain.CertificateStatus{domain.CertificateCompleted, domain.CertificatePartiallyCompleted,
		domain.CertificateFailedAttestation, domain.CertificateExpelled} {
		if n == string(code) || n == normHeader(statusLabels[string(code)]) {
			return code, true
		}
	}
	o, ok := outcomeWords[n]
	return o, ok
}

// outcomePreview is an uploaded outcome sheet, checked row by row.
type outcomePreview struct {
	ID, File string
	Rows     []outcomeRow
}

// outcomeRow is one row: the certificate, what it reports, and why it cannot be sent; after
// the confirmation, Done or the reason of the refusal.
type outcomeRow struct {
	Number  int
	Cert    string
	Name    string
	Outcome domain.Outcome
	Fields  []fieldProblem
	Done    bool
	Refusal string
}

func init() {
	gob.Register(outcomePreview{})
}

func (p outcomePreview) count(f func(outcomeRow) bool) int {
	n := 0
	for _, r := range p.Rows {
		if f(r) {
			n++
		}
	}
	return n
}

func (p outcomePreview) good() int {
	return p.count(func(r outcomeRow) bool { return len(r.Fields) == 0 })
}

func (c *Console) outcomeRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /certificates/outcomes", c.signedIn(c.outcomeForm))
	mux.HandleFunc("GET /certificates/outcomes/template", c.signedIn(c.outcomeTemplate))
	mux.HandleFunc("POST /certificates/outcomes", c.signedIn(c.outcomeUpload))
	mux.HandleFunc("POST /certificates/outcomes/confirm", c.signedIn(c.outcomeConfirm))
	mux.HandleFunc("GET /certificates/outcomes/result", c.signedIn(c.outcomeResult))
}

type outcomeFormView struct {
	Columns []sheetColumn
	Waiting int // certificates awaiting an outcome (up to maxOutcomeRows)
	Max     int
}

// awaitingOutcome are the provider's certificates whose servants are enrolled: those an
// outcome is reported for.
func (c *Console) awaitingOutcome(r *http.Request) ([]domain.Certificate, error) {
	ctx, a := r.Context(), actorOf(r)
	var out []domain.Certificate
	page := postgres.Page{Limit: 100}
	for len(out) < maxOutcomeRows {
		items, next, err := c.app.Certificates(ctx, a, postgres.CertificateFilter{Status: string(domain.CertificateEnrolled)}, page)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if next == "" {
			break
		}
		page.Cursor = next
	}
	if len(out) > maxOutcomeRows {
		out = out[:maxOutcomeRows]
	}
	return out, nil
}

// providerAwaiting is awaitingOutcome for a provider; anyone else, or a store that does not
// answer, gets the error page and ok false.
func (c *Console) providerAwaiting(w http.ResponseWriter, r *http.Request) (waiting []domain.Certificate, ok bool) {
	err := app.Require(actorOf(r), domain.RoleProvider)
	if err == nil {
		waiting, err = c.awaitingOutcome(r)
	}
	if err != nil {
		c.renderError(w, r, err)
		return nil, false
	}
	return waiting, true
}

func (c *Console) outcomeForm(w http.ResponseWriter, r *http.Request) {
	c.showOutcomeForm(w, r, http.StatusOK, nil)
}

func (c *Console) showOutcomeForm(w http.ResponseWriter, r *http.Request, status int, prob *problem) {
	// The form shows only how many await an outcome: counted, not read (the template reads them).
	a := actorOf(r)
	err := app.Require(a, domain.RoleProvider)
	waiting := 0
	if err == nil {
		waiting, err = c.app.CountCertificates(r.Context(), a, postgres.CertificateFilter{Status: string(domain.CertificateEnrolled)}, maxOutcomeRows)
	}
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	c.render(w, r, status, "outcomes", "Результаты обучения группы",
		outcomeFormView{Columns: outcomeSheet.columns, Waiting: waiting, Max: maxOutcomeRows}, prob)
}

// outcomeTemplate sends the spreadsheet of the provider's certificates awaiting an outcome,
// one row each with the number and the servant's name filled in.
func (c *Console) outcomeTemplate(w http.ResponseWriter, r *http.Request) {
	waiting, ok := c.providerAwaiting(w, r)
	if !ok {
		return
	}
	rows := make([][]string, 0, len(waiting))
	for _, cert := range waiting {
		rows = append(rows, []string{cert.Number, cert.Servant.FullName, "", "", "", ""})
	}
	c.sendSheet(w, r, outcomeSheet, "outcomes", rows)
}

// outcomeUpload reads and checks the sheet and shows the preview; nothing is reported yet.
func (c *Console) outcomeUpload(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actorOf(r)
	if err := app.Require(a, domain.RoleProvider); err != nil {
		c.renderError(w, r, err)
		return
	}
	rows, filename, ok := c.readUpload(w, r, outcomeSheet, maxOutcomeRows, func(status int, prob *problem) {
		c.showOutcomeForm(w, r, status, prob)
	})
	if !ok {
		return
	}
	p := outcomePreview{ID: newToken(), File: filename}
	seen := map[string]int{}
	for _, row := range rows {
		or, err := c.outcomeRow(r, row, seen)
		if err != nil {
			c.renderError(w, r, err)
			return
		}
		p.Rows = append(p.Rows, or)
	}
	c.sessions.Put(ctx, keyOutcomePreview, p)
	c.render(w, r, http.StatusOK, "outcomes_preview", "Проверка файла результатов", c.outcomePreviewView(p), nil)
}

// outcomeRow reads one row as the outcome form reads its fields and checks it against the
// certificate it names, as the certificate's process will: the row's problems, if any. An
// error is one that is nobody's fault in the file (the store not answering).
func (c *Console) outcomeRow(r *http.Request, row sheetRow, seen map[string]int) (outcomeRow, error) {
	f := &form{v: row.Values}
	out := outcomeRow{Number: row.Number, Cert: strings.ToUpper(f.str("number")), Name: f.str("full_name")}
	out.Outcome = domain.Outcome{FinishedOn: f.date("finished_on"), DocumentNumber: f.str("document_number"), HoursCompleted: f.int("hours_completed")}
	problems := f.fields
	add := func(field, msg string) { problems = append(problems, domain.FieldError{Field: field, Message: msg}) }
	if o, ok := outcomeOf(f.str("outcome")); ok {
		out.Outcome.Outcome = o
	} else if f.str("outcome") == "" {
		add("outcome", "required")
	} else {
		add("outcome", "unknown outcome")
	}
	if f.str("finished_on") == "" {
		add("finished_on", "required")
	}
	switch {
	case out.Cert == "":
		add("number", "required")
	case seen[out.Cert] != 0:
		add("number", "repeats row "+strconv.Itoa(seen[out.Cert]))
	default:
		seen[out.Cert] = row.Number
		cert, err := c.app.Certificate(r.Context(), actorOf(r), out.Cert)
		switch {
		case domain.IsCode(err, domain.CodeNotFound):
			add("number", "no such certificate of yours")
		case err != nil:
			return out, err
		case cert.Status != domain.CertificateEnrolled:
			add("number", "not awaiting an outcome: "+string(cert.Status))
		default:
			if out.Name == "" {
				out.Name = cert.Servant.FullName
			}
			if out.Outcome.Outcome != "" {
				if field, msg := domain.OutcomeProblem(out.Outcome, cert.Hours); msg != "" {
					add(field, msg)
				}
			}
		}
	}
	for _, fe := range problems {
		out.Fields = append(out.Fields, fieldProblem{Field: fe.Field, Label: outcomeColumnLabel(fe.Field), Message: outcomeMessage(fe.Message)})
	}
	return out, nil
}

func outcomeColumnLabel(field string) string {
	for _, c := range outcomeSheet.columns {
		if c.Field == field {
			return c.Header
		}
	}
	return fieldLabel(field)
}

// outcomeMessage is a row's problem in words.
func outcomeMessage(msg string) string {
	switch {
	case msg == "unknown outcome":
		return "напишите «завершено», «частично», «не аттестован» или «отчислен»"
	case msg == "no such certificate of yours":
		return "среди сертификатов вашей организации такого номера нет"
	case strings.HasPrefix(msg, "repeats row "):
		return "этот сертификат уже указан в строке " + strings.TrimPrefix(msg, "repeats row ")
	case strings.HasPrefix(msg, "not awaiting an outcome: "):
		return "результат по этому сертификату не ожидается: статус «" + statusLabel(strings.TrimPrefix(msg, "not awaiting an outcome: ")) + "»"
	}
	return ruMessage(msg)
}

type outcomePreviewView struct {
	ID, File      string
	Total, Good   int
	Bad, GoodRows []outcomeRow
	FormKey       string
}

func (c *Console) outcomePreviewView(p outcomePreview) outcomePreviewView {
	v := outcomePreviewView{ID: p.ID, File: p.File, Total: len(p.Rows), Good: p.good(), FormKey: newToken()}
	for _, row := range p.Rows {
		if len(row.Fields) == 0 {
			v.GoodRows = append(v.GoodRows, row)
		} else {
			v.Bad = append(v.Bad, row)
		}
	}
	return v
}

// outcomeConfirm reports every good row of the preview, one certificate at a time, through
// the same call as the outcome form; a second press leads to the same result page. A row the
// certificate's process refuses after all (another person reported it in between) is shown
// as refused, with the reason in words; the others stand.
func (c *Console) outcomeConfirm(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actorOf(r)
	c.once(w, r, func() (string, error) {
		p, ok := c.sessions.Get(ctx, keyOutcomePreview).(outcomePreview)
		if !ok || p.ID != r.PostFormValue("preview") {
			return "", domain.Conflict("this preview is no longer current")
		}
		if p.good() == 0 {
			return "", domain.Conflict("the file has no row that can be reported")
		}
		for i := range p.Rows {
			row := &p.Rows[i]
			if len(row.Fields) > 0 {
				continue
			}
			// A row refused here (another person reported it in between, or the service
			// stopped answering) is listed with the reason; the rows before it stand, and
			// the file can be uploaded again: a row already reported is then marked so.
			if _, err := c.app.ReportOutcome(ctx, a, row.Cert, row.Outcome); err != nil {
				row.Refusal = problemOf(err).Message
			} else {
				row.Done = true
			}
		}
		c.sessions.Remove(ctx, keyOutcomePreview)
		c.sessions.Put(ctx, keyOutcomeResult, p)
		done := p.count(func(r outcomeRow) bool { return r.Done })
		c.flash(r, "Результаты приняты: "+strconv.Itoa(done)+" из "+strconv.Itoa(p.good())+".")
		return "/certificates/outcomes/result", nil
	}, func(err error) {
		if domain.ErrorCode(err) == domain.CodeConflict {
			c.renderStatus(w, r, http.StatusConflict, "Результаты не отправлены",
				"Эта проверка файла уже не действует: файл отправлен раньше или загружен другой. Загрузите файл заново.")
			return
		}
		c.renderError(w, r, err)
	})
}

type outcomeResultView struct {
	File          string
	Done, Refused []outcomeRow
	Skipped       int // rows with errors in the file, not sent
}

// outcomeResult shows what the last confirmed upload did, row by row.
func (c *Console) outcomeResult(w http.ResponseWriter, r *http.Request) {
	if err := app.Require(actorOf(r), domain.RoleProvider); err != nil {
		c.renderError(w, r, err)
		return
	}
	p, ok := c.sessions.Get(r.Context(), keyOutcomeResult).(outcomePreview)
	if !ok {
		http.Redirect(w, r, "/certificates/outcomes", http.StatusSeeOther)
		return
	}
	v := outcomeResultView{File: p.File}
	for _, row := range p.Rows {
		switch {
		case row.Done:
			v.Done = append(v.Done, row)
		case row.Refusal != "":
			v.Refused = append(v.Refused, row)
		default:
			v.Skipped++
		}
	}
	c.render(w, r, http.StatusOK, "outcomes_result", "Результаты обучения группы отправлены", v, nil)
}
