package workflows_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"cloud.google.com/go/civil"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/calendar"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
	"github.com/profdev/profdev/internal/testtemporal"
	pworker "github.com/profdev/profdev/worker"
	"github.com/profdev/profdev/workflows"
)

// TestRecordProcessHistories records one history per process from today's workflow code on a
// real Temporal server (in process), with the real calendar and stand-ins for storage,
// signing and mail; the replay test then holds every later change to them. It runs only with
// PROFDEV_RECORD_HISTORIES=1 and writes the files of testdata/ it names that do not exist
// yet: a recorded history stands for workflows running on the code that recorded it, so it is
// kept (delete a file to record it again). The API's end-to-end tests record the first
// histories (without .v2) on PostgreSQL. The .v2 files were recorded once every process was
// on the step skeleton; the .v3 ones once a batch accounted for its items; the .v4 ones once
// certificates and batches were born at a level of changes (born.go), without version markers;
// the .v5 ones at level 2, where a batch reads its items' settlement and a certificate
// delivers its document in a local activity.
func TestRecordProcessHistories(t *testing.T) {
	if os.Getenv("PROFDEV_RECORD_HISTORIES") != "1" {
		t.Skip("records histories only with PROFDEV_RECORD_HISTORIES=1")
	}
	env := testtemporal.New(t, workflows.SearchAttributes())
	const queue = "record-histories"
	env.NewWorker(queue, func(r worker.Registry) {
		pworker.RegisterWorkflows(r)
		registerStandIns(r)
	})
	rec := &recorder{t: t, c: env.Client(), queue: queue}
	today := civil.DateOf(time.Now().In(workflows.Moscow))

	t.Run("admission and membership", func(t *testing.T) {
		rec.t = t
		in := workflows.AdmissionInput{ApplicationID: "rec-1", Authority: "mintrud", Region: "RU", Year: today.Year,
			ProviderID: "prov-rec", Provider: domain.ProviderDetails{Name: "Центр", Email: "center@provider.test"},
			Programmes:  []domain.Programme{{Code: "PK-1", Title: "Программа", Kind: domain.QualificationUpgrade, Hours: 72, Format: "blended", Price: 1}},
			SubmittedBy: providerRec}
		id := workflows.AdmissionWorkflowID(in.ApplicationID)
		rec.start(id, workflows.AdmissionWorkflowType, in)
		rec.update(id, workflows.UpdateApplicationSnapshot, ministryRec)
		rec.update(id, workflows.UpdateDecideApplication, workflows.ApplicationDecision{Actor: ministryRec, Decision: workflows.DecisionReturn, Reasons: []string{"нет лицензии"}})
		rec.update(id, workflows.UpdateResubmitApplication, workflows.Resubmission{Actor: providerRec, Provider: in.Provider, Programmes: in.Programmes})
		rec.update(id, workflows.UpdateDecideApplication, workflows.ApplicationDecision{Actor: ministryRec, Decision: workflows.DecisionAdmit})
		rec.wait(id)
		rec.save(id, "admission.v2.history.json")

		mid := workflows.MembershipWorkflowID("mintrud", "prov-rec")
		d := rec.update(mid, workflows.UpdateDeclareProgrammes, workflows.DeclareProgrammes{Actor: providerRec, Year: today.Year, Programmes: in.Programmes})
		rec.update(mid, workflows.UpdateDecideDeclaration, workflows.DeclarationDecision{Actor: ministryRec, DeclarationID: d["id"].(string), Decision: workflows.DecisionReturn, Reasons: []string{"нет часов"}})
		d = rec.update(mid, workflows.UpdateDeclareProgrammes, workflows.DeclareProgrammes{Actor: providerRec, Year: today.Year, Programmes: in.Programmes})
		rec.update(mid, workflows.UpdateDecideDeclaration, workflows.DeclarationDecision{Actor: ministryRec, DeclarationID: d["id"].(string), Decision: workflows.DecisionAccept})
		rec.update(mid, workflows.UpdateRequestExclusion, workflows.ExclusionStep{Actor: providerRec, Reason: "реорганизация"})
		rec.update(mid, workflows.UpdateExclude, workflows.ExclusionStep{Actor: ministryRec, Reason: "по заявлению"})
		rec.wait(mid)
		rec.save(mid, "membership.v2.history.json")
	})

	t.Run("certificate", func(t *testing.T) {
		rec.t = t
		in := recCertificateInput("MT-REC-000001", today, "")
		id := workflows.CertificateWorkflowID(in.Certificate.Number)
		rec.start(id, workflows.CertificateWorkflowType, in)
		rec.update(id, workflows.UpdateCertificateIssued, ministryRec)
		rec.update(id, workflows.UpdateEnrol, workflows.EnrolmentReport{Actor: providerRec, Enrolment: domain.Enrolment{EnrolledOn: today, StartedOn: today, OrderNumber: "17-к"}})
		rec.update(id, workflows.UpdateReportOutcome, workflows.OutcomeReport{Actor: providerRec, Outcome: domain.Outcome{Outcome: domain.CertificateCompleted, FinishedOn: today, DocumentNumber: "УПК-1"}})
		rec.update(id, workflows.UpdateRate, workflows.RatingReport{Actor: servantRec, Rating: domain.Rating{Score: 5}})
		rec.update(id, workflows.UpdateDuplicate, workflows.AuthorityStep{Actor: ministryRec, Reason: "утерян"})
		rec.save(id, "certificate.v5.history.json")
	})

	t.Run("certificate batch", func(t *testing.T) {
		rec.t = t
		in := workflows.BatchInput{BatchID: "rec-batch", Authority: "mintrud", Region: "RU", IssuedBy: ministryRec,
			Terms: workflows.DefaultCertificateTerms, PublicBaseURL: "http://x", Born: workflows.BornNow}
		id := workflows.CertificateBatchWorkflowID(in.BatchID)
		rec.start(id, workflows.CertificateBatchWorkflowType, in)
		rec.wait(id)
		rec.save(id, "certificate_batch.v5.history.json")
		rec.save(workflows.CertificateWorkflowID("MT-REC-100000"), "certificate_batch_item_issued.v5.history.json")
		rec.save(workflows.CertificateWorkflowID("MT-REC-100001"), "certificate_batch_item.v5.history.json") // refused
	})

	t.Run("reserve nomination", func(t *testing.T) {
		rec.t = t
		in := workflows.NominationInput{Authority: "region-64", Region: "RU", Agency: "agency-1", AgencyName: "Министерство образования области",
			Year: today.Year, CreatedBy: reserveHR}
		id := workflows.NominationWorkflowID(in.Authority, in.Agency, in.Year)
		rec.start(id, workflows.NominationWorkflowType, in)
		rec.update(id, workflows.UpdateNominationSnapshot, reserveHR)
		rec.update(id, workflows.UpdateAddCandidate, workflows.CandidateStep{Actor: reserveHR, Data: candidateData(domain.ListRepeat, domain.CategoryI, "Петров Пётр Петрович")})
		rec.update(id, workflows.UpdateAddCandidate, workflows.CandidateStep{Actor: reserveHR, Data: candidateData(domain.ListNew, domain.CategoryII, "Сидорова Анна Ивановна")})
		edited := candidateData(domain.ListNew, domain.CategoryII, "Сидорова Анна Ивановна")
		edited.Position = "заместитель начальника отдела"
		rec.update(id, workflows.UpdateEditCandidate, workflows.CandidateStep{Actor: reserveHR, CandidateID: "C2", Data: edited})
		rec.update(id, workflows.UpdateApproveNomination, reserveHead)
		rec.update(id, workflows.UpdateSubmitNomination, reserveHR)
		rec.update(id, workflows.UpdateDecideCandidate, workflows.CandidateDecision{Actor: reserveAuthority, CandidateID: "C1", Decision: workflows.CandidateAdmit})
		rec.update(id, workflows.UpdateDecideCandidate, workflows.CandidateDecision{Actor: reserveAuthority, CandidateID: "C2", Decision: workflows.CandidateCorrection, Reason: "нет сведений о стаже"})
		rec.update(id, workflows.UpdateCorrectCandidate, workflows.CandidateStep{Actor: reserveHR, CandidateID: "C2", Data: edited, Comment: "стаж указан"})
		rec.update(id, workflows.UpdateDecideCandidate, workflows.CandidateDecision{Actor: reserveAuthority, CandidateID: "C2", Decision: workflows.CandidateAdmit})
		rec.update(id, workflows.UpdateRecordSelection, workflows.SelectionResult{Actor: reserveAuthority, CandidateID: "C1", Included: true})
		rec.update(id, workflows.UpdateRecordSelection, workflows.SelectionResult{Actor: reserveAuthority, CandidateID: "C2", Included: false})
		rec.update(id, workflows.UpdateSetQuotas, workflows.QuotaChange{Actor: reserveAuthority, Quotas: domain.ReserveQuotas{I: 2, II: 2, III: 1, Revision: 2}})
		rec.save(id, "reserve.v2.history.json")
	})

	t.Run("planning cycle and plan review", func(t *testing.T) {
		rec.t = t
		in := workflows.CycleInput{Authority: "mintrud", Region: "RU", Year: today.Year, PriorityDirections: []string{"цифровая трансформация"},
			PlansDue: today.AddDays(20), QuarterlyReports: true, OpenedBy: planMinistry, Terms: workflows.DefaultPlanningTerms}
		id := workflows.CycleWorkflowID(in.Authority, in.Year)
		rec.start(id, workflows.CycleWorkflowType, in)
		rec.update(id, workflows.UpdateCycleSnapshot, planMinistry)
		plan := rec.update(id, workflows.UpdateSubmitPlan, workflows.PlanSubmission{Actor: planHR1, Participant: agency1,
			Events: []domain.PlannedEvent{{Title: "Семинар по кадровой работе"}}})
		if q := int(today.Month) / 3; q >= 1 && !today.Before(workflows.QuarterOpens(today.Year, q)) {
			rec.update(id, workflows.UpdateSubmitReport, workflows.ReportSubmission{Actor: planHR1, Participant: agency1, Quarter: q,
				Figures: map[string]float64{"trained": 12}})
		}
		rec.save(id, "planning_cycle.v2.history.json")

		pid := plan["id"].(string)
		rec.update(pid, workflows.UpdateDecidePlan, workflows.PlanDecision{Actor: planMinistry, Decision: workflows.PlanReturn, Reasons: []string{"нет сроков"}})
		rec.update(pid, workflows.UpdateResubmitPlan, workflows.PlanResubmission{Actor: planHR1, Events: []domain.PlannedEvent{{Title: "Семинар, март"}}})
		rec.update(pid, workflows.UpdateDecidePlan, workflows.PlanDecision{Actor: planMinistry, Decision: workflows.PlanAccept})
		rec.wait(pid)
		rec.save(pid, "planning_plan.v2.history.json")
	})

	t.Run("scheduled opener", func(t *testing.T) {
		rec.t = t
		id := workflows.PlanningScheduleID("rec-open")
		rec.start(id, workflows.OpenerWorkflowType, workflows.ScheduledCycle{Authority: "rec-open", YearOffset: 1, PlansDueDays: 10,
			Terms: workflows.DefaultPlanningTerms})
		rec.wait(id)
		rec.save(id, "planning_open.v2.history.json")
	})
}

var (
	ministryRec = domain.Actor{Sub: "m1", Role: domain.RoleMinistry, Authority: "mintrud"}
	providerRec = domain.Actor{Sub: "p1", Role: domain.RoleProvider, Provider: "prov-rec"}
	servantRec  = domain.Actor{Sub: "s1", Role: domain.RoleServant, Servant: "servant-1"}
)

func recCertificateInput(number string, today civil.Date, batchID string) workflows.CertificateInput {
	req := domain.CertificateRequest{
		Servant: domain.Servant{ID: "servant-1", FullName: "И. И. Иванов", Email: "s@x.test", Position: "консультант"}, Agency: domain.AgencyRef{ID: "agency-1", Name: "A"},
		ProviderID: "prov-rec", ProgrammeCode: "PK-1", Year: today.Year, Hours: 72, Amount: 1000, StartBy: today.AddDays(30), EndBy: today.AddDays(120),
	}
	return workflows.NewCertificateInput(req, number, "mintrud", "RU", ministryRec, workflows.DefaultCertificateTerms, "http://x", batchID)
}

// registerStandIns registers the real calendar and, under the activities' names, stand-ins
// for everything that would touch PostgreSQL, the signer or mail.
func registerStandIns(r worker.Registry) {
	r.RegisterActivity(&activities.Calendar{Regions: calendar.NewRegions(calendar.Russia(), nil)})
	ok := func(context.Context, any) error { return nil }
	for _, name := range []string{"SaveApplication", "EnterRegistry", "SaveMembership", "SaveDeclaration", "SaveRating",
		"SaveNomination", "SaveCycle", "SavePlan", "SaveQuarterlyReport"} {
		r.RegisterActivityWithOptions(ok, activity.RegisterOptions{Name: name})
	}
	// What PostgreSQL would tell a batch of its items: the certificates whose issued step is
	// saved, and the refused ones; the batch activities themselves are the real ones.
	settled := newSettlements(recBatchNumber)
	r.RegisterActivityWithOptions(func(_ context.Context, in activities.CertificateStep) error {
		settled.issue(in.Certificate.Number, in.Event.Action)
		return nil
	}, activityName("SaveCertificate"))
	batches := &activities.Batches{Store: settled}
	r.RegisterActivityWithOptions(batches.RefuseBatchItem, activityName("RefuseBatchItem"))
	r.RegisterActivityWithOptions(batches.BatchSettlement, activityName("BatchSettlement"))
	r.RegisterActivityWithOptions(func(context.Context, notify.Request) (notify.Result, error) { return notify.Result{}, nil }, activityName("Notify"))
	r.RegisterActivityWithOptions(func(context.Context, activities.DeliveryInput) (notify.Result, error) { return notify.Result{}, nil }, activityName("DeliverDocument"))
	r.RegisterActivityWithOptions(func(_ context.Context, in activities.PrepareInput) (activities.Prepared, error) {
		c := in.Certificate
		if c.Programme.Code == "PK-GONE" {
			return activities.Prepared{}, temporal.NewNonRetryableApplicationError("programme PK-GONE not found", string(domain.CodeNotFound), nil)
		}
		c.Programme = domain.Programme{Code: c.Programme.Code, Title: "Программа", Kind: domain.QualificationUpgrade, Hours: 72, Format: "blended", Price: 1000}
		return activities.Prepared{Certificate: c, Parties: domain.CertificateParties{IssuerName: "Минтруд России", ProviderName: "Центр", ProviderEmail: "p@x.test"}, SHA256: "abc"}, nil
	}, activityName("PrepareCertificate"))
	r.RegisterActivityWithOptions(func(_ context.Context, in activities.SignInput) (activities.Signed, error) {
		return activities.Signed{SHA256: "abc", Algorithm: "test", SignedAt: in.SigningTime}, nil
	}, activityName("SignDocument"))
	r.RegisterActivityWithOptions(func(context.Context, activities.DuplicateInput) (string, error) { return "def", nil }, activityName("RenderDuplicate"))
	r.RegisterActivityWithOptions(func(_ context.Context, in activities.ChunkInput) ([]activities.NumberedItem, error) {
		if in.From > 0 {
			return nil, nil
		}
		today := civil.DateOf(time.Now().In(workflows.Moscow))
		var out []activities.NumberedItem
		for i, code := range []string{"PK-1", "PK-GONE"} {
			req := recCertificateInput("", today, "").Certificate
			out = append(out, activities.NumberedItem{Index: i, Number: recBatchNumber(i), Request: &domain.CertificateRequest{
				Servant: req.Servant, Agency: req.Agency, ProviderID: req.ProviderID, ProgrammeCode: code, Year: req.Year,
				Hours: req.Hours, Amount: req.Amount, StartBy: req.StartBy, EndBy: req.EndBy}})
		}
		return out, nil
	}, activityName("NumberBatchItems"))
	r.RegisterActivityWithOptions(func(context.Context, activities.QuotaKey) (domain.ReserveQuotas, error) {
		return domain.ReserveQuotas{I: 1, II: 1, III: 1, Revision: 1}, nil
	}, activityName("LoadReserveQuotas"))
	r.RegisterActivityWithOptions(func(context.Context, activities.PersonQuery) (activities.PreviousReserveResult, error) {
		return activities.PreviousReserveResult{}, nil
	}, activityName("FindPreviousReserve"))
	r.RegisterActivityWithOptions(func(context.Context, string) ([]domain.CycleParticipant, error) {
		return []domain.CycleParticipant{agency1, agency2, provider1}, nil
	}, activityName("PlanningParticipants"))
	r.RegisterActivityWithOptions(func(context.Context, activities.CycleDefaultsQuery) (activities.CycleDefaults, error) {
		return activities.CycleDefaults{Region: "RU", Directions: []string{"цифровая трансформация"}}, nil
	}, activityName("LoadCycleDefaults"))
}

func recBatchNumber(i int) string { return fmt.Sprintf("MT-REC-1%05d", i) }

// recorder drives workflows on the server and writes their histories.
type recorder struct {
	t     *testing.T
	c     client.Client
	queue string
}

func (r *recorder) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), time.Minute)
}

func (r *recorder) start(id, workflowType string, in any) {
	r.t.Helper()
	ctx, cancel := r.ctx()
	defer cancel()
	if _, err := r.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: r.queue}, workflowType, in); err != nil {
		r.t.Fatal(err)
	}
}

// update sends an update, waits for its result and returns it as JSON fields.
func (r *recorder) update(id, name string, arg any) map[string]any {
	r.t.Helper()
	ctx, cancel := r.ctx()
	defer cancel()
	h, err := r.c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: name, Args: []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted})
	if err != nil {
		r.t.Fatalf("update %s of %s: %v", name, id, err)
	}
	var out map[string]any
	if err := h.Get(ctx, &out); err != nil {
		r.t.Fatalf("update %s of %s: %v", name, id, err)
	}
	return out
}

// wait waits for the workflow to complete.
func (r *recorder) wait(id string) {
	r.t.Helper()
	ctx, cancel := r.ctx()
	defer cancel()
	if err := r.c.GetWorkflow(ctx, id, "").Get(ctx, nil); err != nil {
		r.t.Fatalf("workflow %s: %v", id, err)
	}
}

// save writes the history so far, once the workflow has nothing left to do at once, unless
// the file exists.
func (r *recorder) save(id, file string) {
	r.t.Helper()
	path := filepath.Join("testdata", file)
	if _, err := os.Stat(path); err == nil {
		r.t.Logf("kept %s", file)
		return
	}
	ctx, cancel := r.ctx()
	defer cancel()
	var hist *historypb.History
	for range 100 { // until two reads a moment apart agree: no workflow task left running
		hist = r.history(ctx, id)
		time.Sleep(300 * time.Millisecond)
		if again := r.history(ctx, id); len(again.Events) == len(hist.Events) {
			break
		}
	}
	b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(hist)
	if err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		r.t.Fatal(err)
	}
	r.t.Logf("recorded %s (%d events)", file, len(hist.Events))
}

func (r *recorder) history(ctx context.Context, id string) *historypb.History {
	hist := &historypb.History{}
	it := r.c.GetWorkflowHistory(ctx, id, "", false, 0)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			r.t.Fatal(err)
		}
		hist.Events = append(hist.Events, e)
	}
	return hist
}
