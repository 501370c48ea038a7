package domain

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"
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

// Metrics lists the counters in the order certificateCountsSQL selects them.
func (c *CertificateCounts) Metrics() []Metric {
	return []Metric{{"issued", &c.Issued}, {"duplicates", &c.Duplicates}, {"enrolled", &c.Enrolled},
		{"completed", &c.Completed}, {"failed_attestation", &c.FailedAttestation},
		{"partially_completed", &c.PartiallyCompleted}, {"expelled", &c.Expelled}, {"annulled", &c.Annulled},
		{"lapsed", &c.Lapsed}, {"in_training", &c.InTraining}, {"awaiting_enrolment", &c.AwaitingEnrolment}}
}

// WriteCSV writes the summary's figures one per row (section,key,name,metric,value) for
// spreadsheets, in the summary's own order, which is sorted by key and so deterministic.
func (s PlanningSummary) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	row := func(section, key, name, metric, value string) {
		_ = cw.Write([]string{section, key, name, metric, value})
	}
	counts := func(section, key, name string, c CertificateCounts) {
		for _, m := range c.Metrics() {
			row(section, key, name, m.Name, strconv.Itoa(*m.Value))
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
	for _, m := range []Metric{{"expected", &p.Expected}, {"submitted", &p.Submitted}, {"on_time", &p.OnTime},
		{"late", &p.Late}, {"accepted", &p.Accepted}, {"returned", &p.Returned}, {"under_review", &p.UnderReview},
		{"not_submitted", &p.NotSubmitted}} {
		row("plans", "", "", m.Name, strconv.Itoa(*m.Value))
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

// Metric names one counter, so that the store's scan and the CSV share one order.
type Metric struct {
	Name  string
	Value *int
}
