package document

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strings"
)

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
