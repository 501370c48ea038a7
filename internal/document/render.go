package document

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/go-pdf/fpdf"
)

// LayoutVersion names the layout in the PDF's Producer entry. Bump it when
// the printed layout changes on purpose, so a stored document tells which
// layout produced it.
const LayoutVersion = "1"

// Render validates c and returns the certificate as a PDF together with the
// lowercase hex SHA-256 of the PDF bytes. The output is byte-for-byte
// reproducible: rendering the same Certificate again, in any process, gives
// the same bytes and hash. Invalid input gives a *ValidationError.
func Render(c Certificate) (pdf []byte, sha256hex string, err error) {
	n, err := c.normalize()
	if err != nil {
		return nil, "", err
	}
	doc, _, err := compose(n)
	if err != nil {
		return nil, "", err
	}
	var buf bytes.Buffer
	if err := doc.Output(&buf); err != nil {
		return nil, "", fmt.Errorf("document: writing PDF for certificate %s: %w", n.Number, err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return buf.Bytes(), hex.EncodeToString(sum[:]), nil
}

// compose builds the fpdf document for a normalised certificate and returns
// it before output, with the page model the tests inspect.
func compose(c Certificate) (*fpdf.Fpdf, *page, error) {
	qr, err := qrMatrix(c.VerificationURL)
	if err != nil {
		return nil, nil, err
	}
	pdf := newPDF(c)
	pg, err := layout(pdf, c, qr)
	if err != nil {
		return nil, nil, err
	}
	draw(pdf, pg)
	if err := pdf.Error(); err != nil {
		return nil, nil, fmt.Errorf("document: composing PDF for certificate %s: %w", c.Number, err)
	}
	return pdf, pg, nil
}

// newPDF creates the document with every time- and order-dependent setting
// pinned: see the package comment.
func newPDF(c Certificate) *fpdf.Fpdf {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCatalogSort(true)
	// fpdf formats these dates without a zone, so use UTC: the same instant
	// given in another time.Location must not change the bytes.
	pdf.SetCreationDate(c.IssuedAt.UTC())
	pdf.SetModificationDate(c.IssuedAt.UTC())
	pdf.SetProducer("profdev internal/document, layout "+LayoutVersion, false)
	pdf.SetCreator("profdev", false)
	title := "Государственный образовательный сертификат № " + c.Number
	if c.Duplicate > 0 {
		title += fmt.Sprintf(" (дубликат %d)", c.Duplicate)
	}
	// Personal data stays out of the metadata: it is indexed by search
	// tools and shown by viewers in places users do not expect.
	pdf.SetTitle(title, true)
	pdf.SetSubject("На дополнительное профессиональное образование гражданского служащего", true)
	pdf.SetAuthor(c.Issuer, true)
	pdf.SetLang("ru-RU")
	pdf.SetDisplayMode("fullpage", "single")
	pdf.SetMargins(0, 0, 0)
	pdf.SetCellMargin(0)
	// The layout guarantees a single page; an automatic page break would
	// only hide a layout bug behind a second page.
	pdf.SetAutoPageBreak(false, 0)
	addFonts(pdf)
	return pdf
}

// draw writes the positioned page into the PDF, in a fixed order.
func draw(pdf *fpdf.Fpdf, pg *page) {
	pdf.AddPage()
	for _, s := range pg.strokes {
		pdf.SetDrawColor(s.color.r, s.color.g, s.color.b)
		pdf.SetLineWidth(s.width)
		if s.rect {
			pdf.Rect(s.x, s.y, s.w, s.h, "D")
		} else {
			pdf.Line(s.x, s.y, s.x+s.w, s.y+s.h)
		}
	}
	for _, t := range pg.texts {
		setFont(pdf, t.style)
		pdf.SetTextColor(t.style.color.r, t.style.color.g, t.style.color.b)
		pdf.SetXY(t.x, t.y)
		pdf.CellFormat(t.w, t.h, t.text, "", 0, t.align, false, 0, "")
	}
	drawQR(pdf, pg.qr, qrX, qrY, qrSize)
}
