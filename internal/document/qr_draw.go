package document

import "strconv"

// drawQR draws the modules as one filled vector path at (x, y), size mm
// square including the quiet zone. Vector modules stay sharp at any zoom and
// print resolution, unlike a small bitmap that viewers may blur, and a
// single path avoids hairline seams between adjacent modules. Runs of dark
// modules in a row become one rectangle, which keeps the stream small.
func drawQR(c *canvas, m [][]bool, x, y, size float64) {
	n := len(m)
	mod := size / float64(n+2*qrQuiet)
	x0, y0 := x+qrQuiet*mod, y+qrQuiet*mod
	// Edges are rounded once to the printed hundredths of a point and shared
	// by neighbouring modules, so rounding never opens a gap between them.
	px := func(v float64) int64 { return hundredths(v * k) }
	py := func(v float64) int64 { return hundredths((pageHmm - v) * k) }
	b := append(c.b, "q 0 g\n"...)
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
			for _, v := range [4]int64{xl, yb, xr - xl, yt - yb} {
				b = appendHundredths(b, v)
				b = append(b, ' ')
			}
			b = append(b, "re\n"...)
			col = end
		}
	}
	c.b = append(b, "f Q\n"...)
}

// hundredths is v rounded to two decimals as strconv prints it, in units of
// 0.01.
func hundredths(v float64) int64 {
	var buf [32]byte
	s := strconv.AppendFloat(buf[:0], v, 'f', 2, 64)
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	var h int64
	for _, d := range s {
		if d != '.' {
			h = h*10 + int64(d-'0')
		}
	}
	if neg {
		h = -h
	}
	return h
}

// appendHundredths appends h/100 with two decimals.
func appendHundredths(b []byte, h int64) []byte {
	if h < 0 {
		b = append(b, '-')
		h = -h
	}
	b = strconv.AppendInt(b, h/100, 10)
	return append(b, '.', byte('0'+h/10%10), byte('0'+h%10))
}
