package domain

import (
	"slices"
	"strconv"
	"time"

	"cloud.google.com/go/civil"
)

// Connecting an organisation and its authorised people (подключение участника, реестр
// уполномоченных лиц), process 5: seed 001 items 7, 9-24; seed 004 section 3.

// OrganisationKind is what an organisation is connected as.
type OrganisationKind string

// Organisation kinds.
const (
	OrgAgency       OrganisationKind = "agency"        // государственный орган
	OrgProvider     OrganisationKind = "provider"      // образовательная организация
	OrgMunicipality OrganisationKind = "municipality"  // орган местного самоуправления
	OrgRegionalBody OrganisationKind = "regional_body" // орган субъекта по управлению госслужбой
)

// ScopeClaim is the claim whose value names an organisation of this kind: a provider
// is a provider scope, every other kind works within an agency scope.
func (k OrganisationKind) ScopeClaim() string {
	if k == OrgProvider {
		return ScopeProvider
	}
	return ScopeAgency
}

// Grantable lists the roles an organisation of this kind may give its people: what it was
// connected for (seed 004 item 3.5).
func (k OrganisationKind) Grantable() []Role {
	if k == OrgProvider {
		return []Role{RoleProvider, RoleOrgAdmin}
	}
	return []Role{RoleHR, RoleAgencyHead, RoleOrgAdmin}
}

// MayGrant reports whether an organisation of this kind may give role r.
func (k OrganisationKind) MayGrant(r Role) bool { return slices.Contains(k.Grantable(), r) }

// OrganisationHead is the head who signs the connection letter (руководитель).
type OrganisationHead struct {
	FullName string `json:"full_name" validate:"required,max=300"`
	Position string `json:"position" validate:"required,max=300"`
}

// Organisation is what a connection request states about the organisation.
type Organisation struct {
	Kind    OrganisationKind `json:"kind" validate:"required,oneof=agency provider municipality regional_body"`
	ID      string           `json:"id" validate:"required,ident"`
	Name    string           `json:"name" validate:"required,max=500"`
	INN     string           `json:"inn" validate:"required,inn"`
	OGRN    string           `json:"ogrn" validate:"required,ogrn"`
	Address string           `json:"address" validate:"required,max=1000"`
	Head    OrganisationHead `json:"head" validate:"required"`
}

// PersonKind is an authorised official (reads and monitors) or an authorised employee
// (enters data): уполномоченное должностное лицо / уполномоченный сотрудник.
type PersonKind string

// Person kinds.
const (
	PersonOfficial PersonKind = "official"
	PersonEmployee PersonKind = "employee"
)

// PersonDetails are a person's personal and contact data as the organisation states them.
type PersonDetails struct {
	FullName string     `json:"full_name" validate:"required,max=300"`
	Position string     `json:"position" validate:"required,max=300"`
	Email    string     `json:"email" validate:"required,email,max=254"`
	Phone    string     `json:"phone" validate:"required,phone"`
	Kind     PersonKind `json:"kind" validate:"required,oneof=official employee"`
	Role     Role       `json:"role" validate:"required,oneof=hr agency_head provider org_admin"`
}

// Letter is the registration of a request that came as a letter (СЭД or paper).
type Letter struct {
	Number string     `json:"number" validate:"required,max=100"`
	Date   civil.Date `json:"date,omitzero"`
}

// ConnectionRequest is the body of a connection request and of its resubmission.
type ConnectionRequest struct {
	Authority    string          `json:"authority" validate:"required,ident"`
	Organisation Organisation    `json:"organisation" validate:"required"`
	People       []PersonDetails `json:"people" validate:"required,min=1,max=200,dive"`
	Letter       *Letter         `json:"letter,omitempty"`
}

// Check makes the checks no field tag can: every role within the organisation's kind, no
// email twice, a letter's date given.
func (r ConnectionRequest) Check() error {
	var fields []FieldError
	seen := map[string]bool{}
	for i, p := range r.People {
		if !r.Organisation.Kind.MayGrant(p.Role) {
			fields = append(fields, FieldError{Field: fieldIndex("people", i, "role"),
				Message: "role " + string(p.Role) + " is not one an organisation of kind " + string(r.Organisation.Kind) + " may give"})
		}
		if seen[p.Email] {
			fields = append(fields, FieldError{Field: fieldIndex("people", i, "email"), Message: "the same email is given twice"})
		}
		seen[p.Email] = true
	}
	if r.Letter != nil && !r.Letter.Date.IsValid() {
		fields = append(fields, FieldError{Field: "letter.date", Message: "required, a date YYYY-MM-DD"})
	}
	if len(fields) > 0 {
		return Invalid("the request is not valid", fields...)
	}
	return nil
}

func fieldIndex(list string, i int, field string) string {
	return list + "[" + itoa(i) + "]." + field
}

func itoa(i int) string { return strconv.Itoa(i) }

// ConnectionStatus is where a connection request stands.
type ConnectionStatus string

// Connection statuses of the contract.
const (
	ConnectionUnderReview ConnectionStatus = "under_review"
	ConnectionReturned    ConnectionStatus = "returned"
	ConnectionAccepted    ConnectionStatus = "accepted"
	ConnectionConnected   ConnectionStatus = "connected"
	ConnectionLapsed      ConnectionStatus = "lapsed"
)

// Final reports whether no further step can change the status.
func (s ConnectionStatus) Final() bool { return s == ConnectionConnected || s == ConnectionLapsed }

// Connection is a connection request as it stands.
type Connection struct {
	ID           string          `json:"id"`
	WorkflowID   string          `json:"workflow_id"`
	Authority    string          `json:"authority"`
	Organisation Organisation    `json:"organisation"`
	People       []PersonDetails `json:"people"`
	Letter       *Letter         `json:"letter,omitempty"`
	// SubmittedBy is the applicant (or the clerk who registered the letter).
	SubmittedBy Actor            `json:"submitted_by"`
	Status      ConnectionStatus `json:"status"`
	Reasons     []string         `json:"reasons"`
	ReviewDue   *civil.Date      `json:"review_due,omitempty"`
	ResubmitDue *civil.Date      `json:"resubmit_due,omitempty"`
	AccessDue   *civil.Date      `json:"access_due,omitempty"`
	HandoverDue *civil.Date      `json:"handover_due,omitempty"`
	ConnectBy   civil.Date       `json:"connect_by,omitzero"`
	Overdue     bool             `json:"overdue"`
	PersonIDs   []string         `json:"person_ids"`
	SignedIn    []string         `json:"signed_in"`
	SubmittedAt time.Time        `json:"submitted_at"`
	DecidedAt   *time.Time       `json:"decided_at,omitempty"`
	ConnectedAt *time.Time       `json:"connected_at,omitempty"`
	Revision    int              `json:"revision"`
	History     []Event          `json:"history,omitempty"`
}

// PersonID is the registry ID of the i-th person of an accepted connection request.
func PersonID(connectionID string, i int) string { return connectionID + "-p" + itoa(i+1) }

// PersonStatus is a person's access status in the registry.
type PersonStatus string

// Person statuses.
const (
	PersonInvited PersonStatus = "invited"
	PersonActive  PersonStatus = "active"
	PersonBlocked PersonStatus = "blocked"
)

// Person is an authorised person in the registry (реестр уполномоченных лиц).
type Person struct {
	ID               string           `json:"id"`
	Organisation     string           `json:"organisation"`
	OrganisationKind OrganisationKind `json:"organisation_kind"`
	Authority        string           `json:"authority"`
	ConnectionID     string           `json:"connection_id"`
	PersonDetails
	// Scope is the organisation's ID in the claim the role needs (agency or provider).
	Scope     string         `json:"scope"`
	Status    PersonStatus   `json:"status"`
	Sub       string         `json:"sub,omitempty"`
	UpdatedAt time.Time      `json:"updated_at"`
	History   []PersonChange `json:"history,omitempty"`
}

// Actor is who the person is when they act: role and scope from the registry.
func (p Person) Actor(sub, name string) Actor {
	a := Actor{Sub: sub, Name: name, Role: p.Role}
	if name == "" {
		a.Name = p.FullName
	}
	if p.OrganisationKind.ScopeClaim() == ScopeProvider {
		a.Provider = p.Scope
	} else {
		a.Agency = p.Scope
	}
	return a
}

// PersonChange is one change of a person in the registry: who made it and when.
type PersonChange struct {
	At      time.Time      `json:"at"`
	Actor   Actor          `json:"actor"`
	Action  string         `json:"action"`
	Details map[string]any `json:"details,omitempty"`
}

// ChangeKind is what an organisation reports about its people.
type ChangeKind string

// Change kinds.
const (
	ChangeReRegistration ChangeKind = "re_registration" // перерегистрация
	ChangeBlock          ChangeKind = "block"           // блокирование
	ChangeAdd            ChangeKind = "add"
)

// ChangeRequestBody is what org_admin sends.
type ChangeRequestBody struct {
	Kind       ChangeKind     `json:"kind" validate:"required,oneof=re_registration block add"`
	PersonID   string         `json:"person_id" validate:"omitempty,ident"`
	Person     *PersonDetails `json:"person,omitempty"`
	Reason     string         `json:"reason" validate:"required,max=2000"`
	OccurredOn civil.Date     `json:"occurred_on,omitzero"`
}

// Check makes the checks no tag can.
func (b ChangeRequestBody) Check(kind OrganisationKind) error {
	var fields []FieldError
	if !b.OccurredOn.IsValid() {
		fields = append(fields, FieldError{Field: "occurred_on", Message: "required, a date YYYY-MM-DD"})
	}
	switch b.Kind {
	case ChangeBlock:
		if b.PersonID == "" {
			fields = append(fields, FieldError{Field: "person_id", Message: "required to block a person"})
		}
	case ChangeReRegistration:
		if b.PersonID == "" {
			fields = append(fields, FieldError{Field: "person_id", Message: "required to re-register a person"})
		}
		if b.Person == nil {
			fields = append(fields, FieldError{Field: "person", Message: "required: the person's new data"})
		}
	case ChangeAdd:
		if b.Person == nil {
			fields = append(fields, FieldError{Field: "person", Message: "required: the new person"})
		}
	}
	if b.Person != nil && !kind.MayGrant(b.Person.Role) {
		fields = append(fields, FieldError{Field: "person.role", Message: "role " + string(b.Person.Role) + " is not one an organisation of kind " + string(kind) + " may give"})
	}
	if len(fields) > 0 {
		return Invalid("the change request is not valid", fields...)
	}
	return nil
}

// ChangeStatus is where a change request stands.
type ChangeStatus string

// Change statuses.
const (
	ChangeUnderReview ChangeStatus = "under_review"
	ChangeApplied     ChangeStatus = "applied"
	ChangeReturned    ChangeStatus = "returned"
)

// ChangeRequest is an organisation's report of a change to its people.
type ChangeRequest struct {
	ID               string           `json:"id"`
	WorkflowID       string           `json:"workflow_id"`
	Organisation     string           `json:"organisation"`
	OrganisationKind OrganisationKind `json:"organisation_kind"`
	Authority        string           `json:"authority"`
	ChangeRequestBody
	SubmittedBy Actor        `json:"submitted_by"`
	Status      ChangeStatus `json:"status"`
	Reasons     []string     `json:"reasons"`
	// ReportDue is when the organisation had to report (3 working days after occurred_on);
	// ReportedLate says it did not.
	ReportDue    civil.Date `json:"report_due,omitzero"`
	ReportedLate bool       `json:"reported_late"`
	// ActBy is the authority's deadline: 5 working days after the report (3 + 5 for a block:
	// forwarded within 3, blocked within 5; seed 001 items 23-24).
	ActBy       civil.Date `json:"act_by,omitzero"`
	Overdue     bool       `json:"overdue"`
	SubmittedAt time.Time  `json:"submitted_at"`
	DecidedAt   *time.Time `json:"decided_at,omitempty"`
	Revision    int        `json:"revision"`
	History     []Event    `json:"history,omitempty"`
}

// ConnectedOrganisation is what the registry knows of a connected organisation.
type ConnectedOrganisation struct {
	ID           string           `json:"id"`
	Kind         OrganisationKind `json:"kind"`
	Authority    string           `json:"authority"`
	Name         string           `json:"name"`
	ConnectionID string           `json:"connection_id"`
}

// PeopleEntry is an accepted connection request's people, to be entered in the registry.
type PeopleEntry struct {
	ConnectionID string          `json:"connection_id"`
	Authority    string          `json:"authority"`
	Region       string          `json:"region"`
	Organisation Organisation    `json:"organisation"`
	People       []PersonDetails `json:"people"`
	PersonIDs    []string        `json:"person_ids"`
	Actor        Actor           `json:"actor"`
	At           time.Time       `json:"at"`
}

// Invitation is to whom a person's invitation to sign in the first time goes. Its secret
// code, which binds their identity provider's subject to their entry in the registry, is
// not part of it: an invitation passes through workflow histories, the code must not.
type Invitation struct {
	PersonID string `json:"person_id"`
	FullName string `json:"full_name"`
	Email    string `json:"email"`
}
