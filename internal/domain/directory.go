package domain

import "time"

// Authority is a body that issues certificates, keeps a registry or forms a reserve
// (Минтруд, a regional civil-service body, a reserve authority).
type Authority struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Region    string    `json:"region"`
	Emails    []string  `json:"emails"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Agency is a state body whose servants train: its HR officers and head get notified.
type Agency struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Authority string    `json:"authority"`
	Region    string    `json:"region"`
	HREmails  []string  `json:"hr_emails"`
	HeadEmail string    `json:"head_email"`
	UpdatedAt time.Time `json:"updated_at"`
}
