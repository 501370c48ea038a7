package console

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

// batchReason puts a batch item's refusal in words: the registry's refusals by pattern.
func batchReason(msg string) string { return registryReason(msg) }
