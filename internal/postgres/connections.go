package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/profdev/profdev/internal/domain"
)

// Connecting organisations (process 5): connection requests and change requests as their
// workflows see them, and the registry of authorised people with every change to it.

// SaveConnection writes the workflow's view of a connection request and the step; an older
// revision never overwrites a newer one.
func (db *DB) SaveConnection(ctx context.Context, c domain.Connection, ev domain.Event) error {
	c.History = nil
	return db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			INSERT INTO connection_requests (id, workflow_id, authority, organisation_id, status, submitter_sub, overdue, doc, revision)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (id) DO UPDATE SET organisation_id = EXCLUDED.organisation_id, status = EXCLUDED.status,
				overdue = EXCLUDED.overdue, doc = EXCLUDED.doc, revision = EXCLUDED.revision, updated_at = now()
			WHERE connection_requests.revision < EXCLUDED.revision`,
			c.ID, c.WorkflowID, c.Authority, c.Organisation.ID, c.Status, c.SubmittedBy.Sub, c.Overdue, c, c.Revision); err != nil {
			return err
		}
		return insertEvent(ctx, tx, c.WorkflowID, c.ID, ev)
	})
}

// GetConnection returns one connection request or not_found.
func (db *DB) GetConnection(ctx context.Context, id string) (domain.Connection, error) {
	var c domain.Connection
	err := db.read(ctx, func(q querier) error {
		return q.QueryRow(ctx, `SELECT doc FROM connection_requests WHERE id = $1`, id).Scan(&c)
	})
	if domain.IsCode(err, domain.CodeNotFound) {
		return c, domain.NotFound("connection request " + id)
	}
	return c, err
}

// ConnectionFilter narrows a list of connection requests; empty fields do not filter.
type ConnectionFilter struct {
	Authority    string
	SubmitterSub string
	Status       string
}

// ListConnections lists connection requests by id, filtered and paginated.
func (db *DB) ListConnections(ctx context.Context, f ConnectionFilter, page Page) ([]domain.Connection, string, error) {
	after, err := decodeTextCursor(page.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := page.limit()
	var out []domain.Connection
	err = db.read(ctx, func(q querier) error {
		rows, err := q.Query(ctx, `SELECT doc FROM connection_requests
			WHERE ($1 = '' OR authority = $1) AND ($2 = '' OR submitter_sub = $2) AND ($3 = '' OR status = $3) AND id > $4
			ORDER BY id LIMIT $5`, f.Authority, f.SubmitterSub, f.Status, after, limit+1)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[domain.Connection])
		return err
	})
	if err != nil {
		return nil, "", err
	}
	out, next := trimPage(out, limit, func(x domain.Connection) string { return encodeTextCursor(x.ID) })
	return out, next, nil
}

// EnterPeople connects the organisation and enters each of its people, invited, with a fresh
// invitation code; an organisation of kind agency also becomes a directory agency, so the
// other processes reach its HR officers and head. Repeating it changes nothing and returns
// the same invitations.
func (db *DB) EnterPeople(ctx context.Context, e domain.PeopleEntry) ([]domain.Invitation, error) {
	var out []domain.Invitation
	err := db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		o := e.Organisation
		if _, err := tx.Exec(ctx, `
			INSERT INTO organisations (id, kind, authority, name, connection_id) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, authority = EXCLUDED.authority, name = EXCLUDED.name,
				connection_id = EXCLUDED.connection_id, updated_at = now()`,
			o.ID, o.Kind, e.Authority, o.Name, e.ConnectionID); err != nil {
			return err
		}
		if o.Kind == domain.OrgAgency {
			var hrEmails []string
			head := ""
			for _, p := range e.People {
				switch p.Role {
				case domain.RoleHR:
					hrEmails = append(hrEmails, p.Email)
				case domain.RoleAgencyHead:
					head = p.Email
				}
			}
			if _, err := tx.Exec(ctx, `
				INSERT INTO agencies (id, name, authority, region, hr_emails, head_email, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, now())
				ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, authority = EXCLUDED.authority,
					region = EXCLUDED.region, hr_emails = EXCLUDED.hr_emails, head_email = EXCLUDED.head_email, updated_at = now()`,
				o.ID, o.Name, e.Authority, e.Region, nonNil(hrEmails), head); err != nil {
				return err
			}
		}
		for i, p := range e.People {
			id := e.PersonIDs[i]
			if err := insertPerson(ctx, tx, id, e, p, "entered:"+id); err != nil {
				return err
			}
		}
		var err error
		out, err = invitations(ctx, tx, e.PersonIDs)
		return err
	})
	return out, err
}

const personColumns = `id, organisation_id, organisation_kind, authority, connection_id, full_name, position, email, phone,
	kind, role, scope, status, coalesce(sub, ''), updated_at`

// GetOrganisation returns a connected organisation, or not_found.
func (db *DB) GetOrganisation(ctx context.Context, id string) (domain.ConnectedOrganisation, error) {
	var o domain.ConnectedOrganisation
	err := db.read(ctx, func(q querier) error {
		return q.QueryRow(ctx, `SELECT id, kind, authority, name, connection_id FROM organisations WHERE id = $1`, id).
			Scan(&o.ID, &o.Kind, &o.Authority, &o.Name, &o.ConnectionID)
	})
	if domain.IsCode(err, domain.CodeNotFound) {
		return o, domain.NotFound("organisation " + id)
	}
	return o, err
}

// SaveChange writes the workflow's view of a change request and the step.
func (db *DB) SaveChange(ctx context.Context, c domain.ChangeRequest, ev domain.Event) error {
	c.History = nil
	return db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			INSERT INTO connection_changes (id, workflow_id, organisation_id, authority, status, overdue, doc, revision)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, overdue = EXCLUDED.overdue, doc = EXCLUDED.doc,
				revision = EXCLUDED.revision, updated_at = now()
			WHERE connection_changes.revision < EXCLUDED.revision`,
			c.ID, c.WorkflowID, c.Organisation, c.Authority, c.Status, c.Overdue, c, c.Revision); err != nil {
			return err
		}
		return insertEvent(ctx, tx, c.WorkflowID, c.ID, ev)
	})
}

// GetChange returns one change request or not_found.
func (db *DB) GetChange(ctx context.Context, id string) (domain.ChangeRequest, error) {
	var c domain.ChangeRequest
	err := db.read(ctx, func(q querier) error {
		return q.QueryRow(ctx, `SELECT doc FROM connection_changes WHERE id = $1`, id).Scan(&c)
	})
	if domain.IsCode(err, domain.CodeNotFound) {
		return c, domain.NotFound("change request " + id)
	}
	return c, err
}

// ApplyChange makes an applied change request take effect in the registry at once: a block
// refuses the person's next request, a re-registration replaces their data, an add enters a
// new invited person. Applying the same change again changes nothing.
func (db *DB) ApplyChange(ctx context.Context, c domain.ChangeRequest, actor domain.Actor, at time.Time) ([]domain.Invitation, error) {
	var out []domain.Invitation
	err := db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		key := "change:" + c.ID
		var done bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM person_changes WHERE step_key = $1)`, key).Scan(&done); err != nil {
			return err
		}
		details := map[string]any{"change_id": c.ID, "reason": c.Reason, "occurred_on": c.OccurredOn.String()}
		switch c.Kind {
		case domain.ChangeBlock:
			if done {
				return nil
			}
			if err := personOf(ctx, tx, c.PersonID, c.Organisation); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE people SET status = 'blocked', updated_at = now() WHERE id = $1`, c.PersonID); err != nil {
				return err
			}
			return insertPersonChange(ctx, tx, c.PersonID, at, actor, "blocked", details, key)
		case domain.ChangeReRegistration:
			if done {
				return nil
			}
			if err := personOf(ctx, tx, c.PersonID, c.Organisation); err != nil {
				return err
			}
			p := c.Person
			if _, err := tx.Exec(ctx, `UPDATE people SET full_name = $2, position = $3, email = $4, phone = $5, kind = $6, role = $7,
				updated_at = now() WHERE id = $1`, c.PersonID, p.FullName, p.Position, p.Email, p.Phone, p.Kind, p.Role); err != nil {
				return err
			}
			details["person"] = p
			return insertPersonChange(ctx, tx, c.PersonID, at, actor, "re_registered", details, key)
		case domain.ChangeAdd:
			id := c.ID + "-p1"
			var conn string
			if err := tx.QueryRow(ctx, `SELECT connection_id FROM organisations WHERE id = $1`, c.Organisation).Scan(&conn); err != nil {
				return err
			}
			e := domain.PeopleEntry{ConnectionID: conn, Authority: c.Authority, At: at, Actor: actor,
				Organisation: domain.Organisation{ID: c.Organisation, Kind: c.OrganisationKind}}
			if err := insertPerson(ctx, tx, id, e, *c.Person, key); err != nil {
				return err
			}
			var err error
			out, err = invitations(ctx, tx, []string{id})
			return err
		}
		return domain.Invalid("unknown change kind " + string(c.Kind))
	})
	return out, err
}

// LiveConnectionFor returns the ID of an organisation's connection request to an authority
// that is still under way (under review, returned for correction, accepted and being
// handed over), or "" when there is none.
func (db *DB) LiveConnectionFor(ctx context.Context, authority, organisation string) (string, error) {
	var id string
	err := db.read(ctx, func(q querier) error {
		err := q.QueryRow(ctx, `SELECT id FROM connection_requests WHERE organisation_id = $1 AND authority = $2
			AND status IN ('under_review', 'returned', 'accepted') ORDER BY id LIMIT 1`, organisation, authority).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		return err
	})
	return id, err
}
