package document

import (
	"math"
	"math/bits"
	"slices"
)

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
