// Package document renders the state educational certificate for additional
// professional education of a civil servant (государственный образовательный
// сертификат на дополнительное профессиональное образование гражданского
// служащего) as a one-page A4 PDF.
//
// The PDF is signed afterwards with a detached CMS signature by another
// package, and a retried Temporal activity must reproduce exactly the document
// that was signed. Render is therefore a pure function of its input: the same
// Certificate always yields byte-identical output and the same SHA-256.
// To achieve that the package
//
//   - takes the PDF creation and modification dates from Certificate.IssuedAt
//     (normalised to UTC, so the same instant in another time.Location gives
//     the same bytes) instead of the wall clock;
//   - asks fpdf to sort its internal catalogs (fonts, images), which are Go
//     maps and would otherwise be written in random order;
//   - embeds the Go fonts from golang.org/x/image, which are compiled into the
//     binary, so the output never depends on fonts installed on a host;
//   - draws the QR code as vector rectangles instead of an encoded image;
//   - writes no document ID, no random object names, and no library version
//     string of its own (the Producer names this package and LayoutVersion).
//
// Reproducibility is guaranteed for one build. A different version of fpdf,
// of the fonts, or of Go's compress/flate may change the bytes, so the signed
// bytes stored at issue time remain the source of truth; TestGoldenHash flags
// such a change.
package document
