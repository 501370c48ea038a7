package activities

import (
	"context"

	"github.com/profdev/profdev/internal/domain"
)

// ReserveStore is what the management reserve activities need from storage.
type ReserveStore interface {
	SaveNomination(ctx context.Context, n domain.Nomination, ev domain.Event) error
	ReserveQuotasFor(ctx context.Context, authority, agency string, year int) (domain.ReserveQuotas, error)
	PreviousReserve(ctx context.Context, authority, fullName, dateOfBirth string, year int) (*domain.PreviousReserve, error)
}

// Reserve keeps the management reserve's read models (резерв управленческих кадров) in step
// with the nomination workflows, and answers the two questions a nomination asks storage:
// the quotas in force, and whether a proposed person was in last year's reserve.
type Reserve struct {
	Store ReserveStore
}

// NominationStep is a nomination as it stands after a step, and the step.
type NominationStep struct {
	Nomination domain.Nomination `json:"nomination"`
	Event      domain.Event      `json:"event"`
}

// SaveNomination records a nomination step; a retry of the same step writes nothing new.
func (a *Reserve) SaveNomination(ctx context.Context, in NominationStep) error {
	return a.Store.SaveNomination(ctx, in.Nomination, in.Event)
}

// QuotaKey names the quotas of one participant for one year.
type QuotaKey struct {
	Authority string `json:"authority"`
	Agency    string `json:"agency"`
	Year      int    `json:"year"`
}

// LoadReserveQuotas reads the quotas in force; none set yet reads as zero.
func (a *Reserve) LoadReserveQuotas(ctx context.Context, in QuotaKey) (domain.ReserveQuotas, error) {
	return a.Store.ReserveQuotasFor(ctx, in.Authority, in.Agency, in.Year)
}

// PersonQuery asks whether a person was included in an authority's reserve in a year.
type PersonQuery struct {
	Authority   string `json:"authority"`
	FullName    string `json:"full_name"`
	DateOfBirth string `json:"date_of_birth"`
	Year        int    `json:"year"`
}

// PreviousReserveResult is the answer; Found is nil when the person was not in that reserve.
type PreviousReserveResult struct {
	Found *domain.PreviousReserve `json:"found,omitempty"`
}

// FindPreviousReserve audits a proposed person against the previous year's reserve.
func (a *Reserve) FindPreviousReserve(ctx context.Context, in PersonQuery) (PreviousReserveResult, error) {
	p, err := a.Store.PreviousReserve(ctx, in.Authority, in.FullName, in.DateOfBirth, in.Year)
	return PreviousReserveResult{Found: p}, err
}
