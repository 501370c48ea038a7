package document

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"sync"
)

// LayoutVersion names the layout in the PDF's Producer entry. Bump it when
// the printed layout changes on purpose, so a stored document tells which
// layout produced it.
const LayoutVersion = "2"

// Render validates c and returns the certificate as a PDF together with the
// lowercase hex SHA-256 of the PDF bytes. The output is byte-for-byte
// reproducible: rendering the same Certificate again, in any process, gives
// the same bytes and hash. Invalid input gives a *ValidationError. Render is
// safe for concurrent use.
func Render(c Certificate) (pdf []byte, sha256hex string, err error) {
	n, err := c.normalize()
	if err != nil {
		return nil, "", err
	}
	pg, err := compose(n)
	if err != nil {
		return nil, "", err
	}
	pdf = write(n, pg)
	sum := sha256.Sum256(pdf)
	return pdf, hex.EncodeToString(sum[:]), nil
}

// compose lays out a normalised certificate: the page model that write
// turns into PDF and that the tests inspect.
func compose(c Certificate) (*page, error) {
	qr, err := qrMatrix(c.VerificationURL)
	if err != nil {
		return nil, err
	}
	return layout(c, qr)
}

// Page size in points: A4 as PDF writers round it.
const pageWPt, pageHPt = 595.28, 841.89

// k converts millimetres to points; pageHmm is the page height in
// millimetres exactly as the points give it. Text and shapes are placed
// with the formulas fpdf used, so the pages look the same as before.
var (
	k       = 72.0 / 25.4
	pageHmm = pageHPt / k
)

// Object numbers. Every document has the same objects in the same order.
const (
	objCatalog = 1 + iota
	objPages
	objPage
	objResources
	objContents
	objFonts                     // per font: Type0, CIDFontType2, descriptor, font file, CIDToGIDMap
	objToUnicode = objFonts + 10 // shared by both fonts
	objInfo      = objToUnicode + 1
)

// runeSet records the BMP runes a document prints in one font.
type runeSet [0x10000 / 64]uint64

func (s *runeSet) add(r rune) { s[r>>6] |= 1 << (r & 63) }

// list returns the runes in ascending order.
func (s *runeSet) list() []rune {
	var out []rune
	for i, w := range s {
		for ; w != 0; w &= w - 1 {
			out = append(out, rune(i*64+bits.TrailingZeros64(w)))
		}
	}
	return out
}

// write turns the page into the PDF file.
func write(c Certificate, pg *page) []byte {
	var used [2]runeSet
	content := draw(pg, &used)

	w := newPDFWriter(48 << 10)
	w.object(objCatalog, "<</Type /Catalog /Pages "+objRef(objPages)+
		" /Lang (ru-RU) /OpenAction ["+objRef(objPage)+" /Fit] /PageLayout /SinglePage>>")
	w.object(objPages, fmt.Sprintf("<</Type /Pages /Kids [%s] /Count 1 /MediaBox [0 0 %.2f %.2f]>>",
		objRef(objPage), pageWPt, pageHPt))
	w.object(objPage, "<</Type /Page /Parent "+objRef(objPages)+" /Resources "+objRef(objResources)+
		" /Contents "+objRef(objContents)+">>")
	w.object(objResources, "<</Font <</F1 "+objRef(objFonts)+" /F2 "+objRef(objFonts+5)+">>>>")
	w.stream(objContents, content, "")
	for i, f := range fontSet() {
		writeFont(w, objFonts+5*i, f, used[i].list())
	}
	w.rawStream(objToUnicode, identityToUnicode(), "")

	title := "Государственный образовательный сертификат № " + c.Number
	if c.Duplicate > 0 {
		title += fmt.Sprintf(" (дубликат %d)", c.Duplicate)
	}
	// Personal data stays out of the metadata: it is indexed by search
	// tools and shown by viewers in places users do not expect.
	date := pdfString(c.IssuedAt.UTC().Format("D:20060102150405Z"))
	w.object(objInfo, "<</Producer "+pdfString("profdev internal/document, layout "+LayoutVersion)+
		" /Creator (profdev)"+
		" /Title "+pdfString(title)+
		" /Subject "+pdfString("На дополнительное профессиональное образование гражданского служащего")+
		" /Author "+pdfString(c.Issuer)+
		" /CreationDate "+date+" /ModDate "+date+">>")
	return w.finish(objCatalog, objInfo)
}

// writeFont writes the five objects of one embedded font, from object n on.
// Character codes are the runes' UTF-16 code units, so the ToUnicode map is
// the identity; the CIDToGIDMap turns them into glyphs of the subset.
func writeFont(w *pdfWriter, n int, f *ttFont, runes []rune) {
	// A subset font's name starts with a tag of six capitals that differs
	// between subsets (ISO 32000-1, 9.6.4); derive it from the glyph set.
	h := sha256.New()
	h.Write([]byte(f.name))
	for _, r := range runes {
		h.Write([]byte{byte(r >> 8), byte(r)})
	}
	sum := h.Sum(nil)
	var tag [7]byte
	for i := range 6 {
		tag[i] = 'A' + sum[i]%26
	}
	tag[6] = '+'
	name := "/" + string(tag[:]) + f.name

	var widths strings.Builder
	for i, r := range runes {
		if i == 0 || r != runes[i-1]+1 {
			if i > 0 {
				widths.WriteString("] ")
			}
			widths.WriteString(strconv.Itoa(int(r)))
			widths.WriteString(" [")
		} else {
			widths.WriteByte(' ')
		}
		widths.WriteString(strconv.Itoa(int(f.width[r])))
	}
	if len(runes) > 0 {
		widths.WriteString("]")
	}

	w.object(n, "<</Type /Font /Subtype /Type0 /BaseFont "+name+" /Encoding /Identity-H /DescendantFonts ["+
		objRef(n+1)+"] /ToUnicode "+objRef(objToUnicode)+">>")
	w.object(n+1, "<</Type /Font /Subtype /CIDFontType2 /BaseFont "+name+
		" /CIDSystemInfo <</Registry (Adobe) /Ordering (Identity) /Supplement 0>> /FontDescriptor "+objRef(n+2)+
		" /W ["+widths.String()+"] /CIDToGIDMap "+objRef(n+4)+">>")
	w.object(n+2, fmt.Sprintf("<</Type /FontDescriptor /FontName %s /Flags %d /FontBBox [%d %d %d %d]"+
		" /ItalicAngle %d /Ascent %d /Descent %d /CapHeight %d /StemV %d /FontFile2 %s>>",
		name, f.flags, f.bbox[0], f.bbox[1], f.bbox[2], f.bbox[3],
		f.italicAngle, f.ascent, f.descent, f.capHeight, f.stemV, objRef(n+3)))
	dir, rest := f.subset(runes)
	w.fontStream(n+3, dir, f.fixedBlock(), rest)
	var gids []byte
	if len(runes) > 0 {
		gids = make([]byte, 2*(runes[len(runes)-1]+1))
		for _, r := range runes {
			binary.BigEndian.PutUint16(gids[2*r:], f.glyph[r])
		}
	}
	w.stream(n+4, gids, "")
}

// identityToUnicode is the compressed ToUnicode CMap of both fonts: a
// character code is the UTF-16 code unit of the rune printed, so each code
// maps to itself. A bfrange may vary only in its last byte, and a block may
// hold at most 100 of them (ISO 32000-1, 9.10.3; Adobe TN 5411).
var identityToUnicode = sync.OnceValue(func() []byte {
	var cmap strings.Builder
	cmap.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo <</Registry (Adobe) /Ordering (UCS) /Supplement 0>> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	var highs []int
	for hi := range 256 {
		if hi < 0xD8 || hi > 0xDF { // surrogates are no runes
			highs = append(highs, hi)
		}
	}
	for len(highs) > 0 {
		block := highs[:min(100, len(highs))]
		highs = highs[len(block):]
		fmt.Fprintf(&cmap, "%d beginbfrange\n", len(block))
		for _, hi := range block {
			fmt.Fprintf(&cmap, "<%02X00> <%02XFF> <%02X00>\n", hi, hi, hi)
		}
		cmap.WriteString("endbfrange\n")
	}
	cmap.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	var z bytes.Buffer
	deflate(&z, []byte(cmap.String()))
	return z.Bytes()
})

// canvas writes a page content stream, skipping colour and line width
// operators that would not change anything.
type canvas struct {
	b            []byte
	used         *[2]runeSet
	fill, stroke rgb
	lineWidth    float64
	// Whether fill, stroke and lineWidth have been set yet.
	haveFill, haveStroke bool
}

func (c *canvas) num(v float64, prec int) {
	c.b = strconv.AppendFloat(c.b, v, 'f', prec, 64)
	c.b = append(c.b, ' ')
}

func (c *canvas) op(s string) { c.b = append(c.b, s...); c.b = append(c.b, '\n') }

func (c *canvas) color(col rgb, op string) {
	c.num(float64(col.r)/255, 3)
	c.num(float64(col.g)/255, 3)
	c.num(float64(col.b)/255, 3)
	c.op(op)
}

func (c *canvas) setStroke(col rgb, width float64) {
	if !c.haveStroke || col != c.stroke {
		c.color(col, "RG")
	}
	if !c.haveStroke || width != c.lineWidth {
		c.num(width*k, 2)
		c.op("w")
	}
	c.stroke, c.lineWidth, c.haveStroke = col, width, true
}

func (c *canvas) text(t textLine) {
	if !c.haveFill || t.style.color != c.fill {
		c.color(t.style.color, "rg")
		c.fill, c.haveFill = t.style.color, true
	}
	f, font := 0, "BT /F1 "
	if t.style.bold {
		f, font = 1, "BT /F2 "
	}
	c.b = append(c.b, font...)
	c.num(t.style.size, 2)
	c.b = append(c.b, "Tf "...)
	dx := 0.0
	if t.align == "C" {
		dx = (t.w - textWidth(t.style, t.text)) / 2
	}
	fontSize := t.style.size / k
	c.num((t.x+dx)*k, 2)
	c.num((pageHmm-(t.y+.5*t.h+.3*fontSize))*k, 2)
	c.b = append(c.b, "Td ("...)
	for _, r := range t.text {
		c.used[f].add(r)
		c.b = escapeLiteral(c.b, []byte{byte(r >> 8), byte(r)})
	}
	c.op(")Tj ET")
}

// draw writes the page content in a fixed order and records the runes
// printed in each font.
func draw(pg *page, used *[2]runeSet) []byte {
	c := &canvas{b: make([]byte, 0, 24<<10), used: used}
	c.op("0 J 0 j")
	for _, s := range pg.strokes {
		c.setStroke(s.color, s.width)
		if s.rect {
			c.num(s.x*k, 2)
			c.num((pageHmm-s.y)*k, 2)
			c.num(s.w*k, 2)
			c.num(-s.h*k, 2)
			c.op("re S")
		} else {
			c.num(s.x*k, 2)
			c.num((pageHmm-s.y)*k, 2)
			c.b = append(c.b, "m "...)
			c.num((s.x+s.w)*k, 2)
			c.num((pageHmm-(s.y+s.h))*k, 2)
			c.op("l S")
		}
	}
	for _, t := range pg.texts {
		c.text(t)
	}
	drawQR(c, pg.qr, qrX, qrY, qrSize)
	return c.b
}
