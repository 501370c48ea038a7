#!/usr/bin/env bash
# Installs what profdev needs from the host and a fresh Debian machine may lack:
#   - PostgreSQL server binaries (initdb, pg_ctl, postgres) for `profdev dev` and the tests;
#   - the openssl GOST engine (libengine-gost-openssl) for GOST R 34.10-2012 signatures;
#   - Chromium, headless, for the web console's browser tests;
#   - Docker Compose (the plugin, or Debian's docker-compose), which validates
#     deploy/compose/compose.yaml in the tests without a Docker engine.
# As root it installs them with apt-get; otherwise it says exactly what to run.
# It does nothing (and needs no network) when everything is present.
set -euo pipefail

missing=()

have_pg_server() {
	command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1 && return 0
	compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}
have_gost_engine() {
	compgen -G '/usr/lib/*/engines-3/gost.so' >/dev/null || compgen -G '/usr/lib/*/engines-1.1/gost.so' >/dev/null
}

have_pg_server || missing+=(postgresql)
have_gost_engine || missing+=(libengine-gost-openssl)
[ -e /usr/include/openssl/engine.h ] || missing+=(libssl-dev) # OpenSSL headers for the cgo GOST signer (internal/signing)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v kubectl >/dev/null 2>&1 || missing+=(kubectl) # renders deploy/k8s in the tests (`kubectl kustomize`)
# Debian's Chromium drives the web console's browser tests (api/console), headless; its
# fonts render the Cyrillic pages and screenshots.
command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-dejavu-core)

if ! command -v go >/dev/null 2>&1; then
	echo "install-deps: Go is not on PATH; profdev needs Go 1.26.8 (GOTOOLCHAIN=local)." >&2
	exit 1
fi

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing Debian packages: ${missing[*]}" >&2
	echo "install-deps: run as root:  apt-get update && apt-get install -y ${missing[*]}" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]} from Debian" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"

# The Debian package starts a cluster of its own; profdev runs private clusters and does not
# need it, so stop it to free port 5432 and memory (ignored where no init system runs).
if command -v pg_ctlcluster >/dev/null 2>&1; then
	for conf in /etc/postgresql/*/main; do
		[ -d "$conf" ] || continue
		ver=$(basename "$(dirname "$conf")")
		pg_ctlcluster "$ver" main stop >/dev/null 2>&1 || true
	done
fi

have_pg_server || { echo "install-deps: PostgreSQL server binaries still not found after install" >&2; exit 1; }
have_gost_engine || { echo "install-deps: GOST engine still not found after install" >&2; exit 1; }
