package document

// A minimal PDF reader, just enough to check what Render writes: objects,
// the cross-reference table, Flate-compressed streams, text and filled
// rectangles in the page content.
//
// Text is extracted the way a PDF viewer does it, not by searching for our
// own encoding: fpdf writes UTF-8 fonts as Type0/CIDFontType2 fonts with
// Identity-H encoding, so every Tj string is a sequence of 2-byte character
// codes. Each code is mapped to Unicode through the /ToUnicode CMap of the
// font selected by the preceding Tf. If fpdf ever changed its code
// assignment, the ToUnicode map would change with it and the tests would
// still read the right text; if the map were missing or wrong, copy-paste
// and search in viewers would break, and so would these tests.

import (
	"bytes"
	"compress/zlib"
	"encoding/hex"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
)

type pdfObject struct {
	dict   string
	stream []byte // decoded
}

var (
	objStart  = regexp.MustCompile(`(?m)^(\d+) 0 obj\n`)
	lengthRe  = regexp.MustCompile(`/Length (\d+)`)
	refRe     = func(key string) *regexp.Regexp { return regexp.MustCompile(key + ` (\d+) 0 R`) }
	xrefEntry = regexp.MustCompile(`^(\d{10}) (\d{5}) ([nf]) ?$`)
)

// parsePDF reads every object and checks that the xref table points at them.
func parsePDF(t *testing.T, data []byte) map[int]*pdfObject {
	t.Helper()
	objs := map[int]*pdfObject{}
	offsets := map[int]int{}
	pos := 0
	for {
		loc := objStart.FindSubmatchIndex(data[pos:])
		if loc == nil {
			break
		}
		num, _ := strconv.Atoi(string(data[pos+loc[2] : pos+loc[3]]))
		offsets[num] = pos + loc[0]
		start := pos + loc[1]
		end := bytes.Index(data[start:], []byte("endobj"))
		st := bytes.Index(data[start:], []byte("stream\n"))
		obj := &pdfObject{}
		if st >= 0 && st < end {
			obj.dict = string(data[start : start+st])
			m := lengthRe.FindStringSubmatch(obj.dict)
			if m == nil {
				t.Fatalf("object %d: stream without /Length", num)
			}
			n, _ := strconv.Atoi(m[1])
			raw := data[start+st+len("stream\n") : start+st+len("stream\n")+n]
			if strings.Contains(obj.dict, "/FlateDecode") {
				zr, err := zlib.NewReader(bytes.NewReader(raw))
				if err != nil {
					t.Fatalf("object %d: %v", num, err)
				}
				if raw, err = io.ReadAll(zr); err != nil {
					t.Fatalf("object %d: %v", num, err)
				}
			}
			obj.stream = raw
			pos = start + st + len("stream\n") + n
			end = bytes.Index(data[pos:], []byte("endobj"))
			pos += end
		} else {
			obj.dict = string(data[start : start+end])
			pos = start + end
		}
		objs[num] = obj
	}
	checkXref(t, data, offsets)
	return objs
}

func checkXref(t *testing.T, data []byte, offsets map[int]int) {
	t.Helper()
	i := bytes.LastIndex(data, []byte("\nxref\n"))
	if i < 0 {
		t.Fatal("no xref table")
	}
	lines := strings.Split(string(data[i+len("\nxref\n"):]), "\n")
	hdr := strings.Fields(lines[0])
	count, _ := strconv.Atoi(hdr[1])
	if count != len(offsets)+1 {
		t.Fatalf("xref has %d entries, file has %d objects", count, len(offsets))
	}
	for n := 1; n < count; n++ {
		m := xrefEntry.FindStringSubmatch(lines[1+n])
		if m == nil {
			t.Fatalf("bad xref line %q", lines[1+n])
		}
		off, _ := strconv.Atoi(m[1])
		if off != offsets[n] {
			t.Fatalf("xref says object %d is at %d, it is at %d", n, off, offsets[n])
		}
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF`).FindSubmatch(data)
	if m == nil || string(m[1]) != strconv.Itoa(i+1) {
		t.Fatalf("startxref does not point at the xref table at %d", i+1)
	}
}

func ref(t *testing.T, dict, key string) int {
	t.Helper()
	m := refRe(key).FindStringSubmatch(dict)
	if m == nil {
		t.Fatalf("no %s reference in %q", key, dict)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// cmapRange maps codes lo..hi to Unicode: consecutive code points from
// start, or one string per code from list.
type cmapRange struct {
	lo, hi uint32
	start  []uint16
	list   []string
}

type toUnicode []cmapRange

var hexTok = regexp.MustCompile(`<([0-9A-Fa-f]*)>|\[|\]`)

func hexUint(s string) uint32 { v, _ := strconv.ParseUint(s, 16, 32); return uint32(v) }

func hexUTF16(t *testing.T, s string) []uint16 {
	b, err := hex.DecodeString(s)
	if err != nil || len(b)%2 != 0 {
		t.Fatalf("bad UTF-16 hex %q", s)
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	return u
}

// parseCMap reads the bfrange and bfchar sections of a ToUnicode CMap.
func parseCMap(t *testing.T, src string) toUnicode {
	var cm toUnicode
	for _, sec := range regexp.MustCompile(`(?s)begin(bfrange|bfchar)(.*?)endbf`).FindAllStringSubmatch(src, -1) {
		for _, line := range strings.Split(sec[2], "\n") {
			toks := hexTok.FindAllStringSubmatch(line, -1)
			switch {
			case len(toks) == 0:
			case sec[1] == "bfchar" && len(toks) == 2:
				c := hexUint(toks[0][1])
				cm = append(cm, cmapRange{lo: c, hi: c, start: hexUTF16(t, toks[1][1])})
			case sec[1] == "bfrange" && len(toks) == 3:
				cm = append(cm, cmapRange{lo: hexUint(toks[0][1]), hi: hexUint(toks[1][1]), start: hexUTF16(t, toks[2][1])})
			case sec[1] == "bfrange" && toks[2][0] == "[":
				r := cmapRange{lo: hexUint(toks[0][1]), hi: hexUint(toks[1][1])}
				for _, d := range toks[3 : len(toks)-1] {
					r.list = append(r.list, string(utf16.Decode(hexUTF16(t, d[1]))))
				}
				cm = append(cm, r)
			default:
				t.Fatalf("unexpected CMap line %q", line)
			}
		}
	}
	return cm
}

func (cm toUnicode) lookup(code uint32) (string, bool) {
	for _, r := range cm {
		if code < r.lo || code > r.hi {
			continue
		}
		if r.list != nil {
			return r.list[code-r.lo], true
		}
		u := append([]uint16(nil), r.start...)
		u[len(u)-1] += uint16(code - r.lo)
		return string(utf16.Decode(u)), true
	}
	return "", false
}

type textRun struct {
	x, y float64 // points, PDF user space
	text string
}

type rect struct{ x, y, w, h float64 } // points, normalised to w, h >= 0

// pageContent is what a page shows: its text runs in content order, and
// the rectangles of each filled path.
type pageContent struct {
	runs   []textRun
	filled [][]rect
}

// readPages returns the content of every page.
func readPages(t *testing.T, data []byte) []pageContent {
	t.Helper()
	objs := parsePDF(t, data)
	var pages []pageContent
	for n := 1; n <= len(objs); n++ {
		o := objs[n]
		if o == nil || !regexp.MustCompile(`/Type /Page\b[^s]`).MatchString(o.dict) {
			continue
		}
		res := objs[ref(t, o.dict, "/Resources")].dict
		fonts := map[string]toUnicode{}
		for _, m := range regexp.MustCompile(`/(F\w+) (\d+) 0 R`).FindAllStringSubmatch(res, -1) {
			fn, _ := strconv.Atoi(m[2])
			fonts[m[1]] = parseCMap(t, string(objs[ref(t, objs[fn].dict, "/ToUnicode")].stream))
		}
		pages = append(pages, interpret(t, objs[ref(t, o.dict, "/Contents")].stream, fonts))
	}
	return pages
}

// interpret runs the subset of content-stream operators Render uses.
func interpret(t *testing.T, content []byte, fonts map[string]toUnicode) pageContent {
	t.Helper()
	var pc pageContent
	var stack []string // operands; strings keep their decoded bytes
	var path []rect
	var font toUnicode
	var x, y float64
	f := func(i int) float64 {
		v, err := strconv.ParseFloat(stack[len(stack)-i], 64)
		if err != nil {
			t.Fatalf("operand %q is not a number", stack[len(stack)-i])
		}
		return v
	}
	decode := func(s string) string {
		if font == nil || len(s)%2 != 0 {
			t.Fatalf("text %q shown without a Type0 font", s)
		}
		var b strings.Builder
		for i := 0; i < len(s); i += 2 {
			u, ok := font.lookup(uint32(s[i])<<8 | uint32(s[i+1]))
			if !ok {
				t.Fatalf("code %02x%02x has no ToUnicode mapping", s[i], s[i+1])
			}
			b.WriteString(u)
		}
		return b.String()
	}
	for i := 0; i < len(content); {
		c := content[i]
		switch {
		case c == ' ' || c == '\n' || c == '\r' || c == '\t':
			i++
		case c == '(':
			s, n := readLiteral(t, content[i:])
			stack = append(stack, s)
			i += n
		case c == '[' || c == ']':
			i++ // TJ arrays: keep the strings, drop the brackets and numbers below
		default:
			j := i
			for j < len(content) && !strings.ContainsRune(" \n\r\t()[]", rune(content[j])) {
				j++
			}
			tok := string(content[i:j])
			i = j
			if tok[0] == '/' || tok[0] == '-' || tok[0] == '.' || (tok[0] >= '0' && tok[0] <= '9') {
				stack = append(stack, tok)
				continue
			}
			switch tok {
			case "Tf":
				font = fonts[strings.TrimPrefix(stack[len(stack)-2], "/")]
			case "Td":
				x, y = f(2), f(1)
			case "Tj":
				pc.runs = append(pc.runs, textRun{x: x, y: y, text: decode(stack[len(stack)-1])})
			case "re":
				r := rect{x: f(4), y: f(3), w: f(2), h: f(1)}
				if r.h < 0 {
					r.y, r.h = r.y+r.h, -r.h
				}
				path = append(path, r)
			case "f", "F", "f*", "B", "B*", "b", "b*":
				pc.filled = append(pc.filled, path)
				path = nil
			case "S", "s", "n":
				path = nil
			}
			stack = stack[:0]
		}
	}
	return pc
}

// readLiteral decodes a PDF literal string starting at b[0] == '('.
func readLiteral(t *testing.T, b []byte) (string, int) {
	var out []byte
	depth := 0
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '(':
			if depth > 0 {
				out = append(out, c)
			}
			depth++
		case ')':
			depth--
			if depth == 0 {
				return string(out), i + 1
			}
			out = append(out, c)
		case '\\':
			i++
			switch e := b[i]; e {
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case '0', '1', '2', '3', '4', '5', '6', '7':
				j := i
				for j < i+3 && j < len(b) && b[j] >= '0' && b[j] <= '7' {
					j++
				}
				v, _ := strconv.ParseUint(string(b[i:j]), 8, 8)
				out = append(out, byte(v))
				i = j - 1
			default:
				out = append(out, e)
			}
		default:
			out = append(out, c)
		}
	}
	t.Fatal("unterminated string in content stream")
	return "", 0
}

// pageText joins the text runs into lines, one run per line, and joins a
// line broken after a hyphen or slash without a space, as it was written.
func pageText(pc pageContent) string {
	var b strings.Builder
	for i, r := range pc.runs {
		if i > 0 {
			prev := pc.runs[i-1].text
			if !strings.HasSuffix(prev, "-") && !strings.HasSuffix(prev, "/") {
				b.WriteByte(' ')
			}
		}
		b.WriteString(r.text)
	}
	return b.String()
}
