package console

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The refusals of the application layer and of the workflows (domain.Conflict,
// domain.Forbidden, refuse in workflows) name records and states, so a prefix does not put
// them in words. Each is kept here by the format it is made from: the English format is
// compiled into an anchored pattern that captures the arguments, and the arguments are put
// in the Russian format, which has the same verbs (reordered with explicit indices such as
// %[2]s where Russian word order needs it, or leaving an argument out the same way).
//
// An argument that is a code is put in words per entry, by the argWord given for its
// position: argStatus for a status (statusLabel), argCandidate for a candidate's status,
// argRole for a role (roleLabel), argStep for a step's name, argDate for a date, and so on;
// asIs (nil) leaves it as it is. Per entry rather than "every argument that happens to be a
// known code", because the same word means different things in different messages
// ("admitted" is a provider in the registry but a candidate admitted to the selection).
//
// TestMessageFormatsCoverSources fails for a refusal in the sources that has no entry here.

// argWord puts one captured argument in words.
type argWord func(string) string

var (
	asIs         argWord
	argStatus    argWord = func(s string) string { return statusLabel(s) }
	argCandidate argWord = func(s string) string {
		if l, ok := candidateStatusLabels[s]; ok {
			return l
		}
		return statusLabel(s)
	}
	argRole  argWord = func(s string) string { return roleLabel(s) }
	argRoles argWord = func(s string) string { // "hr, provider", quoted by the Russian format as «…»
		names := strings.Split(s, ", ")
		for i, n := range names {
			names[i] = roleLabel(n)
		}
		return strings.Join(names, "», «")
	}
	argStep argWord = func(s string) string { return lookup(stepLabels, s) }
	argDate argWord = func(s string) string { // civil.Date and time.Time print the day first as YYYY-MM-DD
		if len(s) >= 10 {
			if d, err := time.Parse("2006-01-02", s[:10]); err == nil {
				return d.Format("02.01.2006")
			}
		}
		return s
	}
	argRecords     argWord = func(s string) string { return lookup(scopeRecords, s) }
	argScope       argWord = func(s string) string { return lookup(scopeOwners, s) }
	argAppDecision argWord = func(s string) string { return lookup(applicationDecisionWords, s) }
	argDecision    argWord = func(s string) string { return lookup(decisionLabels, s) }
	argProblems    argWord = func(s string) string { // "field: message; field: message"
		parts := strings.Split(s, "; ")
		for i, p := range parts {
			if f, m, ok := strings.Cut(p, ": "); ok {
				parts[i] = fieldLabel(f) + ": " + ruMessage(m)
			}
		}
		return strings.Join(parts, "; ")
	}
)

// recordKinds name the records the generic refusals name by their English kind.
var recordKinds = map[string]string{
	"connection request": "Заявка на подключение", "change request": "Заявка на изменение", "application": "Заявка",
	"nomination": "Выдвижение", "planning cycle": "Цикл планирования", "plan": "План", "declaration": "Декларация",
	"certificate": "Сертификат", "membership": "Членство в реестре",
}

var argRecordKind argWord = func(s string) string { return lookup(recordKinds, s) }

func lookup(m map[string]string, s string) string {
	if l, ok := m[s]; ok {
		return l
	}
	return s
}

// stepLabels name the workflows' steps, as the Forbidden refusals name them.
var stepLabels = map[string]string{
	"proposing a candidate": "Добавление кандидата", "editing a candidate": "Изменение сведений о кандидате",
	"removing a candidate": "Исключение кандидата из списков", "approving the lists": "Утверждение списков",
	"submitting the lists": "Направление списков", "deciding on a candidate": "Решение по кандидату",
	"correcting a candidate": "Исправление сведений о кандидате", "recording a selection result": "Результат отбора",
	"setting quotas": "Установка квот", "reporting enrolment": "Сообщение о зачислении",
	"reporting the outcome": "Сообщение о результате обучения", "annulment": "Аннулирование",
	"a duplicate": "Выдача дубликата", "deciding a plan": "Решение по плану", "resubmitting a plan": "Повторное направление плана",
}

// scopeRecords and scopeOwners put a list's scope in words: "the certificates of agency X".
var scopeRecords = map[string]string{
	"agencies": "органы", "nominations": "представления в кадровый резерв", "applications": "заявки",
	"certificates": "сертификаты",
}

var scopeOwners = map[string]string{
	"authority": "министерства", "agency": "органа", "provider": "организации", "servant": "служащего",
}

var applicationDecisionWords = map[string]string{
	"return": "вернуть заявку на доработку", "reject": "отказать во включении в реестр",
}

type formatted struct {
	en, ru string
	words  []argWord // by argument position; missing or asIs leaves the argument as it is
}

// messageFormats: English format → Russian format. Where the prefix table had a Russian
// text already, it is kept word for word.
var messageFormats = []formatted{
	// certificates
	{"certificate %s not found", "Сертификат %s не найден.", nil},
	{"certificate %s is not issued", "Сертификат %s ещё не выдан: этот шаг станет доступен после выдачи и подписания.", nil},
	{"certificate %s is %s: enrolment is reported once, on an issued certificate",
		"Сертификат %s в статусе «%s»: о зачислении сообщают один раз, по выданному сертификату.", []argWord{asIs, argStatus}},
	{"certificate %s is %s: the outcome is reported once, after enrolment",
		"Сертификат %s в статусе «%s»: результат обучения сообщают один раз, после зачисления.", []argWord{asIs, argStatus}},
	{"certificate %s is %s: only a certificate without an outcome can be annulled",
		"Сертификат %s уже в статусе «%s»: аннулировать можно только сертификат, по которому ещё не сообщён результат.", []argWord{asIs, argStatus}},
	{"certificate %s is %s: no duplicate is issued", "Сертификат %s в статусе «%s»: дубликат по нему не выдаётся.", []argWord{asIs, argStatus}},
	{"certificate %s is %s: its process has ended", "Сертификат %s в статусе «%s»: работа по нему завершена, новые шаги недоступны.", []argWord{asIs, argStatus}},
	{"enrolment on certificate %s was due by %s", "Сообщить о зачислении по сертификату %s нужно было не позднее %s: срок истёк.", []argWord{asIs, argDate}},
	{"training must start no later than %s", "Обучение должно начаться не позднее %s.", []argWord{argDate}},
	{"a completed programme carries the number of the issued document", "для завершённого обучения укажите номер выданного документа", nil},
	{"hours_completed must be between 1 and %d", "Освоено часов: укажите число от 1 до %d.", nil},
	{"outcome must be completed, failed_attestation, partially_completed or expelled",
		"Выберите результат обучения: обучение завершено, не прошёл итоговую аттестацию, программа освоена частично или отчислен.", nil},
	{"a reason is required", "укажите причину", nil},
	{"the quality survey is for the servant and the agency's HR", "Оценку качества обучения ставят служащий и кадровая служба его органа.", nil},
	{"the quality survey of certificate %s is open after the outcome only",
		"Оценка качества обучения по сертификату %s доступна после того, как сообщён результат обучения.", nil},
	{"score must be 1 to 5", "выберите оценку от 1 до 5", nil},
	{"%s has already rated certificate %s", "Качество обучения по сертификату %[2]s вами уже оценено: оценку ставят один раз.", nil},
	{"%s is for the %s of the certificate", "Шаг «%s» по сертификату выполняет участник с ролью «%s».", []argWord{argStep, argRole}},
	{"this step is for the %s of the certificate", "Этот шаг по сертификату выполняет участник с ролью «%s».", []argWord{argRole}},
	{"the document of certificate %s is not signed yet", "Документ сертификата %s ещё не подписан. Повторите действие немного позже.", nil},
	{"servant %s already has a live certificate for programme %s of %s in %d",
		"У служащего %s уже есть действующий сертификат на программу %s организации %s в %d году: второй на ту же программу не выдаётся.", nil},
	{"this preview is no longer current", "проверка файла уже не действует: загрузите файл заново", nil},
	{"the file has no row that can be issued", "в файле нет строк, которые можно выдать", nil},
	{"the file has no row that can be reported", "в файле нет строк, результаты по которым можно отправить", nil},

	// registry of providers
	{"application %s not found", "Заявка %s не найдена.", nil},
	{"application %s is still being registered; retry shortly", "Заявка %s ещё регистрируется. Повторите действие через несколько секунд.", nil},
	{"application %s is %s: only an application under review can be decided",
		"Решение по заявке %s уже принято (статус «%s»): решение принимают только по заявке на рассмотрении.", []argWord{asIs, argStatus}},
	{"application %s is %s: only a returned application can be resubmitted",
		"Заявка %s в статусе «%s»: повторно подать можно только заявку, возвращённую на доработку.", []argWord{asIs, argStatus}},
	{"application %s of provider %s to %s is still %s",
		"Заявка %s организации %s в министерство %s ещё открыта (статус «%s»): пока по ней не принято решение, новую заявку подать нельзя. Дождитесь решения или доработайте открытую заявку.",
		[]argWord{asIs, asIs, asIs, argStatus}},
	{"only the authority's ministry users decide applications", "Решение по заявке принимают сотрудники министерства, в которое она подана.", nil},
	{"only the provider that applied resubmits an application", "Повторно подать заявку может только организация, которая её подала.", nil},
	{"decision must be admit, return or reject", "Выберите решение: включить в реестр, вернуть на доработку или отказать.", nil},
	{"reasons are required to %s an application", "Укажите причины: без них нельзя %s.", []argWord{argAppDecision}},
	{"a resubmission lists at least one programme", "Укажите в повторной заявке хотя бы одну программу.", nil},
	{"provider %s is already in the registry of %s; declare programmes for a new year instead",
		"Организация %s уже включена в реестр министерства %s. Чтобы предложить программы на новый год, направьте сведения о программах.", nil},
	{"provider %s is not in the registry of %s", "Организации %s нет в реестре министерства %s.", nil},
	{"provider %s is %s in the registry of %s",
		"Организация %[1]s в реестре министерства %[3]s в статусе «%[2]s»: сведения о программах сейчас не принимаются.", []argWord{asIs, argStatus}},
	{"provider %s is %s in the registry of %s: it declares no programmes",
		"Организация %[1]s в реестре министерства %[3]s в статусе «%[2]s»: сведения о программах от неё не принимаются.", []argWord{asIs, argStatus}},
	{"provider %s is %s: its declarations are closed", "Организация %s в статусе «%s»: её сведения о программах больше не рассматриваются.", []argWord{asIs, argStatus}},
	{"provider %s is already %s", "Организация %s уже в статусе «%s».", []argWord{asIs, argStatus}},
	{"provider %s is already excluded", "Организация %s уже исключена из реестра.", nil},
	{"provider %s is already excluded from the registry of %s", "Организация %s уже исключена из реестра министерства %s.", nil},
	{"provider %s was excluded from the registry of %s: no new certificates",
		"Организация %s исключена из реестра министерства %s: новые сертификаты на её программы не выдаются.", nil},
	{"programme %s of provider %s is not declared and accepted for %d",
		"Программа %s организации %s не принята в реестр на %d год: выберите другую программу.", nil},
	{"this step is the provider's", "Этот шаг выполняет образовательная организация.", nil},
	{"this step is the authority's", "Этот шаг выполняет министерство.", nil},
	{"a declaration lists at least one programme", "Укажите в сведениях хотя бы одну программу.", nil},
	{"declaration %s not found", "Сведения о программах %s не найдены.", nil},
	{"declaration %s for %d is still under review",
		"Сведения о программах %s на %d год ещё на рассмотрении: новые можно направить после решения по ним.", nil},
	{"declaration %s is %s: only a declaration under review can be decided",
		"Сведения о программах %s в статусе «%s»: решение принимают только по сведениям на рассмотрении.", []argWord{asIs, argStatus}},
	{"decision must be accept or return", "Выберите решение: принять или вернуть на доработку.", nil},
	{"reasons are required to return a declaration", "Укажите причины, по которым сведения о программах возвращаются на доработку.", nil},
	{"a ministry user of %s excludes from the registry of %s only",
		"Сотрудник министерства %s исключает организации только из реестра министерства %s.", nil},

	// directory
	{"a ministry user of %s registers agencies of %s only", "Сотрудник министерства %s вносит в справочник только органы министерства %s.", nil},
	{"a ministry user of %s keeps the record of %s only", "Сотрудник министерства %s ведёт сведения только о министерстве %s.", nil},

	// management reserve
	{"nomination %s not found", "Представление %s не найдено.", nil},
	{"nomination %s is still being created; retry shortly", "Представление %s ещё создаётся. Повторите действие через несколько секунд.", nil},
	{"nomination %s is closed: its year %d is over", "Представление %s закрыто: %d год завершён.", nil},
	{"nomination %s has no candidates", "В представлении %s нет кандидатов: добавьте хотя бы одного.", nil},
	{"nomination %s is %s: candidates are added only before submission",
		"Представление %s в статусе «%s»: кандидатов добавляют только до направления представления.", []argWord{asIs, argStatus}},
	{"nomination %s is %s: only a draft is approved", "Представление %s в статусе «%s»: утвердить можно только черновик.", []argWord{asIs, argStatus}},
	{"nomination %s is %s: selection results follow the decision on every candidate",
		"Представление %s в статусе «%s»: результаты отбора вносят после решения по каждому кандидату.", []argWord{asIs, argStatus}},
	{"nomination %s is a draft: the agency head approves the lists before they are submitted",
		"Представление %s — черновик: перед направлением списки утверждает руководитель органа.", nil},
	{"nomination %s is already %s", "Представление %s уже в статусе «%s».", []argWord{asIs, argStatus}},
	{"agency %s is not in the directory: the ministry registers it before it nominates",
		"Органа %s нет в справочнике. Представление в кадровый резерв можно создать, когда министерство внесёт орган в справочник.", nil},
	{"agency %s already has nomination %s for %d", "У органа %[1]s уже есть представление %[2]s на %[3]d год: продолжайте работу с ним.", nil},
	{"candidate %s not found in nomination %s", "Кандидат %s не найден в представлении %s.", nil},
	{"invalid candidate: %s", "Сведения о кандидате заполнены не полностью: %s.", []argWord{argProblems}},
	{"%s is already candidate %s of nomination %s",
		"%[1]s уже есть в представлении %[3]s (кандидат %[2]s): измените сведения этого кандидата, а не добавляйте его повторно.", nil},
	{"quota exceeded: category %s «%s» allows %d candidate(s) on list 2 for %s in %d, and %d are already proposed",
		"Превышена квота списка 2 по категории %[1]s «%[2]s»: для органа %[4]s на %[5]d год квота — %[3]d, уже предложено — %[6]d. Исключите кандидата из списка 2 или попросите уполномоченный орган изменить квоту.", nil},
	{"quota exceeded: list 2 has %d candidate(s) in category %s «%s», over its quota of %d; remove %d",
		"Превышена квота списка 2 по категории %[2]s «%[3]s»: в списке %[1]d, квота — %[4]d. Исключите из списка 2 кандидатов сверх квоты (%[5]d) или попросите уполномоченный орган изменить квоту.", nil},
	{"candidate %s is %s: its list and category can no longer change",
		"Кандидат %s в статусе «%s»: его список и категорию изменить уже нельзя.", []argWord{asIs, argCandidate}},
	{"candidate %s is %s and nomination %s is %s: a candidate is edited before submission, when a correction is requested, or once included",
		"Кандидат %s в статусе «%s», представление %s в статусе «%s». Сведения о кандидате меняют до направления представления, по запросу исправления или после включения в резерв.",
		[]argWord{asIs, argCandidate, asIs, argStatus}},
	{"candidate %s is %s: a candidate is removed before submission or when a correction is requested",
		"Кандидат %s в статусе «%s»: исключить кандидата из списков можно до направления представления или когда запрошено исправление сведений.", []argWord{asIs, argCandidate}},
	{"candidate %s is %s: only a candidate under review is decided",
		"Кандидат %s в статусе «%s»: решение принимают только по кандидату на рассмотрении.", []argWord{asIs, argCandidate}},
	{"candidate %s is %s: corrections are accepted only when the authority requests one",
		"Кандидат %s в статусе «%s»: исправленные сведения принимают, только когда уполномоченный орган запросил исправление.", []argWord{asIs, argCandidate}},
	{"candidate %s is %s: only an admitted candidate has a selection result",
		"Кандидат %s в статусе «%s»: результат отбора вносят только по кандидату, допущенному к конкурсному отбору.", []argWord{asIs, argCandidate}},
	{"a correction keeps the candidate's list and category", "При исправлении список и категория кандидата не меняются.", nil},
	{"a reason is required for %s", "Укажите причину решения «%s».", []argWord{argDecision}},
	{"decision must be admit, not_admitted or correction",
		"Выберите решение: допустить к конкурсному отбору, не допустить или запросить исправление сведений.", nil},
	{"category must be one of: I, II, III", "Выберите категорию I, II или III.", nil},
	{"quotas are counts from 0", "Квота — целое число, не меньше 0.", nil},
	{"%s is the step of %s, not of %s", "Шаг «%s» выполняет участник с ролью «%s», а вы вошли с ролью «%s».", []argWord{argStep, argRole, argRole}},

	// planning
	{"planning cycle %s not found", "Цикл планирования %s не найден.", nil},
	{"planning cycle %s is still opening; retry shortly", "Цикл планирования %s ещё открывается. Повторите действие через несколько секунд.", nil},
	{"planning cycle %s is closed", "Цикл планирования %s завершён: планы и отчёты больше не принимаются.", nil},
	{"planning cycle %s has no quarterly reports", "В цикле планирования %s квартальные отчёты не предусмотрены.", nil},
	{"the planning cycle of %s for %d is already open", "Цикл планирования министерства %s на %d год уже открыт.", nil},
	{"the planning cycle of %s for %d is closed", "Цикл планирования министерства %s на %d год завершён: планы и отчёты больше не принимаются.", nil},
	{"plans and reports are submitted by agencies' HR officers and providers, not by %s",
		"Планы и отчёты представляют кадровые службы органов и образовательные организации, а не участник с ролью «%s».", []argWord{argRole}},
	{"quarterly reports are submitted by agencies' HR officers", "Квартальные отчёты представляют кадровые службы органов.", nil},
	{"a plan lists at least one event", "Добавьте в план хотя бы одно мероприятие.", nil},
	{"%s has already submitted plan %s for %d",
		"План %[2]s на %[3]d год от «%[1]s» уже представлен. Если его вернули на доработку, направьте его повторно со страницы плана.", nil},
	{"quarter must be 1 to 4", "Выберите квартал от 1 до 4.", nil},
	{"reports for quarter %d of %d are accepted from %s", "Отчёты за %d квартал %d года принимаются с %s.", []argWord{asIs, asIs, argDate}},
	{"%s has already reported quarter %d of %d", "Отчёт «%s» за %d квартал %d года уже представлен: повторно его не представляют.", nil},
	{"plan %s not found", "План %s не найден.", nil},
	{"plan %s is %s: only a plan under review can be decided",
		"План %s в статусе «%s»: решение принимают только по плану на рассмотрении.", []argWord{asIs, argStatus}},
	{"plan %s is %s: only a returned plan can be submitted again",
		"План %s в статусе «%s»: повторно направить можно только план, возвращённый на доработку.", []argWord{asIs, argStatus}},
	{"plan %s is already %s; only a plan returned for rework is submitted again",
		"План %s уже в статусе «%s»: повторно направляют только план, возвращённый на доработку.", []argWord{asIs, argStatus}},
	{"plan %s is %s: its review has ended", "План %s в статусе «%s»: его рассмотрение завершено.", []argWord{asIs, argStatus}},
	{"the review of plan %s has ended: its year is over", "Рассмотрение плана %s завершено: его год закончился.", nil},
	{"reasons are required to return a plan", "Укажите причины, по которым план возвращается на доработку.", nil},
	{"%s is not the step of %s", "Шаг «%s» не выполняется с ролью «%s».", []argWord{argStep, argRole}},
	{"you act for authority %s, not %s", "Вы действуете от имени министерства %s, а не %s.", nil},

	// any process: an update before the workflow has recorded its request, a decision by
	// someone other than the authority's ministry (the specific entries above and below
	// match first where they exist)
	{"%s %s is still being registered; retry shortly", "%s %s ещё регистрируется. Повторите действие через несколько секунд.",
		[]argWord{argRecordKind, asIs}},
	{"only the authority's ministry users decide %ss",
		"Решение по заявке (%s) принимают сотрудники министерства, в которое она подана.", []argWord{argRecordKind}},

	// connections and people
	{"connection request %s not found", "Заявка на подключение %s не найдена.", nil},
	{"connection request %s is still being registered; retry shortly",
		"Заявка на подключение %s ещё регистрируется. Повторите действие через несколько секунд.", nil},
	{"connection request %s is closed", "Заявка на подключение %s закрыта: действия по ней больше недоступны.", nil},
	{"connection request %s is %s: only a request under review can be decided",
		"Заявка на подключение %s в статусе «%s»: решение принимают только по заявке на рассмотрении.", []argWord{asIs, argStatus}},
	{"connection request %s is %s: only a returned request is corrected",
		"Заявка на подключение %s в статусе «%s»: исправить можно только заявку, возвращённую на доработку.", []argWord{asIs, argStatus}},
	{"connection request %s is %s: only a returned request can be resubmitted",
		"Заявка на подключение %s в статусе «%s»: повторно направить можно только заявку, возвращённую на доработку.", []argWord{asIs, argStatus}},
	{"only the authority's ministry users decide connection requests",
		"Решение по заявке на подключение принимают сотрудники министерства, в которое она подана.", nil},
	{"only the applicant, or a ministry user registering a new letter, resubmits a request",
		"Повторно направить заявку может только заявитель или сотрудник министерства, регистрирующий новое письмо.", nil},
	{"a resubmission keeps the authority and the organisation's id",
		"При повторной подаче министерство и идентификатор организации не меняются: для других подайте новую заявку.", nil},
	{"reasons are required to return a request", "Укажите причины, по которым заявка возвращается на доработку.", nil},
	{"person %s is not one of connection request %s", "Пользователя %s нет в заявке на подключение %s.", nil},
	{"organisation %s already has a connection request under way (%s)",
		"По организации %s уже рассматривается заявка на подключение %s: дождитесь решения по ней или доработайте её.", nil},
	{"organisation %s is connected already: report changes of its people as change requests",
		"Организация %s уже подключена: об изменениях в составе её сотрудников сообщите заявкой на изменение.", nil},
	{"change request %s not found", "Заявка на изменение %s не найдена.", nil},
	{"change request %s is still being registered; retry shortly",
		"Заявка на изменение %s ещё регистрируется. Повторите действие через несколько секунд.", nil},
	{"change request %s is %s already", "Заявка на изменение %s уже в статусе «%s».", []argWord{asIs, argStatus}},
	{"change request %s is decided already", "Решение по заявке на изменение %s уже принято.", nil},
	{"only the authority's ministry users decide change requests",
		"Решение по заявке на изменение принимают сотрудники министерства, в которое она подана.", nil},
	{"decision must be apply or return", "Выберите решение: внести изменения или вернуть на доработку.", nil},
	{"reasons are required to return a change request", "Укажите причины, по которым заявка на изменение возвращается на доработку.", nil},
	{"the caller registers letters to %s only", "Вы регистрируете письма только в министерство %s.", nil},
	{"person %s is blocked in the registry of authorised people",
		"Пользователь %s заблокирован в реестре уполномоченных лиц. Обратитесь к администратору своей организации.", nil},
	{"person %s is not yet connected: accept the invitation first",
		"Пользователь %s ещё не подключён: сначала примите приглашение по ссылке из письма.", nil},
	{"person %s is blocked", "Пользователь %s заблокирован.", nil},
	{"person %s is blocked: a blocked person's role does not change", "Пользователь %s заблокирован: роль заблокированного пользователя не меняется.", nil},
	{"the invitation has already been accepted by another person",
		"Это приглашение уже принял другой пользователь. Если это ошибка, обратитесь к администратору своей организации.", nil},
	{"the signed-in person is already registered as %s", "Вы уже зарегистрированы в системе как пользователь %s.", nil},
	{"the caller is not yet connected: only their own connection request is open to them",
		"Ваша организация ещё не подключена: пока вам доступна только ваша заявка на подключение.", nil},

	// access and requests
	{"this step is for the role(s) %s; the caller is %s",
		"Этот шаг выполняют участники с ролью «%s», а вы вошли с ролью «%s».", []argWord{argRoles, argRole}},
	{"the caller sees the %s of %s %s only", "Вам доступны только %s %s %s.", []argWord{argRecords, argScope}},
	{"a request with Idempotency-Key %q is still being processed; retry shortly",
		"Запрос с ключом Idempotency-Key %q ещё обрабатывается. Повторите его через несколько секунд.", nil},
}

// formatMatcher is one entry of messageFormats, compiled.
type formatMatcher struct {
	formatted
	re      *regexp.Regexp
	verbs   []byte // 's', 'd' or 'q', one per argument
	literal int    // characters of the format outside its verbs: the more, the more specific
}

var formatMatchers []formatMatcher

func init() {
	// Statuses that appear in refusals but not yet on any page.
	for k, v := range map[string]string{"applied": "Изменения внесены", "exclusion_requested": "Запрошено исключение"} {
		if _, taken := statusLabels[k]; !taken {
			statusLabels[k] = v
		}
	}
	for _, f := range messageFormats {
		re, verbs, literal, err := compileFormat(f.en)
		if err != nil {
			panic("console: message format " + strconv.Quote(f.en) + ": " + err.Error())
		}
		formatMatchers = append(formatMatchers, formatMatcher{formatted: f, re: re, verbs: verbs, literal: literal})
	}
	// "provider %s is already %s" also matches "provider p is already excluded from the
	// registry of m": the more specific format is tried first.
	sort.SliceStable(formatMatchers, func(i, j int) bool { return formatMatchers[i].literal > formatMatchers[j].literal })
}

// compileFormat turns a format into an anchored pattern with a group per verb.
func compileFormat(format string) (re *regexp.Regexp, verbs []byte, literal int, err error) {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	var lit strings.Builder
	flush := func() {
		b.WriteString(regexp.QuoteMeta(lit.String()))
		literal += len([]rune(lit.String()))
		lit.Reset()
	}
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			lit.WriteByte(format[i])
			continue
		}
		if i+1 == len(format) {
			return nil, nil, 0, fmt.Errorf("a lone %% at the end")
		}
		i++
		switch v := format[i]; v {
		case '%':
			lit.WriteByte('%')
		case 's', 'q':
			flush()
			b.WriteString(`(.+?)`)
			verbs = append(verbs, v)
		case 'd':
			flush()
			b.WriteString(`(-?\d+)`)
			verbs = append(verbs, v)
		default:
			return nil, nil, 0, fmt.Errorf("verb %%%c is not one the console reads back (only %%s, %%d and %%q)", v)
		}
	}
	flush()
	b.WriteString(`$`)
	re, err = regexp.Compile(b.String())
	return re, verbs, literal, err
}

// matchFormat finds the format a message was made from, and its arguments as the Russian
// format takes them: numbers as ints, the rest as strings put in words.
func matchFormat(msg string) (*formatMatcher, []any) {
	for i := range formatMatchers {
		m := &formatMatchers[i]
		groups := m.re.FindStringSubmatch(msg)
		if groups == nil {
			continue
		}
		args := make([]any, len(m.verbs))
		for j, v := range m.verbs {
			s := groups[j+1]
			if v == 'd' {
				n, err := strconv.Atoi(s)
				if err != nil {
					args[j] = s
				} else {
					args[j] = n
				}
				continue
			}
			if v == 'q' {
				if u, err := strconv.Unquote(s); err == nil {
					s = u
				}
			}
			if j < len(m.words) && m.words[j] != nil {
				s = m.words[j](s)
			}
			args[j] = s
		}
		return m, args
	}
	return nil, nil
}

// translateFormatted puts a refusal made from one of messageFormats in Russian.
func translateFormatted(msg string) (string, bool) {
	m, args := matchFormat(msg)
	if m == nil {
		return "", false
	}
	return fmt.Sprintf(m.ru, args...), true
}
