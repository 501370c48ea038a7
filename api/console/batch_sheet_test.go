package console

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/profdev/profdev/internal/validate"
)

// TestSheetTemplatesReadBack: both templates read back as one row that the validator
// accepts, so the example a clerk copies is itself a valid certificate.
func TestSheetTemplatesReadBack(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	c := &Console{val: validate.New()}
	for name, write := range map[string]func(*bytes.Buffer) error{
		"csv":  func(b *bytes.Buffer) error { return batchSheet.writeCSV(b, [][]string{templateRow(now)}) },
		"xlsx": func(b *bytes.Buffer) error { return batchSheet.writeXLSX(b, [][]string{templateRow(now)}) },
	} {
		var buf bytes.Buffer
		if err := write(&buf); err != nil {
			t.Fatalf("%s template: %v", name, err)
		}
		rows, err := batchSheet.read(buf.Bytes(), 10)
		if err != nil || len(rows) != 1 {
			t.Fatalf("%s template reads back as %d rows, %v", name, len(rows), err)
		}
		req, fields := c.rowRequest(rows[0], map[string]string{"agency-1": "Росстат"})
		if len(fields) != 0 {
			t.Errorf("%s template's example row is refused: %v", name, fields)
		}
		if req.StartBy.String() != "2026-04-10" || req.Servant.SNILS != "112-233-445 95" || req.Year != 2026 {
			t.Errorf("%s template's example row reads as %+v", name, req)
		}
	}
}

// TestCSVSheets: a CSV with or without a BOM, separated by commas or semicolons, with
// headers in any case and column order; a sheet without a column, or not in UTF-8, is
// refused as a whole, saying why.
func TestCSVSheets(t *testing.T) {
	header := "Табельный номер;ФИО;СНИЛС;Электронная почта;Должность;Код органа;Код образовательной организации;Код программы;Год;Объём, часов;Стоимость, рублей;Начать не позднее;Завершить не позднее"
	row := "s-1;Иванов Иван;112-233-445 95;i@gov.test;консультант;agency-1;provider-a;PK-01;2026;72;35 000,50;01.04.2026;2026-06-30"
	semicolons := "\ufeff" + header + "\r\n" + row + "\r\n;;;\r\n"
	rows, err := batchSheet.read([]byte(semicolons), 10)
	if err != nil || len(rows) != 1 || rows[0].Number != 2 {
		t.Fatalf("semicolon CSV = %v, %v", rows, err)
	}
	c := &Console{val: validate.New()}
	req, fields := c.rowRequest(rows[0], map[string]string{"agency-1": "Росстат"})
	if len(fields) != 0 || req.Amount != 35000.5 || req.EndBy.String() != "2026-06-30" || req.Agency.Name != "Росстат" {
		t.Errorf("semicolon row = %+v, %v", req, fields)
	}
	quoted := `"` + strings.ReplaceAll(header, ";", `","`) + `"` // "Объём, часов" holds a comma
	commas := strings.ToUpper(quoted) + "\n" + strings.ReplaceAll(strings.ReplaceAll(row, "35 000,50", "35000"), ";", ",") + "\n"
	if rows, err := batchSheet.read([]byte(commas), 10); err != nil || len(rows) != 1 || rows[0].Values.Get("amount") != "35000" {
		t.Errorf("comma CSV = %v, %v", rows, err)
	}
	if _, err := batchSheet.read([]byte(strings.Replace(header, ";СНИЛС", "", 1)+"\n"+row), 10); err == nil || !strings.Contains(err.Error(), "«СНИЛС»") {
		t.Errorf("a sheet without the SNILS column: %v", err)
	}
	if _, err := batchSheet.read([]byte{0xd4, 0xc8, 0xce, '\n'}, 10); err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Errorf("a Windows-1251 file: %v", err)
	}
	if _, err := batchSheet.read([]byte(header+"\n"+row+"\n"+row+"\n"), 1); err == nil {
		t.Error("a sheet over the row limit was read")
	}
	_, fields = c.rowRequest(sheetRow{Number: 2, Values: map[string][]string{"hours": {"много"}, "start_by": {"31.02.2026"}}}, nil)
	msgs := map[string]string{}
	for _, f := range fields {
		msgs[f.Field] = f.Message
	}
	if msgs["hours"] != "is not a number" || msgs["start_by"] != "is not a date" || msgs["servant.snils"] != "required" {
		t.Errorf("a bad row's errors = %v", fields)
	}
}
