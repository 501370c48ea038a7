package document

import (
	"errors"
	"math"
	"math/bits"
	"slices"
	"strconv"
)

// qrQuiet is the quiet zone around the code, in modules, required by
// ISO/IEC 18004 for reliable scanning.
const qrQuiet = 4

// qrVersion is the block structure of one QR code version at error
// correction level M (ISO/IEC 18004, table 9).
type qrVersion struct {
	ecPerBlock     int
	blocks1, data1 int // group 1: number of blocks, data codewords each
	blocks2, data2 int // group 2
	align          []int
}

// qrVersionsM lists versions 1 to 10 at level M; maxURL keeps verification
// URLs within version 10.
var qrVersionsM = []qrVersion{
	1:  {10, 1, 16, 0, 0, nil},
	2:  {16, 1, 28, 0, 0, []int{6, 18}},
	3:  {26, 1, 44, 0, 0, []int{6, 22}},
	4:  {18, 2, 32, 0, 0, []int{6, 26}},
	5:  {24, 2, 43, 0, 0, []int{6, 30}},
	6:  {16, 4, 27, 0, 0, []int{6, 34}},
	7:  {18, 4, 31, 0, 0, []int{6, 22, 38}},
	8:  {22, 2, 38, 2, 39, []int{6, 24, 42}},
	9:  {22, 3, 36, 2, 37, []int{6, 26, 46}},
	10: {26, 4, 43, 1, 44, []int{6, 28, 50}},
}

func (v qrVersion) dataBytes() int { return v.blocks1*v.data1 + v.blocks2*v.data2 }

// qrMatrix encodes the URL as a QR code with error correction level M (15%
// damage tolerated: enough for a printed page, still a small code) in byte
// mode without an ECI header. It returns the modules as [row][column], true
// for dark.
//
// The encoder follows the one in github.com/boombuler/barcode/qr, which the
// package used before, step by step, including its mask penalty rules, so
// it chooses the same mask and draws the same code. That library placed the
// modules through goroutines and channels, which cost more than the rest of
// a document.
func qrMatrix(url string) ([][]bool, error) {
	data := []byte(url)
	ver := 0
	for v := 1; v < len(qrVersionsM); v++ {
		count := 8
		if v >= 10 {
			count = 16
		}
		if qrVersionsM[v].dataBytes()*8 >= 4+count+8*len(data) {
			ver = v
			break
		}
	}
	if ver == 0 {
		return nil, errors.New("document: encoding verification URL as QR code: too much data")
	}
	vi := qrVersionsM[ver]

	// Bit stream: byte mode, character count, data, terminator, padding.
	var bits qrBits
	bits.add(0b0100, 4)
	if ver >= 10 {
		bits.add(len(data), 16)
	} else {
		bits.add(len(data), 8)
	}
	for _, b := range data {
		bits.add(int(b), 8)
	}
	total := vi.dataBytes() * 8
	for i := 0; i < 4 && bits.n < total; i++ {
		bits.add(0, 1)
	}
	for bits.n%8 != 0 {
		bits.add(0, 1)
	}
	for i := 0; bits.n < total; i++ {
		bits.add([]int{236, 17}[i%2], 8)
	}

	// Split into blocks, add error correction, interleave.
	type block struct{ data, ec []byte }
	var blocks []block
	pos := 0
	for _, g := range [][2]int{{vi.blocks1, vi.data1}, {vi.blocks2, vi.data2}} {
		for range g[0] {
			d := bits.b[pos : pos+g[1]]
			pos += g[1]
			blocks = append(blocks, block{d, reedSolomon(d, vi.ecPerBlock)})
		}
	}
	codewords := make([]byte, 0, pos+len(blocks)*vi.ecPerBlock)
	for i := range max(vi.data1, vi.data2) {
		for _, b := range blocks {
			if i < len(b.data) {
				codewords = append(codewords, b.data[i])
			}
		}
	}
	for i := range vi.ecPerBlock {
		for _, b := range blocks {
			codewords = append(codewords, b.ec[i])
		}
	}

	g := qrRender(codewords, ver, vi)
	dim := g.dim
	m := make([][]bool, dim)
	cells := make([]bool, dim*dim)
	for row := range m {
		m[row] = cells[row*dim : (row+1)*dim]
		for col := range m[row] {
			m[row][col] = g.get(col, row)
		}
	}
	return m, nil
}

// qrBits is a big-endian bit stream.
type qrBits struct {
	b []byte
	n int
}

func (q *qrBits) add(v, width int) {
	for i := width - 1; i >= 0; i-- {
		if q.n%8 == 0 {
			q.b = append(q.b, 0)
		}
		if v>>i&1 == 1 {
			q.b[q.n/8] |= 0x80 >> (q.n % 8)
		}
		q.n++
	}
}

// qrExp and qrLog are the tables of GF(256) with the QR polynomial 0x11D.
var qrExp, qrLog = func() (exp [512]byte, log [256]byte) {
	x := 1
	for i := range 255 {
		exp[i] = byte(x)
		log[x] = byte(i)
		if x <<= 1; x >= 256 {
			x ^= 0x11D
		}
	}
	for i := 255; i < 512; i++ {
		exp[i] = exp[i-255]
	}
	return
}()

// reedSolomon returns the n error correction codewords of data.
func reedSolomon(data []byte, n int) []byte {
	// Generator polynomial (x - a^0)(x - a^1)...(x - a^(n-1)), highest
	// coefficient (1) first and omitted.
	gen := make([]byte, n+1)
	gen[0] = 1
	for i := range n {
		for j := i + 1; j > 0; j-- {
			gen[j] ^= qrMul(gen[j-1], qrExp[i])
		}
	}
	rem := make([]byte, n)
	for _, d := range data {
		f := d ^ rem[0]
		copy(rem, rem[1:])
		rem[n-1] = 0
		for j := range n {
			rem[j] ^= qrMul(gen[j+1], f)
		}
	}
	return rem
}

func qrMul(a, b byte) byte {
	if a == 0 || b == 0 {
		return 0
	}
	return qrExp[int(qrLog[a])+int(qrLog[b])]
}

// qrGrid holds modules by column x and row y, as the boombuler code does.
type qrGrid struct {
	dim int
	m   []bool
}

func newQRGrid(dim int) *qrGrid { return &qrGrid{dim, make([]bool, dim*dim)} }

func (g *qrGrid) get(x, y int) bool    { return g.m[x*g.dim+y] }
func (g *qrGrid) set(x, y int, v bool) { g.m[x*g.dim+y] = v }

// bchFormat returns the 15 format bits for level M and a mask.
func bchFormat(mask int) int {
	d := 0b00<<3 | mask // level M
	r := d << 10
	for i := 14; i >= 10; i-- {
		if r>>i&1 == 1 {
			r ^= 0x537 << (i - 10)
		}
	}
	return (d<<10 | r) ^ 0x5412
}

// bchVersion returns the 18 version bits of versions 7 and up.
func bchVersion(v int) int {
	r := v << 12
	for i := 17; i >= 12; i-- {
		if r>>i&1 == 1 {
			r ^= 0x1F25 << (i - 12)
		}
	}
	return v<<12 | r
}

// drawFormat writes the format bits (all dark for the occupancy grid when
// mask is -1) into both copies.
func drawFormat(g *qrGrid, mask int) {
	dim := g.dim
	bit := func(i int) bool { return mask < 0 || bchFormat(mask)>>(14-i)&1 == 1 }
	first := [15][2]int{{0, 8}, {1, 8}, {2, 8}, {3, 8}, {4, 8}, {5, 8}, {7, 8}, {8, 8},
		{8, 7}, {8, 5}, {8, 4}, {8, 3}, {8, 2}, {8, 1}, {8, 0}}
	for i, p := range first {
		g.set(p[0], p[1], bit(i))
	}
	for i := range 7 {
		g.set(8, dim-1-i, bit(i))
	}
	for i := 7; i < 15; i++ {
		g.set(dim-15+i, 8, bit(i))
	}
}

func qrMasked(mask, x, y int) bool {
	switch mask {
	case 0:
		return (y+x)%2 == 0
	case 1:
		return y%2 == 0
	case 2:
		return x%3 == 0
	case 3:
		return (y+x)%3 == 0
	case 4:
		return (y/2+x/3)%2 == 0
	case 5:
		return (y*x)%2+(y*x)%3 == 0
	case 6:
		return ((y*x)%2+(y*x)%3)%2 == 0
	default:
		return ((y+x)%2+(y*x)%3)%2 == 0
	}
}

// qrRender places the function patterns and the codewords, and returns the
// masked code with the lowest penalty.
func qrRender(data []byte, ver int, vi qrVersion) *qrGrid {
	dim := (ver-1)*4 + 21
	base, occupied := newQRGrid(dim), newQRGrid(dim)
	setAll := func(x, y int, v bool) {
		occupied.set(x, y, true)
		base.set(x, y, v)
	}
	for _, off := range [][2]int{{0, 0}, {0, dim - 7}, {dim - 7, 0}} {
		for x := -1; x < 8; x++ {
			for y := -1; y < 8; y++ {
				v := (x == 0 || x == 6 || y == 0 || y == 6 || (x > 1 && x < 5 && y > 1 && y < 5)) &&
					x <= 6 && y <= 6 && x >= 0 && y >= 0
				if px, py := x+off[0], y+off[1]; px >= 0 && px < dim && py >= 0 && py < dim {
					setAll(px, py, v)
				}
			}
		}
	}
	for _, ax := range vi.align {
		for _, ay := range vi.align {
			if occupied.get(ax, ay) {
				continue
			}
			for x := -2; x <= 2; x++ {
				for y := -2; y <= 2; y++ {
					setAll(ax+x, ay+y, x == -2 || x == 2 || y == -2 || y == 2 || (x == 0 && y == 0))
				}
			}
		}
	}
	for i := range dim {
		if !occupied.get(i, 6) {
			setAll(i, 6, i%2 == 0)
		}
		if !occupied.get(6, i) {
			setAll(6, i, i%2 == 0)
		}
	}
	setAll(8, dim-8, true)
	if ver >= 7 {
		vb := bchVersion(ver)
		for i := range 18 {
			x, y := dim-11+i%3, i/3
			v := vb>>i&1 == 1
			setAll(x, y, v)
			setAll(y, x, v)
		}
	}
	drawFormat(occupied, -1)

	// Data modules in placement order, two columns at a time, zigzagging
	// up and down from the bottom right, skipping the timing column.
	type pt struct{ x, y int }
	var order []pt
	x, y, up := dim-1, dim-1, true
	for {
		for _, p := range []pt{{x, y}, {x - 1, y}} {
			if !occupied.get(p.x, p.y) {
				order = append(order, p)
			}
		}
		if up {
			if y--; y < 0 {
				y, x, up = 0, x-2, false
				if x == 6 {
					x--
				}
				if x < 0 {
					break
				}
			}
		} else {
			if y++; y >= dim {
				y, x, up = dim-1, x-2, true
				if x == 6 {
					x--
				}
				if x < 0 {
					break
				}
			}
		}
	}

	var best *qrGrid
	bestPenalty := ^uint(0)
	for mask := range 8 {
		g := &qrGrid{dim, slices.Clone(base.m)}
		drawFormat(g, mask)
		for i, p := range order {
			bit := i < len(data)*8 && data[i/8]>>(7-i%8)&1 == 1
			g.set(p.x, p.y, bit != qrMasked(mask, p.x, p.y))
		}
		if p := g.penalty(); p < bestPenalty {
			best, bestPenalty = g, p
		}
	}
	return best
}

// penalty scores a masked code with the four rules as the boombuler
// encoder computes them. Each rule looks at the lines of the code in both
// directions, here as bit masks (a version 10 code is 57 modules wide).
func (g *qrGrid) penalty() uint {
	dim := g.dim
	var lines [2][64]uint64 // lines[0][x] bit y = get(x, y); lines[1][y] bit x = get(x, y)
	dark := 0
	for x := range dim {
		for y := range dim {
			if g.m[x*dim+y] {
				lines[0][x] |= 1 << y
				lines[1][y] |= 1 << x
				dark++
			}
		}
	}
	const p1 = 0b00001011101 // 1011101 0000, bit i = module i
	const p2 = 0b10111010000 // 0000 1011101
	var result uint
	for _, ls := range lines {
		for _, l := range ls[:dim] {
			// Rule 1: each run of five or more modules of one colour
			// scores its length minus 2.
			run := 1
			for i := 1; i <= dim; i++ {
				if i < dim && (l>>i)&1 == (l>>(i-1))&1 {
					run++
					continue
				}
				if run >= 5 {
					result += uint(run - 2)
				}
				run = 1
			}
			// Rule 3: 40 for each 1:1:3:1:1 finder-like pattern with four
			// light modules on one side.
			for x := 0; x+11 <= dim; x++ {
				if w := (l >> x) & 0x7FF; w == p1 || w == p2 {
					result += 40
				}
			}
		}
	}
	// Rule 2: 3 for each 2×2 block of one colour.
	edge := uint64(1)<<(dim-1) - 1
	for x := range dim - 1 {
		a, b := lines[0][x], lines[0][x+1]
		same := ^(a ^ b) & ^(a ^ a>>1) & ^(b ^ b>>1) & edge
		result += 3 * uint(bits.OnesCount64(same))
	}
	// Rule 4: 10 for every 5% the dark modules are off half.
	pct := float64(dark) * 100 / float64(dim*dim)
	return result + uint(min(math.Abs(math.Floor(pct/5)-10), math.Abs(math.Ceil(pct/5)-10))*10)
}

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
