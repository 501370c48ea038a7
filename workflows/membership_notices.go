package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
)

// What a membership's two parties are told: the provider and the authority's ministry users.

func (w *membership) notify(ctx workflow.Context, rs ...notify.Request) {
	for _, r := range rs {
		w.notes.send(ctx, r)
	}
}

func (w *membership) toProvider(step, subject, body string) notify.Request {
	return notify.Request{
		WorkflowID: w.st.Membership.WorkflowID, Step: step, Audience: domain.RoleAudience(domain.RoleProvider, w.in.ProviderID),
		Emails: []string{w.in.Provider.Email}, Subject: subject, Body: body,
	}
}

func (w *membership) toMinistry(step, subject, body string) notify.Request {
	return notify.Request{
		WorkflowID: w.st.Membership.WorkflowID, Step: step, Audience: domain.RoleAudience(domain.RoleMinistry, w.in.Authority),
		Subject: subject, Body: body,
	}
}

func (w *membership) declaredNotice(d domain.Declaration) notify.Request {
	return w.toMinistry("declared_"+d.ID, "Сведения о программах на год",
		fmt.Sprintf("%s представила сведения о программах на %d год (%s).", w.in.Provider.Name, d.Year, d.ID))
}

// declarationDecidedNotice tells the provider that its declaration was accepted or returned.
func (w *membership) declarationDecidedNotice(d domain.Declaration, action string) notify.Request {
	subject := "Сведения о программах приняты"
	if d.Status == domain.DeclarationReturned {
		subject = "Сведения о программах возвращены"
	}
	return w.toProvider(action+"_"+d.ID, subject, fmt.Sprintf("Сведения %s на %d год: %s. %v", d.ID, d.Year, d.Status, d.Reasons))
}

func (w *membership) exclusionRequestedNotice(reason string) notify.Request {
	return w.toMinistry("exclusion_requested", "Заявление об исключении из реестра",
		fmt.Sprintf("%s просит исключить её из реестра: %s", w.in.Provider.Name, reason))
}

func (w *membership) excludedNotices(reason string) []notify.Request {
	return []notify.Request{
		w.toProvider("excluded", "Организация исключена из реестра",
			fmt.Sprintf("Организация исключена из реестра %s: %s. Выданные сертификаты действуют.", w.in.Authority, reason)),
		w.toMinistry("excluded", "Организация исключена из реестра", fmt.Sprintf("%s исключена из реестра: %s", w.in.Provider.Name, reason)),
	}
}
