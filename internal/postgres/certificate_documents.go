package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/profdev/profdev/internal/domain"
)

// SaveDocument stores a rendered document once; a second call keeps the first and returns it,
// so a retried render never replaces what may already be signed.
func (db *DB) SaveDocument(ctx context.Context, d domain.Document) (domain.Document, error) {
	var out domain.Document
	err := db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			INSERT INTO certificate_documents (number, seq, pdf, sha256) VALUES ($1, $2, $3, $4)
			ON CONFLICT (number, seq) DO NOTHING`, d.Number, d.Seq, d.PDF, d.SHA256); err != nil {
			return err
		}
		var err error
		out, err = getDocument(ctx, tx, d.Number, d.Seq)
		return err
	})
	return out, err
}

// SaveSignature stores the signature of a document unless it is already signed, and returns
// the stored one: whoever signed first wins, so a certificate never carries two signatures.
func (db *DB) SaveSignature(ctx context.Context, number string, seq int, der []byte, algorithm string, at time.Time) (domain.Document, error) {
	var out domain.Document
	err := db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			UPDATE certificate_documents SET signature = $3, algorithm = $4, signed_at = $5
			WHERE number = $1 AND seq = $2 AND signature IS NULL`, number, seq, der, algorithm, at); err != nil {
			return err
		}
		var err error
		out, err = getDocument(ctx, tx, number, seq)
		return err
	})
	return out, err
}

// GetDocument returns one document; seq < 0 means the latest (the newest duplicate).
func (db *DB) GetDocument(ctx context.Context, number string, seq int) (domain.Document, error) {
	var out domain.Document
	err := db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		if seq < 0 {
			if err := tx.QueryRow(ctx, `SELECT coalesce(max(seq), -1) FROM certificate_documents WHERE number = $1`, number).Scan(&seq); err != nil {
				return err
			}
		}
		var err error
		out, err = getDocument(ctx, tx, number, seq)
		return err
	})
	if domain.IsCode(err, domain.CodeNotFound) {
		return out, domain.NotFound("document of certificate " + number)
	}
	return out, err
}

func getDocument(ctx context.Context, tx pgx.Tx, number string, seq int) (domain.Document, error) {
	d := domain.Document{Number: number, Seq: seq}
	err := tx.QueryRow(ctx, `SELECT pdf, sha256, signature, algorithm, signed_at FROM certificate_documents WHERE number = $1 AND seq = $2`,
		number, seq).Scan(&d.PDF, &d.SHA256, &d.Signature, &d.Algorithm, &d.SignedAt)
	return d, err
}

// VerifyCertificate answers the public verification of a certificate number: the latest
// signed document, and whether the certificate stands (not annulled, not lapsed).
func (db *DB) VerifyCertificate(ctx context.Context, number string) (domain.Verification, error) {
	v := domain.Verification{Number: number}
	err := db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `
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
	err := db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT pem FROM signing_chains ORDER BY published_at DESC, fingerprint`)
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
	err := db.InTx(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT coalesce((SELECT name FROM authorities WHERE id = $1), $1),
			coalesce((SELECT name FROM registry_providers WHERE id = $2), $2),
			coalesce((SELECT email FROM registry_providers WHERE id = $2), '')`, authority, providerID).
			Scan(&p.IssuerName, &p.ProviderName, &p.ProviderEmail)
	})
	return p, err
}
