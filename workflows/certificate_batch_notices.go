package workflows

import (
	"fmt"
	"strings"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
)

// What a batch tells: the issuer, once every item is issued or refused, with the reasons of
// the refusals. Each certificate tells its own parties about itself.

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
