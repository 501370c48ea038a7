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
