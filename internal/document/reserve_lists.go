package document

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html/template"
	"strconv"

	"github.com/profdev/profdev/internal/domain"
)

// The lists of candidates for the management reserve (списки кандидатов в резерв
// управленческих кадров) as appendices 1 and 2 of seed 002 lay them out: the participant
// prints them for the head's approval and the authority files them. They are rendered here,
// next to the certificate, because they are documents of record whose wording is fixed by
// the form, not views of the API; like Render, each function depends on the nomination only,
// so the console and the API print the same lists.

// ReserveListsCSV renders lists 1 and 2 for a spreadsheet: UTF-8 with a byte order mark,
// ';' between fields and CRLF line ends, which is what a Russian-locale Excel opens as is.
// The participant is named as n.AgencyName holds it; the caller puts the directory's
// current full name there.
func ReserveListsCSV(n domain.Nomination) ([]byte, error) {
	doc := reserveDocumentOf(n)
	var buf bytes.Buffer
	buf.WriteString("\uFEFF") // the byte order mark tells a spreadsheet the file is UTF-8
	w := csv.NewWriter(&buf)
	w.Comma, w.UseCRLF = ';', true
	for i, l := range doc.Lists {
		if i > 0 {
			_ = w.Write([]string{""})
		}
		_ = w.Write([]string{fmt.Sprintf("Приложение № %d", l.Appendix)})
		_ = w.Write([]string{"Список лиц"})
		_ = w.Write([]string{doc.Agency + ","})
		_ = w.Write([]string{l.Title})
		_ = w.Write(reserveListHeader)
		for _, g := range l.Groups {
			_ = w.Write([]string{g.Heading})
			for _, r := range g.Rows {
				_ = w.Write([]string{strconv.Itoa(r.N), r.FullName, r.Position, r.Department, r.Note})
			}
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ReserveListsHTML renders lists 1 and 2 as one printable HTML page, each list starting a
// new printed page, named as in ReserveListsCSV.
func ReserveListsHTML(n domain.Nomination) ([]byte, error) {
	var buf bytes.Buffer
	if err := reserveListsHTML.Execute(&buf, reserveDocumentOf(n)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// reserveDocument is the two lists of one nomination, ready to print.
type reserveDocument struct {
	Agency string
	Year   int
	Lists  []reserveList
}

type reserveList struct {
	Appendix int
	Title    string // what follows the participant's name in the form's heading
	Groups   []reserveGroup
}

type reserveGroup struct {
	Heading string
	Rows    []reserveRow
}

type reserveRow struct {
	N                                    int
	FullName, Position, Department, Note string
}

// reserveDocumentOf groups the candidates of each list by category, in the order they were
// proposed, numbering them through the list as its one "№ п/п" column does. Every category
// heading is printed, as in the form, even when nobody is proposed in it.
func reserveDocumentOf(n domain.Nomination) reserveDocument {
	lists := []reserveList{
		{Appendix: 1, Title: fmt.Sprintf("ранее включенных в резерв управленческих кадров и повторно рекомендуемых на очередной период в %d году", n.Year)},
		{Appendix: 2, Title: fmt.Sprintf("рекомендуемых для участия в конкурсе по формированию резерва управленческих кадров в %d году", n.Year)},
	}
	for i, l := range []domain.ReserveList{domain.ListRepeat, domain.ListNew} {
		num := 0
		for _, cat := range domain.ReserveCategories {
			g := reserveGroup{Heading: fmt.Sprintf("Категория %s \"%s\"", cat, cat.Title())}
			for _, c := range n.Candidates {
				if c.List == l && c.Category == cat {
					num++
					g.Rows = append(g.Rows, reserveRow{N: num, FullName: c.FullName, Position: c.Position, Department: c.Department, Note: c.Note})
				}
			}
			lists[i].Groups = append(lists[i].Groups, g)
		}
	}
	return reserveDocument{Agency: n.AgencyName, Year: n.Year, Lists: lists}
}

// reserveListHeader is the column row of both appendices.
var reserveListHeader = []string{"№ п/п", "Фамилия, имя, отчество", "Замещаемая должность", "Наименование структурного подразделения", "Примечание"}

var reserveListsHTML = template.Must(template.New("lists").Parse(`<!DOCTYPE html>
<html lang="ru">
<head>
<meta charset="utf-8">
<title>Списки кандидатов в резерв управленческих кадров — {{.Agency}}, {{.Year}}</title>
<style>
body { font-family: "Times New Roman", serif; font-size: 12pt; margin: 2cm; }
section + section { break-before: page; page-break-before: always; }
.appendix { text-align: right; }
h1 { font-size: 13pt; font-weight: normal; text-align: center; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #000; padding: 4pt; vertical-align: top; }
tr.category td { font-weight: bold; text-align: center; }
@media print { body { margin: 0; } }
</style>
</head>
<body>
{{- range .Lists}}
<section>
<p class="appendix">Приложение № {{.Appendix}}</p>
<h1>Список лиц<br>{{$.Agency}},<br>{{.Title}}</h1>
<table>
<thead><tr><th>№ п/п</th><th>Фамилия, имя, отчество</th><th>Замещаемая должность</th><th>Наименование структурного подразделения</th><th>Примечание</th></tr></thead>
<tbody>
{{- range .Groups}}
<tr class="category"><td colspan="5">{{.Heading}}</td></tr>
{{- range .Rows}}
<tr><td>{{.N}}</td><td>{{.FullName}}</td><td>{{.Position}}</td><td>{{.Department}}</td><td>{{.Note}}</td></tr>
{{- end}}
{{- end}}
</tbody>
</table>
</section>
{{- end}}
</body>
</html>
`))
