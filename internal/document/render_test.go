package document

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/civil"
	"github.com/profdev/profdev/internal/benchtable"
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
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		if _, _, err := Render(c); err != nil {
			b.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N) / 1e6
	benchtable.Add("certificate PDF rendered", fmt.Sprintf("%.2f ms", perOp),
		fmt.Sprintf("%.2f MB and %d allocations a document", float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/1e6,
			(after.Mallocs-before.Mallocs)/uint64(b.N)))
}
