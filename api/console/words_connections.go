package console

import "strconv"

// Words of the connection request form (process 5).
func init() {
	for k, v := range map[string]string{
		"organisation.kind": "Вид организации", "organisation.id": "Код организации", "organisation.name": "Наименование организации",
		"organisation.inn": "ИНН", "organisation.ogrn": "ОГРН", "organisation.address": "Адрес",
		"organisation.head": "Руководитель", "organisation.head.full_name": "ФИО руководителя", "organisation.head.position": "Должность руководителя",
		"people": "Уполномоченные лица", "letter": "Письмо", "letter.number": "Номер письма", "letter.date": "Дата письма",
	} {
		fieldLabels[k] = v
	}
	for i := range maxPeopleRows {
		n, k := strconv.Itoa(i+1), "people["+strconv.Itoa(i)+"]."
		for f, l := range map[string]string{"full_name": "ФИО", "position": "должность", "email": "электронная почта", "phone": "телефон",
			"kind": "вид полномочий", "role": "роль"} {
			fieldLabels[k+f] = "Лицо " + n + ": " + l
		}
	}
	ruMessages = append([]struct{ en, ru string }{
		{"the same email is given twice", "этот адрес уже указан у другого лица"},
		{"must have at least 1 item", "укажите хотя бы одно уполномоченное лицо"},
		{"required: the letter's number and date", "укажите номер и дату письма"},
	}, ruMessages...)
}
