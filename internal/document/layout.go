package document

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Page geometry in millimetres (A4 portrait). The content box sits inside a
// double frame; the footer with the signature note and the QR code is
// anchored to the bottom of the content box, the rest flows from the top.
const (
	pageW, pageH = 210.0, 297.0
	frameOuter   = 10.0 // inset of the thick outer frame line
	frameInner   = 12.0 // inset of the thin inner frame line
	left, right  = 22.0, 188.0
	top, bottom  = 22.0, 277.0
	contentW     = right - left
	labelW       = 50.0 // label column of the field table
	columnGap    = 4.0
	valueX       = left + labelW + columnGap
	valueW       = right - valueX
	qrSize       = 34.0 // includes the 4-module quiet zone
	qrX, qrY     = right - qrSize, bottom - qrSize
	footerTextW  = qrX - 6 - left
	footerGap    = 8.0 // minimum space between the body and the footer rule
	ptToMM       = 25.4 / 72
	leading      = 1.28 // line height as a multiple of the font size
)

// The layout shrinks all text in 2% steps from scale 1 down to 0.5 until
// the page fits; the length limits in Validate guarantee a fit. Integer
// steps keep the scales exact and the same on every run.
const (
	scaleSteps    = 50
	minScaleSteps = 25
)

type rgb struct{ r, g, b int }

var (
	colText  = rgb{20, 20, 20}
	colLabel = rgb{95, 95, 95}
	colBlue  = rgb{23, 55, 110}
	colRed   = rgb{190, 25, 25}
	colRule  = rgb{200, 200, 200}
)

type textStyle struct {
	bold  bool
	size  float64 // points
	color rgb
}

// textLine is one line of text placed in a cell of width w.
type textLine struct {
	x, y, w, h float64
	style      textStyle
	align      string // "L" or "C"
	text       string
}

// stroke is a straight line (h == 0 or w == 0) or a rectangle outline.
type stroke struct {
	x, y, w, h float64
	width      float64
	color      rgb
	rect       bool
}

// page is the complete, positioned content of the certificate. Building it
// before drawing lets the layout be measured, retried at a smaller scale and
// checked by tests without parsing the PDF.
type page struct {
	scale      float64
	strokes    []stroke
	texts      []textLine
	qr         [][]bool // QR modules, [row][column], true = dark
	bodyBottom float64
	footerTop  float64
}

// builder places text measured with the widths the embedded fonts declare
// in the PDF, so the widths used for wrapping are the widths printed.
type builder struct {
	scale float64
	y     float64
	pg    *page
}

func (b *builder) style(bold bool, size float64, c rgb) textStyle {
	return textStyle{bold: bold, size: size * b.scale, color: c}
}

func lineHeight(st textStyle) float64 { return st.size * ptToMM * leading }

// baseline is where canvas.text puts the baseline below the top of a line:
// half the line height plus 0.3 of the font size.
func baseline(st textStyle) float64 { return lineHeight(st)/2 + 0.3*st.size*ptToMM }

// textWidth is the printed width of s in millimetres.
func textWidth(st textStyle, s string) float64 {
	return float64(fontFor(st.bold).textWidth(s)) * (st.size / k) / 1000
}

func (b *builder) width(st textStyle, s string) float64 { return textWidth(st, s) }

// tokens splits text after spaces, hyphens and slashes: the places where a
// line may break. Joining the tokens gives the text back.
func tokens(s string) []string {
	var out []string
	start := 0
	for i, r := range s {
		if r == ' ' || r == '-' || r == '/' {
			out = append(out, s[start:i+1])
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// wrap breaks text into lines no wider than w. A word wider than a whole
// line (a long code, a URL) is broken between characters, so no line ever
// overflows its column.
func (b *builder) wrap(st textStyle, text string, w float64) []string {
	var lines []string
	cur := ""
	for _, tok := range tokens(text) {
		if b.width(st, strings.TrimRight(cur+tok, " ")) <= w {
			cur += tok
			continue
		}
		if cur != "" {
			lines = append(lines, strings.TrimRight(cur, " "))
		}
		for b.width(st, strings.TrimRight(tok, " ")) > w {
			n := b.fitPrefix(st, tok, w)
			lines = append(lines, tok[:n])
			tok = tok[n:]
		}
		cur = tok
	}
	if cur = strings.TrimRight(cur, " "); cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

// fitPrefix returns the byte length of the longest prefix of s (at least one
// rune) that fits in w.
func (b *builder) fitPrefix(st textStyle, s string, w float64) int {
	_, n := utf8.DecodeRuneInString(s)
	for i := range s { // i is where each rune starts, so s[:i] is a prefix
		if i <= n {
			continue
		}
		if b.width(st, s[:i]) > w {
			break
		}
		n = i
	}
	return n
}

// block places wrapped text at the cursor and returns its height without
// moving the cursor.
func (b *builder) block(x, y, w float64, st textStyle, align, text string) float64 {
	h := lineHeight(st)
	lines := b.wrap(st, text, w)
	for i, l := range lines {
		b.pg.texts = append(b.pg.texts, textLine{x: x, y: y + float64(i)*h, w: w, h: h, style: st, align: align, text: l})
	}
	return float64(len(lines)) * h
}

// para places a full-width block at the cursor and moves the cursor below it.
func (b *builder) para(st textStyle, align, text string, after float64) {
	b.y += b.block(left, b.y, contentW, st, align, text) + after*b.scale
}

func (b *builder) rule(y, width float64, c rgb) {
	b.pg.strokes = append(b.pg.strokes, stroke{x: left, y: y, w: contentW, width: width, color: c})
}

// field places one row of the table: the label on the left, the value on
// the right, and a light rule under the row.
func (b *builder) field(label, value string, bold bool) {
	lst, vst := b.style(false, 9, colLabel), b.style(bold, 11, colText)
	// Shift the smaller label down so both first lines share a baseline.
	shift := baseline(vst) - baseline(lst)
	lh := shift + b.block(left, b.y+shift, labelW, lst, "L", label)
	vh := b.block(valueX, b.y, valueW, vst, "L", value)
	h := max(lh, vh)
	b.rule(b.y+h+1.2*b.scale, 0.15, colRule)
	b.y += h + 3*b.scale
}

// layout finds the largest scale at which the certificate fits on the page.
func layout(c Certificate, qr [][]bool) (*page, error) {
	for step := scaleSteps; step >= minScaleSteps; step-- {
		pg := build(c, qr, float64(step)/scaleSteps)
		if pg.bodyBottom <= pg.footerTop-footerGap && pg.footerTop >= top {
			return pg, nil
		}
	}
	return nil, fmt.Errorf("document: certificate %s does not fit on one page", c.Number)
}

// build lays out the whole page at one scale.
func build(c Certificate, qr [][]bool, scale float64) *page {
	pg := &page{scale: scale, qr: qr}
	b := &builder{scale: scale, y: top, pg: pg}

	for _, inset := range []struct{ d, w float64 }{{frameOuter, 0.8}, {frameInner, 0.25}} {
		pg.strokes = append(pg.strokes, stroke{x: inset.d, y: inset.d, w: pageW - 2*inset.d, h: pageH - 2*inset.d,
			width: inset.w, color: colBlue, rect: true})
	}

	b.para(b.style(true, 10.5, colText), "C", strings.ToUpper(c.Issuer), 2.5)
	b.rule(b.y, 0.6, colBlue)
	b.rule(b.y+0.9, 0.2, colBlue)
	b.y += 6 * scale
	b.para(b.style(true, 17, colBlue), "C", "ГОСУДАРСТВЕННЫЙ ОБРАЗОВАТЕЛЬНЫЙ СЕРТИФИКАТ", 1)
	b.para(b.style(false, 12, colText), "C", "на дополнительное профессиональное образование гражданского служащего", 4)
	b.para(b.style(true, 14, colText), "C", "№\u00a0"+c.Number, 3)
	if c.Duplicate > 0 {
		b.duplicateStamp(c.Duplicate)
	}
	b.y += 4 * scale

	b.field("Гражданский служащий", c.ServantName, true)
	b.field("Замещаемая должность", c.ServantPosition, false)
	b.field("Государственный орган", c.AgencyName, false)
	b.field("Вид дополнительной профессиональной программы", kindTitle(c.ProgrammeKind), false)
	b.field("Код программы", c.ProgrammeCode, false)
	b.field("Наименование программы", "«"+c.ProgrammeTitle+"»", true)
	b.field("Объём программы", formatHours(c.Hours), false)
	b.field("Образовательная организация", c.ProviderName, false)
	b.field("Стоимость обучения по сертификату", formatAmount(c.Amount), true)
	b.field("Год", strconv.Itoa(c.Year), false)

	b.y += 3 * scale
	body := b.style(false, 11, colText)
	b.para(body, "L", fmt.Sprintf("Обучение должно быть начато не позднее %s и завершено не позднее %s.",
		formatDate(c.StartBy), formatDate(c.EndBy)), 2)
	issued := "Дата выдачи: "
	if c.Duplicate > 0 {
		issued = "Дата выдачи дубликата: "
	}
	b.para(body, "L", issued+formatDate(issueDate(c.IssuedAt)), 0)
	pg.bodyBottom = b.y

	b.footer(c.VerificationURL, c.Signature)
	return pg
}

// duplicateStamp draws «ДУБЛИКАТ N» in red inside a red frame, centred under
// the number, so a duplicate can never be mistaken for the original.
func (b *builder) duplicateStamp(n int) {
	st := b.style(true, 15, colRed)
	text := fmt.Sprintf("ДУБЛИКАТ %d", n)
	w := b.width(st, text) + 12*b.scale
	h := lineHeight(st) + 3*b.scale
	x := left + (contentW-w)/2
	b.pg.strokes = append(b.pg.strokes, stroke{x: x, y: b.y, w: w, h: h, width: 0.7, color: colRed, rect: true})
	b.pg.texts = append(b.pg.texts, textLine{x: x, y: b.y + 1.5*b.scale, w: w, h: lineHeight(st), style: st, align: "C", text: text})
	b.y += h + 2*b.scale
}

// The signature notes of the footer. Only a qualified document mentions the
// qualified signature (УКЭП) at all, apart from the stamp that denies it.
const (
	noteQualified           = "Документ подписан усиленной квалифицированной электронной подписью."
	noteQualifiedDetail     = "Электронная подпись содержится в отдельном файле (открепленная подпись в формате CMS) и подтверждает подлинность и неизменность настоящего документа."
	noteNonQualified        = "Документ подписан неквалифицированной электронной подписью."
	noteNonQualifiedDetail  = "Электронная подпись содержится в отдельном файле (открепленная подпись в формате CMS) и позволяет проверить только неизменность настоящего документа."
	stampNonQualified       = "НЕКВАЛИФИЦИРОВАННАЯ ЭЛЕКТРОННАЯ ПОДПИСЬ"
	stampNonQualifiedDetail = "Документ подписан ключом разработки (локальным ключом) и не имеет юридической силы документа, подписанного квалифицированной электронной подписью."
)

// footer places the electronic-signature note and the verification URL to
// the left of the QR code, bottom-anchored; it grows upwards when long. A
// document without a qualified signature also gets a stamp above the footer.
func (b *builder) footer(url string, sig SignatureKind) {
	type part struct {
		st   textStyle
		text string
	}
	parts := []part{
		{b.style(true, 9, colText), noteQualified},
		{b.style(false, 8.5, colText), noteQualifiedDetail},
	}
	if sig != SignatureQualified {
		parts = []part{
			{b.style(true, 9, colRed), noteNonQualified},
			{b.style(false, 8.5, colText), noteNonQualifiedDetail},
		}
	}
	parts = append(parts,
		part{b.style(false, 8.5, colText), "Проверить сертификат можно по QR-коду или на странице:"},
		part{b.style(false, 8.5, colBlue), url})
	gap := 1.2 * b.scale
	var h float64
	for _, p := range parts {
		h += float64(len(b.wrap(p.st, p.text, footerTextW)))*lineHeight(p.st) + gap
	}
	h -= gap
	y := min(qrY, bottom-h)
	b.pg.footerTop = y - 4
	b.rule(b.pg.footerTop, 0.3, colBlue)
	for _, p := range parts {
		y += b.block(left, y, footerTextW, p.st, "L", p.text) + gap
	}
	if sig != SignatureQualified {
		b.nonQualifiedStamp()
	}
}

// nonQualifiedStamp draws a red frame across the page just above the footer
// saying that the signature is not qualified, so that a document signed
// with a development or local key cannot pass for a legally binding one.
// The footer then starts at the top of the stamp.
func (b *builder) nonQualifiedStamp() {
	head, detail := b.style(true, 12, colRed), b.style(false, 9, colRed)
	pad := 2.5 * b.scale
	w := contentW - 2*pad
	h := pad + float64(len(b.wrap(head, stampNonQualified, w)))*lineHeight(head) + 0.8*b.scale +
		float64(len(b.wrap(detail, stampNonQualifiedDetail, w)))*lineHeight(detail) + pad
	y := b.pg.footerTop - 3*b.scale - h
	b.pg.strokes = append(b.pg.strokes, stroke{x: left, y: y, w: contentW, h: h, width: 0.7, color: colRed, rect: true})
	ty := y + pad
	ty += b.block(left+pad, ty, w, head, "C", stampNonQualified) + 0.8*b.scale
	b.block(left+pad, ty, w, detail, "C", stampNonQualifiedDetail)
	b.pg.footerTop = y
}
