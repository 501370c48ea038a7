package document

// A small QR decoder (ISO/IEC 18004) for the codes Render draws: versions
// 1-10, error correction level M, byte mode. It reads the format
// information, removes the mask, reads the codewords in the standard zigzag
// order, de-interleaves the blocks, checks every block's Reed-Solomon
// syndromes (so a phone would accept the code, not just this reader) and
// decodes the byte-mode segment. It is independent of the encoder: it shares
// no code with github.com/boombuler/barcode.

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// qrBlocksM gives, per version, the EC codewords per block and the data
// codewords of each block for level M (ISO/IEC 18004 table 9).
var qrBlocksM = map[int]struct {
	ec   int
	data []int
}{
	1: {10, []int{16}}, 2: {16, []int{28}}, 3: {26, []int{44}},
	4: {18, []int{32, 32}}, 5: {24, []int{43, 43}}, 6: {16, []int{27, 27, 27, 27}},
	7: {18, []int{31, 31, 31, 31}}, 8: {22, []int{38, 38, 39, 39}},
	9: {22, []int{36, 36, 36, 37, 37}}, 10: {26, []int{43, 43, 43, 43, 44}},
}

// qrAlign gives the alignment pattern centre coordinates per version.
var qrAlign = map[int][]int{
	2: {6, 18}, 3: {6, 22}, 4: {6, 26}, 5: {6, 30}, 6: {6, 34},
	7: {6, 22, 38}, 8: {6, 24, 42}, 9: {6, 26, 46}, 10: {6, 28, 50},
}

// modulesFromRects rebuilds the module grid from the filled rectangles of
// the QR path: the bounding box spans exactly the modules (the quiet zone is
// white), and every rectangle is one module high.
func modulesFromRects(rs []rect) ([][]bool, error) {
	if len(rs) == 0 {
		return nil, errors.New("no rectangles")
	}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	mod := math.Inf(1)
	for _, r := range rs {
		minX, minY = min(minX, r.x), min(minY, r.y)
		maxX, maxY = max(maxX, r.x+r.w), max(maxY, r.y+r.h)
		mod = min(mod, r.h)
	}
	n := int(math.Round((maxX - minX) / mod))
	if m := int(math.Round((maxY - minY) / mod)); m != n || n < 21 {
		return nil, fmt.Errorf("QR area is %dx%d modules", n, m)
	}
	grid := make([][]bool, n)
	for row := range grid {
		grid[row] = make([]bool, n)
		for col := range grid[row] {
			// PDF y grows upwards; row 0 is the top.
			cx, cy := minX+(float64(col)+0.5)*mod, maxY-(float64(row)+0.5)*mod
			for _, r := range rs {
				if cx > r.x && cx < r.x+r.w && cy > r.y && cy < r.y+r.h {
					grid[row][col] = true
					break
				}
			}
		}
	}
	return grid, nil
}

func qrMask(mask, i, j int) bool { // i = row, j = column
	switch mask {
	case 0:
		return (i+j)%2 == 0
	case 1:
		return i%2 == 0
	case 2:
		return j%3 == 0
	case 3:
		return (i+j)%3 == 0
	case 4:
		return (i/2+j/3)%2 == 0
	case 5:
		return (i*j)%2+(i*j)%3 == 0
	case 6:
		return ((i*j)%2+(i*j)%3)%2 == 0
	default:
		return ((i+j)%2+(i*j)%3)%2 == 0
	}
}

// qrFormat returns the EC level bits and mask from the better of the two
// format information copies (BCH(15,5), masked with 0x5412).
func qrFormat(m [][]bool) (ecBits, mask int, err error) {
	n := len(m)
	bit := func(row, col int) int {
		if m[row][col] {
			return 1
		}
		return 0
	}
	var a, b int
	for _, p := range [][2]int{{8, 0}, {8, 1}, {8, 2}, {8, 3}, {8, 4}, {8, 5}, {8, 7}, {8, 8}, {7, 8}, {5, 8}, {4, 8}, {3, 8}, {2, 8}, {1, 8}, {0, 8}} {
		a = a<<1 | bit(p[0], p[1])
	}
	for i := 0; i < 7; i++ {
		b = b<<1 | bit(n-1-i, 8)
	}
	for i := n - 8; i < n; i++ {
		b = b<<1 | bit(8, i)
	}
	best, bestDist := -1, 99
	for data := 0; data < 32; data++ {
		rem := data << 10
		for i := 14; i >= 10; i-- {
			if rem&(1<<i) != 0 {
				rem ^= 0x537 << (i - 10)
			}
		}
		code := (data<<10 | rem) ^ 0x5412
		for _, got := range []int{a, b} {
			if d := popcount(code ^ got); d < bestDist {
				best, bestDist = data, d
			}
		}
	}
	if bestDist > 3 {
		return 0, 0, errors.New("unreadable format information")
	}
	return best >> 3, best & 7, nil
}

func popcount(v int) (n int) {
	for ; v != 0; v &= v - 1 {
		n++
	}
	return n
}

// qrFunction marks the modules that carry patterns, not data.
func qrFunction(version int) [][]bool {
	n := 17 + 4*version
	f := make([][]bool, n)
	for i := range f {
		f[i] = make([]bool, n)
	}
	fill := func(r0, c0, h, w int) {
		for r := max(r0, 0); r < min(r0+h, n); r++ {
			for c := max(c0, 0); c < min(c0+w, n); c++ {
				f[r][c] = true
			}
		}
	}
	fill(0, 0, 9, 9)   // top-left finder, separator, format
	fill(0, n-8, 9, 8) // top-right
	fill(n-8, 0, 8, 9) // bottom-left, dark module
	fill(6, 0, 1, n)   // timing
	fill(0, 6, n, 1)
	pos := qrAlign[version]
	for _, r := range pos {
		for _, c := range pos {
			first, last := pos[0], pos[len(pos)-1]
			if (r == first && c == first) || (r == first && c == last) || (r == last && c == first) {
				continue
			}
			fill(r-2, c-2, 5, 5)
		}
	}
	if version >= 7 {
		fill(0, n-11, 6, 3)
		fill(n-11, 0, 3, 6)
	}
	return f
}

// gfExp and gfLog are GF(256) tables for the QR polynomial x^8+x^4+x^3+x^2+1.
var gfExp, gfLog = func() (e [512]int, l [256]int) {
	x := 1
	for i := 0; i < 255; i++ {
		e[i], l[x] = x, i
		if x <<= 1; x&0x100 != 0 {
			x ^= 0x11d
		}
	}
	for i := 255; i < 512; i++ {
		e[i] = e[i-255]
	}
	return
}()

// rsValid reports whether all syndromes of a block are zero: the block is a
// codeword of the generator with roots α^0 … α^(ec-1).
func rsValid(block []byte, ec int) bool {
	for i := 0; i < ec; i++ {
		s := 0
		for _, c := range block {
			if s != 0 {
				s = gfExp[gfLog[s]+i]
			}
			s ^= int(c)
		}
		if s != 0 {
			return false
		}
	}
	return true
}

func decodeQR(m [][]bool) (string, error) {
	n := len(m)
	version := (n - 17) / 4
	layout, ok := qrBlocksM[version]
	if (n-17)%4 != 0 || !ok {
		return "", fmt.Errorf("unsupported size %d", n)
	}
	ecBits, mask, err := qrFormat(m)
	if err != nil {
		return "", err
	}
	if ecBits != 0 { // 00 is level M
		return "", fmt.Errorf("error correction bits %02b, want M (00)", ecBits)
	}
	fn := qrFunction(version)
	var bits []bool
	up := true
	for col := n - 1; col > 0; col -= 2 {
		if col == 6 {
			col--
		}
		for k := 0; k < n; k++ {
			row := k
			if up {
				row = n - 1 - k
			}
			for _, c := range []int{col, col - 1} {
				if !fn[row][c] {
					bits = append(bits, m[row][c] != qrMask(mask, row, c))
				}
			}
		}
		up = !up
	}
	words := make([]byte, len(bits)/8)
	for i := range words {
		for j := 0; j < 8; j++ {
			if bits[8*i+j] {
				words[i] |= 0x80 >> j
			}
		}
	}
	// De-interleave: data codewords column by column, then EC codewords.
	blocks := make([][]byte, len(layout.data))
	p := 0
	maxData := layout.data[len(layout.data)-1]
	for i := 0; i < maxData+layout.ec; i++ {
		for b, d := range layout.data {
			if i < d || i >= maxData {
				blocks[b] = append(blocks[b], words[p])
				p++
			}
		}
	}
	var data []byte
	for b, blk := range blocks {
		if !rsValid(blk, layout.ec) {
			return "", fmt.Errorf("block %d fails the Reed-Solomon check", b)
		}
		data = append(data, blk[:layout.data[b]]...)
	}
	// Byte mode: 0100, an 8-bit count (16-bit from version 10), the bytes.
	r := bitReader{data: data}
	if mode := r.read(4); mode != 4 {
		return "", fmt.Errorf("mode %04b, want byte mode", mode)
	}
	countBits := 8
	if version >= 10 {
		countBits = 16
	}
	count := r.read(countBits)
	out := make([]byte, count)
	for i := range out {
		out[i] = byte(r.read(8))
	}
	if r.err {
		return "", errors.New("data ends early")
	}
	return string(out), nil
}

type bitReader struct {
	data []byte
	pos  int
	err  bool
}

func (r *bitReader) read(n int) int {
	v := 0
	for i := 0; i < n; i++ {
		if r.pos >= 8*len(r.data) {
			r.err = true
			return 0
		}
		v = v<<1 | int(r.data[r.pos/8]>>(7-r.pos%8)&1)
		r.pos++
	}
	return v
}

// largestPath returns the filled path with the most rectangles: the QR
// code, since every other filled path on the page is a single shape.
func largestPath(paths [][]rect) []rect {
	sorted := append([][]rect(nil), paths...)
	sort.SliceStable(sorted, func(i, j int) bool { return len(sorted[i]) > len(sorted[j]) })
	if len(sorted) == 0 {
		return nil
	}
	return sorted[0]
}
