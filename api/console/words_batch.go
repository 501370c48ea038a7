package console

import "regexp"

// Words of the batch pages, kept apart from the shared maps so that pages added side by
// side do not edit the same lines.
func init() {
	statusLabels["waiting"] = "Ожидает выдачи"
	fieldLabels["preview"] = "Проверка файла"
	ruMessages = append([]struct{ en, ru string }{
		{"this preview is no longer current", "проверка файла уже не действует: загрузите файл заново"},
		{"the file has no row that can be issued", "в файле нет строк, которые можно выдать"},
		{"the item could not be checked", "строку не удалось проверить: повторите позже"},
	}, ruMessages...)
	funcs["plural"] = plural
}

// plural picks the Russian form for n: 1 сертификат, 2 сертификата, 5 сертификатов.
func plural(n int, one, few, many string) string {
	switch m10, m100 := n%10, n%100; {
	case m10 == 1 && m100 != 11:
		return one
	case m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14):
		return few
	}
	return many
}

// registryRefusals put the registry's refusals of a batch item in words; their messages
// name the provider and the programme, so they are matched by pattern, not by prefix.
var registryRefusals = []struct {
	re *regexp.Regexp
	ru string
}{
	{regexp.MustCompile(`^provider (\S+) is not in the registry of (\S+)`), "организации «$1» нет в реестре"},
	{regexp.MustCompile(`^provider (\S+) was excluded from the registry`), "организация «$1» исключена из реестра: новые сертификаты не выдаются"},
	{regexp.MustCompile(`^programme (\S+) of provider (\S+) is not declared and accepted for (\d+)`), "программа «$1» организации «$2» не принята в реестр на $3 год"},
}

func batchReason(msg string) string {
	for _, r := range registryRefusals {
		if r.re.MatchString(msg) {
			return r.re.ReplaceAllString(r.re.FindString(msg), r.ru)
		}
	}
	return ruMessage(msg)
}
