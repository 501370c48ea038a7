package document

import (
	"sync"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
)

// fontFamily is the family name under which both Go fonts are registered.
const fontFamily = "go"

// addFonts embeds the Go fonts. They are compiled into the binary, cover
// Latin and Cyrillic, and fpdf subsets them to the glyphs actually used.
func addFonts(pdf *fpdf.Fpdf) {
	pdf.AddUTF8FontFromBytes(fontFamily, "", goregular.TTF)
	pdf.AddUTF8FontFromBytes(fontFamily, "B", gobold.TTF)
}

// coverage answers whether both fonts have a glyph for a rune. The fonts are
// parsed once per process; the result only depends on the embedded bytes.
var coverage = sync.OnceValue(func() func(rune) bool {
	var fonts []*sfnt.Font
	for _, ttf := range [][]byte{goregular.TTF, gobold.TTF} {
		f, err := sfnt.Parse(ttf)
		if err != nil {
			panic("document: embedded Go font does not parse: " + err.Error())
		}
		fonts = append(fonts, f)
	}
	var mu sync.Mutex
	var buf sfnt.Buffer
	return func(r rune) bool {
		// fpdf writes text as 16-bit codes: a rune outside the Basic
		// Multilingual Plane would be silently garbled.
		if r > 0xFFFF {
			return false
		}
		mu.Lock()
		defer mu.Unlock()
		for _, f := range fonts {
			if g, err := f.GlyphIndex(&buf, r); err != nil || g == 0 {
				return false
			}
		}
		return true
	}
})

// unprintable returns the first rune of s that the fonts cannot print.
// Refusing such input is safer than printing an empty box in a legal document.
func unprintable(s string) (rune, bool) {
	has := coverage()
	for _, r := range s {
		if !has(r) {
			return r, true
		}
	}
	return 0, false
}
