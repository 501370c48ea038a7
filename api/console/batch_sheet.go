package console

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/profdev/profdev/internal/domain"
)

// The spreadsheet of a batch: its columns (headers in Russian, as a ministry clerk keeps
// them), reading CSV or XLSX into rows keyed by the API's field names, and the template
// to download. Each row then goes through the same form reader and validator as the
// one-certificate form, so a spreadsheet row is refused for exactly what the form refuses.

// sheetColumn is one column: the API field it fills, its header, and other headers a
// spreadsheet may carry for it (the API's own field name is always accepted).
type sheetColumn struct {
	Field, Header, Example string
	Aliases                []string
}

var sheetColumns = []sheetColumn{
	{"servant.id", "Табельный номер", "servant-101", []string{"идентификатор служащего"}},
	{"servant.full_name", "ФИО", "Петров Пётр Петрович", []string{"фио служащего"}},
	{"servant.snils", "СНИЛС", "112-233-445 95", nil},
	{"servant.email", "Электронная почта", "petrov@gov.example", []string{"email", "e-mail"}},
	{"servant.position", "Должность", "главный специалист-эксперт", nil},
	{"agency.id", "Код органа", "agency-1", []string{"орган"}},
	{"provider_id", "Код образовательной организации", "provider-a", []string{"организация"}},
	{"programme_code", "Код программы", "PK-01", []string{"программа"}},
	{"year", "Год", "", nil},
	{"hours", "Объём, часов", "72", []string{"часов", "часы"}},
	{"amount", "Стоимость, рублей", "35000", []string{"стоимость"}},
	{"start_by", "Начать не позднее", "", []string{"начать обучение не позднее"}},
	{"end_by", "Завершить не позднее", "", []string{"завершить обучение не позднее"}},
}

// sheetSpec is one kind of spreadsheet the console reads: its columns, those that hold dates
// (an XLSX date cell is read as its serial number and turned into a date here, so that neither
// the sheet's locale nor its number format matters), and the name of the template's sheet.
type sheetSpec struct {
	columns  []sheetColumn
	dates    map[string]bool
	optional map[string]bool // columns a sheet may leave out
	sheet    string
}

// batchSheet is the ministry's batch of certificates to issue.
var batchSheet = sheetSpec{columns: sheetColumns, dates: map[string]bool{"start_by": true, "end_by": true}, sheet: "Сертификаты"}

// sheetRow is one spreadsheet row with data: its row number as the spreadsheet shows it
// (the header is row 1) and its values by field.
type sheetRow struct {
	Number int
	Values url.Values
}

// errSheet is a spreadsheet that cannot be read at all; its message is shown beside the
// file field, in words.
type errSheet struct{ msg string }

func (e errSheet) Error() string { return e.msg }

// read reads an uploaded CSV or XLSX file: by its content (an XLSX is a ZIP archive), not by
// its name, which people rename.
func (spec sheetSpec) read(data []byte, maxRows int) ([]sheetRow, error) {
	var records [][]string
	var err error
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		records, err = xlsxRecords(data)
	} else {
		records, err = csvRecords(data)
	}
	if err != nil {
		return nil, err
	}
	if len(records) == 0 {
		return nil, errSheet{"Файл пуст: в первой строке должны быть заголовки столбцов, как в шаблоне."}
	}
	fields, err := spec.headerFields(records[0])
	if err != nil {
		return nil, err
	}
	var rows []sheetRow
	for i, rec := range records[1:] {
		v := url.Values{}
		empty := true
		for col, cell := range rec {
			if col >= len(fields) || fields[col] == "" {
				continue
			}
			cell = strings.TrimSpace(cell)
			if cell != "" {
				empty = false
			}
			if spec.dates[fields[col]] {
				cell = serialDate(cell)
			}
			v.Set(fields[col], cell)
		}
		if empty {
			continue // blank lines between groups are common and mean nothing
		}
		if len(rows) == maxRows {
			return nil, errSheet{fmt.Sprintf("В файле больше %d строк. Разделите его на несколько пакетов.", maxRows)}
		}
		rows = append(rows, sheetRow{Number: i + 2, Values: v})
	}
	if len(rows) == 0 {
		return nil, errSheet{"В файле нет ни одной строки с данными под заголовками."}
	}
	return rows, nil
}

func csvRecords(data []byte) ([][]string, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !utf8.Valid(data) {
		return nil, errSheet{"Файл не в кодировке UTF-8. Сохраните его как «CSV UTF-8» или загрузите файл XLSX."}
	}
	first, _, _ := bytes.Cut(data, []byte("\n"))
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = ','
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		r.Comma = ';' // what a spreadsheet in a Russian locale writes
	}
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	records, err := r.ReadAll()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, errSheet{fmt.Sprintf("Файл CSV повреждён в строке %d. Проверьте кавычки в этой строке.", pe.StartLine)}
		}
		return nil, errSheet{"Файл CSV не прочитан. Сохраните его заново или загрузите файл XLSX."}
	}
	return records, nil
}

func xlsxRecords(data []byte) ([][]string, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, errSheet{"Файл XLSX не открылся. Сохраните его заново в Excel или LibreOffice."}
	}
	defer func() { _ = f.Close() }()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, errSheet{"В файле XLSX нет листов."}
	}
	rows, err := f.GetRows(sheets[0]) // the first sheet, as the template has it
	if err != nil {
		return nil, errSheet{"Первый лист файла XLSX не прочитан."}
	}
	return rows, nil
}

// serialDate turns an Excel date serial ("46050") into YYYY-MM-DD; text dates stay as they
// are, for the form reader's ДД.ММ.ГГГГ or YYYY-MM-DD.
func serialDate(cell string) string {
	n, err := strconv.ParseFloat(cell, 64)
	if err != nil || n < 1 || n > 2958465 {
		return cell
	}
	t, err := excelize.ExcelDateToTime(n, false)
	if err != nil {
		return cell
	}
	return t.Format("2006-01-02")
}

func normHeader(s string) string {
	s = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(s, "\ufeff")))
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "ё", "е")), " ")
}

// headerFields maps each column of the header row to its field ("" for a column the
// sheet does not use), refusing a sheet that lacks a column.
func (spec sheetSpec) headerFields(header []string) ([]string, error) {
	byName := map[string]string{}
	for _, c := range spec.columns {
		byName[normHeader(c.Header)] = c.Field
		byName[normHeader(c.Field)] = c.Field
		for _, a := range c.Aliases {
			byName[normHeader(a)] = c.Field
		}
	}
	fields := make([]string, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		if f, ok := byName[normHeader(h)]; ok && !seen[f] {
			fields[i], seen[f] = f, true
		}
	}
	var missing []string
	for _, c := range spec.columns {
		if !seen[c.Field] && !spec.optional[c.Field] {
			missing = append(missing, "«"+c.Header+"»")
		}
	}
	if len(missing) > 0 {
		return nil, errSheet{"В первой строке файла нет столбцов " + strings.Join(missing, ", ") + ". Возьмите заголовки из шаблона."}
	}
	return fields, nil
}

// templateRow is the example row of the template: this year's dates, so that it would pass.
func templateRow(now time.Time) []string {
	row := make([]string, len(sheetColumns))
	for i, c := range sheetColumns {
		switch c.Field {
		case "year":
			row[i] = strconv.Itoa(now.Year())
		case "start_by":
			row[i] = now.AddDate(0, 1, 0).Format("02.01.2006")
		case "end_by":
			row[i] = now.AddDate(0, 4, 0).Format("02.01.2006")
		default:
			row[i] = c.Example
		}
	}
	return row
}

func (spec sheetSpec) headers() []string {
	h := make([]string, len(spec.columns))
	for i, c := range spec.columns {
		h[i] = c.Header
	}
	return h
}

// writeCSV writes a template as a Russian-locale spreadsheet expects it: UTF-8 with a BOM,
// semicolons; the header row, then rows.
func (spec sheetSpec) writeCSV(w io.Writer, rows [][]string) error {
	if _, err := w.Write([]byte("\ufeff")); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	_ = cw.Write(spec.headers())
	_ = cw.WriteAll(rows)
	cw.Flush()
	return cw.Error()
}

// writeXLSX writes a template with text cells throughout (a SNILS or a code must not turn
// into a number) and a bold header row.
func (spec sheetSpec) writeXLSX(w io.Writer, rows [][]string) error {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	if err := f.SetSheetName("Sheet1", spec.sheet); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	for i, vals := range append([][]string{spec.headers()}, rows...) {
		for j, v := range vals {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if err := f.SetCellStr(spec.sheet, cell, v); err != nil {
				return err
			}
		}
	}
	last, _ := excelize.ColumnNumberToName(len(spec.columns))
	if err := f.SetCellStyle(spec.sheet, "A1", last+"1", bold); err != nil {
		return err
	}
	if err := f.SetColWidth(spec.sheet, "A", last, 24); err != nil {
		return err
	}
	return f.Write(w)
}

// sendSheet answers a template download: XLSX when the query asks for it, CSV otherwise,
// as an attachment named name (.xlsx or .csv added).
func (c *Console) sendSheet(w http.ResponseWriter, r *http.Request, spec sheetSpec, name string, rows [][]string) {
	var buf bytes.Buffer
	var err error
	if r.URL.Query().Get("format") == "xlsx" {
		err = spec.writeXLSX(&buf, rows)
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.xlsx"`)
	} else {
		err = spec.writeCSV(&buf, rows)
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	}
	if err != nil {
		w.Header().Del("Content-Disposition")
		c.renderError(w, r, domain.Wrap(err, domain.CodeInternal, "sheet %s", name))
		return
	}
	_, _ = w.Write(buf.Bytes())
}

// readUpload reads the uploaded file of the form's "file" field as a sheet of spec. A file
// that is missing or cannot be read is refused beside the field, through showForm, and
// readUpload answers ok false: the response is written.
func (c *Console) readUpload(w http.ResponseWriter, r *http.Request, spec sheetSpec, maxRows int,
	showForm func(status int, prob *problem)) (rows []sheetRow, filename string, ok bool) {
	fileProblem := func(msg string) {
		showForm(http.StatusBadRequest, &problem{Title: "Файл не принят", Message: msg,
			Fields: []fieldProblem{{Field: "file", Label: fieldLabel("file"), Message: msg}}})
	}
	file, header, err := r.FormFile("file")
	if err != nil {
		fileProblem("Выберите файл CSV или XLSX.")
		return nil, "", false
	}
	defer func() { _ = file.Close() }()
	data, err := io.ReadAll(file)
	if err != nil {
		fileProblem("Файл не загрузился. Повторите.")
		return nil, "", false
	}
	rows, err = spec.read(data, maxRows)
	if err != nil {
		if es, isSheet := err.(errSheet); isSheet {
			fileProblem(es.msg)
		} else {
			c.renderError(w, r, err)
		}
		return nil, "", false
	}
	return rows, header.Filename, true
}
