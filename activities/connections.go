package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
)

// ConnectionStore is what the connection activities need from storage (process 5).
type ConnectionStore interface {
	SaveConnection(ctx context.Context, c domain.Connection, ev domain.Event) error
	EnterPeople(ctx context.Context, e domain.PeopleEntry) ([]domain.Invitation, error)
	SaveChange(ctx context.Context, c domain.ChangeRequest, ev domain.Event) error
	ApplyChange(ctx context.Context, c domain.ChangeRequest, actor domain.Actor, at time.Time) ([]domain.Invitation, error)
	// InvitationOf is a person's invitation and its secret code.
	InvitationOf(ctx context.Context, personID string) (domain.Invitation, string, error)
}

// Connections keeps connection requests, change requests and the registry of authorised
// people in step with their workflows; every write is keyed by the step, so a retry writes
// nothing new. It also mails the invitations, whose codes never leave it.
type Connections struct {
	Store    ConnectionStore
	Notifier Notifier
}

// ConnectionStep is a connection request after a step, and the step.
type ConnectionStep struct {
	Connection domain.Connection `json:"connection"`
	Event      domain.Event      `json:"event"`
}

// SaveConnection records a connection request step.
func (a *Connections) SaveConnection(ctx context.Context, in ConnectionStep) error {
	return a.Store.SaveConnection(ctx, in.Connection, in.Event)
}

// EnterPeople enters an accepted request's people in the registry, invited. The invitations
// it returns carry no code: what an activity returns is kept in the workflow's history.
func (a *Connections) EnterPeople(ctx context.Context, in domain.PeopleEntry) ([]domain.Invitation, error) {
	return a.Store.EnterPeople(ctx, in)
}

// ChangeStep is a change request after a step, and the step.
type ChangeStep struct {
	Change domain.ChangeRequest `json:"change"`
	Event  domain.Event         `json:"event"`
}

// SaveChange records a change request step.
func (a *Connections) SaveChange(ctx context.Context, in ChangeStep) error {
	return a.Store.SaveChange(ctx, in.Change, in.Event)
}

// ApplyChangeInput is an applied change request, who applied it and when.
type ApplyChangeInput struct {
	Change domain.ChangeRequest `json:"change"`
	Actor  domain.Actor         `json:"actor"`
	At     time.Time            `json:"at"`
}

// ApplyChange makes a change take effect in the registry; a new person's invitation comes
// back without its code, as EnterPeople's.
func (a *Connections) ApplyChange(ctx context.Context, in ApplyChangeInput) ([]domain.Invitation, error) {
	return a.Store.ApplyChange(ctx, in.Change, in.Actor, in.At)
}

// InvitationInput names the invitation to send: whose, from which workflow, for which
// organisation (as the email names it).
type InvitationInput struct {
	WorkflowID   string `json:"workflow_id"`
	Organisation string `json:"organisation"`
	PersonID     string `json:"person_id"`
}

// SendInvitation mails one person their invitation to sign in the first time. The code is
// read from the registry here, inside the activity, so that it passes through neither the
// workflow's history nor this activity's input or result. A retry reads the same code and
// notifies under the same key (workflow, "invitation_<person>", the invitee), so the email
// goes once, and should the relay's acceptance go unrecorded, goes again with the same text
// and Message-ID.
func (a *Connections) SendInvitation(ctx context.Context, in InvitationInput) error {
	inv, code, err := a.Store.InvitationOf(ctx, in.PersonID)
	if err != nil {
		return err
	}
	_, err = a.Notifier.Notify(ctx, InvitationRequest(in.WorkflowID, in.Organisation, inv, code))
	return err
}

// InvitationRequest is the invitation's notification: its text, and the dedup key every
// attempt shares. It is the one text of an invitation, for SendInvitation and for the
// workflows recorded before it, which sent the code through their history.
func InvitationRequest(workflowID, organisation string, in domain.Invitation, code string) notify.Request {
	return notify.Request{
		WorkflowID: workflowID, Step: "invitation_" + in.PersonID, Audience: domain.UserAudience("invitee:" + in.PersonID),
		Emails: []string{in.Email}, Subject: "Приглашение в систему profdev",
		Body: fmt.Sprintf("%s, вы включены в реестр уполномоченных лиц (%s). Войдите в систему и примите приглашение, код: %s.",
			in.FullName, organisation, code),
		Link: "/api/v1/invitations/" + code,
	}
}
