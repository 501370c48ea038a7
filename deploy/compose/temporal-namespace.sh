#!/bin/sh
# The profdev namespace and the custom search attributes every profdev workflow sets
# (workflows/search.go). Both commands are idempotent in effect: an existing namespace or
# attribute is reported and left as it is.
set -eu
temporal operator namespace describe --namespace "$NAMESPACE" >/dev/null 2>&1 ||
  temporal operator namespace create --namespace "$NAMESPACE" --retention "$RETENTION"
for attr in ProfdevProcess:Keyword ProfdevStatus:Keyword ProfdevAuthority:Keyword ProfdevAgency:Keyword \
            ProfdevProvider:Keyword ProfdevYear:Int ProfdevOverdue:Bool; do
  temporal operator search-attribute create --namespace "$NAMESPACE" --name "${attr%%:*}" --type "${attr##*:}" ||
    echo "search attribute ${attr%%:*} exists"
done
