package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/profdev/profdev/internal/domain"
)

// SaveDocument stores a rendered document once; a second call keeps the first and returns it,
// so a retried render never replaces what may already be signed. The first store returns d
// as it was stored, without reading its bytes back; each statement commits on its own.
func (db *DB) SaveDocument(ctx context.Context, d domain.Document) (domain.Document, error) {
	tag, err := db.pool.Exec(ctx, `
		INSERT INTO certificate_documents (number, seq, pdf, sha256) VALUES ($1, $2, $3, $4)
		ON CONFLICT (number, seq) DO NOTHING`, d.Number, d.Seq, d.PDF, d.SHA256)
	if err != nil {
		return domain.Document{}, mapError(err)
	}
	if tag.RowsAffected() == 1 {
		d.Signature, d.Algorithm, d.SignedAt = nil, "", nil
		return d, nil
	}
	var out domain.Document
	err = db.read(ctx, func(q querier) error {
		var err error
		out, err = getDocument(ctx, q, d.Number, d.Seq)
		return err
	})
	return out, err
}

// SaveSignature stores the signature of a document unless it is already signed, and returns
// the stored one, without the document's bytes: whoever signed first wins, so a certificate
// never carries two signatures.
func (db *DB) SaveSignature(ctx context.Context, number string, seq int, der []byte, algorithm string, at time.Time) (domain.Document, error) {
	out := domain.Document{Number: number, Seq: seq}
	// The UPDATE signs an unsigned document and returns it. A signed one it leaves alone; the
	// SELECT, a statement of its own so that its snapshot sees a signer that committed while
	// the UPDATE waited for the row, then returns the first signature.
	err := db.pool.QueryRow(ctx, `
		UPDATE certificate_documents SET signature = $3, algorithm = $4, signed_at = $5
		WHERE number = $1 AND seq = $2 AND signature IS NULL
		RETURNING sha256, signature, algorithm, signed_at`, number, seq, der, algorithm, at).
		Scan(&out.SHA256, &out.Signature, &out.Algorithm, &out.SignedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		err = db.pool.QueryRow(ctx, `SELECT sha256, signature, algorithm, signed_at FROM certificate_documents
			WHERE number = $1 AND seq = $2`, number, seq).Scan(&out.SHA256, &out.Signature, &out.Algorithm, &out.SignedAt)
	}
	return out, mapError(err)
}

// GetDocument returns one document; seq < 0 means the latest (the newest duplicate).
func (db *DB) GetDocument(ctx context.Context, number string, seq int) (domain.Document, error) {
	var out domain.Document
	err := db.read(ctx, func(q querier) error {
		var err error
		out, err = getDocument(ctx, q, number, seq)
		return err
	})
	if domain.IsCode(err, domain.CodeNotFound) {
		return out, domain.NotFound("document of certificate " + number)
	}
	return out, err
}

// getDocument reads one document in one statement; seq < 0 reads the latest.
func getDocument(ctx context.Context, q querier, number string, seq int) (domain.Document, error) {
	d := domain.Document{Number: number}
	err := q.QueryRow(ctx, `SELECT seq, pdf, sha256, signature, algorithm, signed_at FROM certificate_documents
		WHERE number = $1 AND ($2 < 0 OR seq = $2) ORDER BY seq DESC LIMIT 1`,
		number, seq).Scan(&d.Seq, &d.PDF, &d.SHA256, &d.Signature, &d.Algorithm, &d.SignedAt)
	return d, err
}

// VerifyCertificate answers the public verification of a certificate number: the latest
// signed document, and whether the certificate stands (not annulled, not lapsed).
func (db *DB) VerifyCertificate(ctx context.Context, number string) (domain.Verification, error) {
	v := domain.Verification{Number: number}
	err := db.read(ctx, func(q querier) error {
		return q.QueryRow(ctx, `
			SELECT c.status, coalesce(a.name, c.authority), d.signed_at, d.sha256, d.seq, d.algorithm
			FROM certificates c
			LEFT JOIN authorities a ON a.id = c.authority
			JOIN LATERAL (SELECT * FROM certificate_documents WHERE number = c.number AND signature IS NOT NULL
				ORDER BY seq DESC LIMIT 1) d ON true
			WHERE c.number = $1`, number).
			Scan(&v.Status, &v.Issuer, &v.SignedAt, &v.DocumentSHA256, &v.Duplicate, &v.Algorithm)
	})
	if domain.IsCode(err, domain.CodeNotFound) {
		return v, domain.NotFound("certificate " + number)
	}
	st := domain.CertificateStatus(v.Status)
	v.Valid = err == nil && st != domain.CertificateAnnulled && st != domain.CertificateLapsed
	return v, err
}

// SaveRating records one person's quality survey answer and the step; once per person.
func (db *DB) SaveRating(ctx context.Context, c domain.Certificate, rater domain.Actor, r domain.Rating, ev domain.Event) error {
	return db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			INSERT INTO certificate_ratings (number, rater_sub, rater_role, score, comment, at) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (number, rater_sub) DO NOTHING`, c.Number, rater.Sub, rater.Role, r.Score, r.Comment, ev.At); err != nil {
			return err
		}
		return insertEvent(ctx, tx, c.WorkflowID, c.Number, ev)
	})
}

// PublishSigningChain records a signing certificate chain (PEM) that verifiers may need.
func (db *DB) PublishSigningChain(ctx context.Context, algorithm string, pem []byte) error {
	sum := sha256.Sum256(pem)
	return db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO signing_chains (fingerprint, algorithm, pem) VALUES ($1, $2, $3)
			ON CONFLICT (fingerprint) DO UPDATE SET published_at = now()`, hex.EncodeToString(sum[:]), algorithm, string(pem))
		return err
	})
}

// SigningChains returns every published chain as one PEM bundle, newest first.
func (db *DB) SigningChains(ctx context.Context) ([]byte, error) {
	var out []byte
	err := db.read(ctx, func(q querier) error {
		rows, err := q.Query(ctx, `SELECT pem FROM signing_chains ORDER BY published_at DESC, fingerprint`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var pem string
			if err := rows.Scan(&pem); err != nil {
				return err
			}
			out = append(out, pem...)
		}
		return rows.Err()
	})
	return out, err
}

// GetCertificateParties looks up the issuing authority's and the provider's names.
func (db *DB) GetCertificateParties(ctx context.Context, authority, providerID string) (domain.CertificateParties, error) {
	var p domain.CertificateParties
	err := db.read(ctx, func(q querier) error {
		return q.QueryRow(ctx, `SELECT coalesce((SELECT name FROM authorities WHERE id = $1), $1),
			coalesce((SELECT name FROM registry_providers WHERE id = $2), $2),
			coalesce((SELECT email FROM registry_providers WHERE id = $2), '')`, authority, providerID).
			Scan(&p.IssuerName, &p.ProviderName, &p.ProviderEmail)
	})
	return p, err
}
