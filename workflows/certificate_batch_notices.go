package workflows

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"cloud.google.com/go/civil"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
)

// What a batch tells: the issuer, once every item is issued or refused, with the reasons of
// the refusals; and from version 1 of "batch-digest", HR and the provider in one digest each
// (digestNotices). Each certificate tells its servant about itself, and the feed of HR and
// the provider keeps one entry per certificate.

// maxRefusalsListed bounds the refusals a notice lists; the query lists them all.
const maxRefusalsListed = 50

func (w *batch) settledNotice() notify.Request {
	t := w.total()
	var b strings.Builder
	fmt.Fprintf(&b, "Пакет %s обработан: выдано сертификатов — %d, отказано — %d.", w.in.BatchID, t.Issued, t.Refused)
	listed := 0
	for _, it := range w.items {
		if it.Status != BatchItemRefused {
			continue
		}
		if listed == maxRefusalsListed {
			b.WriteString("\n…")
			break
		}
		fmt.Fprintf(&b, "\nПозиция %d (%s): %s", it.Index+1, it.Number, it.Reason)
		listed++
	}
	return notify.Request{
		WorkflowID: CertificateBatchWorkflowID(w.in.BatchID), Step: "settled", Audience: domain.UserAudience(w.in.IssuedBy.Sub),
		Subject: "Пакетная выдача сертификатов завершена", Body: b.String(), Link: "/api/v1/certificates/batches/" + w.in.BatchID,
	}
}

// digestItem is what a batch's digests say of one certificate.
type digestItem struct {
	Agency, Provider, Servant, Programme string
	StartBy                              civil.Date
}

// maxDigestListed bounds the certificates one digest lists; a run holds up to batchPerRun.
const maxDigestListed = 200

// digestNotices tell each agency's HR officers and each provider, once, of the run's
// certificates issued to them (the servants get their own emails with the document): one
// email per HR audience and per provider instead of one per certificate. Agencies and
// providers are taken in sorted order, so the commands replay alike.
func (w *batch) digestNotices() []notify.Request {
	byAgency, byProvider := map[string][]string{}, map[string][]string{}
	for _, it := range w.items {
		d, ok := w.ofItem[it.Number]
		if it.Status != BatchItemIssued || !ok {
			continue
		}
		byAgency[d.Agency] = append(byAgency[d.Agency], it.Number)
		byProvider[d.Provider] = append(byProvider[d.Provider], it.Number)
	}
	var out []notify.Request
	for _, agency := range slices.Sorted(maps.Keys(byAgency)) {
		numbers := byAgency[agency]
		out = append(out, w.digestTo(domain.RoleAudience(domain.RoleHR, agency), "/api/v1/certificates?agency="+agency,
			fmt.Sprintf("Служащим органа выданы сертификаты: %d", len(numbers)),
			fmt.Sprintf("Выданы и доведены до служащих образовательные сертификаты (%d):", len(numbers)), numbers,
			func(d digestItem) string {
				return fmt.Sprintf("служащий %s, программа %s", d.Servant, d.Programme)
			}))
	}
	for _, provider := range slices.Sorted(maps.Keys(byProvider)) {
		numbers := byProvider[provider]
		out = append(out, w.digestTo(domain.RoleAudience(domain.RoleProvider, provider), "/api/v1/certificates?status=issued",
			fmt.Sprintf("Выданы сертификаты на ваши программы: %d", len(numbers)),
			fmt.Sprintf("Выданы сертификаты на ваши программы (%d). Сообщите о зачислении до срока, указанного у каждого:", len(numbers)), numbers,
			func(d digestItem) string {
				return fmt.Sprintf("программа %s, зачисление до %s", d.Programme, d.StartBy)
			}))
	}
	return out
}

// digestTo is one digest of the run, to one audience: a head line, then a line per
// certificate (at most maxDigestListed).
func (w *batch) digestTo(aud domain.Audience, link, subject, head string, numbers []string, line func(digestItem) string) notify.Request {
	var b strings.Builder
	b.WriteString(head)
	for i, n := range numbers {
		if i == maxDigestListed {
			fmt.Fprintf(&b, "\n… и ещё %d (все — в списке сертификатов).", len(numbers)-i)
			break
		}
		fmt.Fprintf(&b, "\n%s: %s", n, line(w.ofItem[n]))
	}
	return notify.Request{WorkflowID: CertificateBatchWorkflowID(w.in.BatchID), Step: fmt.Sprintf("issued_digest_%d", w.runFrom),
		Audience: aud, Subject: subject, Body: b.String(), Link: link}
}
