//go:build topology

package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/profdev/profdev/internal/domain"
)

// apiClient spreads requests over the API replicas round robin, as the proxy does, and
// moves a request to the next replica when one refuses the connection or answers 502/503,
// as nginx's proxy_next_upstream does; POSTs carry an Idempotency-Key, so a retry of one
// that did arrive is answered with the first response.
type apiClient struct {
	addrs   []string
	token   string
	next    atomic.Uint64
	http    *http.Client
	sent    atomic.Int64
	retried atomic.Int64
	failed  atomic.Int64
	perAddr sync.Map // addr -> *atomic.Int64 answered
}

func newAPIClient(addrs []string, token string) *apiClient {
	return &apiClient{addrs: addrs, token: token, http: &http.Client{Timeout: 30 * time.Second}}
}

// do sends the request until a replica answers with something other than 502/503, for at
// most a minute; it returns the status and body of that answer.
func (c *apiClient) do(method, path string, body []byte, idemKey string) (int, []byte, error) {
	c.sent.Add(1)
	deadline := time.Now().Add(time.Minute)
	for attempt := 0; ; attempt++ {
		addr := c.addrs[c.next.Add(1)%uint64(len(c.addrs))]
		req, _ := http.NewRequest(method, "http://"+addr+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+c.token)
		req.Header.Set("Content-Type", "application/json")
		if idemKey != "" {
			req.Header.Set("Idempotency-Key", idemKey)
		}
		resp, err := c.http.Do(req)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadGateway && resp.StatusCode != http.StatusServiceUnavailable {
				v, _ := c.perAddr.LoadOrStore(addr, new(atomic.Int64))
				v.(*atomic.Int64).Add(1)
				return resp.StatusCode, b, nil
			}
			err = fmt.Errorf("%s answered %d: %s", addr, resp.StatusCode, b)
		}
		if time.Now().After(deadline) {
			c.failed.Add(1)
			return 0, nil, fmt.Errorf("%s %s: %w after %d attempts: %v", method, path, errGaveUp, attempt+1, err)
		}
		c.retried.Add(1)
		time.Sleep(time.Duration(min(attempt+1, 10)) * 50 * time.Millisecond)
	}
}

// party is the directory a batch runs in: its own agency and provider, so that the emails
// of one fault's batch are counted by recipient without the others'.
type party struct {
	tag, agency, provider, hrEmail, providerEmail string
}

func (tp *topology) seedParty(tag string) party {
	ctx := context.Background()
	p := party{tag: tag, agency: "agency-" + tag, provider: "provider-" + tag,
		hrEmail: "hr@" + tag + ".agency.test", providerEmail: "center@" + tag + ".provider.test"}
	if _, err := tp.store.PutAgency(ctx, domain.Agency{ID: p.agency, Name: "Агентство " + tag, Authority: "mintrud", Region: "RU",
		HREmails: []string{p.hrEmail}}); err != nil {
		tp.t.Fatal(err)
	}
	if err := tp.store.EnterRegistry(ctx, domain.Admission{ApplicationID: "app-" + tag, WorkflowID: "registry-mintrud-" + p.provider,
		ProviderID: p.provider, Authority: "mintrud", Year: 2026, At: time.Now(),
		Provider:   domain.ProviderDetails{Name: "ООО Учебный центр " + tag, INN: "7707083893", OGRN: "1027700132195", Email: p.providerEmail},
		Programmes: []domain.Programme{{Code: "PK-01", Title: "Управление проектами", Kind: domain.QualificationUpgrade, Hours: 72, Format: "blended", Price: 35000}},
	}); err != nil {
		tp.t.Fatal(err)
	}
	return p
}

func (p party) servantEmail(i int) string { return fmt.Sprintf("s%d@%s.gov.test", i, p.tag) }

func (p party) item(i int) map[string]any {
	return map[string]any{
		"servant": map[string]any{"id": fmt.Sprintf("servant-%s-%d", p.tag, i), "full_name": fmt.Sprintf("Служащий %d", i),
			"snils": "112-233-445 95", "email": p.servantEmail(i), "position": "консультант"},
		"agency": map[string]any{"id": p.agency, "name": "Агентство " + p.tag}, "provider_id": p.provider, "programme_code": "PK-01",
		"year": 2026, "hours": 72, "amount": 35000,
		"start_by": time.Now().AddDate(0, 1, 0).Format("2006-01-02"), "end_by": time.Now().AddDate(0, 3, 0).Format("2006-01-02"),
	}
}

// submitBatch posts items [from, from+n) of the party as one batch and returns its ID.
func (tp *topology) submitBatch(p party, from, n int) string {
	items := make([]map[string]any, n)
	for i := range items {
		items[i] = p.item(from + i)
	}
	body, _ := json.Marshal(map[string]any{"items": items})
	status, resp, err := tp.api.do("POST", "/api/v1/certificates/batch", body, "batch-"+p.tag+fmt.Sprint(from))
	if err != nil || status != http.StatusAccepted {
		tp.t.Fatalf("POST /certificates/batch: %d %v %s", status, err, resp)
	}
	var out struct {
		BatchID  string `json:"batch_id"`
		Accepted int    `json:"accepted"`
	}
	if err := json.Unmarshal(resp, &out); err != nil || out.Accepted != n {
		tp.t.Fatalf("batch accepted %d of %d: %s", out.Accepted, n, resp)
	}
	return out.BatchID
}

// tally is what one party's certificates left behind, counted where it landed: rows in
// profdev's PostgreSQL and messages on the SMTP server.
type tally struct {
	certificates, issued, signatures, notifications int
	duplicateRows                                   int // certificates per servant beyond one
	servantEmails, hrEmails, providerEmails         int
	duplicateEmails                                 int // messages beyond one per (recipient, Message-ID)
	missingServants                                 int // servants without their email
}

func (tp *topology) count(p party, servants int) (tally, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var c tally
	err := tp.pool.QueryRow(ctx, `
		SELECT count(*), count(*) FILTER (WHERE status = 'issued'), count(*) - count(DISTINCT servant_id),
		       (SELECT count(*) FROM certificate_documents d JOIN certificates c2 ON c2.number = d.number
		         WHERE c2.agency_id = $1 AND d.seq = 0 AND d.signature IS NOT NULL),
		       (SELECT count(*) FROM notifications n JOIN certificates c3 ON n.workflow_id = c3.workflow_id WHERE c3.agency_id = $1)
		  FROM certificates WHERE agency_id = $1`, p.agency).
		Scan(&c.certificates, &c.issued, &c.duplicateRows, &c.signatures, &c.notifications)
	if err != nil {
		return c, err
	}
	seen := map[string]int{}
	servantSeen := map[string]bool{}
	for _, m := range tp.smtp.Messages() {
		for _, to := range m.To {
			switch {
			case to == p.hrEmail:
				c.hrEmails++
			case to == p.providerEmail:
				c.providerEmails++
			case strings.HasSuffix(to, "@"+p.tag+".gov.test"):
				c.servantEmails++
				servantSeen[to] = true
			default:
				continue
			}
			key := to + "|" + m.Header.Get("Message-Id")
			seen[key]++
			if seen[key] > 1 {
				c.duplicateEmails++
			}
		}
	}
	for i := range servants {
		if !servantSeen[p.servantEmail(i)] {
			c.missingServants++
		}
	}
	return c, nil
}

// complete says whether every one of n certificates is issued, signed and mailed to its
// servant, and HR and the provider each have the mails emails owed to them: one digest for
// the batch plus one per certificate issued on its own.
func (c tally) complete(n, mails int) bool {
	return c.issued >= n && c.signatures >= n && c.servantEmails >= n && c.hrEmails >= mails && c.providerEmails >= mails
}

// exact says whether everything happened exactly once.
func (c tally) exact(n, mails int) bool {
	return c.certificates == n && c.issued == n && c.signatures == n && c.duplicateRows == 0 && c.servantEmails == n &&
		c.hrEmails == mails && c.providerEmails == mails && c.duplicateEmails == 0 && c.missingServants == 0
}

func (c tally) String() string {
	return fmt.Sprintf("certificates %d (issued %d), signatures %d, notifications %d, emails servant %d / hr %d / provider %d, duplicates: rows %d, emails %d, servants without email %d",
		c.certificates, c.issued, c.signatures, c.notifications, c.servantEmails, c.hrEmails, c.providerEmails, c.duplicateRows, c.duplicateEmails, c.missingServants)
}

// readLoad keeps the API busy while a batch runs: the batch's progress and the agency's
// certificate list, alternately, over both replicas.
func (tp *topology) readLoad(p party, batchID string) (stop func() (int64, int64)) {
	done := make(chan struct{})
	var ok, bad atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			case <-time.After(100 * time.Millisecond):
			}
			path := "/api/v1/certificates/batches/" + batchID
			if i%2 == 1 {
				path = "/api/v1/certificates?agency=" + p.agency + "&limit=20"
			}
			status, _, err := tp.api.do("GET", path, nil, "")
			if err != nil || status != http.StatusOK {
				bad.Add(1)
			} else {
				ok.Add(1)
			}
		}
	}()
	return func() (int64, int64) { close(done); wg.Wait(); return ok.Load(), bad.Load() }
}
