package document

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
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

// components returns the glyphs a composite glyph is built from.
func components(data []byte) []int {
	if len(data) < 10 || int16(binary.BigEndian.Uint16(data)) >= 0 {
		return nil
	}
	var out []int
	for p := 10; p+4 <= len(data); {
		flags := binary.BigEndian.Uint16(data[p:])
		out = append(out, int(binary.BigEndian.Uint16(data[p+2:])))
		p += 4
		if flags&0x0001 != 0 { // ARG_1_AND_2_ARE_WORDS
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&0x0008 != 0: // WE_HAVE_A_SCALE
			p += 2
		case flags&0x0040 != 0: // WE_HAVE_AN_X_AND_Y_SCALE
			p += 4
		case flags&0x0080 != 0: // WE_HAVE_A_TWO_BY_TWO
			p += 8
		}
		if flags&0x0020 == 0 { // MORE_COMPONENTS
			break
		}
	}
	return out
}

// fixedTables are copied unchanged into every subset. They are placed
// together right after the table directory (only the directory must be
// sorted by tag, not the table data), so that block is the same in every
// subset and is compressed once per process: see fontStream.
var fixedTables = []string{"OS/2", "cvt ", "fpgm", "gasp", "hhea", "hmtx", "maxp", "name", "prep"}

// fixedBlock is the part of every subset of one font that does not depend
// on the glyphs used.
type fixedBlock struct {
	tags     []string // tables present, in the order of fixedTables
	offsets  []int    // offset of each table within data
	data     []byte   // the tables, each padded to 4 bytes
	sum      uint32   // checksum(data)
	deflated []byte   // data as raw deflate blocks ending with a sync flush
}

func (f *ttFont) fixedBlock() *fixedBlock {
	f.fixedOnce.Do(func() {
		fb := &fixedBlock{}
		for _, tag := range fixedTables {
			if t := f.tables[tag]; t != nil {
				fb.tags = append(fb.tags, tag)
				fb.offsets = append(fb.offsets, len(fb.data))
				fb.data = append(fb.data, t...)
				for len(fb.data)%4 != 0 {
					fb.data = append(fb.data, 0)
				}
			}
		}
		fb.sum = checksum(fb.data)
		var buf bytes.Buffer
		deflateRaw(&buf, fb.data, false)
		fb.deflated = buf.Bytes()
		f.fixed = fb
	})
	return f.fixed
}

// subset returns a TrueType font program holding the glyphs for runes (a
// sorted list of BMP runes the font has), the .notdef glyph and the parts of
// composite glyphs. Glyph indices stay as in the full font, other glyphs are
// left empty, so the hmtx table and the glyph ids need no renumbering. The
// cmap maps just the given runes; the name table is kept for the copyright
// and licence notice. The result depends only on the font and runes.
//
// The program is dir, then the font's fixedBlock data, then rest.
func (f *ttFont) subset(runes []rune) (dir, rest []byte) {
	be := binary.BigEndian
	keep := make([]bool, f.numGlyphs)
	keep[0] = true
	todo := make([]int, 0, len(runes)+1)
	todo = append(todo, 0)
	for _, r := range runes {
		todo = append(todo, int(f.glyph[r]))
	}
	for len(todo) > 0 {
		g := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		keep[g] = true
		data, _ := f.locate(g) // every glyph was checked in parseTTF
		for _, c := range components(data) {
			if c < f.numGlyphs && !keep[c] {
				todo = append(todo, c)
			}
		}
	}
	glyfSize := 0
	for g := range f.numGlyphs {
		if keep[g] {
			data, _ := f.locate(g)
			glyfSize += (len(data) + 3) &^ 3
		}
	}
	glyf := make([]byte, 0, glyfSize)
	loca := make([]byte, 4*(f.numGlyphs+1))
	for g := range f.numGlyphs {
		be.PutUint32(loca[4*g:], uint32(len(glyf)))
		if keep[g] {
			data, _ := f.locate(g)
			glyf = append(glyf, data...)
			glyf = append(glyf, make([]byte, (4-len(data)%4)%4)...)
		}
	}
	be.PutUint32(loca[4*f.numGlyphs:], uint32(len(glyf)))

	head := bytes.Clone(f.tables["head"])
	be.PutUint32(head[8:], 0)  // checkSumAdjustment, set below
	be.PutUint16(head[50:], 1) // long loca
	post := bytes.Clone(f.tables["post"][:32])
	be.PutUint32(post, 0x00030000) // version 3: no glyph names

	// cmap: one format 4 segment per rune and the closing 0xFFFF segment.
	segs := len(runes) + 1
	cmap := make([]byte, 12+16+8*segs)
	be.PutUint16(cmap[2:], 1)
	be.PutUint16(cmap[4:], 3)
	be.PutUint16(cmap[6:], 1)
	be.PutUint32(cmap[8:], 12)
	sub := cmap[12:]
	be.PutUint16(sub, 4)
	be.PutUint16(sub[2:], uint16(len(sub)))
	be.PutUint16(sub[6:], uint16(2*segs))
	sr, es := searchParams(segs, 2)
	be.PutUint16(sub[8:], sr)
	be.PutUint16(sub[10:], es)
	be.PutUint16(sub[12:], uint16(2*segs)-sr)
	for i := range segs {
		c, delta := uint16(0xFFFF), uint16(1)
		if i < len(runes) {
			c, delta = uint16(runes[i]), f.glyph[runes[i]]-uint16(runes[i])
		}
		be.PutUint16(sub[14+2*i:], c)
		be.PutUint16(sub[16+2*segs+2*i:], c)
		be.PutUint16(sub[16+4*segs+2*i:], delta)
	}

	fb := f.fixedBlock()
	type table struct {
		tag    string
		data   []byte
		offset int
	}
	variable := []table{{"cmap", cmap, 0}, {"glyf", glyf, 0}, {"head", head, 0}, {"loca", loca, 0}, {"post", post, 0}}
	n := len(fb.tags) + len(variable)
	dirSize := 12 + 16*n
	size := 0
	for i := range variable {
		variable[i].offset = dirSize + len(fb.data) + size
		size += (len(variable[i].data) + 3) &^ 3
	}
	rest = make([]byte, 0, size)
	for _, t := range variable {
		rest = append(rest, t.data...)
		rest = append(rest, make([]byte, (4-len(t.data)%4)%4)...)
	}
	all := variable
	for i, tag := range fb.tags {
		all = append(all, table{tag, f.tables[tag], dirSize + fb.offsets[i]})
	}
	slices.SortFunc(all, func(a, b table) int { return strings.Compare(a.tag, b.tag) })

	dir = make([]byte, dirSize)
	be.PutUint32(dir, 0x00010000)
	be.PutUint16(dir[4:], uint16(n))
	sr, es = searchParams(n, 16)
	be.PutUint16(dir[6:], sr)
	be.PutUint16(dir[8:], es)
	be.PutUint16(dir[10:], uint16(16*n)-sr)
	for i, t := range all {
		rec := dir[12+16*i:]
		copy(rec, t.tag)
		be.PutUint32(rec[4:], checksum(t.data))
		be.PutUint32(rec[8:], uint32(t.offset))
		be.PutUint32(rec[12:], uint32(len(t.data)))
	}
	headAt := variable[2].offset - dirSize - len(fb.data)
	be.PutUint32(rest[headAt+8:], 0xB1B0AFBA-(checksum(dir)+fb.sum+checksum(rest)))
	return dir, rest
}

// program returns the whole subset font program (for tests; Render
// streams the parts).
func (f *ttFont) program(runes []rune) []byte {
	dir, rest := f.subset(runes)
	return slices.Concat(dir, f.fixedBlock().data, rest)
}

// searchParams returns searchRange and entrySelector for n entries of size
// bytes, as the table directory and the cmap format 4 header want them.
func searchParams(n, size int) (uint16, uint16) {
	p, e := 1, 0
	for p*2 <= n {
		p *= 2
		e++
	}
	return uint16(p * size), uint16(e)
}

// checksum is the TrueType table checksum: the sum of big-endian uint32s,
// the last one padded with zeros.
func checksum(b []byte) uint32 {
	var sum uint32
	for len(b) >= 4 {
		sum += binary.BigEndian.Uint32(b)
		b = b[4:]
	}
	if len(b) > 0 {
		var pad [4]byte
		copy(pad[:], b)
		sum += binary.BigEndian.Uint32(pad[:])
	}
	return sum
}
