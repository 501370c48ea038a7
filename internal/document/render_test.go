package document

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/civil"
	"github.com/google/go-cmp/cmp"
)

func sample() Certificate {
	return Certificate{
		Number:          "MT-2026-000123",
		IssuedAt:        time.Date(2026, 2, 10, 9, 30, 0, 0, time.UTC),
		Issuer:          "Министерство труда и социальной защиты Российской Федерации",
		ServantName:     "Щукина Шарлотта Ёжикова",
		ServantPosition: "Главный специалист-эксперт отдела государственной службы и кадров",
		AgencyName:      "Федеральная служба по труду и занятости",
		ProgrammeCode:   "ДПП-ПК-2026-017",
		ProgrammeTitle:  "Цифровая трансформация государственного управления: проектный подход и управление данными",
		ProgrammeKind:   KindQualificationUpgrade,
		Hours:           72,
		Amount:          35000,
		ProviderName:    "ФГБОУ ВО «Российская академия народного хозяйства и государственной службы при Президенте Российской Федерации»",
		StartBy:         civil.Date{Year: 2026, Month: time.April, Day: 1},
		EndBy:           civil.Date{Year: 2026, Month: time.November, Day: 30},
		Year:            2026,
		VerificationURL: "https://profdev.mintrud.gov.ru/public/certificates/MT-2026-000123/verification",
	}
}

func render(t testing.TB, c Certificate) ([]byte, string) {
	t.Helper()
	pdf, sum, err := Render(c)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return pdf, sum
}

// onePage renders c and returns the content of its only page.
func onePage(t *testing.T, c Certificate) pageContent {
	t.Helper()
	pdf, _ := render(t, c)
	pages := readPages(t, pdf)
	if len(pages) != 1 {
		t.Fatalf("got %d pages, want 1", len(pages))
	}
	return pages[0]
}

// squash drops all spaces so text can be compared across line breaks.
func squash(s string) string {
	return strings.NewReplacer(" ", "", "\u00a0", "").Replace(s)
}

func TestRenderIsReproducible(t *testing.T) {
	first, sum := render(t, sample())
	if want := sha256.Sum256(first); sum != hex.EncodeToString(want[:]) {
		t.Fatalf("hash %s is not the SHA-256 of the returned bytes", sum)
	}
	// Concurrent renders in one process: every Go map gets its own random
	// iteration order, so map-order leaks show up here, and -race checks
	// that renders share no mutable state.
	var wg sync.WaitGroup
	got := make([][]byte, 8)
	for i := range got {
		wg.Go(func() { got[i], _ = render(t, sample()) })
	}
	wg.Wait()
	for i, b := range got {
		if !bytes.Equal(first, b) {
			t.Fatalf("render %d differs from the first (%d vs %d bytes)", i, len(b), len(first))
		}
	}
}

// TestRenderIsReproducibleAcrossProcesses renders in a fresh process, so
// anything seeded per process (hash seeds, time, addresses) would show.
func TestRenderIsReproducibleAcrossProcesses(t *testing.T) {
	if os.Getenv("DOCUMENT_HELPER") == "1" {
		_, sum := render(t, sample())
		fmt.Print("sha256=" + sum)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestRenderIsReproducibleAcrossProcesses$")
	cmd.Env = append(os.Environ(), "DOCUMENT_HELPER=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper process: %v", err)
	}
	_, sum := render(t, sample())
	if !strings.Contains(string(out), "sha256="+sum) {
		t.Fatalf("other process got %q, this one sha256=%s", out, sum)
	}
}

func TestRenderIgnoresTimeZoneOfIssuedAt(t *testing.T) {
	utc, _ := render(t, sample())
	c := sample()
	c.IssuedAt = c.IssuedAt.In(time.FixedZone("Asia/Vladivostok", 10*3600))
	other, _ := render(t, c)
	if !bytes.Equal(utc, other) {
		t.Fatal("the same instant in another location gave different bytes")
	}
	if !bytes.Contains(utc, []byte("/CreationDate (D:20260210093000Z)")) ||
		!bytes.Contains(utc, []byte("/ModDate (D:20260210093000Z)")) {
		t.Fatal("creation and modification dates are not taken from IssuedAt")
	}
}

// TestGoldenHash pins the exact output. When it fails after an intended
// layout change, bump LayoutVersion and update the hash. When it fails
// without one, a dependency or toolchain change altered the bytes: a retry
// after such a deploy would not reproduce documents signed before it.
func TestGoldenHash(t *testing.T) {
	for _, tc := range []struct {
		sig    SignatureKind
		golden string
	}{
		{SignatureNonQualified, "16e9bb1039c7da78154d2d5a966faa8a618b08a17c699ca099fa14ef4b113583"},
		{SignatureQualified, "9af63049e7245789b8d9ffb36a91ef09ac50b8fcc14ce0b7641681cd1a32a7f4"},
	} {
		c := sample()
		c.Signature = tc.sig
		if _, sum := render(t, c); sum != tc.golden {
			t.Errorf("%v: sha256 = %s, want %s", tc.sig, sum, tc.golden)
		}
	}
}

// TestRenderSignatureKinds checks that only a qualified document claims a
// qualified signature, and that any other says visibly that it has none.
func TestRenderSignatureKinds(t *testing.T) {
	var zero Certificate
	if zero.Signature != SignatureNonQualified {
		t.Fatal("the zero Signature is not SignatureNonQualified")
	}
	qualified := []string{
		"Документ подписан усиленной квалифицированной электронной подписью.",
		"подтверждает подлинность и неизменность настоящего документа.",
	}
	nonQualified := []string{
		"НЕКВАЛИФИЦИРОВАННАЯ ЭЛЕКТРОННАЯ ПОДПИСЬ",
		"Документ подписан ключом разработки (локальным ключом) и не имеет юридической силы документа, " +
			"подписанного квалифицированной электронной подписью.",
		"Документ подписан неквалифицированной электронной подписью.",
		"позволяет проверить только неизменность настоящего документа.",
	}
	for _, tc := range []struct {
		sig           SignatureKind
		want, wantNot []string
	}{
		{SignatureQualified, qualified, append(nonQualified, "неквалифицированн", "НЕКВАЛИФИЦИРОВАНН", "ключом разработки")},
		{SignatureNonQualified, nonQualified, append(qualified, "усиленной", "УКЭП")},
	} {
		c := sample()
		c.Signature = tc.sig
		text := pageText(checkFits(t, c))
		for _, want := range tc.want {
			if !strings.Contains(squash(text), squash(want)) {
				t.Errorf("%v: text lacks %q", tc.sig, want)
			}
		}
		for _, not := range tc.wantNot {
			if strings.Contains(squash(text), squash(not)) {
				t.Errorf("%v: text says %q", tc.sig, not)
			}
		}
		if t.Failed() {
			t.Logf("extracted text:\n%s", text)
		}
	}
}

func TestRenderDuplicate(t *testing.T) {
	sums := map[string]int{}
	texts := make([]string, 3)
	for dup := 0; dup < 3; dup++ {
		c := sample()
		c.Duplicate = dup
		_, sum := render(t, c)
		if prev, ok := sums[sum]; ok {
			t.Fatalf("Duplicate %d and %d give the same document", prev, dup)
		}
		sums[sum] = dup
		texts[dup] = pageText(onePage(t, c))
	}
	if strings.Contains(texts[0], "ДУБЛИКАТ") {
		t.Error("the original is marked as a duplicate")
	}
	for _, want := range []string{"ДУБЛИКАТ 2", "Дата выдачи дубликата: 10.02.2026"} {
		if !strings.Contains(texts[2], want) {
			t.Errorf("duplicate 2 lacks %q:\n%s", want, texts[2])
		}
	}
}

func TestRenderStructure(t *testing.T) {
	pdf, _ := render(t, sample())
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Errorf("starts with %q", pdf[:8])
	}
	if !bytes.HasSuffix(bytes.TrimRight(pdf, "\r\n"), []byte("%%EOF")) {
		t.Errorf("ends with %q", pdf[len(pdf)-8:])
	}
	objs := parsePDF(t, pdf) // also checks the xref table
	var fontFiles int
	for _, o := range objs {
		if strings.Contains(o.dict, "/FontFile2") {
			fontFiles++
		}
	}
	if fontFiles != 2 {
		t.Errorf("%d embedded font files, want 2 (regular and bold)", fontFiles)
	}
}

func TestRenderText(t *testing.T) {
	text := pageText(onePage(t, sample()))
	for _, want := range []string{
		"МИНИСТЕРСТВО ТРУДА И СОЦИАЛЬНОЙ ЗАЩИТЫ РОССИЙСКОЙ ФЕДЕРАЦИИ",
		"ГОСУДАРСТВЕННЫЙ ОБРАЗОВАТЕЛЬНЫЙ СЕРТИФИКАТ",
		"на дополнительное профессиональное образование гражданского служащего",
		"№\u00a0MT-2026-000123",
		"Щукина Шарлотта Ёжикова", // Ш and Щ encode to bytes that must be escaped
		"Главный специалист-эксперт отдела государственной службы и кадров",
		"Федеральная служба по труду и занятости",
		"Повышение квалификации",
		"ДПП-ПК-2026-017",
		"«Цифровая трансформация государственного управления: проектный подход и управление данными»",
		"72 академических часа",
		"35\u00a0000,00\u00a0руб.",
		"2026",
		"Обучение должно быть начато не позднее 01.04.2026 и завершено не позднее 30.11.2026.",
		"Дата выдачи: 10.02.2026",
		"https://profdev.mintrud.gov.ru/public/certificates/MT-2026-000123/verification",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("extracted text:\n%s", text)
	}
}

func TestRenderQRCode(t *testing.T) {
	c := sample()
	for _, url := range []string{c.VerificationURL, "https://x.ru/v/1", "https://profdev.example/public/certificates/" + strings.Repeat("A", maxURL-44)} {
		c.VerificationURL = url
		m, err := modulesFromRects(largestPath(onePage(t, c).filled))
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeQR(m)
		if err != nil {
			t.Fatalf("decoding the QR code of %q: %v", url, err)
		}
		if got != url {
			t.Errorf("QR code says %q, want %q", got, url)
		}
	}
}

// checkFits checks the page model (every line fits its cell, every cell is
// inside the content box, the body stays above the footer) and that the PDF
// has one page whose text starts inside the content box.
func checkFits(t *testing.T, c Certificate) pageContent {
	t.Helper()
	n, err := c.normalize()
	if err != nil {
		t.Fatal(err)
	}
	pg, err := compose(n)
	if err != nil {
		t.Fatal(err)
	}
	const eps = 1e-9
	for _, l := range pg.texts {
		if w := textWidth(l.style, l.text); w > l.w+eps {
			t.Errorf("%q is %.2f mm wide in a %.2f mm cell", l.text, w, l.w)
		}
		if l.x < left-eps || l.x+l.w > right+eps || l.y < top-eps || l.y+l.h > bottom+eps {
			t.Errorf("%q at (%.1f,%.1f)-(%.1f,%.1f) leaves the content box", l.text, l.x, l.y, l.x+l.w, l.y+l.h)
		}
	}
	if pg.bodyBottom > pg.footerTop-footerGap {
		t.Errorf("body ends at %.1f mm, footer starts at %.1f mm", pg.bodyBottom, pg.footerTop)
	}
	pc := onePage(t, c)
	k, tol := 72/25.4, 0.005 // fpdf prints positions with 2 decimals
	for _, r := range pc.runs {
		if r.x < left*k-tol || r.x > right*k || r.y < (pageH-bottom)*k || r.y > (pageH-top)*k {
			t.Errorf("%q starts at (%.1f, %.1f) pt, outside the content box", r.text, r.x, r.y)
		}
	}
	return pc
}

func TestRenderLongInputs(t *testing.T) {
	c := sample()
	words := strings.Fields("Развитие профессиональных компетенций гражданских служащих в сфере " +
		"государственного управления цифровыми данными, информационно-коммуникационных технологий " +
		"и проектной деятельности с применением современных методик")
	var title []string
	for i := 0; len([]rune(strings.Join(title, " "))) < 500; i++ {
		title = append(title, words[i%len(words)])
	}
	c.ProgrammeTitle = string([]rune(strings.Join(title, " "))[:500])
	c.ServantName = "Константинопольская-Верхнеднепровская Александра-Виктория Феоктистовна-Христофоровна оглы"
	c.Duplicate = 12
	text := squash(pageText(checkFits(t, c)))
	for _, want := range []string{c.ProgrammeTitle, c.ServantName, "ДУБЛИКАТ 12"} {
		if !strings.Contains(text, squash(want)) {
			t.Errorf("text lacks %q", want)
		}
	}
}

func TestRenderMaxLengthsFit(t *testing.T) {
	long := func(n int) string { // words of varying length, Cyrillic capitals are the widest
		s := strings.Repeat("ЖШЩЮ ШИРОКИЕ БУКВЫ МОГУТ ПЕРЕПОЛНИТЬ СТРОКУ ", n/40+1)
		return strings.TrimSpace(string([]rune(s)[:n]))
	}
	c := sample()
	c.Number = strings.Repeat("Ш", maxShortText) // one unbreakable word wider than the page
	c.Issuer, c.ServantPosition = long(maxLongText), long(maxLongText)
	c.AgencyName, c.ProviderName = long(maxLongText), long(maxLongText)
	c.ServantName = long(maxName)
	c.ProgrammeCode = strings.Repeat("Щ", maxShortText)
	c.ProgrammeTitle = long(maxTitle)
	c.VerificationURL = "https://profdev.example/" + strings.Repeat("W", maxURL-24)
	c.Duplicate, c.Hours, c.Amount = 99, 9999, 999999999.99
	checkFits(t, c)
}

func TestValidate(t *testing.T) {
	var v *ValidationError
	if err := (Certificate{}).Validate(); !errors.As(err, &v) {
		t.Fatalf("empty certificate: %v", err)
	}
	wantMissing := []string{"Number", "IssuedAt", "Issuer", "ServantName", "ServantPosition", "AgencyName",
		"ProgrammeCode", "ProgrammeTitle", "ProgrammeKind", "Hours", "Amount", "ProviderName",
		"StartBy", "EndBy", "Year", "VerificationURL"}
	if diff := cmp.Diff(wantMissing, v.Missing); diff != "" {
		t.Errorf("missing fields (-want +got):\n%s", diff)
	}
	if err := sample().Validate(); err != nil {
		t.Fatalf("sample: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(*Certificate)
		want string
	}{
		{"blank name", func(c *Certificate) { c.ServantName = " \t\n " }, "missing required fields: ServantName"},
		{"kind", func(c *Certificate) { c.ProgrammeKind = "seminar" }, `ProgrammeKind "seminar"`},
		{"hours", func(c *Certificate) { c.Hours = -1 }, "Hours -1"},
		{"amount", func(c *Certificate) { c.Amount = -5 }, "Amount -5"},
		{"dates", func(c *Certificate) { c.EndBy = civil.Date{Year: 2026, Month: 3, Day: 1} }, "EndBy 2026-03-01 is before StartBy"},
		{"bad date", func(c *Certificate) { c.StartBy = civil.Date{Year: 2026, Month: 2, Day: 30} }, "StartBy 2026-02-30 is not a valid date"},
		{"emoji", func(c *Certificate) { c.ServantName += " 😀" }, "ServantName contains character U+1F600"},
		{"cjk", func(c *Certificate) { c.AgencyName = "部" }, "AgencyName contains character U+90E8"},
		{"too long", func(c *Certificate) { c.ProgrammeTitle = strings.Repeat("а", maxTitle+1) }, "ProgrammeTitle is 1001 characters long"},
		{"url scheme", func(c *Certificate) { c.VerificationURL = "ftp://x.ru/1" }, "VerificationURL must be an absolute http(s) URL"},
		{"url ascii", func(c *Certificate) { c.VerificationURL = "https://сертификат.рф/1" }, "VerificationURL must be ASCII"},
		{"duplicate", func(c *Certificate) { c.Duplicate = -1 }, "Duplicate -1"},
		{"signature", func(c *Certificate) { c.Signature = 7 }, "Signature 7 is neither"},
	} {
		c := sample()
		tc.edit(&c)
		_, _, err := Render(c)
		if !errors.As(err, &v) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want a ValidationError with %q", tc.name, err, tc.want)
		}
	}
}

func TestCleanText(t *testing.T) {
	for in, want := range map[string]string{
		"  Иванов\n\tИван  ":        "Иванов Иван",
		"Андреи\u0306 Е\u0308жиков": "Андрей Ёжиков", // decomposed й and Ё
		"авто\u00adматизация\u200b": "автоматизация",
		"35\u00a0000":               "35\u00a0000",
	} {
		if got := cleanText(in); got != want {
			t.Errorf("cleanText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFormatting(t *testing.T) {
	for in, want := range map[float64]string{35000: "35 000,00 руб.", 0.5: "0,50 руб.", 1234567.891: "1 234 567,89 руб.", 999: "999,00 руб."} {
		if got := strings.ReplaceAll(formatAmount(in), "\u00a0", " "); got != want {
			t.Errorf("formatAmount(%v) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[int]string{1: "1 академический час", 2: "2 академических часа", 5: "5 академических часов",
		11: "11 академических часов", 21: "21 академический час", 72: "72 академических часа", 112: "112 академических часов"} {
		if got := formatHours(in); got != want {
			t.Errorf("formatHours(%d) = %q, want %q", in, got, want)
		}
	}
	// 22:30 UTC on 31 December is already 1 January in Moscow.
	if got := issueDate(time.Date(2025, 12, 31, 22, 30, 0, 0, time.UTC)); got != (civil.Date{Year: 2026, Month: 1, Day: 1}) {
		t.Errorf("issue date = %s, want 2026-01-01", got)
	}
}

// TestRenderMemory guards the point of parsing the fonts once: a Render
// allocates well under a megabyte. (It took 11 MB while every document
// parsed its fonts again.) Time is left to BenchmarkRender: machines differ.
func TestRenderMemory(t *testing.T) {
	c := sample()
	render(t, c) // parse the fonts
	const n = 20
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range n {
		render(t, c)
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / n; per > 1<<20 {
		t.Errorf("a Render allocates %d bytes, want at most 1 MiB", per)
	}
}

func BenchmarkRender(b *testing.B) {
	c := sample()
	for b.Loop() {
		if _, _, err := Render(c); err != nil {
			b.Fatal(err)
		}
	}
}
