package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/profdev/profdev/internal/domain"
)

// The registry of authorised people (реестр уполномоченных лиц): each person, their
// invitation, and every change with who made it and when.

func insertPerson(ctx context.Context, tx pgx.Tx, id string, e domain.PeopleEntry, p domain.PersonDetails, stepKey string) error {
	tag, err := tx.Exec(ctx, `
		INSERT INTO people (id, organisation_id, organisation_kind, authority, connection_id, full_name, position,
			email, phone, kind, role, scope, status, invite_code)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $2, 'invited', $12)
		ON CONFLICT (id) DO NOTHING`,
		id, e.Organisation.ID, e.Organisation.Kind, e.Authority, e.ConnectionID, p.FullName, p.Position,
		p.Email, p.Phone, p.Kind, p.Role, newInviteCode())
	if err != nil || tag.RowsAffected() == 0 {
		return err
	}
	return insertPersonChange(ctx, tx, id, e.At, e.Actor, "entered", map[string]any{"role": p.Role, "connection_id": e.ConnectionID}, stepKey)
}

func insertPersonChange(ctx context.Context, tx pgx.Tx, personID string, at time.Time, actor domain.Actor, action string, details map[string]any, stepKey string) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO person_changes (person_id, at, actor, action, details, step_key) VALUES ($1, $2, $3, $4, $5, NULLIF($6, ''))
		ON CONFLICT (step_key) DO NOTHING`, personID, at, actor, action, detailsOrEmpty(details), stepKey)
	return err
}

func invitations(ctx context.Context, tx pgx.Tx, ids []string) ([]domain.Invitation, error) {
	rows, err := tx.Query(ctx, `SELECT id, full_name, email FROM people WHERE id = ANY($1) ORDER BY id`, ids)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Invitation, error) {
		var in domain.Invitation
		err := r.Scan(&in.PersonID, &in.FullName, &in.Email)
		return in, err
	})
}

// InvitationOf returns a person's invitation and its code, for the one activity that mails
// it; the code goes nowhere else.
func (db *DB) InvitationOf(ctx context.Context, personID string) (domain.Invitation, string, error) {
	in, code := domain.Invitation{PersonID: personID}, ""
	err := db.read(ctx, func(q querier) error {
		return q.QueryRow(ctx, `SELECT full_name, email, invite_code FROM people WHERE id = $1`, personID).
			Scan(&in.FullName, &in.Email, &code)
	})
	if domain.IsCode(err, domain.CodeNotFound) {
		return in, "", domain.NotFound("person " + personID)
	}
	return in, code, err
}

// newInviteCode is the secret an invitation carries: 128 random bits.
func newInviteCode() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func scanPerson(r pgx.Row) (domain.Person, error) {
	var p domain.Person
	err := r.Scan(&p.ID, &p.Organisation, &p.OrganisationKind, &p.Authority, &p.ConnectionID, &p.FullName, &p.Position,
		&p.Email, &p.Phone, &p.Kind, &p.Role, &p.Scope, &p.Status, &p.Sub, &p.UpdatedAt)
	return p, err
}

// AcceptInvitation binds the signed-in subject to the invited person and makes them active:
// their first sign-in. The same subject accepting again changes nothing; a code already bound
// to another subject, or a blocked person, is a conflict.
func (db *DB) AcceptInvitation(ctx context.Context, code string, actor domain.Actor, at time.Time) (domain.Person, error) {
	var p domain.Person
	err := db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		var err error
		p, err = scanPerson(tx.QueryRow(ctx, `SELECT `+personColumns+` FROM people WHERE invite_code = $1 FOR UPDATE`, code))
		if domain.IsCode(mapError(err), domain.CodeNotFound) {
			return domain.NotFound("invitation")
		}
		if err != nil {
			return err
		}
		switch {
		case p.Sub == actor.Sub:
			return nil
		case p.Sub != "":
			return domain.Conflict("the invitation has already been accepted by another person")
		case p.Status == domain.PersonBlocked:
			return domain.Conflict("person %s is blocked", p.ID)
		}
		var other string
		if err := tx.QueryRow(ctx, `SELECT id FROM people WHERE sub = $1`, actor.Sub).Scan(&other); err == nil {
			return domain.Conflict("the signed-in person is already registered as %s", other)
		}
		p, err = scanPerson(tx.QueryRow(ctx, `UPDATE people SET sub = $2, status = 'active', updated_at = now()
			WHERE id = $1 RETURNING `+personColumns, p.ID, actor.Sub))
		if err != nil {
			return err
		}
		return insertPersonChange(ctx, tx, p.ID, at, actor, "signed_in", map[string]any{"sub": actor.Sub}, "signed_in:"+p.ID)
	})
	return p, err
}

// PersonBySub returns the person bound to an identity provider's subject, or not_found.
func (db *DB) PersonBySub(ctx context.Context, sub string) (domain.Person, error) {
	var p domain.Person
	err := db.read(ctx, func(q querier) error {
		var err error
		p, err = scanPerson(q.QueryRow(ctx, `SELECT `+personColumns+` FROM people WHERE sub = $1`, sub))
		return err
	})
	if domain.IsCode(err, domain.CodeNotFound) {
		return p, domain.NotFound("person")
	}
	return p, err
}

// GetPerson returns one person with the history of changes, or not_found.
func (db *DB) GetPerson(ctx context.Context, id string) (domain.Person, error) {
	var p domain.Person
	err := db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		var err error
		if p, err = scanPerson(tx.QueryRow(ctx, `SELECT `+personColumns+` FROM people WHERE id = $1`, id)); err != nil {
			return err
		}
		hist, err := personHistory(ctx, tx, []string{id})
		p.History = hist[id]
		return err
	})
	if domain.IsCode(err, domain.CodeNotFound) {
		return p, domain.NotFound("person " + id)
	}
	return p, err
}

func personHistory(ctx context.Context, tx pgx.Tx, ids []string) (map[string][]domain.PersonChange, error) {
	rows, err := tx.Query(ctx, `SELECT person_id, at, actor, action, details FROM person_changes WHERE person_id = ANY($1) ORDER BY id`, ids)
	if err != nil {
		return nil, err
	}
	out := map[string][]domain.PersonChange{}
	_, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (struct{}, error) {
		var id string
		var c domain.PersonChange
		err := r.Scan(&id, &c.At, &c.Actor, &c.Action, &c.Details)
		out[id] = append(out[id], c)
		return struct{}{}, err
	})
	return out, err
}

// ListPeople lists an organisation's people by id, with their history.
func (db *DB) ListPeople(ctx context.Context, organisation, status string, page Page) ([]domain.Person, string, error) {
	after, err := decodeTextCursor(page.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := page.limit()
	var out []domain.Person
	err = db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+personColumns+` FROM people
			WHERE organisation_id = $1 AND ($2 = '' OR status = $2) AND id > $3 ORDER BY id LIMIT $4`,
			organisation, status, after, limit+1)
		if err != nil {
			return err
		}
		if out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Person, error) { return scanPerson(r) }); err != nil {
			return err
		}
		ids := make([]string, len(out))
		for i, p := range out {
			ids[i] = p.ID
		}
		hist, err := personHistory(ctx, tx, ids)
		for i := range out {
			out[i].History = hist[out[i].ID]
		}
		return err
	})
	if err != nil {
		return nil, "", err
	}
	out, next := trimPage(out, limit, func(x domain.Person) string { return encodeTextCursor(x.ID) })
	return out, next, nil
}

// SetPersonRole gives a person another role (org_admin's step), recording who and when.
func (db *DB) SetPersonRole(ctx context.Context, id string, role domain.Role, actor domain.Actor, at time.Time) (domain.Person, error) {
	var p domain.Person
	err := db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		var old domain.Role
		if err := tx.QueryRow(ctx, `SELECT role FROM people WHERE id = $1 FOR UPDATE`, id).Scan(&old); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE people SET role = $2, updated_at = now() WHERE id = $1`, id, role); err != nil {
			return err
		}
		return insertPersonChange(ctx, tx, id, at, actor, "role_changed", map[string]any{"from": old, "to": role}, "")
	})
	if err != nil {
		if domain.IsCode(err, domain.CodeNotFound) {
			return p, domain.NotFound("person " + id)
		}
		return p, err
	}
	return db.GetPerson(ctx, id)
}

func personOf(ctx context.Context, tx pgx.Tx, id, organisation string) error {
	var org string
	if err := tx.QueryRow(ctx, `SELECT organisation_id FROM people WHERE id = $1 FOR UPDATE`, id).Scan(&org); err != nil || org != organisation {
		return domain.NotFound("person " + id)
	}
	return nil
}
