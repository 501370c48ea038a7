package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/profdev/profdev/internal/auth"
	"github.com/profdev/profdev/internal/domain"
)

// The development token issuer and audience: `profdev dev` accepts only tokens with these.
const (
	devIssuer   = "profdev-dev"
	devAudience = "profdev"
	devKeyFile  = "dev-jwt-key.pem"
)

// runToken mints a development token with the dev key of a data directory.
func runToken(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		role      = fs.String("role", "", "role: "+rolesList())
		authority = fs.String("authority", "", "scope for ministry and reserve_authority")
		agency    = fs.String("agency", "", "scope for hr and agency_head")
		provider  = fs.String("provider", "", "scope for provider")
		servant   = fs.String("servant", "", "scope for servant")
		name      = fs.String("name", "", "display name")
		sub       = fs.String("sub", "", "subject; default <role>-<scope>")
		ttl       = fs.Duration("ttl", 30*24*time.Hour, "lifetime")
		dataDir   = fs.String("data-dir", ".data", "data directory holding the dev key")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	actor := domain.Actor{
		Sub: *sub, Name: *name, Role: domain.Role(*role),
		Authority: *authority, Agency: *agency, Provider: *provider, Servant: *servant,
	}
	if *role == "" {
		return fmt.Errorf("--role is required (one of %s)", rolesList())
	}
	if actor.Sub == "" {
		actor.Sub = defaultSub(actor)
	}
	// Refuse a bad actor before touching the data directory, so a mistyped call never
	// creates a key that the running dev server does not know.
	if err := actor.Validate(); err != nil {
		return err
	}
	signer, err := devSigner(*dataDir)
	if err != nil {
		return err
	}
	token, err := signer.Mint(actor, *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, token)
	return nil
}

// devSigner loads (or creates) the development signing key of a data directory.
func devSigner(dataDir string) (*auth.Signer, error) {
	key, err := auth.LoadOrCreateDevKey(filepath.Join(dataDir, devKeyFile))
	if err != nil {
		return nil, err
	}
	return auth.NewSigner(key, devIssuer, devAudience)
}

func defaultSub(a domain.Actor) string {
	if s := a.Scope(); s != "" {
		return string(a.Role) + "-" + s
	}
	return string(a.Role)
}

func rolesList() string {
	s := ""
	for i, r := range domain.Roles {
		if i > 0 {
			s += ", "
		}
		s += string(r)
	}
	return s
}
