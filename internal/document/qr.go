package document

import (
	"errors"
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
