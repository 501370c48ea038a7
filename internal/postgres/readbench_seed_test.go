package postgres_test

import (
	"strconv"
	"strings"
)

// readbenchSeed fills an empty database at seedSchemaVersion; $1 is the number of
// certificates. Dates are around today (1 December 2026): 2024 and 2025 are finished years,
// 2026 is under way. Values come from hashes of the row number, so every run seeds the same.
func readbenchSeed(certs int) []string {
	stmts := []string{
		`INSERT INTO authorities (id, name, region, number_prefix) SELECT 'mintrud', 'Минтруд России', 'RU', 'MT'`,
		`INSERT INTO agencies (id, name, authority, region, hr_emails, head_email)
		SELECT 'agency-' || lpad(a::text, 3, '0'), 'Ведомство ' || a, 'mintrud', 'RU', ARRAY['hr' || a || '@agency.test'], 'head' || a || '@agency.test'
		FROM generate_series(1, 100) a`,
		`INSERT INTO registry_providers (id, name, inn, ogrn, license_number, address, email, phone)
		SELECT 'prov-' || lpad(p::text, 2, '0'), 'Учебный центр ' || p, '77' || p, '10' || p, 'Л-' || p, 'Москва', 'p' || p || '@prov.test', '+7'
		FROM generate_series(1, 50) p`,
		`INSERT INTO registry_memberships (provider_id, authority, status, workflow_id, application_id, admitted_at, revision)
		SELECT 'prov-' || lpad(p::text, 2, '0'), 'mintrud', CASE WHEN p % 25 = 0 THEN 'exclusion_requested' ELSE 'admitted' END,
			'membership-' || p, 'app-' || p, '2023-12-01', 1
		FROM generate_series(1, 50) p`,

		// Certificates. A servant (200,000 of them, each of one agency) has up to five, each of
		// another provider's programme (50 providers x 10 programmes), so no two are live at once.
		`INSERT INTO certificates (number, workflow_id, authority, year, agency_id, agency_name, servant_id, servant, provider_id,
		programme, hours, amount, start_by, end_by, status, enrolment, outcome, outcome_due, overdue, duplicates, issued_at, revision)
	SELECT c.number, 'certificate-' || c.number, 'mintrud', b.y, 'agency-' || lpad(c.ag::text, 3, '0'), 'Ведомство ' || c.ag,
		'servant-' || b.sv,
		jsonb_build_object('id', 'servant-' || b.sv, 'full_name', 'Служащий ' || b.sv, 'snils', '112-233-445 95',
			'email', 's' || b.sv || '@agency.test', 'position', 'консультант'),
		'prov-' || lpad(e.pr::text, 2, '0'),
		jsonb_build_object('code', 'PK-' || e.pr || '-' || e.pg, 'title', 'Программа ' || e.pr || '-' || e.pg,
			'kind', 'qualification_upgrade', 'hours', 72, 'format', 'distance', 'price', 30000),
		72, 30000, d.start_by, d.end_by, s.status,
		CASE WHEN s.status NOT IN ('issuing', 'issued', 'annulled', 'lapsed') THEN
			jsonb_build_object('enrolled_on', d.start_by - 3, 'started_on', d.start_by, 'order_number', 'П-' || b.n) END,
		CASE WHEN s.status IN ('completed', 'failed_attestation', 'partially_completed', 'expelled') THEN
			jsonb_build_object('outcome', s.status, 'finished_on', d.end_by) END,
		CASE WHEN s.status NOT IN ('issuing', 'issued', 'annulled', 'lapsed') THEN d.end_by + 14 END,
		s.overdue, CASE WHEN b.h2 % 50 = 0 AND s.status <> 'issuing' THEN 1 ELSE 0 END,
		CASE WHEN s.status <> 'issuing' THEN (d.start_by - 30)::timestamptz END, 3
	FROM generate_series(1, CERTS) i
	CROSS JOIN LATERAL (SELECT 2024 + (i - 1) % 3 AS y, (i - 1) / 3 + 1 AS n, 1 + (i - 1) % 200000 AS sv, (i - 1) / 200000 AS k,
		abs(hashint4(i)) % 1000 AS p, abs(hashint4(i + 1000003)) AS h2) b
	CROSS JOIN LATERAL (SELECT 'MT-' || b.y || '-' || lpad(b.n::text, 6, '0') AS number, 1 + (b.sv - 1) % 100 AS ag,
		(abs(hashint4(b.sv)) + b.k * 97) % 500 AS q) c
	CROSS JOIN LATERAL (SELECT 1 + c.q / 10 AS pr, 1 + c.q % 10 AS pg) e
	CROSS JOIN LATERAL (SELECT CASE WHEN b.y < 2026 THEN CASE
			WHEN b.p < 760 THEN 'completed' WHEN b.p < 800 THEN 'failed_attestation' WHEN b.p < 840 THEN 'partially_completed'
			WHEN b.p < 890 THEN 'expelled' WHEN b.p < 930 THEN 'annulled' WHEN b.p < 998 THEN 'lapsed' ELSE 'enrolled' END
		ELSE CASE
			WHEN b.p < 2 THEN 'issuing' WHEN b.p < 120 THEN 'issued' WHEN b.p < 450 THEN 'enrolled' WHEN b.p < 780 THEN 'completed'
			WHEN b.p < 810 THEN 'failed_attestation' WHEN b.p < 840 THEN 'partially_completed' WHEN b.p < 880 THEN 'expelled'
			WHEN b.p < 920 THEN 'annulled' ELSE 'lapsed' END END AS status,
		(b.y < 2026 AND b.p >= 998) OR (b.y = 2026 AND b.p >= 437 AND b.p < 450) AS overdue) s
	CROSS JOIN LATERAL (SELECT CASE
			WHEN b.y = 2026 AND b.p < 120 THEN DATE '2026-12-02' + b.h2 % 28
			WHEN b.y = 2026 AND b.p < 437 THEN DATE '2026-11-20' + b.h2 % 60 - 90
			WHEN b.y = 2026 AND b.p < 450 THEN DATE '2026-11-30' - b.h2 % 60 - 104
			ELSE make_date(b.y, 3, 1) + b.h2 % 150 END AS start_by) d0
	CROSS JOIN LATERAL (SELECT d0.start_by, d0.start_by + CASE WHEN b.y = 2026 AND b.p >= 120 AND b.p < 450 THEN 90
		ELSE 60 + b.h2 % 60 END AS end_by) d`,
		// Half the finished certificates are rated by their servant, a tenth also by HR.
		`INSERT INTO certificate_ratings (number, rater_sub, rater_role, score, comment, at)
		SELECT number, servant_id, 'servant', 1 + abs(hashint4(hashtext(number))) % 5, '', end_by + 20
		FROM certificates WHERE status IN ('completed', 'failed_attestation', 'partially_completed', 'expelled')
			AND abs(hashtext(number)) % 2 = 0`,
		`INSERT INTO certificate_ratings (number, rater_sub, rater_role, score, comment, at)
		SELECT number, 'hr-' || agency_id, 'hr', 1 + abs(hashint4(hashtext(number) + 1)) % 5, '', end_by + 25
		FROM certificates WHERE status IN ('completed', 'failed_attestation', 'partially_completed', 'expelled')
			AND abs(hashtext(number)) % 10 = 1`,

		// Registry: applications and declarations, a few of them waiting on the ministry or a provider.
		`INSERT INTO registry_applications (id, workflow_id, authority, year, provider_id, provider, programmes, status, review_due,
		resubmit_due, admission_due, overdue, submitted_at, revision)
		SELECT 'app-' || a, 'registry-app-' || a, 'mintrud', 2024 + a % 3, 'prov-' || lpad((1 + a % 50)::text, 2, '0'),
			jsonb_build_object('name', 'Учебный центр ' || (1 + a % 50)), '[]', st,
			CASE WHEN st = 'under_review' THEN DATE '2026-11-25' + a % 20 END,
			CASE WHEN st = 'returned' THEN DATE '2026-11-28' + a % 20 END, DATE '2026-12-31',
			st = 'under_review' AND a % 3 = 0, '2026-11-01', 1
		FROM generate_series(1, 5000) a,
			LATERAL (SELECT CASE WHEN a % 97 = 0 THEN 'under_review' WHEN a % 89 = 1 THEN 'returned'
				WHEN a % 5 = 0 THEN 'rejected' ELSE 'admitted' END AS st) s
`,
		`INSERT INTO registry_declarations (id, provider_id, authority, year, status, programmes, submitted_at)
		SELECT 'decl-' || p || '-' || y, 'prov-' || lpad(p::text, 2, '0'), 'mintrud', y,
			CASE WHEN y = 2026 AND p % 5 = 0 THEN 'under_review' ELSE 'accepted' END, '[]', make_date(y, 1, 15)
		FROM generate_series(1, 50) p, generate_series(2024, 2026) y`,

		// Reserve: a nomination per agency and year, twenty candidates each; this year's are at every step.
		`INSERT INTO reserve_nominations (id, workflow_id, authority, agency, agency_name, year, status, quotas, review_due, overdue,
		created_at, revision)
		SELECT 'nom-' || a || '-' || y, 'reserve-' || a || '-' || y, 'mintrud', 'agency-' || lpad(a::text, 3, '0'), 'Ведомство ' || a, y,
			st, '{}', CASE WHEN st = 'under_review' THEN DATE '2026-11-20' + a % 20 END, st = 'under_review' AND a % 10 = 3,
			make_date(y, 1, 20), 1
		FROM generate_series(1, 100) a, generate_series(2024, 2026) y,
			LATERAL (SELECT CASE WHEN y < 2026 THEN 'decided' ELSE (ARRAY['draft', 'approved', 'submitted', 'under_review', 'decided'])[1 + a % 5] END AS st) s
`,
		`INSERT INTO reserve_candidates (nomination_id, id, number, authority, agency, year, list, category, full_name, person_key,
		position, department, note, questionnaire, status, correction_due, review_due, updated_at)
		SELECT n.id, 'C' || k, k, n.authority, n.agency, n.year, CASE WHEN k % 3 = 0 THEN 'repeat' ELSE 'new' END,
			(ARRAY['I', 'II', 'III'])[1 + k % 3], 'Кандидат ' || n.id || '-' || k, n.id || '-' || k, 'начальник отдела', 'отдел', '',
			'{}', st, CASE WHEN st = 'correction_requested' THEN DATE '2026-11-28' + k END,
			CASE WHEN st = 'under_review' THEN DATE '2026-12-10' + k END, '2026-11-01'
		FROM reserve_nominations n, generate_series(1, 20) k,
			LATERAL (SELECT CASE WHEN n.status IN ('draft', 'approved', 'submitted') THEN 'proposed'
				WHEN n.status = 'under_review' THEN (ARRAY['under_review', 'under_review', 'correction_requested', 'admitted'])[1 + k % 4]
				WHEN k % 4 = 0 THEN 'not_included' ELSE 'included' END AS st) s
`,

		// Planning: a cycle a year, closed but this year's; plans of most participants; quarterly reports.
		`INSERT INTO planning_cycles (id, workflow_id, authority, year, status, phase, priority_directions, plans_due, quarterly_reports,
		quarters, participants, opened_by, opened_at, closed_at, revision)
		SELECT 'cycle-mintrud-' || y, 'planning-mintrud-' || y, 'mintrud', y, CASE WHEN y < 2026 THEN 'closed' ELSE 'open' END,
			CASE WHEN y < 2026 THEN 'closed' ELSE 'implementation' END, '["Цифровизация"]', make_date(y, 2, 1), true,
			(SELECT jsonb_agg(jsonb_build_object('quarter', q, 'due', (make_date(y, 1, 10) + make_interval(months => 3 * q))::date,
				'remind_on', (make_date(y, 1, 3) + make_interval(months => 3 * q))::date, 'reminded', false, 'escalated', false)) FROM generate_series(1, 4) q),
			(SELECT jsonb_agg(jsonb_build_object('kind', 'agency', 'id', 'agency-' || lpad(a::text, 3, '0'), 'name', 'Ведомство ' || a))
				FROM generate_series(1, 100) a) ||
			(SELECT jsonb_agg(jsonb_build_object('kind', 'provider', 'id', 'prov-' || lpad(p::text, 2, '0'), 'name', 'Учебный центр ' || p))
				FROM generate_series(1, 50) p),
			'{"sub":"system","role":"system"}', make_date(y - 1, 12, 1), CASE WHEN y < 2026 THEN make_date(y + 1, 1, 20)::timestamptz END, 1
		FROM generate_series(2024, 2026) y`,
		`INSERT INTO planning_plans (id, workflow_id, cycle_id, authority, year, participant_kind, participant_id, participant_name, events,
		status, reasons, round, review_due, resubmit_due, overdue, on_time, first_submitted_at, submitted_at, revision)
		SELECT 'plan-' || x.kind || '-' || x.pid || '-' || c.year, 'plan-' || x.pid || '-' || c.year, c.id, 'mintrud', c.year, x.kind, x.pid, x.name,
			(SELECT jsonb_agg(jsonb_build_object('title', 'Мероприятие ' || e, 'direction', (ARRAY['Цифровизация', 'Антикоррупция',
				'Управление проектами', 'Государственные закупки', 'Кадровая работа', 'Этика'])[1 + (x.n + e) % 6], 'kind', 'курс',
				'planned_quarter', 1 + e % 4, 'participants', 5 + (x.n * e) % 40, 'central', e % 3 = 0)) FROM generate_series(1, 8) e),
			st, '[]', 1, CASE WHEN st = 'under_review' THEN DATE '2026-12-05' + x.n % 10 END,
			CASE WHEN st = 'returned' THEN DATE '2026-11-25' + x.n % 14 END, st = 'returned' AND x.n % 4 = 0, x.n % 7 <> 0,
			make_date(c.year, 1, 25), make_date(c.year, 1, 25), 1
		FROM planning_cycles c,
			LATERAL (SELECT 'agency' AS kind, 'agency-' || lpad(a::text, 3, '0') AS pid, 'Ведомство ' || a AS name, a AS n FROM generate_series(1, 100) a
				UNION ALL SELECT 'provider', 'prov-' || lpad(p::text, 2, '0'), 'Учебный центр ' || p, p FROM generate_series(1, 50) p) x,
			LATERAL (SELECT CASE WHEN c.year < 2026 THEN 'accepted' WHEN x.n % 10 = 1 THEN 'under_review' WHEN x.n % 10 = 2 THEN 'returned'
				ELSE 'accepted' END AS st) s
		WHERE x.n % 9 <> 5`,
		`INSERT INTO planning_reports (id, cycle_id, authority, year, agency, agency_name, quarter, figures, reserve_form, due, on_time,
		submitted_by, submitted_at)
		SELECT 'report-agency-' || lpad(a::text, 3, '0') || '-' || c.year || '-q' || q, c.id, 'mintrud', c.year, 'agency-' || lpad(a::text, 3, '0'),
			'Ведомство ' || a, q, '{}', '{}', make_date(c.year, 1, 10) + make_interval(months => 3 * q), (a + q) % 6 <> 0,
			'{"sub":"hr","role":"hr"}', make_date(c.year, 1, 5) + make_interval(months => 3 * q)
		FROM planning_cycles c, generate_series(1, 100) a, generate_series(1, 4) q
		WHERE (c.year < 2026 OR q < 4) AND (a + q) % 11 <> 0`,
	}
	for i := range stmts {
		stmts[i] = strings.Replace(stmts[i], "CERTS", strconv.Itoa(certs), 1)
	}
	return stmts
}
