package document

import (
	"encoding/binary"
	"math"
	"slices"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

var goTTF = [2][]byte{goregular.TTF, gobold.TTF}

// TestFontTablesMatchSfnt checks the package's own TrueType reading against
// golang.org/x/image/font/sfnt: the glyph of every BMP rune and its width,
// rounded to 1/1000 em as fpdf did.
func TestFontTablesMatchSfnt(t *testing.T) {
	for i, f := range fontSet() {
		sf, err := sfnt.Parse(goTTF[i])
		if err != nil {
			t.Fatal(err)
		}
		var buf sfnt.Buffer
		upem := fixed.I(int(sf.UnitsPerEm()))
		for r := rune(0); r <= 0xFFFF; r++ {
			g, err := sf.GlyphIndex(&buf, r)
			if err != nil {
				t.Fatalf("%s: sfnt GlyphIndex(%U): %v", f.name, r, err)
			}
			if uint16(g) != f.glyph[r] {
				t.Fatalf("%s: glyph of %U is %d, sfnt says %d", f.name, r, f.glyph[r], g)
			}
			if g == 0 {
				continue
			}
			adv, err := sf.GlyphAdvance(&buf, g, upem, font.HintingNone)
			if err != nil {
				t.Fatal(err)
			}
			if want := uint16(math.Round(float64(adv) / 64 * 1000 / float64(sf.UnitsPerEm()))); f.width[r] != want {
				t.Fatalf("%s: width of %U is %d, want %d", f.name, r, f.width[r], want)
			}
		}
	}
}

// TestSubsetFont checks that a subset is a valid TrueType font with the
// original outlines and advances of the glyphs it keeps, and empty others.
func TestSubsetFont(t *testing.T) {
	var runes []rune
	for _, r := range "Щукина Шарлотта Ёжикова, йё «№ 35\u00a0000» Müller—Ωmega 0123456789" {
		runes = append(runes, r)
	}
	slices.Sort(runes)
	runes = slices.Compact(runes)
	for i, f := range fontSet() {
		prog := f.program(runes)
		if sum := checksum(prog); sum != 0xB1B0AFBA {
			t.Errorf("%s: font checksum %#x, want 0xB1B0AFBA", f.name, sum)
		}
		n := int(binary.BigEndian.Uint16(prog[4:]))
		for j := range n {
			rec := prog[12+16*j:]
			off, length := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
			if j > 0 && string(rec[:4]) <= string(prog[12+16*(j-1):][:4]) {
				t.Errorf("%s: table directory not sorted at %q", f.name, rec[:4])
			}
			sum := checksum(prog[off : off+length])
			if string(rec[:4]) == "head" {
				sum -= binary.BigEndian.Uint32(prog[off+8:]) // checkSumAdjustment is left out
			}
			if sum != binary.BigEndian.Uint32(rec[4:]) {
				t.Errorf("%s: wrong checksum of table %q", f.name, rec[:4])
			}
		}

		sub, err := sfnt.Parse(prog)
		if err != nil {
			t.Fatalf("%s: subset does not parse: %v", f.name, err)
		}
		full, _ := sfnt.Parse(goTTF[i])
		var b1, b2 sfnt.Buffer
		ppem := fixed.I(int(full.UnitsPerEm()))
		outline := func(ft *sfnt.Font, b *sfnt.Buffer, g sfnt.GlyphIndex) sfnt.Segments {
			s, err := ft.LoadGlyph(b, g, ppem, nil)
			if err != nil {
				t.Fatalf("%s: glyph %d: %v", f.name, g, err)
			}
			return slices.Clone(s)
		}
		for _, r := range runes {
			gs, err := sub.GlyphIndex(&b1, r)
			if err != nil || gs == 0 {
				t.Fatalf("%s: subset has no glyph for %U (%v)", f.name, r, err)
			}
			if gf, _ := full.GlyphIndex(&b2, r); gs != gf {
				t.Errorf("%s: %U is glyph %d in the subset, %d in the font", f.name, r, gs, gf)
			}
			if !slices.Equal(outline(sub, &b1, gs), outline(full, &b2, gs)) {
				t.Errorf("%s: outline of %U differs", f.name, r)
			}
			as, _ := sub.GlyphAdvance(&b1, gs, ppem, font.HintingNone)
			af, _ := full.GlyphAdvance(&b2, gs, ppem, font.HintingNone)
			if as != af {
				t.Errorf("%s: advance of %U is %v, want %v", f.name, r, as, af)
			}
		}
		if g, _ := sub.GlyphIndex(&b1, 'Z'); g != 0 {
			t.Errorf("%s: subset maps Z, which it does not hold", f.name)
		}
		gz, _ := full.GlyphIndex(&b2, 'Z')
		if s := outline(sub, &b1, gz); len(s) != 0 {
			t.Errorf("%s: unused glyph Z kept its outline", f.name)
		}
	}
}

// TestComponents reads the glyphs a composite glyph is made of. The Go fonts
// have no composite glyphs, so this is the only check of that code.
func TestComponents(t *testing.T) {
	glyph := []byte{
		0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, // numberOfContours -1, bounding box
		0x00, 0x21, 0x00, 0x05, 0, 0, 0, 0, // ARG_1_AND_2_ARE_WORDS | MORE_COMPONENTS, glyph 5, word args
		0x00, 0x28, 0x01, 0x02, 0, 0, 0x40, 0, // MORE_COMPONENTS | WE_HAVE_A_SCALE, glyph 258, byte args, scale
		0x00, 0x80, 0x00, 0x07, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // WE_HAVE_A_TWO_BY_TWO, glyph 7, last
	}
	if got := components(glyph); !slices.Equal(got, []int{5, 258, 7}) {
		t.Errorf("components = %v, want [5 258 7]", got)
	}
	if got := components([]byte{0, 1, 0, 0, 0, 0, 0, 0, 0, 0}); got != nil {
		t.Errorf("simple glyph has components %v", got)
	}
}
