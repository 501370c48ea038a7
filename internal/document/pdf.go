package document

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/adler32"
	"strconv"
	"sync"
	"unicode/utf16"
)

// pdfWriter writes a PDF file with a classic cross-reference table. Objects
// are numbered by the caller (1..n) and must be written in that order, so
// the byte offsets are known and the file is the same on every run.
type pdfWriter struct {
	buf     bytes.Buffer
	offsets []int // byte offset of object i+1
	scratch bytes.Buffer
}

func newPDFWriter(sizeHint int) *pdfWriter {
	w := &pdfWriter{}
	w.buf.Grow(sizeHint)
	// The comment with bytes above 127 marks the file as binary for tools
	// that guess (ISO 32000-1, 7.5.2).
	w.buf.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	return w
}

// begin starts object n, which must be the next one.
func (w *pdfWriter) begin(n int) {
	if n != len(w.offsets)+1 {
		panic("document: PDF objects written out of order")
	}
	w.offsets = append(w.offsets, w.buf.Len())
	w.buf.WriteString(strconv.Itoa(n))
	w.buf.WriteString(" 0 obj\n")
}

// object writes object n with the given dictionary or other value.
func (w *pdfWriter) object(n int, value string) {
	w.begin(n)
	w.buf.WriteString(value)
	w.buf.WriteString("\nendobj\n")
}

// stream writes object n as a Flate-compressed stream; extra goes into its
// dictionary after /Length and /Filter.
func (w *pdfWriter) stream(n int, data []byte, extra string) {
	w.scratch.Reset()
	deflate(&w.scratch, data)
	w.rawStream(n, w.scratch.Bytes(), extra)
}

// rawStream writes object n as a stream of already compressed data.
func (w *pdfWriter) rawStream(n int, compressed []byte, extra string) {
	w.begin(n)
	w.buf.WriteString("<</Length ")
	w.buf.WriteString(strconv.Itoa(len(compressed)))
	w.buf.WriteString(" /Filter /FlateDecode")
	w.buf.WriteString(extra)
	w.buf.WriteString(">>\nstream\n")
	w.buf.Write(compressed)
	w.buf.WriteString("\nendstream\nendobj\n")
}

// fontStream writes object n as the stream of a font program made of dir,
// the font's fixed block and rest, with the fixed block compressed once
// per process.
func (w *pdfWriter) fontStream(n int, dir []byte, fb *fixedBlock, rest []byte) {
	z := &w.scratch
	z.Reset()
	z.WriteString(zlibHeader)
	// The directory barely compresses: store it (RFC 1951, 3.2.4), which
	// keeps the stream byte-aligned for the precompressed block.
	z.Write([]byte{0, byte(len(dir)), byte(len(dir) >> 8), ^byte(len(dir)), ^byte(len(dir) >> 8)})
	z.Write(dir)
	z.Write(fb.deflated)
	deflateRaw(z, rest, true)
	h := adler32.New()
	h.Write(dir)
	h.Write(fb.data)
	h.Write(rest)
	z.Write(h.Sum(nil))
	w.rawStream(n, z.Bytes(), " /Length1 "+strconv.Itoa(len(dir)+len(fb.data)+len(rest)))
}

// finish writes the cross-reference table and the trailer and returns the
// file.
func (w *pdfWriter) finish(root, info int) []byte {
	at := w.buf.Len()
	b := &w.buf
	b.WriteString("xref\n0 ")
	b.WriteString(strconv.Itoa(len(w.offsets) + 1))
	b.WriteString("\n0000000000 65535 f \n")
	var entry [20]byte
	for _, off := range w.offsets {
		s := strconv.AppendInt(entry[:0], int64(off), 10)
		b.WriteString("0000000000"[len(s):])
		b.Write(s)
		b.WriteString(" 00000 n \n")
	}
	b.WriteString("trailer\n<</Size ")
	b.WriteString(strconv.Itoa(len(w.offsets) + 1))
	b.WriteString(" /Root ")
	b.WriteString(objRef(root))
	b.WriteString(" /Info ")
	b.WriteString(objRef(info))
	b.WriteString(">>\nstartxref\n")
	b.WriteString(strconv.Itoa(at))
	b.WriteString("\n%%EOF\n")
	return b.Bytes()
}

func objRef(n int) string { return strconv.Itoa(n) + " 0 R" }

// flateWriters keeps compressors between documents: a flate writer
// allocates over a megabyte of tables, more than the rest of a document. A
// reset writer produces exactly the bytes of a new one.
var flateWriters = sync.Pool{New: func() any {
	fw, _ := flate.NewWriter(nil, flate.BestSpeed)
	return fw
}}

// deflateRaw appends data to dst as raw deflate blocks: the final block if
// last, else blocks ending with a sync flush, which another compressor's
// blocks may follow.
func deflateRaw(dst *bytes.Buffer, data []byte, last bool) {
	fw := flateWriters.Get().(*flate.Writer)
	defer flateWriters.Put(fw)
	fw.Reset(dst)
	// Writing to a bytes.Buffer cannot fail.
	_, _ = fw.Write(data)
	if last {
		_ = fw.Close()
	} else {
		_ = fw.Flush()
	}
}

// zlibHeader starts a zlib stream (RFC 1950): deflate, 32K window, fastest.
const zlibHeader = "\x78\x01"

// deflate appends data to dst as a zlib stream.
func deflate(dst *bytes.Buffer, data []byte) {
	dst.WriteString(zlibHeader)
	deflateRaw(dst, data, true)
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], adler32.Checksum(data))
	dst.Write(sum[:])
}

// pdfString is s as a PDF text string: a literal if it is printable ASCII,
// otherwise UTF-16BE with a byte order mark, in hex.
func pdfString(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			ascii = false
			break
		}
	}
	if ascii {
		return "(" + string(escapeLiteral(nil, []byte(s))) + ")"
	}
	const hex = "0123456789ABCDEF"
	b := []byte("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, hex[u>>12], hex[u>>8&15], hex[u>>4&15], hex[u&15])
	}
	return string(append(b, '>'))
}

// escapeLiteral appends src to dst escaped for a PDF literal string.
func escapeLiteral(dst, src []byte) []byte {
	for _, c := range src {
		switch c {
		case '\\', '(', ')':
			dst = append(dst, '\\', c)
		case '\r':
			dst = append(dst, '\\', 'r')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
