// Package domain holds the vocabulary every layer of profdev shares: who acts (Actor and
// Role), to whom a notification is addressed (Audience), and the one error type whose Code
// the API maps to an HTTP status in a single table.
//
// It imports nothing from the project, so workflows, activities, the store and the API can
// all depend on it without cycles.
package domain
