package app

import (
	"context"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
)

// The directory of organisations: the authorities that issue certificates, keep a registry
// or form a reserve (Минтруд, a regional civil-service body, a reserve authority), and the
// agencies (государственные органы) whose servants train. A ministry user keeps its own
// authority's part of it.

// DirectoryStore is the directory of organisations: agencies and authorities.
type DirectoryStore interface {
	PutAgency(ctx context.Context, a domain.Agency) (domain.Agency, error)
	GetAgency(ctx context.Context, id string) (domain.Agency, error)
	ListAgencies(ctx context.Context, authority string, page postgres.Page) ([]domain.Agency, string, error)
	PutAuthority(ctx context.Context, a domain.Authority) (domain.Authority, error)
	GetAuthority(ctx context.Context, id string) (domain.Authority, error)
	ListAuthorities(ctx context.Context) ([]domain.Authority, error)
}

// PutAgency registers or updates an agency of the actor's own authority (ministry). Another
// authority's agency with that ID is, as far as the actor knows, not there.
func (s *Service) PutAgency(ctx context.Context, actor domain.Actor, a domain.Agency) (domain.Agency, error) {
	if err := Require(actor, domain.RoleMinistry); err != nil {
		return domain.Agency{}, err
	}
	if a.Authority != actor.Authority {
		return domain.Agency{}, domain.Forbidden("a ministry user of %s registers agencies of %s only", actor.Authority, actor.Authority)
	}
	existing, err := s.store.GetAgency(ctx, a.ID)
	switch {
	case err == nil && existing.Authority != actor.Authority:
		return domain.Agency{}, domain.NotFound("agency " + a.ID)
	case err != nil && !domain.IsCode(err, domain.CodeNotFound):
		return domain.Agency{}, err
	}
	return s.store.PutAgency(ctx, a)
}

// Agencies lists agencies: a ministry user sees its own authority's, the operator any
// authority's (all when authority is empty).
func (s *Service) Agencies(ctx context.Context, actor domain.Actor, authority string, page postgres.Page) ([]domain.Agency, string, error) {
	if err := Require(actor, domain.RoleMinistry, domain.RoleOperator); err != nil {
		return nil, "", err
	}
	if actor.Role == domain.RoleMinistry {
		if err := pinScope("agencies", "authority", actor.Authority, &authority); err != nil {
			return nil, "", err
		}
	}
	return s.store.ListAgencies(ctx, authority, page)
}

// PutAuthority keeps the record of the actor's own authority (ministry).
func (s *Service) PutAuthority(ctx context.Context, actor domain.Actor, a domain.Authority) (domain.Authority, error) {
	if err := Require(actor, domain.RoleMinistry); err != nil {
		return domain.Authority{}, err
	}
	if a.ID != actor.Authority {
		return domain.Authority{}, domain.Forbidden("a ministry user of %s keeps the record of %s only", actor.Authority, actor.Authority)
	}
	return s.store.PutAuthority(ctx, a)
}

// Authorities lists the authorities by name to anyone signed in (an applicant chooses the
// one to be connected to): names and regions are public facts, staff addresses are left out.
func (s *Service) Authorities(ctx context.Context) ([]domain.Authority, error) {
	return s.store.ListAuthorities(ctx)
}

// Authority shows an authority's record to anyone signed in, whatever the role: names and
// regions are public facts. The staff addresses are shown only to that authority's own
// users and to operators.
func (s *Service) Authority(ctx context.Context, actor domain.Actor, id string) (domain.Authority, error) {
	a, err := s.store.GetAuthority(ctx, id)
	if err == nil && actor.Role != domain.RoleOperator && actor.Authority != id {
		a.Emails = nil
	}
	return a, err
}
