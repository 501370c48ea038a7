package app

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
	"github.com/profdev/profdev/workflows"
)

// The management reserve (резерв управленческих кадров), process 3: the authority's quotas,
// the agencies' nominations (выдвижение кандидатов) and their candidates, read within scope
// and printed as the lists of seed 002's appendices. The steps on candidates are in
// reserve_candidates.go.

// ReserveStore is what the reserve steps read and write outside the workflows.
type ReserveStore interface {
	PutReserveQuotas(ctx context.Context, q domain.ReserveQuota) (domain.ReserveQuota, error)
	GetNomination(ctx context.Context, id string) (domain.Nomination, error)
	ListNominations(ctx context.Context, f postgres.NominationFilter, page postgres.Page) ([]domain.Nomination, string, error)
}

// NominationReaders are the roles that may read nominations, each within its scope: the
// agency's HR and head see their agency's, the reserve authority those sent to it.
var NominationReaders = []domain.Role{domain.RoleHR, domain.RoleAgencyHead, domain.RoleReserveAuthority, domain.RoleOperator}

// workflowIDRE is the shape of the ID of a record whose ID is its workflow ID (a
// nomination): anything else names no record, so it is not found without asking storage,
// which would refuse text that is not UTF-8.
var workflowIDRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,200}$`)

// SetReserveQuotas sets the list-2 quotas of an agency for a year (квоты, seed 002 item 12)
// and passes them to the agency's running nomination, whose validators enforce them
// (reserve authority).
func (s *Service) SetReserveQuotas(ctx context.Context, actor domain.Actor, agency string, year int, q domain.ReserveQuotas) (domain.ReserveQuota, error) {
	if err := Require(actor, domain.RoleReserveAuthority); err != nil {
		return domain.ReserveQuota{}, err
	}
	if _, err := s.store.GetAgency(ctx, agency); err != nil {
		return domain.ReserveQuota{}, err
	}
	saved, err := s.store.PutReserveQuotas(ctx, domain.ReserveQuota{Authority: actor.Authority, Agency: agency, Year: year,
		ReserveQuotas: q, SetBy: actor})
	if err != nil {
		return domain.ReserveQuota{}, err
	}
	// No nomination yet, or a closed one, has nothing to update: a new one reads the quotas
	// when it starts. Another failure is reported so that the caller retries.
	var n domain.Nomination
	err = s.step(ctx, workflows.NominationWorkflowID(actor.Authority, agency, year), workflows.UpdateSetQuotas,
		workflows.QuotaChange{Actor: actor, Quotas: saved.ReserveQuotas}, &n, nil)
	if err != nil && !errors.Is(err, errProcessClosed) {
		return domain.ReserveQuota{}, err
	}
	return saved, nil
}

// CreateNomination starts the actor's agency's nomination for a year, addressed to one
// reserve authority (HR). Lists are formed for the year under way or the coming one (seed
// 002 item 9), and an agency has one nomination a year.
func (s *Service) CreateNomination(ctx context.Context, actor domain.Actor, year int, authorityID string) (domain.Nomination, error) {
	if err := Require(actor, domain.RoleHR); err != nil {
		return domain.Nomination{}, err
	}
	if now := time.Now().In(workflows.Moscow).Year(); year < now || year > now+1 {
		return domain.Nomination{}, domain.Invalid("invalid request", domain.FieldError{Field: "year", Message: fmt.Sprintf("must be %d or %d", now, now+1)})
	}
	authority, err := s.store.GetAuthority(ctx, authorityID)
	if domain.IsCode(err, domain.CodeNotFound) {
		err = domain.Invalid("invalid request", domain.FieldError{Field: "authority", Message: "no such authority in the directory"})
	}
	if err != nil {
		return domain.Nomination{}, err
	}
	agency, err := s.store.GetAgency(ctx, actor.Agency)
	if domain.IsCode(err, domain.CodeNotFound) {
		err = domain.Conflict("agency %s is not in the directory: the ministry registers it before it nominates", actor.Agency)
	}
	if err != nil {
		return domain.Nomination{}, err
	}
	// A nomination to another authority has another workflow ID: ask storage, not Temporal.
	existing, _, err := s.store.ListNominations(ctx, postgres.NominationFilter{Agency: actor.Agency, Year: year}, postgres.Page{Limit: 1})
	if err == nil && len(existing) > 0 {
		err = domain.Conflict("agency %s already has nomination %s for %d", actor.Agency, existing[0].ID, year)
	}
	if err != nil {
		return domain.Nomination{}, err
	}
	in := workflows.NominationInput{Authority: authority.ID, Region: authority.Region, Agency: agency.ID,
		AgencyName: agency.Name, Year: year, CreatedBy: actor}
	id := workflows.NominationWorkflowID(in.Authority, in.Agency, in.Year)
	var n domain.Nomination
	err = s.start(ctx, Start{
		ID: id, Workflow: workflows.NominationWorkflowType, Input: in,
		Process: workflows.ProcessReserveNomination, Authority: in.Authority, Agency: in.Agency, Year: in.Year,
	}, workflows.UpdateNominationSnapshot, actor, &n)
	if domain.IsCode(err, domain.CodeConflict) {
		err = domain.Conflict("agency %s already has nomination %s for %d", actor.Agency, id, year)
	}
	return n, err
}

// Nomination returns one nomination if the actor may see it; otherwise not found.
func (s *Service) Nomination(ctx context.Context, actor domain.Actor, id string) (domain.Nomination, error) {
	if err := Require(actor, NominationReaders...); err != nil {
		return domain.Nomination{}, err
	}
	return s.loadNomination(ctx, actor, id)
}

// loadNomination loads a nomination within the actor's scope, whatever the actor's role.
func (s *Service) loadNomination(ctx context.Context, actor domain.Actor, id string) (domain.Nomination, error) {
	if !workflowIDRE.MatchString(id) {
		return domain.Nomination{}, domain.NotFound("nomination")
	}
	n, err := s.store.GetNomination(ctx, id)
	if err == nil && !InScope(actor, Owner{Authority: n.Authority, Agency: n.Agency}) {
		err = domain.NotFound("nomination " + id)
	}
	return n, err
}

// NominationView is a nomination with its timeline: who did what, and when.
type NominationView struct {
	domain.Nomination
	History []domain.Event `json:"history"`
}

// NominationWithHistory returns a nomination the actor may see with its timeline.
func (s *Service) NominationWithHistory(ctx context.Context, actor domain.Actor, id string) (NominationView, error) {
	n, err := s.Nomination(ctx, actor, id)
	if err != nil {
		return NominationView{}, err
	}
	history, err := s.store.Timeline(ctx, n.ID)
	if err != nil {
		return NominationView{}, err
	}
	return NominationView{Nomination: n, History: history}, nil
}

// Nominations lists the nominations the actor may see that match the filter: the agency's
// own for its HR and head, those sent to it for a reserve authority; a filter naming
// another scope is forbidden.
func (s *Service) Nominations(ctx context.Context, actor domain.Actor, f postgres.NominationFilter, page postgres.Page) ([]domain.Nomination, string, error) {
	if err := Require(actor, NominationReaders...); err != nil {
		return nil, "", err
	}
	var err error
	switch actor.Role {
	case domain.RoleHR, domain.RoleAgencyHead:
		err = pinScope("nominations", "agency", actor.Agency, &f.Agency)
	case domain.RoleReserveAuthority:
		err = pinScope("nominations", "authority", actor.Authority, &f.Authority)
	}
	if err != nil {
		return nil, "", err
	}
	return s.store.ListNominations(ctx, f, page)
}

// ReserveLists returns a nomination as its lists 1 and 2 print it (document.ReserveListsCSV
// and ReserveListsHTML): the participant named in full as the directory holds it today,
// since the lists are printed for the head to sign (HR, head, reserve authority).
func (s *Service) ReserveLists(ctx context.Context, actor domain.Actor, id string) (domain.Nomination, error) {
	if err := Require(actor, domain.RoleHR, domain.RoleAgencyHead, domain.RoleReserveAuthority); err != nil {
		return domain.Nomination{}, err
	}
	n, err := s.loadNomination(ctx, actor, id)
	if err != nil {
		return domain.Nomination{}, err
	}
	if a, err := s.store.GetAgency(ctx, n.Agency); err == nil {
		n.AgencyName = a.Name
	} else if !domain.IsCode(err, domain.CodeNotFound) {
		return domain.Nomination{}, err
	}
	return n, nil
}
