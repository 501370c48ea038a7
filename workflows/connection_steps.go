package workflows

import (
	"fmt"
	"slices"

	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/internal/domain"
)

// The connection's steps as Workflow Updates: who may take each, in which state, and what it
// changes.

// registerHandlers installs the query and the updates before the workflow first blocks.
func (w *connection) registerHandlers(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryConnection, func() (domain.Connection, error) { return w.c, nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateConnectionSnapshot,
		func(ctx workflow.Context, actor domain.Actor) (domain.Connection, error) {
			if err := workflow.Await(ctx, func() bool { return w.ready }); err != nil {
				return w.c, err
			}
			return w.c, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, actor domain.Actor) error { return w.mayRead(actor) }},
	); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateDecideConnection, w.decide,
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, d ConnectionDecision) error { return w.mayDecide(d) }},
	); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateResubmitConnection, w.resubmit,
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, r ConnectionResubmission) error { return w.mayResubmit(r) }},
	); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateConnectionSignIn, w.signedIn,
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, s ConnectionSignIn) error { return w.maySignIn(s) }},
	)
}

// mayRead: domain.MayReadConnection; anyone else learns nothing of the request.
func (w *connection) mayRead(a domain.Actor) error {
	if !domain.MayReadConnection(a, w.c) {
		return refuse(domain.CodeNotFound, "connection request %s not found", w.c.ID)
	}
	return nil
}

func (w *connection) mayDecide(d ConnectionDecision) error {
	if err := w.mayRead(d.Actor); err != nil {
		return err
	}
	if err := domain.CheckDecision(d.Actor, "connection request", d.Decision, d.Reasons, DecisionAccept); err != nil {
		return refusal(err)
	}
	if !w.ready {
		return notReady("connection request", w.c.ID)
	}
	if w.c.Status != domain.ConnectionUnderReview {
		return refuse(domain.CodeConflict, "connection request %s is %s: only a request under review can be decided", w.c.ID, w.c.Status)
	}
	return nil
}

func (w *connection) mayResubmit(r ConnectionResubmission) error {
	if err := w.mayRead(r.Actor); err != nil {
		return err
	}
	if r.Actor.Role == domain.RoleOperator {
		return refuse(domain.CodeForbidden, "only the applicant, or a ministry user registering a new letter, resubmits a request")
	}
	if r.Request.Authority != w.c.Authority || r.Request.Organisation.ID != w.c.Organisation.ID {
		return refuse(domain.CodeInvalid, "a resubmission keeps the authority and the organisation's id")
	}
	if w.c.Status != domain.ConnectionReturned {
		return refuse(domain.CodeConflict, "connection request %s is %s: only a returned request can be resubmitted", w.c.ID, w.c.Status)
	}
	return nil
}

func (w *connection) maySignIn(s ConnectionSignIn) error {
	if !slices.Contains(w.c.PersonIDs, s.PersonID) {
		return refuse(domain.CodeNotFound, "person %s is not one of connection request %s", s.PersonID, w.c.ID)
	}
	return nil
}

// decide applies the authority's decision; the check is repeated under the lock because
// another update may have won meanwhile.
func (w *connection) decide(ctx workflow.Context, d ConnectionDecision) (domain.Connection, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return w.c, err
	}
	defer w.mu.Unlock()
	if err := w.mayDecide(d); err != nil {
		return w.c, err
	}
	defer func() { w.changes++ }()
	if d.Decision == DecisionReturn {
		if err := w.review.Return(ctx, w.terms()); err != nil {
			return w.c, err
		}
		w.c.Status, w.c.Reasons = domain.ConnectionReturned, d.Reasons
		w.sync()
		w.tellApplicant(ctx, fmt.Sprintf("returned_%d", w.review.Round), "Заявка на подключение возвращена на доработку",
			fmt.Sprintf("Заявка %s возвращена на доработку. Причины: %v. Представить до %s.", w.c.ID, d.Reasons, w.review.ResubmitDue))
		return w.c, w.save(ctx, d.Actor, "returned", map[string]any{"reasons": d.Reasons, "resubmit_due": w.review.ResubmitDue})
	}
	return w.c, w.accept(ctx, d.Actor)
}

// accept enters every person in the registry, invited, sets the access and handover
// deadlines and sends the invitations.
func (w *connection) accept(ctx workflow.Context, actor domain.Actor) error {
	w.review.Decide()
	now := workflow.Now(ctx).UTC()
	access, err := WorkingDaysAfter(ctx, Today(ctx), ConnectionTerms.AccessDays, w.in.Region)
	if err != nil {
		return err
	}
	handover, err := WorkingDaysAfter(ctx, access.Date, ConnectionTerms.HandoverDays, w.in.Region)
	if err != nil {
		return err
	}
	remind, err := WorkingDaysAfter(ctx, handover.Date, -1, w.in.Region)
	if err != nil {
		return err
	}
	w.handover.RemindOn = remind.Date
	w.c.AccessDue, w.c.HandoverDue = &access.Date, &handover.Date
	w.c.Status, w.c.Reasons, w.c.DecidedAt = domain.ConnectionAccepted, []string{}, &now
	w.c.PersonIDs = make([]string, len(w.c.People))
	for i := range w.c.People {
		w.c.PersonIDs[i] = domain.PersonID(w.c.ID, i)
	}
	w.sync()
	if err := w.save(ctx, actor, "accepted", map[string]any{"access_due": access.Date, "handover_due": handover.Date}); err != nil {
		return err
	}
	var invites []recordedInvitation
	if err := workflow.ExecuteActivity(withActivities(ctx), connectionActivities.EnterPeople, domain.PeopleEntry{
		ConnectionID: w.c.ID, Authority: w.c.Authority, Region: w.in.Region, Organisation: w.c.Organisation,
		People: w.c.People, PersonIDs: w.c.PersonIDs, Actor: actor, At: now,
	}).Get(ctx, &invites); err != nil {
		return err
	}
	if err := w.save(ctx, domain.SystemActor, "access_prepared", map[string]any{"people": len(invites)}); err != nil {
		return err
	}
	v := invitationVersion(ctx)
	for _, in := range invites {
		invite(ctx, w.notes, v, w.c.WorkflowID, w.c.Organisation.Name, in)
	}
	w.tellApplicant(ctx, "accepted", "Заявка на подключение принята",
		fmt.Sprintf("Заявка %s принята. Уполномоченным лицам (%d) направлены приглашения; доступ будет передан до %s.", w.c.ID, len(invites), handover.Date))
	return w.save(ctx, domain.SystemActor, "invitations_sent", map[string]any{"people": len(invites)})
}

// signedIn records a person's first sign-in; once every person has signed in, the
// organisation is connected.
func (w *connection) signedIn(ctx workflow.Context, s ConnectionSignIn) (domain.Connection, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return w.c, err
	}
	defer w.mu.Unlock()
	if err := w.maySignIn(s); err != nil || slices.Contains(w.c.SignedIn, s.PersonID) || w.c.Status.Final() {
		return w.c, err
	}
	defer func() { w.changes++ }()
	w.c.SignedIn = append(w.c.SignedIn, s.PersonID)
	if err := w.save(ctx, s.Actor, "signed_in", map[string]any{"person_id": s.PersonID}); err != nil {
		return w.c, err
	}
	if len(w.c.SignedIn) == len(w.c.PersonIDs) {
		return w.c, w.connect(ctx, "connected")
	}
	return w.c, nil
}

func (w *connection) connect(ctx workflow.Context, action string) error {
	now := workflow.Now(ctx).UTC()
	w.c.Status, w.c.ConnectedAt = domain.ConnectionConnected, &now
	w.sync()
	w.tellApplicant(ctx, "connected", "Организация подключена",
		fmt.Sprintf("%s подключена к системе по заявке %s.", w.c.Organisation.Name, w.c.ID))
	return w.save(ctx, domain.SystemActor, action, map[string]any{"signed_in": len(w.c.SignedIn), "people": len(w.c.PersonIDs)})
}

// resubmit takes the corrected request back into review for a new round.
func (w *connection) resubmit(ctx workflow.Context, r ConnectionResubmission) (domain.Connection, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return w.c, err
	}
	defer w.mu.Unlock()
	if err := w.mayResubmit(r); err != nil {
		return w.c, err
	}
	defer func() { w.changes++ }()
	if err := w.review.Submit(ctx, w.terms()); err != nil {
		return w.c, err
	}
	w.c.Organisation, w.c.People, w.c.Status, w.c.Reasons = r.Request.Organisation, r.Request.People, domain.ConnectionUnderReview, []string{}
	if r.Request.Letter != nil {
		w.c.Letter = r.Request.Letter
	}
	w.sync()
	w.tellReviewers(ctx, fmt.Sprintf("resubmitted_%d", w.review.Round), "Доработанная заявка на подключение",
		fmt.Sprintf("Заявка %s доработана и представлена повторно. Рассмотреть до %s.", w.c.ID, w.review.ReviewDue))
	return w.c, w.save(ctx, r.Actor, "resubmitted", map[string]any{"round": w.review.Round, "review_due": w.review.ReviewDue})
}
