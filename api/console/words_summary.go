package console

import (
	"strconv"
	"strings"
)

// decimal writes a score as Russian does, with a decimal comma: 4,5.
func decimal(x float64) string {
	return strings.Replace(strconv.FormatFloat(x, 'f', 1, 64), ".", ",", 1)
}

// dict lets a page hand a sub-template several values (a table's heading and its rows).
func init() {
	funcs["decimal"] = decimal
	funcs["dict"] = func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			k, _ := kv[i].(string)
			m[k] = kv[i+1]
		}
		return m
	}
}
