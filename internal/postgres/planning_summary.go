package postgres

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// PlanningSummary is the consolidated summary of an authority's year (сводная информация):
// what was issued on certificates, what was planned and reported in the cycle, and how the
// trained rated their programmes. It is computed on demand, from counters that every write
// to certificates and ratings keeps in its own transaction, so it never goes stale.
type PlanningSummary struct {
	Authority         string             `json:"authority"`
	Year              int                `json:"year"`
	GeneratedAt       time.Time          `json:"generated_at"`
	Certificates      CertificateSummary `json:"certificates"`
	Plans             PlanCounts         `json:"plans"`
	Events            EventSummary       `json:"events"`
	Reports           []QuarterCounts    `json:"reports"`
	Quality           []ProgrammeQuality `json:"quality"`
	QualityByProvider []ProviderQuality  `json:"quality_by_provider"`
}

// CertificateSummary counts the year's certificates overall, per agency and per provider,
// because the authority answers for the former and pays the latter.
type CertificateSummary struct {
	Totals     CertificateCounts  `json:"totals"`
	ByAgency   []CertificateGroup `json:"by_agency"`
	ByProvider []CertificateGroup `json:"by_provider"`
}

// CertificateGroup is the counters of one agency or provider, named so that the summary
// reads without a lookup.
type CertificateGroup struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	CertificateCounts
}

// CertificateCounts are certificates by where they ended up; a certificate still being
// formed (issuing) has not been issued and is not counted.
type CertificateCounts struct {
	Issued             int `json:"issued"`
	Duplicates         int `json:"duplicates"`
	Enrolled           int `json:"enrolled"`
	Completed          int `json:"completed"`
	FailedAttestation  int `json:"failed_attestation"`
	PartiallyCompleted int `json:"partially_completed"`
	Expelled           int `json:"expelled"`
	Annulled           int `json:"annulled"`
	Lapsed             int `json:"lapsed"`
	InTraining         int `json:"in_training"`
	AwaitingEnrolment  int `json:"awaiting_enrolment"`
}

// PlanCounts compare the plans submitted with the participants the cycle expected.
type PlanCounts struct {
	Expected     int `json:"expected"`
	Submitted    int `json:"submitted"`
	OnTime       int `json:"on_time"`
	Late         int `json:"late"`
	Accepted     int `json:"accepted"`
	Returned     int `json:"returned"`
	UnderReview  int `json:"under_review"`
	NotSubmitted int `json:"not_submitted"`
}

// EventSummary counts the events of every plan of the cycle, accepted or not, since the
// summary shows what was asked for as well as what was agreed.
type EventSummary struct {
	Planned      int               `json:"planned"`
	Central      int               `json:"central"`
	Participants int               `json:"participants"`
	ByDirection  []DirectionCounts `json:"by_direction"`
}

// DirectionCounts are the events planned in one direction of professional development.
type DirectionCounts struct {
	Direction string `json:"direction"`
	Planned   int    `json:"planned"`
	Central   int    `json:"central"`
}

// QuarterCounts are the quarterly reports received for one quarter.
type QuarterCounts struct {
	Quarter   int `json:"quarter"`
	Submitted int `json:"submitted"`
	OnTime    int `json:"on_time"`
	Late      int `json:"late"`
}

// ProgrammeQuality is the average score the quality survey gave one provider's programme.
type ProgrammeQuality struct {
	ProgrammeCode  string  `json:"programme_code"`
	ProgrammeTitle string  `json:"programme_title"`
	ProviderID     string  `json:"provider_id"`
	Ratings        int     `json:"ratings"`
	Average        float64 `json:"average"`
}

// ProviderQuality is the average over all of a provider's ratings, not of its programmes'
// averages, so that a programme rated once does not weigh as much as one rated often.
type ProviderQuality struct {
	ProviderID string  `json:"provider_id"`
	Ratings    int     `json:"ratings"`
	Average    float64 `json:"average"`
}

// metric names one counter, so that scanning and the CSV share one order.
type metric struct {
	name string
	v    *int
}

// metrics lists the counters in the order certificateCountsSQL selects them.
func (c *CertificateCounts) metrics() []metric {
	return []metric{{"issued", &c.Issued}, {"duplicates", &c.Duplicates}, {"enrolled", &c.Enrolled},
		{"completed", &c.Completed}, {"failed_attestation", &c.FailedAttestation},
		{"partially_completed", &c.PartiallyCompleted}, {"expelled", &c.Expelled}, {"annulled", &c.Annulled},
		{"lapsed", &c.Lapsed}, {"in_training", &c.InTraining}, {"awaiting_enrolment", &c.AwaitingEnrolment}}
}

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

// PlanningSummary computes the summary of an authority's year in one snapshot, so that its
// figures agree with each other; a year without a cycle or certificates gives zeros.
func (db *DB) PlanningSummary(ctx context.Context, authority string, year int) (PlanningSummary, error) {
	s := PlanningSummary{Authority: authority, Year: year, GeneratedAt: time.Now().UTC()}
	err := db.InTx(ctx, pgx.RepeatableRead, func(tx pgx.Tx) error {
		// InTx may run this again after a serialization failure: start the sums afresh.
		s.Certificates.Totals, s.Events = CertificateCounts{}, EventSummary{}
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
			total := s.Certificates.Totals.metrics()
			for i, m := range g.metrics() {
				*total[i].v += *m.v
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
		if s.Events.ByDirection, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (DirectionCounts, error) {
			var d DirectionCounts
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
		if s.Reports, err = pgx.CollectRows(rows, pgx.RowToStructByPos[QuarterCounts]); err != nil {
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
		if s.Quality, err = pgx.CollectRows(rows, pgx.RowToStructByPos[ProgrammeQuality]); err != nil {
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
		s.QualityByProvider, err = pgx.CollectRows(rows, pgx.RowToStructByPos[ProviderQuality])
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
func certificateGroups(ctx context.Context, tx pgx.Tx, authority string, year int, from, key, name string) ([]CertificateGroup, error) {
	rows, err := tx.Query(ctx, `SELECT `+key+`, `+name+`, `+certificateCountsSQL+`
		FROM `+from+`
		WHERE g.authority = $1 AND g.year = $2 AND g.status <> 'issuing' AND g.certificates > 0
		GROUP BY `+key+` ORDER BY `+key+` COLLATE "C"`, authority, year)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (CertificateGroup, error) {
		var g CertificateGroup
		dest := []any{&g.ID, &g.Name}
		for _, m := range g.metrics() {
			dest = append(dest, m.v)
		}
		return g, r.Scan(dest...)
	})
}

// WriteCSV writes the summary's figures one per row (section,key,name,metric,value) for
// spreadsheets, in the summary's own order, which is sorted by key and so deterministic.
func (s PlanningSummary) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	row := func(section, key, name, metric, value string) {
		_ = cw.Write([]string{section, key, name, metric, value})
	}
	counts := func(section, key, name string, c CertificateCounts) {
		for _, m := range c.metrics() {
			row(section, key, name, m.name, strconv.Itoa(*m.v))
		}
	}
	avg := func(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }

	row("section", "key", "name", "metric", "value")
	counts("totals", "", "", s.Certificates.Totals)
	for _, g := range s.Certificates.ByAgency {
		counts("agency", g.ID, g.Name, g.CertificateCounts)
	}
	for _, g := range s.Certificates.ByProvider {
		counts("provider", g.ID, g.Name, g.CertificateCounts)
	}
	p := s.Plans
	for _, m := range []metric{{"expected", &p.Expected}, {"submitted", &p.Submitted}, {"on_time", &p.OnTime},
		{"late", &p.Late}, {"accepted", &p.Accepted}, {"returned", &p.Returned}, {"under_review", &p.UnderReview},
		{"not_submitted", &p.NotSubmitted}} {
		row("plans", "", "", m.name, strconv.Itoa(*m.v))
	}
	row("events", "", "", "planned", strconv.Itoa(s.Events.Planned))
	row("events", "", "", "central", strconv.Itoa(s.Events.Central))
	row("events", "", "", "participants", strconv.Itoa(s.Events.Participants))
	for _, d := range s.Events.ByDirection {
		row("direction", d.Direction, "", "planned", strconv.Itoa(d.Planned))
		row("direction", d.Direction, "", "central", strconv.Itoa(d.Central))
	}
	for _, q := range s.Reports {
		key := strconv.Itoa(q.Quarter)
		row("reports", key, "", "submitted", strconv.Itoa(q.Submitted))
		row("reports", key, "", "on_time", strconv.Itoa(q.OnTime))
		row("reports", key, "", "late", strconv.Itoa(q.Late))
	}
	for _, q := range s.Quality {
		row("quality", q.ProgrammeCode, q.ProviderID, "ratings", strconv.Itoa(q.Ratings))
		row("quality", q.ProgrammeCode, q.ProviderID, "average", avg(q.Average))
	}
	for _, q := range s.QualityByProvider {
		row("quality_by_provider", q.ProviderID, "", "ratings", strconv.Itoa(q.Ratings))
		row("quality_by_provider", q.ProviderID, "", "average", avg(q.Average))
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("planning summary CSV: %w", err)
	}
	return nil
}
