package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/profdev/profdev/internal/domain"
)

// certificateCountsSQL sums the counter rows (g) of certificate_counts_by_agency or _by_provider,
// which triggers keep in step with the certificates: a year of an authority is some hundreds.
const certificateCountsSQL = `sum(g.certificates), sum(g.duplicates), sum(g.enrolled),
	coalesce(sum(g.certificates) FILTER (WHERE g.status = 'completed'), 0),
	coalesce(sum(g.certificates) FILTER (WHERE g.status = 'failed_attestation'), 0),
	coalesce(sum(g.certificates) FILTER (WHERE g.status = 'partially_completed'), 0),
	coalesce(sum(g.certificates) FILTER (WHERE g.status = 'expelled'), 0),
	coalesce(sum(g.certificates) FILTER (WHERE g.status = 'annulled'), 0),
	coalesce(sum(g.certificates) FILTER (WHERE g.status = 'lapsed'), 0),
	coalesce(sum(g.certificates) FILTER (WHERE g.status = 'enrolled'), 0),
	coalesce(sum(g.certificates) FILTER (WHERE g.status = 'issued'), 0)`

// domain.PlanningSummary computes the summary of an authority's year in one snapshot, so that its
// figures agree with each other; a year without a cycle or certificates gives zeros.
func (db *DB) PlanningSummary(ctx context.Context, authority string, year int) (domain.PlanningSummary, error) {
	s := domain.PlanningSummary{Authority: authority, Year: year, GeneratedAt: time.Now().UTC()}
	err := db.InTx(ctx, pgx.RepeatableRead, func(tx pgx.Tx) error {
		// InTx may run this again after a serialization failure: start the sums afresh.
		s.Certificates.Totals, s.Events = domain.CertificateCounts{}, domain.EventSummary{}
		var err error
		// Keys sort bytewise (COLLATE "C") so that the order does not depend on the server's locale.
		if s.Certificates.ByAgency, err = certificateGroups(ctx, tx, authority, year, `certificate_counts_by_agency g`,
			`g.agency_id`, `max(g.agency_name)`); err != nil {
			return err
		}
		if s.Certificates.ByProvider, err = certificateGroups(ctx, tx, authority, year,
			`certificate_counts_by_provider g LEFT JOIN registry_providers p ON p.id = g.provider_id`, `g.provider_id`,
			`coalesce(max(p.name), g.provider_id)`); err != nil {
			return err
		}
		// Every certificate has exactly one agency, so the agencies add up to the totals.
		for _, g := range s.Certificates.ByAgency {
			total := s.Certificates.Totals.Metrics()
			for i, m := range g.Metrics() {
				*total[i].Value += *m.Value
			}
		}

		p := &s.Plans
		if err := tx.QueryRow(ctx, `
			SELECT coalesce((SELECT jsonb_array_length(participants) FROM planning_cycles WHERE authority = $1 AND year = $2), 0),
				count(*), count(*) FILTER (WHERE on_time), count(*) FILTER (WHERE NOT on_time),
				count(*) FILTER (WHERE status = 'accepted'), count(*) FILTER (WHERE status = 'returned'),
				count(*) FILTER (WHERE status = 'under_review')
			FROM planning_plans WHERE authority = $1 AND year = $2`, authority, year).
			Scan(&p.Expected, &p.Submitted, &p.OnTime, &p.Late, &p.Accepted, &p.Returned, &p.UnderReview); err != nil {
			return err
		}
		p.NotSubmitted = max(p.Expected-p.Submitted, 0)

		rows, err := tx.Query(ctx, `
			SELECT coalesce(e->>'direction', ''), count(*), count(*) FILTER (WHERE coalesce((e->>'central')::boolean, false)),
				coalesce(sum((e->>'participants')::int), 0)
			FROM planning_plans, jsonb_array_elements(events) e
			WHERE authority = $1 AND year = $2 GROUP BY 1 ORDER BY coalesce(e->>'direction', '') COLLATE "C"`, authority, year)
		if err != nil {
			return err
		}
		if s.Events.ByDirection, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.DirectionCounts, error) {
			var d domain.DirectionCounts
			var participants int
			err := r.Scan(&d.Direction, &d.Planned, &d.Central, &participants)
			s.Events.Planned, s.Events.Central, s.Events.Participants =
				s.Events.Planned+d.Planned, s.Events.Central+d.Central, s.Events.Participants+participants
			return d, err
		}); err != nil {
			return err
		}

		// Every quarter appears, reported or not, so that a missing quarter shows as zeros.
		rows, err = tx.Query(ctx, `
			SELECT q, count(r.id), count(r.id) FILTER (WHERE r.on_time), count(r.id) FILTER (WHERE NOT r.on_time)
			FROM generate_series(1, 4) q
			LEFT JOIN planning_reports r ON r.quarter = q AND r.authority = $1 AND r.year = $2
			GROUP BY q ORDER BY q`, authority, year)
		if err != nil {
			return err
		}
		if s.Reports, err = pgx.CollectRows(rows, pgx.RowToStructByPos[domain.QuarterCounts]); err != nil {
			return err
		}

		// Averages are rounded as numeric in SQL: rounding a float in Go can land a half a cent off.
		// The ratings are summed from certificate_rating_counts, kept by triggers; the sum of the
		// scores divided by their count is what avg(score) computes, to the last digit.
		rows, err = tx.Query(ctx, `
			SELECT programme_code, max(programme_title), provider_id, sum(ratings), round(sum(score_sum) / sum(ratings), 2)::float8
			FROM certificate_rating_counts
			WHERE authority = $1 AND year = $2 AND ratings > 0
			GROUP BY 1, 3 ORDER BY provider_id COLLATE "C", programme_code COLLATE "C"`, authority, year)
		if err != nil {
			return err
		}
		if s.Quality, err = pgx.CollectRows(rows, pgx.RowToStructByPos[domain.ProgrammeQuality]); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `
			SELECT provider_id, sum(ratings), round(sum(score_sum) / sum(ratings), 2)::float8
			FROM certificate_rating_counts
			WHERE authority = $1 AND year = $2 AND ratings > 0
			GROUP BY 1 ORDER BY provider_id COLLATE "C"`, authority, year)
		if err != nil {
			return err
		}
		s.QualityByProvider, err = pgx.CollectRows(rows, pgx.RowToStructByPos[domain.ProviderQuality])
		return err
	})
	s.Certificates.ByAgency, s.Certificates.ByProvider = nonNilSlice(s.Certificates.ByAgency), nonNilSlice(s.Certificates.ByProvider)
	s.Events.ByDirection, s.Reports = nonNilSlice(s.Events.ByDirection), nonNilSlice(s.Reports)
	s.Quality, s.QualityByProvider = nonNilSlice(s.Quality), nonNilSlice(s.QualityByProvider)
	return s, err
}

// certificateGroups counts the year's issued certificates grouped by key from their counters
// g in from (a counter whose certificates all moved on is skipped, so that its name does not
// count); from, key and name are constant SQL of this file, never input.
func certificateGroups(ctx context.Context, tx pgx.Tx, authority string, year int, from, key, name string) ([]domain.CertificateGroup, error) {
	rows, err := tx.Query(ctx, `SELECT `+key+`, `+name+`, `+certificateCountsSQL+`
		FROM `+from+`
		WHERE g.authority = $1 AND g.year = $2 AND g.status <> 'issuing' AND g.certificates > 0
		GROUP BY `+key+` ORDER BY `+key+` COLLATE "C"`, authority, year)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.CertificateGroup, error) {
		var g domain.CertificateGroup
		dest := []any{&g.ID, &g.Name}
		for _, m := range g.Metrics() {
			dest = append(dest, m.Value)
		}
		return g, r.Scan(dest...)
	})
}
