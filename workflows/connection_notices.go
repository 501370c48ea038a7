package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
)

// Who the connection workflow tells, and how: the applicant, the reviewers, the invited people.

func (w *connection) link() string { return "/api/v1/connections/" + w.c.ID }

func (w *connection) tellApplicant(ctx workflow.Context, step, subject, body string) {
	w.notes.send(ctx, notify.Request{
		WorkflowID: w.c.WorkflowID, Step: step, Audience: domain.UserAudience(w.c.SubmittedBy.Sub),
		Subject: subject, Body: body, Link: w.link(),
	})
}

func (w *connection) tellReviewers(ctx workflow.Context, step, subject, body string) {
	w.notes.send(ctx, notify.Request{
		WorkflowID: w.c.WorkflowID, Step: step, Audience: domain.RoleAudience(domain.RoleMinistry, w.c.Authority),
		Subject: subject, Body: body, Link: w.link(),
	})
}

// invite sends one person the invitation to sign in the first time.
func (w *connection) invite(ctx workflow.Context, in domain.Invitation) {
	w.notes.send(ctx, inviteRequest(w.c.WorkflowID, w.c.Organisation.Name, in))
}

func inviteRequest(workflowID, orgName string, in domain.Invitation) notify.Request {
	return notify.Request{
		WorkflowID: workflowID, Step: "invitation_" + in.PersonID, Audience: domain.UserAudience("invitee:" + in.PersonID),
		Emails: []string{in.Email}, Subject: "Приглашение в систему profdev",
		Body: fmt.Sprintf("%s, вы включены в реестр уполномоченных лиц (%s). Войдите в систему и примите приглашение, код: %s.",
			in.FullName, orgName, in.Code),
		Link: "/api/v1/invitations/" + in.Code,
	}
}

func notifyReviewers(workflowID, authority, step, subject, body, link string) notify.Request {
	return notify.Request{WorkflowID: workflowID, Step: step, Audience: domain.RoleAudience(domain.RoleMinistry, authority),
		Subject: subject, Body: body, Link: link}
}
