package document

import (
	"strings"
	"testing"
)

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
