package console

import (
	"encoding/gob"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/profdev/profdev/internal/app"
	"github.com/profdev/profdev/internal/calendar"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
)

// Batch issuance by spreadsheet (ministry): upload a CSV or XLSX, see every bad row with
// its errors before anything is issued, confirm, and follow the batch's progress.
//
// Between the preview and the confirmation the checked rows stay in the person's session
// (PostgreSQL, through scs), not in a hidden field of the page: what is issued is exactly
// what was previewed, the servants' personal data does not travel back and forth through
// the browser, and a tampered re-post has nothing to tamper with. The preview is removed
// from the session when the batch is issued; a newer upload replaces it.

const keyBatchPreview = "batch_preview"

// batchPreview is an uploaded spreadsheet, checked: every data row in order.
type batchPreview struct {
	ID   string
	File string
	Rows []previewRow
}

// previewRow is one spreadsheet row: the request it makes, or why it cannot be issued.
type previewRow struct {
	Number int
	Req    domain.CertificateRequest
	Fields []domain.FieldError
}

func init() { gob.Register(batchPreview{}) }

func (p batchPreview) good() int {
	n := 0
	for _, r := range p.Rows {
		if len(r.Fields) == 0 {
			n++
		}
	}
	return n
}

func (c *Console) batchRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /certificates/batch", c.signedIn(c.batchForm))
	mux.HandleFunc("GET /certificates/batch/template", c.signedIn(c.batchTemplate))
	mux.HandleFunc("POST /certificates/batch", c.signedIn(c.batchUpload))
	mux.HandleFunc("POST /certificates/batch/confirm", c.signedIn(c.batchConfirm))
	mux.HandleFunc("GET /certificates/batches/{id}", c.signedIn(c.batchPage))
}

type batchFormView struct {
	Columns []sheetColumn
	Max     int
}

func (c *Console) batchForm(w http.ResponseWriter, r *http.Request) {
	c.showBatchForm(w, r, http.StatusOK, nil)
}

func (c *Console) showBatchForm(w http.ResponseWriter, r *http.Request, status int, prob *problem) {
	if err := app.Require(actorOf(r), domain.RoleMinistry); err != nil {
		c.renderError(w, r, err)
		return
	}
	c.render(w, r, status, "batch", "Пакетная выдача сертификатов", batchFormView{Columns: sheetColumns, Max: app.MaxBatchItems}, prob)
}

// batchTemplate sends the spreadsheet template, CSV or XLSX, with one example row.
func (c *Console) batchTemplate(w http.ResponseWriter, r *http.Request) {
	if err := app.Require(actorOf(r), domain.RoleMinistry); err != nil {
		c.renderError(w, r, err)
		return
	}
	c.sendSheet(w, r, batchSheet, "batch-template", [][]string{templateRow(time.Now().In(calendar.Moscow))})
}

// batchUpload reads and checks the spreadsheet and shows the preview; nothing is issued.
func (c *Console) batchUpload(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actorOf(r)
	if err := app.Require(a, domain.RoleMinistry); err != nil {
		c.renderError(w, r, err)
		return
	}
	rows, filename, ok := c.readUpload(w, r, batchSheet, app.MaxBatchItems, func(status int, prob *problem) {
		c.showBatchForm(w, r, status, prob)
	})
	if !ok {
		return
	}
	agencies, _, err := c.app.Agencies(ctx, a, "", postgres.Page{Limit: 500})
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	names := map[string]string{}
	for _, ag := range agencies {
		names[ag.ID] = ag.Name
	}
	p := batchPreview{ID: newToken(), File: filename}
	for _, row := range rows {
		req, fields := c.rowRequest(row, names)
		p.Rows = append(p.Rows, previewRow{Number: row.Number, Req: req, Fields: fields})
	}
	c.sessions.Put(ctx, keyBatchPreview, p)
	c.render(w, r, http.StatusOK, "batch_preview", "Проверка файла пакета", c.previewView(p), nil)
}

// rowRequest reads one row as the one-certificate form reads its fields, and checks it
// with the API's validator: the field errors, or none.
func (c *Console) rowRequest(row sheetRow, agencyNames map[string]string) (domain.CertificateRequest, []domain.FieldError) {
	f := &form{v: row.Values}
	req := domain.CertificateRequest{
		Servant: domain.Servant{ID: f.str("servant.id"), FullName: f.str("servant.full_name"), SNILS: f.str("servant.snils"),
			Email: f.str("servant.email"), Position: f.str("servant.position")},
		Agency:     domain.AgencyRef{ID: f.str("agency.id"), Name: agencyNames[f.str("agency.id")]},
		ProviderID: f.str("provider_id"), ProgrammeCode: f.str("programme_code"),
		Year: f.int("year"), Hours: f.int("hours"), Amount: f.float("amount"),
		StartBy: f.date("start_by"), EndBy: f.date("end_by"),
	}
	if req.Agency.ID != "" && req.Agency.Name == "" {
		f.fields = append(f.fields, domain.FieldError{Field: "agency.id", Message: "unknown agency"})
	}
	err := f.check(c.val.Struct(&req))
	if err == nil {
		return req, nil
	}
	if de := asDomain(err); de != nil && len(de.Fields) > 0 {
		return req, de.Fields
	}
	return req, []domain.FieldError{{Field: "file", Message: err.Error()}}
}

type previewView struct {
	ID, File string
	Total    int
	Good     int
	Bad      []badRowView
	GoodRows []previewRow // the first of them, to recognise the file by
	MoreGood int
	FormKey  string
}

type badRowView struct {
	Number int
	Name   string
	Errors []fieldProblem
}

// maxGoodShown bounds the good rows the preview lists; every bad row is listed.
const maxGoodShown = 20

func (c *Console) previewView(p batchPreview) previewView {
	v := previewView{ID: p.ID, File: p.File, Total: len(p.Rows), Good: p.good(), FormKey: newToken()}
	for _, row := range p.Rows {
		if len(row.Fields) == 0 {
			if len(v.GoodRows) < maxGoodShown {
				v.GoodRows = append(v.GoodRows, row)
			} else {
				v.MoreGood++
			}
			continue
		}
		bad := badRowView{Number: row.Number, Name: row.Req.Servant.FullName}
		for _, fe := range row.Fields {
			bad.Errors = append(bad.Errors, fieldProblem{Field: fe.Field, Label: columnLabel(fe.Field), Message: ruMessage(fe.Message)})
		}
		v.Bad = append(v.Bad, bad)
	}
	return v
}

// columnLabel names a field by its column header, as the person sees it in the file.
func columnLabel(field string) string {
	for _, c := range sheetColumns {
		if c.Field == field {
			return c.Header
		}
	}
	return fieldLabel(field)
}

// batchConfirm issues the previewed batch: every row goes to the application layer in the
// spreadsheet's order, the bad ones with their errors, so that the batch's record refuses
// them by position as the JSON API would; the good ones are checked against the registry
// there and issued by the batch workflow. A second press leads to the same batch.
func (c *Console) batchConfirm(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actorOf(r)
	c.once(w, r, func() (string, error) {
		p, ok := c.sessions.Get(ctx, keyBatchPreview).(batchPreview)
		if !ok || p.ID != r.PostFormValue("preview") {
			return "", domain.Conflict("this preview is no longer current")
		}
		if p.good() == 0 {
			return "", domain.Conflict("the file has no row that can be issued")
		}
		entries := make([]app.BatchEntry, len(p.Rows))
		for i, row := range p.Rows {
			entries[i].Request = row.Req
			if len(row.Fields) > 0 {
				entries[i].Err = domain.Invalid("invalid request", row.Fields...)
			}
		}
		receipt, err := c.app.IssueBatch(ctx, a, entries)
		if err != nil {
			return "", err
		}
		c.sessions.Remove(ctx, keyBatchPreview)
		c.flash(r, "Пакет принят: к выдаче "+strconv.Itoa(receipt.Accepted)+", отказано "+strconv.Itoa(len(receipt.Rejected))+".")
		return "/certificates/batches/" + receipt.BatchID, nil
	}, func(err error) {
		if domain.ErrorCode(err) == domain.CodeConflict {
			c.renderStatus(w, r, http.StatusConflict, "Пакет не выдан",
				"Эта проверка файла уже не действует: файл выдан раньше или загружен другой. Загрузите файл заново.")
			return
		}
		c.renderError(w, r, err)
	})
}

// batchOutcome is one item of a batch as its page lists it.
type batchOutcome struct {
	Position        int
	Name, ServantID string
	Number          string
	State           string // issued, waiting, refused
	Reasons         []string
}

type batchPageView struct {
	S        app.BatchStatus
	Percent  int
	Items    []batchOutcome
	Rejected []batchOutcome
	Partial  bool
}

// batchPage is the batch's progress (the page's script polls ?format=json, the same
// route, for BatchStatus) and, once complete, what became of each item.
func (c *Console) batchPage(w http.ResponseWriter, r *http.Request) {
	ctx, a, id := r.Context(), actorOf(r), r.PathValue("id")
	st, err := c.app.Batch(ctx, a, id)
	if r.URL.Query().Get("format") == "json" {
		batchJSON(w, st, err)
		return
	}
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	contents, err := c.app.BatchItems(ctx, a, id, 0, 0)
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	v := batchPageView{S: st, Percent: percent(st.Done, st.Accepted), Partial: len(contents.Items) < st.Accepted}
	if st.Accepted == 0 {
		v.Percent = 100
	}
	unissued := map[int]domain.BatchItemState{}
	for _, u := range st.Unissued {
		unissued[u.Index] = u
	}
	for _, it := range contents.Items {
		var req domain.CertificateRequest
		_ = json.Unmarshal(it.Request, &req)
		o := batchOutcome{Position: it.Index + 1, Name: req.Servant.FullName, ServantID: req.Servant.ID, Number: it.Number, State: "issued"}
		if u, ok := unissued[it.Index]; ok {
			o.State = u.State
			if u.Reason != "" {
				o.Reasons = []string{batchReason(u.Reason)}
			}
		}
		v.Items = append(v.Items, o)
	}
	for _, rej := range contents.Rejected {
		o := batchOutcome{Position: rej.Index + 1, State: "refused"}
		for _, fe := range rej.Error.Fields {
			o.Reasons = append(o.Reasons, columnLabel(fe.Field)+": "+ruMessage(fe.Message))
		}
		if len(o.Reasons) == 0 {
			o.Reasons = []string{batchReason(rej.Error.Message)}
		}
		v.Rejected = append(v.Rejected, o)
	}
	c.render(w, r, http.StatusOK, "batch_status", "Пакет выдачи сертификатов", v, nil)
}

// batchJSON answers the progress bar's poll: the batch's status, or the error as the JSON
// API writes it (the script cannot read an HTML error page).
func batchJSON(w http.ResponseWriter, st app.BatchStatus, err error) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	var body any = st
	if err != nil {
		w.WriteHeader(statusOf(err))
		body = map[string]any{"error": map[string]string{"code": string(domain.ErrorCode(err)), "message": problemOf(err).Message}}
	}
	_ = json.NewEncoder(w).Encode(body)
}
