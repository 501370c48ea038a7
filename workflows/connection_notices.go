package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
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

// Why version 1 of "invitation-in-activity": before it, EnterPeople and ApplyChange returned
// each invitation with its code and the workflow put the code in the invitation's Notify
// input, so the secret sat in the history twice. From version 1 the SendInvitation activity
// reads the code itself and the history names only the person. A workflow recorded before
// sent its invitations in the old way, and replays them so.
const (
	versionInvitationInActivity = "invitation-in-activity"
	invitationInActivity        = 1
)

// recordedInvitation is an invitation as the activities returned it before version 1, with
// its code; the code is read only to replay those workflows.
type recordedInvitation struct {
	domain.Invitation
	Code string `json:"code"`
}

// invitationVersion is the version of the invitations about to be sent.
func invitationVersion(ctx workflow.Context) workflow.Version {
	return workflow.GetVersion(ctx, versionInvitationInActivity, workflow.DefaultVersion, invitationInActivity)
}

// invite sends one person the invitation to sign in the first time: from version 1 through
// SendInvitation, which keeps the code out of the history.
func invite(ctx workflow.Context, notes *notifier, v workflow.Version, workflowID, organisation string, in recordedInvitation) {
	if v == workflow.DefaultVersion {
		notes.send(ctx, activities.InvitationRequest(workflowID, organisation, in.Invitation, in.Code))
		return
	}
	notes.sendBy(ctx, "invitation_"+in.PersonID, connectionActivities.SendInvitation,
		activities.InvitationInput{WorkflowID: workflowID, Organisation: organisation, PersonID: in.PersonID})
}

func notifyReviewers(workflowID, authority, step, subject, body, link string) notify.Request {
	return notify.Request{WorkflowID: workflowID, Step: step, Audience: domain.RoleAudience(domain.RoleMinistry, authority),
		Subject: subject, Body: body, Link: link}
}
