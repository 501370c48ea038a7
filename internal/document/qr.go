package document

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/boombuler/barcode/qr"
	"github.com/go-pdf/fpdf"
)

// qrQuiet is the quiet zone around the code, in modules, required by
// ISO/IEC 18004 for reliable scanning.
const qrQuiet = 4

// qrMatrix encodes the URL as a QR code with error correction level M (15%
// damage tolerated: enough for a printed page, still a small code) in byte
// mode. It returns the modules as [row][column], true for dark.
func qrMatrix(url string) ([][]bool, error) {
	code, err := qr.Encode(url, qr.M, qr.Unicode)
	if err != nil {
		return nil, fmt.Errorf("document: encoding verification URL as QR code: %w", err)
	}
	n := code.Bounds().Dx()
	m := make([][]bool, n)
	for row := range m {
		m[row] = make([]bool, n)
		for col := range m[row] {
			r, _, _, _ := code.At(col, row).RGBA()
			m[row][col] = r < 0x8000
		}
	}
	return m, nil
}

// drawQR draws the modules as one filled vector path at (x, y), size mm
// square including the quiet zone. Vector modules stay sharp at any zoom and
// print resolution, unlike a small bitmap that viewers may blur, and a
// single path avoids hairline seams between adjacent modules. Runs of dark
// modules in a row become one rectangle, which keeps the stream small.
func drawQR(pdf *fpdf.Fpdf, m [][]bool, x, y, size float64) {
	n := len(m)
	mod := size / float64(n+2*qrQuiet)
	x0, y0 := x+qrQuiet*mod, y+qrQuiet*mod
	k := pdf.GetConversionRatio()
	_, ph := pdf.GetPageSize()
	// Edges are rounded once and shared by neighbouring modules, so rounding
	// never opens a gap between them.
	px := func(v float64) float64 { return round2(v * k) }
	py := func(v float64) float64 { return round2((ph - v) * k) }
	var b strings.Builder
	b.WriteString("q 0 g\n")
	for row := range m {
		yt, yb := py(y0+float64(row)*mod), py(y0+float64(row+1)*mod)
		for col := 0; col < n; {
			if !m[row][col] {
				col++
				continue
			}
			end := col
			for end < n && m[row][end] {
				end++
			}
			xl, xr := px(x0+float64(col)*mod), px(x0+float64(end)*mod)
			fmt.Fprintf(&b, "%s %s %s %s re\n", num(xl), num(yb), num(xr-xl), num(yt-yb))
			col = end
		}
	}
	b.WriteString("f Q")
	pdf.RawWriteStr(b.String())
}

func round2(v float64) float64 {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	r, _ := strconv.ParseFloat(s, 64)
	return r
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
