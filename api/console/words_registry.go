package console

import (
	"fmt"
	"regexp"
	"strconv"
)

// Words of the registry pages, added from here rather than in the shared maps, so that
// pages written side by side do not edit the same lines.
func init() {
	for k, v := range map[string]string{
		"authority": "Код министерства", "provider.name": "Полное наименование организации", "provider.inn": "ИНН",
		"provider.ogrn": "ОГРН", "provider.license_number": "Номер лицензии на образовательную деятельность",
		"provider.address": "Адрес", "provider.email": "Электронная почта организации", "provider.phone": "Телефон",
		"programmes": "Программы", "decision": "Решение", "reasons": "Причины",
	} {
		fieldLabels[k] = v
	}
	for i := 0; i < maxProgrammeRows; i++ {
		n, k := strconv.Itoa(i+1), "programmes["+strconv.Itoa(i)+"]."
		for f, l := range map[string]string{"code": "код", "title": "название", "kind": "вид", "hours": "объём, часов", "format": "форма обучения", "price": "стоимость"} {
			fieldLabels[k+f] = "Программа " + n + ": " + l
		}
	}
	ruMessages = append([]struct{ en, ru string }{
		{"must be one of", "выберите один из вариантов"},
		{"must have at least 1", "укажите хотя бы одну программу"},
		{"repeats an earlier programme's code", "код повторяет код другой программы"},
		{"no such authority in the directory", "такого министерства нет в справочнике"},
		{"required to", "укажите причины, по одной в строке"},
		{"cannot change on resubmission", "при повторной подаче не меняется: подайте новую заявку"},
		{"the provider is not in this registry", "организации нет в реестре этого министерства"},
		{"required: the provider is in the registries of several authorities", "организация в реестрах нескольких министерств: укажите код министерства"},
		{"not a valid INN", "ИНН указан с ошибкой: 10 или 12 цифр с верными контрольными цифрами"},
	}, ruMessages...)
	funcs["programmeKinds"] = func() [][2]string {
		return [][2]string{{"qualification_upgrade", "Повышение квалификации"}, {"retraining", "Профессиональная переподготовка"}}
	}
	funcs["programmeFormats"] = func() [][2]string {
		return [][2]string{{"in_person", "Очная"}, {"distance", "Дистанционная"}, {"blended", "Смешанная"}}
	}
	funcs["programmeKind"] = func(v any) string { return choiceLabel(funcs["programmeKinds"].(func() [][2]string)(), v) }
	funcs["programmeFormat"] = func(v any) string { return choiceLabel(funcs["programmeFormats"].(func() [][2]string)(), v) }
	funcs["key"] = func(i int, field string) string { return "programmes[" + strconv.Itoa(i) + "]." + field }
	funcs["num"] = func(i int) int { return i + 1 }
}

func choiceLabel(choices [][2]string, v any) string {
	s := fmt.Sprint(v) // domain.ProgrammeKind and plain strings alike
	for _, c := range choices {
		if c[0] == s {
			return c[1]
		}
	}
	return s
}

// registryRefusals put the registry's refusals in words; their messages name records, so
// they are matched by pattern.
var registryRefusals = []struct {
	re *regexp.Regexp
	ru string
}{
	{regexp.MustCompile(`^provider \S+ is already in the registry of (\S+)`), "Организация уже включена в реестр министерства «$1». Чтобы предложить программы на новый год, направьте сведения о программах."},
	{regexp.MustCompile(`^application (\S+) of provider \S+ to (\S+) is still (\S+)`), "Заявка $1 в министерство «$2» ещё не рассмотрена или возвращена на доработку: новую подать нельзя, пока она открыта."},
	{regexp.MustCompile(`^application (\S+) is (\S+): only an application under review can be decided`), "Решение по заявке $1 уже принято: решение принимают только по заявке на рассмотрении."},
	{regexp.MustCompile(`^application (\S+) is (\S+): only a returned application can be resubmitted`), "Повторно подать можно только заявку, возвращённую на доработку."},
	{regexp.MustCompile(`^provider (\S+) is (\S+) in the registry of (\S+)`), "Организация не может направить сведения: её положение в реестре министерства «$3» — «$2»."},
	{regexp.MustCompile(`^provider (\S+) is (\S+): its declarations are closed`), "Сведения организации больше не рассматриваются: её положение в реестре — «$2»."},
	{regexp.MustCompile(`^provider (\S+) is not in the registry of (\S+)`), "организации «$1» нет в реестре"},
	{regexp.MustCompile(`^provider (\S+) was excluded from the registry`), "организация «$1» исключена из реестра: новые сертификаты не выдаются"},
	{regexp.MustCompile(`^programme (\S+) of provider (\S+) is not declared and accepted for (\d+)`), "программа «$1» организации «$2» не принята в реестр на $3 год"},
}

func registryReason(msg string) string {
	for _, r := range registryRefusals {
		if m := r.re.FindString(msg); m != "" {
			return r.re.ReplaceAllString(m, r.ru)
		}
	}
	return ruMessage(msg)
}

var registryHints = map[string]string{
	"provider.inn":   "10 цифр для организации, 12 — для предпринимателя",
	"provider.ogrn":  "13 цифр (15 для предпринимателя)",
	"provider.phone": "+7 и 10 цифр, например +7 495 123-45-67",
}

func init() {
	funcs["hintFor"] = func(name string) string { return registryHints[name] }
	funcs["list"] = func(s ...string) []string { return s }
}
