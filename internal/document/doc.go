// Package document renders the state educational certificate for additional
// professional education of a civil servant (государственный образовательный
// сертификат на дополнительное профессиональное образование гражданского
// служащего) as a one-page A4 PDF.
//
// The PDF is signed afterwards with a detached CMS signature by another
// package, and a retried Temporal activity must reproduce exactly the document
// that was signed. Render is therefore a pure function of its input: the same
// Certificate always yields byte-identical output and the same SHA-256. The
// package writes the PDF itself (pdf.go) so that every byte is under its
// control:
//
//   - the PDF creation and modification dates come from Certificate.IssuedAt
//     (in UTC, so the same instant in another time.Location gives the same
//     bytes) instead of the wall clock;
//   - objects are numbered and written in a fixed order, with no Go map
//     iteration anywhere on the way;
//   - the Go fonts from golang.org/x/image are compiled into the binary, so
//     the output never depends on fonts installed on a host; each document
//     embeds a subset holding the glyphs it prints;
//   - the QR code is drawn as vector rectangles instead of an encoded image;
//   - there is no document ID, no random object or subset name (the subset
//     tag is derived from the glyphs), and no library version string (the
//     Producer names this package and LayoutVersion).
//
// The fonts are parsed once per process and shared read-only by all Renders,
// which are safe to run concurrently.
//
// Reproducibility is guaranteed for one build. A different version of the
// fonts or of Go's compress/flate may change the bytes, so the signed bytes
// stored at issue time remain the source of truth; TestGoldenHash flags such
// a change.
package document
