package document

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/profdev/profdev/internal/domain"
)

func reserveNomination() domain.Nomination {
	cand := func(l domain.ReserveList, c domain.ReserveCategory, name, dept, note string) domain.ReserveCandidate {
		return domain.ReserveCandidate{CandidateData: domain.CandidateData{List: l, Category: c, FullName: name,
			Position: "начальник отдела", Department: dept, Note: note}}
	}
	return domain.Nomination{AgencyName: "Министерство <культуры> области", Year: 2027, Candidates: []domain.ReserveCandidate{
		cand(domain.ListNew, domain.CategoryIII, "Орлова Мария Викторовна", "Отдел мониторинга", "вновь; в резерве 2021–2023"),
		cand(domain.ListRepeat, domain.CategoryII, "Петров Пётр Петрович", "Отдел кадров", "повторно"),
		cand(domain.ListNew, domain.CategoryI, "Сидорова Анна Ивановна", `Управление "Электронное образование"`, "впервые"),
		cand(domain.ListNew, domain.CategoryIII, "Белов Андрей Николаевич", "Отдел информатизации", ""),
	}}
}

// The lists number candidates through each list in category order, print every category
// heading even when it is empty, and quote what a spreadsheet would split.
func TestReserveListsCSV(t *testing.T) {
	got, err := ReserveListsCSV(reserveNomination())
	if err != nil {
		t.Fatal(err)
	}
	columns := "№ п/п;Фамилия, имя, отчество;Замещаемая должность;Наименование структурного подразделения;Примечание"
	want := []string{
		"\uFEFFПриложение № 1", "Список лиц", "Министерство <культуры> области,",
		"ранее включенных в резерв управленческих кадров и повторно рекомендуемых на очередной период в 2027 году", columns,
		`"Категория I ""Высший уровень"""`,
		`"Категория II ""Базовый уровень"""`, "1;Петров Пётр Петрович;начальник отдела;Отдел кадров;повторно",
		`"Категория III ""Перспективный уровень"""`,
		"",
		"Приложение № 2", "Список лиц", "Министерство <культуры> области,",
		"рекомендуемых для участия в конкурсе по формированию резерва управленческих кадров в 2027 году", columns,
		`"Категория I ""Высший уровень"""`, `1;Сидорова Анна Ивановна;начальник отдела;"Управление ""Электронное образование""";впервые`,
		`"Категория II ""Базовый уровень"""`,
		`"Категория III ""Перспективный уровень"""`, `2;Орлова Мария Викторовна;начальник отдела;Отдел мониторинга;"вновь; в резерве 2021–2023"`,
		"3;Белов Андрей Николаевич;начальник отдела;Отдел информатизации;",
		"",
	}
	if diff := cmp.Diff(want, strings.Split(string(got), "\r\n")); diff != "" {
		t.Errorf("CSV mismatch (-want +got):\n%s", diff)
	}
}

func TestReserveListsHTML(t *testing.T) {
	got, err := ReserveListsHTML(reserveNomination())
	if err != nil {
		t.Fatal(err)
	}
	page := string(got)
	for _, want := range []string{
		`<meta charset="utf-8">`,
		"Министерство &lt;культуры&gt; области,", // the name is escaped, never markup
		"<tr><td>1</td><td>Сидорова Анна Ивановна</td><td>начальник отдела</td><td>Управление &#34;Электронное образование&#34;</td><td>впервые</td></tr>",
		"<tr><td>3</td><td>Белов Андрей Николаевич</td>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if n := strings.Count(page, "<section>"); n != 2 {
		t.Errorf("%d lists, want 2", n)
	}
	if n := strings.Count(page, `<tr class="category">`); n != 6 {
		t.Errorf("%d category headings, want 3 in each list", n)
	}
}
