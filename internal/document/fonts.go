package document

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// The certificate uses the Go fonts from golang.org/x/image: they are
// compiled into the binary and cover Latin and Cyrillic. Each font is parsed
// once per process (fontSet) into an immutable ttFont that every Render
// shares; a Render only reads it, so concurrent Renders need no locking.
// The PDF embeds, per document, a subset of each font holding just the
// glyphs that document prints.

// ttFont is a parsed TrueType font: its raw tables, the cmap for the Basic
// Multilingual Plane, advance widths and what the PDF font descriptor needs.
// All widths are in PDF glyph space units (1/1000 of the font size), rounded
// to integers the way fpdf did, so line breaks did not move when the
// renderer stopped using fpdf.
type ttFont struct {
	name      string // PostScript-style name used in the PDF
	tables    map[string][]byte
	numGlyphs int
	longLoca  bool
	glyph     []uint16 // rune (BMP) -> glyph index, 0 = none
	width     []uint16 // rune (BMP) -> advance width, 1/1000 em
	// Font descriptor values, in 1/1000 em.
	ascent, descent, capHeight int
	bbox                       [4]int
	italicAngle, stemV, flags  int

	fixedOnce sync.Once
	fixed     *fixedBlock
}

// fontSet holds the regular and the bold font, parsed once.
var fontSet = sync.OnceValue(func() [2]*ttFont {
	var fs [2]*ttFont
	for i, f := range []struct {
		name string
		ttf  []byte
	}{{"GoRegular", goregular.TTF}, {"GoBold", gobold.TTF}} {
		t, err := parseTTF(f.name, f.ttf)
		if err != nil {
			panic("document: embedded Go font does not parse: " + err.Error())
		}
		fs[i] = t
	}
	return fs
})

// fontFor returns the font of a text style.
func fontFor(bold bool) *ttFont {
	if bold {
		return fontSet()[1]
	}
	return fontSet()[0]
}

// has reports whether the font has a glyph for r. fpdf-style 16-bit text
// codes (and this writer's) cannot carry a rune outside the BMP.
func (f *ttFont) has(r rune) bool {
	return r >= 0 && r <= 0xFFFF && f.glyph[r] != 0
}

// textWidth is the advance width of s in 1/1000 of the font size. Runes the
// font lacks never reach here (Validate rejects them); they count as zero.
func (f *ttFont) textWidth(s string) int {
	w := 0
	for _, r := range s {
		if r >= 0 && r <= 0xFFFF {
			w += int(f.width[r])
		}
	}
	return w
}

// unprintable returns the first rune of s that the fonts cannot print.
// Refusing such input is safer than printing an empty box in a legal document.
func unprintable(s string) (rune, bool) {
	fs := fontSet()
	for _, r := range s {
		if !fs[0].has(r) || !fs[1].has(r) {
			return r, true
		}
	}
	return 0, false
}

var errFont = errors.New("malformed TrueType font")

func parseTTF(name string, data []byte) (*ttFont, error) {
	if len(data) < 12 {
		return nil, errFont
	}
	be := binary.BigEndian
	f := &ttFont{name: name, tables: map[string][]byte{}}
	n := int(be.Uint16(data[4:]))
	if len(data) < 12+16*n {
		return nil, errFont
	}
	for i := range n {
		rec := data[12+16*i:]
		off, length := be.Uint32(rec[8:]), be.Uint32(rec[12:])
		if uint64(off)+uint64(length) > uint64(len(data)) {
			return nil, fmt.Errorf("%w: table %q out of bounds", errFont, rec[:4])
		}
		f.tables[string(rec[:4])] = data[off : off+length]
	}
	for _, tag := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf", "cmap", "OS/2", "post"} {
		if f.tables[tag] == nil {
			return nil, fmt.Errorf("%w: no %s table", errFont, tag)
		}
	}
	head, hhea, os2, post := f.tables["head"], f.tables["hhea"], f.tables["OS/2"], f.tables["post"]
	if len(head) < 54 || len(hhea) < 36 || len(f.tables["maxp"]) < 6 || len(os2) < 78 || len(post) < 16 {
		return nil, fmt.Errorf("%w: short table", errFont)
	}
	upem := float64(be.Uint16(head[18:]))
	if upem == 0 {
		return nil, fmt.Errorf("%w: unitsPerEm is 0", errFont)
	}
	scale := 1000 / upem
	i16 := func(b []byte, off int) int { return int(int16(be.Uint16(b[off:]))) }
	for i := range f.bbox {
		f.bbox[i] = int(float64(i16(head, 36+2*i)) * scale)
	}
	f.longLoca = i16(head, 50) == 1
	f.numGlyphs = int(be.Uint16(f.tables["maxp"][4:]))
	f.ascent = int(float64(i16(hhea, 4)) * scale)
	f.descent = int(float64(i16(hhea, 6)) * scale)
	weight := int(be.Uint16(os2[4:]))
	f.capHeight = f.ascent
	if be.Uint16(os2) > 1 && len(os2) >= 90 {
		f.capHeight = int(float64(i16(os2, 88)) * scale)
	}
	f.stemV = 50 + int(math.Pow(float64(weight)/65, 2))
	f.italicAngle = i16(post, 4)
	f.flags = 4 // symbolic: the font's own encoding is used, not a standard one
	if f.italicAngle != 0 {
		f.flags |= 64
	}
	if weight >= 600 {
		f.flags |= 1 << 18 // force bold
	}
	if be.Uint32(post[12:]) != 0 {
		f.flags |= 1
	}
	if _, err := f.locate(f.numGlyphs - 1); err != nil {
		return nil, err
	}

	// Advance widths: glyphs past numberOfHMetrics repeat the last advance.
	nm := int(be.Uint16(hhea[34:]))
	hmtx := f.tables["hmtx"]
	if nm == 0 || nm > f.numGlyphs || len(hmtx) < 4*nm {
		return nil, fmt.Errorf("%w: bad hmtx", errFont)
	}
	adv := make([]uint16, f.numGlyphs)
	for g := range adv {
		adv[g] = be.Uint16(hmtx[4*min(g, nm-1):])
	}
	var err error
	if f.glyph, err = parseCmap(f.tables["cmap"], f.numGlyphs); err != nil {
		return nil, err
	}
	f.width = make([]uint16, len(f.glyph))
	for r, g := range f.glyph {
		if g != 0 {
			f.width[r] = uint16(math.Round(scale * float64(adv[g])))
		}
	}
	return f, nil
}

// parseCmap reads the Unicode BMP subtable (format 4) into a rune-indexed
// glyph table.
func parseCmap(cmap []byte, numGlyphs int) ([]uint16, error) {
	be := binary.BigEndian
	if len(cmap) < 4 {
		return nil, errFont
	}
	var sub []byte
	for i := range int(be.Uint16(cmap[2:])) {
		rec := cmap[4+8*i:]
		if len(rec) < 8 {
			return nil, errFont
		}
		platform, encoding, off := be.Uint16(rec), be.Uint16(rec[2:]), be.Uint32(rec[4:])
		if (platform == 3 && encoding == 1) || platform == 0 {
			if int(off)+14 <= len(cmap) && be.Uint16(cmap[off:]) == 4 {
				sub = cmap[off:]
				break
			}
		}
	}
	if sub == nil {
		return nil, fmt.Errorf("%w: no format 4 Unicode cmap", errFont)
	}
	segs := int(be.Uint16(sub[6:])) / 2
	if len(sub) < 16+8*segs {
		return nil, fmt.Errorf("%w: short cmap", errFont)
	}
	glyph := make([]uint16, 0x10000)
	ends, starts := sub[14:], sub[16+2*segs:]
	deltas, ranges := sub[16+4*segs:], sub[16+6*segs:]
	for s := range segs {
		end, start := int(be.Uint16(ends[2*s:])), int(be.Uint16(starts[2*s:]))
		delta, ro := be.Uint16(deltas[2*s:]), int(be.Uint16(ranges[2*s:]))
		for c := start; c <= end && c <= 0xFFFF; c++ {
			var g uint16
			if ro == 0 {
				g = uint16(c) + delta
			} else {
				at := 16 + 6*segs + 2*s + ro + 2*(c-start)
				if at+2 > len(sub) {
					return nil, fmt.Errorf("%w: cmap glyph index out of bounds", errFont)
				}
				if g = be.Uint16(sub[at:]); g != 0 {
					g += delta
				}
			}
			if int(g) < numGlyphs && c != 0xFFFF {
				glyph[c] = g
			}
		}
	}
	return glyph, nil
}

// locate returns the glyf data of glyph g.
func (f *ttFont) locate(g int) ([]byte, error) {
	loca, glyf := f.tables["loca"], f.tables["glyf"]
	var from, to int
	if f.longLoca {
		if len(loca) < 4*(g+2) {
			return nil, fmt.Errorf("%w: short loca", errFont)
		}
		from, to = int(binary.BigEndian.Uint32(loca[4*g:])), int(binary.BigEndian.Uint32(loca[4*g+4:]))
	} else {
		if len(loca) < 2*(g+2) {
			return nil, fmt.Errorf("%w: short loca", errFont)
		}
		from, to = 2*int(binary.BigEndian.Uint16(loca[2*g:])), 2*int(binary.BigEndian.Uint16(loca[2*g+2:]))
	}
	if from > to || to > len(glyf) {
		return nil, fmt.Errorf("%w: glyph %d out of bounds", errFont, g)
	}
	return glyf[from:to], nil
}
