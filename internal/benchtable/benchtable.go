// Package benchtable collects the figures of `make bench` into one table: each benchmark
// adds its rows to the file BENCH_TABLE names (the Makefile sets it), and the Makefile
// prints the file at the end, the last value of each figure in the order first added. A
// benchmark run without BENCH_TABLE adds nothing.
package benchtable

import (
	"fmt"
	"os"
	"strings"
)

// Add records one figure: what was measured, its value, and a note (the unit, what it is
// compared with). Errors writing the file are reported on stderr and otherwise ignored: the
// figure is printed by its benchmark anyway.
func Add(figure, value, note string) {
	path := os.Getenv("BENCH_TABLE")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		return
	}
	defer f.Close()
	clean := func(s string) string { return strings.NewReplacer("\t", " ", "\n", " ").Replace(s) }
	if _, err := fmt.Fprintf(f, "%s\t%s\t%s\n", clean(figure), clean(value), clean(note)); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
	}
}
