package domain

import "time"

// Declaration is a provider's yearly declaration of the programmes it plans to run on
// certificates (сведения о ДПП, планируемых к реализации в соответствующем году).
type Declaration struct {
	ID          string            `json:"id"`
	ProviderID  string            `json:"provider_id"`
	Authority   string            `json:"authority"`
	Year        int               `json:"year"`
	Status      DeclarationStatus `json:"status"`
	Programmes  []Programme       `json:"programmes"`
	Reasons     []string          `json:"reasons"`
	SubmittedAt time.Time         `json:"submitted_at"`
	DecidedAt   *time.Time        `json:"decided_at,omitempty"`
}

// PublicProvider is a registry entry as anyone may see it.
type PublicProvider struct {
	ProviderID    string      `json:"provider_id"`
	Name          string      `json:"name"`
	INN           string      `json:"inn"`
	OGRN          string      `json:"ogrn"`
	LicenseNumber string      `json:"license_number"`
	Address       string      `json:"address"`
	AdmittedAt    time.Time   `json:"admitted_at"`
	Programmes    []Programme `json:"programmes"`
}
