package console

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/profdev/profdev/internal/domain"
)

// sourceFormats reads the refusals of the sources: every call of domain.Conflict,
// domain.Forbidden (Conflict and Forbidden inside package domain) and the workflows'
// refuse(code, format, ...) whose format is a string literal, by format, with where it is.
// A format built by concatenation or held in a variable is not a literal and is skipped: it
// cannot be read back by pattern anyway, and falls through to the prefix table. It also
// returns the step names the workflows pass to their role checks (require, requireRole,
// party) as a literal last argument.
func sourceFormats(t *testing.T) (formats, steps map[string]string) {
	t.Helper()
	formats, steps = map[string]string{}, map[string]string{}
	fset := token.NewFileSet()
	for _, root := range []string{"../../workflows", "../../internal", "../../api"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			inDomain := f.Name.Name == "domain"
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				format := -1
				switch fun := call.Fun.(type) {
				case *ast.SelectorExpr:
					if x, ok := fun.X.(*ast.Ident); ok && x.Name == "domain" && (fun.Sel.Name == "Conflict" || fun.Sel.Name == "Forbidden") {
						format = 0
					}
					if fun.Sel.Name == "require" || fun.Sel.Name == "requireRole" || fun.Sel.Name == "party" {
						if s, ok := literal(call.Args, len(call.Args)-1); ok && strings.HasSuffix(filepath.Dir(path), "workflows") {
							steps[s] = fset.Position(call.Pos()).String()
						}
					}
				case *ast.Ident:
					switch {
					case fun.Name == "refuse":
						format = 1
					case inDomain && (fun.Name == "Conflict" || fun.Name == "Forbidden"):
						format = 0
					}
				}
				if s, ok := literal(call.Args, format); ok {
					formats[s] = fset.Position(call.Pos()).String()
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(formats) < 100 {
		t.Fatalf("read %d refusals from the sources; the walk has lost its way", len(formats))
	}
	return formats, steps
}

// literal is args[i] if it is a string literal.
func literal(args []ast.Expr, i int) (string, bool) {
	if i < 0 || i >= len(args) {
		return "", false
	}
	lit, ok := args[i].(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// sampleArgs are arguments for a format's verbs: S1, S2… and 11, 12….
func sampleArgs(verbs []byte) []any {
	args := make([]any, len(verbs))
	for i, v := range verbs {
		if v == 'd' {
			args[i] = 11 + i
		} else {
			args[i] = fmt.Sprintf("S%d", i+1)
		}
	}
	return args
}

// TestMessageFormatsCoverSources: every refusal in the sources has its Russian words, and a
// message made from it reads back by its own format, not by a looser one.
func TestMessageFormatsCoverSources(t *testing.T) {
	formats, steps := sourceFormats(t)
	table := map[string]bool{}
	for _, f := range messageFormats {
		table[f.en] = true
	}
	for en, at := range formats {
		if _, _, literal, err := compileFormat(en); err == nil && literal == 0 {
			continue // refuse(code, "%s", message) passes on a refusal made elsewhere, in its own words
		}
		if !table[en] {
			t.Errorf("%s: refusal %q has no Russian words in messageFormats (words_messages.go)", at, en)
			continue
		}
		_, verbs, _, err := compileFormat(en)
		if err != nil {
			t.Errorf("%s: %q: %v", at, en, err)
			continue
		}
		msg := fmt.Sprintf(en, sampleArgs(verbs)...)
		if m, _ := matchFormat(msg); m == nil || m.en != en {
			t.Errorf("%s: %q reads back as %v; want its own format", at, msg, m)
		}
	}
	for s, at := range steps {
		if _, ok := stepLabels[s]; !ok {
			t.Errorf("%s: step %q has no name in stepLabels (words_messages.go)", at, s)
		}
	}
}

// TestMessageFormatsTable: each entry compiles, appears once, has no more argument words
// than verbs, and its Russian format takes the arguments without a fmt complaint.
func TestMessageFormatsTable(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range messageFormats {
		if seen[f.en] {
			t.Errorf("%q is in messageFormats twice", f.en)
		}
		seen[f.en] = true
		_, verbs, _, err := compileFormat(f.en)
		if err != nil {
			t.Errorf("%q: %v", f.en, err)
			continue
		}
		if len(f.words) > len(verbs) {
			t.Errorf("%q: %d argument words for %d verbs", f.en, len(f.words), len(verbs))
		}
		for i, w := range f.words {
			if w != nil && verbs[i] == 'd' {
				t.Errorf("%q: argument %d is a number; it takes no words", f.en, i+1)
			}
		}
		if got := fmt.Sprintf(f.ru, sampleArgs(verbs)...); strings.Contains(got, "%!") {
			t.Errorf("%q: the Russian format does not take its arguments: %s", f.en, got)
		}
	}
}

// TestRuMessagesNoDetails: no refusal of the table is shown as "Подробности: <English>", and
// each reads in Russian with its arguments in place.
func TestRuMessagesNoDetails(t *testing.T) {
	for _, f := range messageFormats {
		_, verbs, _, _ := compileFormat(f.en)
		args := sampleArgs(verbs)
		got := ruMessage(fmt.Sprintf(f.en, args...))
		if strings.Contains(got, "Подробности") || strings.Contains(got, "%!") || !strings.ContainsAny(got, "абвгдеёжзийклмнопрстуфхцчшщъыьэюя") {
			t.Errorf("%q reads %q; want it in Russian", f.en, got)
		}
		// Arguments are kept, unless the Russian leaves them out by explicit index.
		if !strings.Contains(f.ru, "%[") {
			for _, a := range args {
				if !strings.Contains(got, fmt.Sprint(a)) {
					t.Errorf("%q reads %q, without its argument %v", f.en, got, a)
				}
			}
		}
	}
}

// TestMessageSamples: refusals as the sources make them read as a person expects, statuses
// and roles in words.
func TestMessageSamples(t *testing.T) {
	for _, c := range []struct {
		format string
		args   []any
		want   []string // contained, in order
		not    []string
	}{
		{"certificate %s is %s: no duplicate is issued", []any{"MINTRUD-2026-000001", domain.CertificateAnnulled},
			[]string{"Сертификат MINTRUD-2026-000001", "«Аннулирован»", "дубликат"}, []string{"annulled"}},
		{"certificate %s is %s: only a certificate without an outcome can be annulled", []any{"MINTRUD-2026-000002", "completed"},
			[]string{"Сертификат MINTRUD-2026-000002 уже в статусе «Обучение завершено»: аннулировать можно только сертификат, по которому ещё не сообщён результат."}, nil},
		{"application %s is %s: only an application under review can be decided", []any{"APP-1", "admitted"},
			[]string{"APP-1", "уже принято", "«Включён в реестр»"}, nil},
		{"candidate %s is %s: only a candidate under review is decided", []any{"C2", "admitted"},
			[]string{"Кандидат C2", "«Допущен к конкурсному отбору»"}, []string{"реестр"}},
		{"candidate %s is %s and nomination %s is %s: a candidate is edited before submission, when a correction is requested, or once included",
			[]any{"C1", "not_admitted", "N-1", "decided"}, []string{"C1", "«Не допущен»", "N-1", "«Рассмотрено»"}, nil},
		{"change request %s is %s already", []any{"CH-1", "applied"}, []string{"CH-1", "«Изменения внесены»"}, nil},
		{"%s is the step of %s, not of %s", []any{"approving the lists", domain.RoleAgencyHead, domain.RoleHR},
			[]string{"«Утверждение списков»", "«Руководитель органа»", "«Кадровая служба»"}, nil},
		{"this step is for the role(s) %s; the caller is %s", []any{"ministry, provider", domain.RoleServant},
			[]string{"«Сотрудник министерства», «Образовательная организация»", "«Государственный служащий»"}, nil},
		{"%s is for the %s of the certificate", []any{"annulment", domain.RoleMinistry}, []string{"«Аннулирование»", "«Сотрудник министерства»"}, nil},
		{"provider %s is already excluded from the registry of %s", []any{"provider-1", "mintrud"},
			[]string{"Организация provider-1 уже исключена из реестра министерства mintrud."}, nil},
		{"provider %s is already %s", []any{"provider-1", "exclusion_requested"}, []string{"provider-1", "«Запрошено исключение»"}, nil},
		{"enrolment on certificate %s was due by %s", []any{"MINTRUD-2026-000003", "2026-03-01"}, []string{"MINTRUD-2026-000003", "01.03.2026"}, nil},
		{"invalid candidate: %s", []any{"questionnaire.motivation: required; full_name: required"},
			[]string{"Мотивация: заполните поле; ФИО: заполните поле"}, nil},
		{"quota exceeded: category %s «%s» allows %d candidate(s) on list 2 for %s in %d, and %d are already proposed",
			[]any{domain.CategoryII, domain.CategoryII.Title(), 1, "agency-1", 2026, 1},
			[]string{"Превышена квота списка 2", "II «Базовый уровень»", "agency-1", "2026 год", "квота — 1"}, nil},
		{"the caller sees the %s of %s %s only", []any{"certificates", "agency", "agency-7"}, []string{"Вам доступны только сертификаты органа agency-7."}, nil},
		{"a request with Idempotency-Key %q is still being processed; retry shortly", []any{`k-1"x`}, []string{`"k-1\"x"`, "ещё обрабатывается"}, nil},
		{"reports for quarter %d of %d are accepted from %s", []any{2, 2026, "2026-04-01"}, []string{"Отчёты за 2 квартал 2026 года принимаются с 01.04.2026."}, nil},
		{"%s has already rated certificate %s", []any{"sub-123", "MINTRUD-2026-000004"}, []string{"MINTRUD-2026-000004", "уже оценено"}, []string{"sub-123"}},
	} {
		msg := fmt.Sprintf(c.format, c.args...)
		got := ruMessage(msg)
		rest := got
		for _, w := range c.want {
			i := strings.Index(rest, w)
			if i < 0 {
				t.Errorf("%q reads %q; want %q in it (in order)", msg, got, w)
				break
			}
			rest = rest[i+len(w):]
		}
		for _, w := range c.not {
			if strings.Contains(got, w) {
				t.Errorf("%q reads %q; want no %q in it", msg, got, w)
			}
		}
	}

	// The refusal reaches the page through problemOf, a forbidden step with its lead-in.
	p := problemOf(domain.Forbidden("this step is for the %s of the certificate", domain.RoleProvider))
	if want := "Этот шаг по сертификату выполняет участник с ролью «Образовательная организация»."; !strings.HasSuffix(p.Message, want) {
		t.Errorf("a forbidden step reads %q; want it to end with %q", p.Message, want)
	}
	// What has no format of its own still falls through to the prefix table, and then to
	// the English text.
	if got := ruMessage("required"); got != "заполните поле" {
		t.Errorf(`"required" reads %q`, got)
	}
	if got := ruMessage("something new happened"); got != "Подробности: something new happened" {
		t.Errorf("an unknown message reads %q", got)
	}
}
