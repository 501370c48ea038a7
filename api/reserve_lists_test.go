package api

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var (
	htmlRow  = regexp.MustCompile(`(?s)<tr[^>]*>(.*?)</tr>`)
	htmlCell = regexp.MustCompile(`(?s)<t[hd][^>]*>(.*?)</t[hd]>`)
)

// checkReserveLists exports the submitted lists and compares them with appendices 1 and 2.
func checkReserveLists(t *testing.T, a *testAPI, path string, year int) {
	code, body, h := a.do("GET", path+"/lists?format=csv", &reserveHeadA, "")
	if code != http.StatusOK || h.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.Contains(h.Get("Content-Disposition"), ".csv") {
		t.Fatalf("csv = %d %v", code, h)
	}
	columns := "№ п/п;Фамилия, имя, отчество;Замещаемая должность;Наименование структурного подразделения;Примечание"
	wantCSV := strings.Join([]string{
		"\uFEFFПриложение № 1", "Список лиц", reserveAgencyName + ",",
		fmt.Sprintf("ранее включенных в резерв управленческих кадров и повторно рекомендуемых на очередной период в %d году", year), columns,
		`"Категория I ""Высший уровень"""`, "1;Петров Пётр Петрович;заместитель министра;Руководство министерства;повторно",
		`"Категория II ""Базовый уровень"""`, "2;Морозов Дмитрий Алексеевич;начальник отдела;Финансово-экономический отдел;повторно",
		`"Категория III ""Перспективный уровень"""`, "3;Белов Андрей Николаевич;главный специалист;Отдел информатизации;повторно",
		"",
		"Приложение № 2", "Список лиц", reserveAgencyName + ",",
		fmt.Sprintf("рекомендуемых для участия в конкурсе по формированию резерва управленческих кадров в %d году", year), columns,
		`"Категория I ""Высший уровень"""`, `1;Сидорова Анна Ивановна;начальник управления;"Управление ""Электронное образование""";впервые`,
		`"Категория II ""Базовый уровень"""`, `2;Кузнецов Иван Сергеевич;начальник отдела;"Отдел кадровой политики; резерв";впервые`,
		"3;Зайцева Елена Павловна;начальник отдела;Отдел дошкольного образования;впервые",
		`"Категория III ""Перспективный уровень"""`, `4;Орлова Мария Викторовна;консультант;Отдел мониторинга;"вновь после исключения; в резерве 2021–2023"`,
		"",
	}, "\r\n")
	if diff := cmp.Diff(strings.Split(wantCSV, "\r\n"), strings.Split(string(body), "\r\n")); diff != "" {
		t.Errorf("CSV mismatch (-want +got):\n%s", diff)
	}

	code, body, h = a.do("GET", path+"/lists?format=html", &reserveAuth, "")
	if code != http.StatusOK || h.Get("Content-Type") != "text/html; charset=utf-8" || !strings.Contains(string(body), `<meta charset="utf-8">`) {
		t.Fatalf("html = %d %v", code, h)
	}
	var rows []string
	for _, m := range htmlRow.FindAllStringSubmatch(string(body), -1) {
		var cells []string
		for _, c := range htmlCell.FindAllStringSubmatch(m[1], -1) {
			cells = append(cells, html.UnescapeString(c[1]))
		}
		rows = append(rows, strings.Join(cells, "|"))
	}
	header := strings.ReplaceAll(columns, ";", "|")
	wantRows := []string{
		header, `Категория I "Высший уровень"`, "1|Петров Пётр Петрович|заместитель министра|Руководство министерства|повторно",
		`Категория II "Базовый уровень"`, "2|Морозов Дмитрий Алексеевич|начальник отдела|Финансово-экономический отдел|повторно",
		`Категория III "Перспективный уровень"`, "3|Белов Андрей Николаевич|главный специалист|Отдел информатизации|повторно",
		header, `Категория I "Высший уровень"`, `1|Сидорова Анна Ивановна|начальник управления|Управление "Электронное образование"|впервые`,
		`Категория II "Базовый уровень"`, "2|Кузнецов Иван Сергеевич|начальник отдела|Отдел кадровой политики; резерв|впервые",
		"3|Зайцева Елена Павловна|начальник отдела|Отдел дошкольного образования|впервые",
		`Категория III "Перспективный уровень"`, "4|Орлова Мария Викторовна|консультант|Отдел мониторинга|вновь после исключения; в резерве 2021–2023",
	}
	if diff := cmp.Diff(wantRows, rows); diff != "" {
		t.Errorf("HTML rows mismatch (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(body), reserveAgencyName+",") || strings.Contains(string(body), "Лишний") {
		t.Errorf("HTML names the wrong agency or a removed candidate")
	}
	if code, _, _ := a.do("GET", path+"/lists?format=pdf", &reserveHRA, ""); code != http.StatusBadRequest {
		t.Errorf("format=pdf = %d, want 400", code)
	}
	if code, _, _ := a.do("GET", path+"/lists", &reserveHRB, ""); code != http.StatusNotFound {
		t.Errorf("HR of agency B exporting = %d, want 404", code)
	}
}
