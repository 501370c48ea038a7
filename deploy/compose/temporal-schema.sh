#!/bin/sh
# Creates the Temporal databases (if missing) and applies the versioned schema steps of this
# server release; safe to run on every start and before every upgrade of the server.
set -eu
tool() { temporal-sql-tool --plugin "$SQL_PLUGIN" --ep "$SQL_HOST" -p "$SQL_PORT" -u "$SQL_USER" --pw "$SQL_PASSWORD" "$@"; }
for db in temporal temporal_visibility; do
  tool --db "$db" create 2>/dev/null || echo "database $db exists"
done
tool --db temporal setup-schema -v 0.0
tool --db temporal update-schema -d /etc/temporal/schema/postgresql/v12/temporal/versioned
tool --db temporal_visibility setup-schema -v 0.0
tool --db temporal_visibility update-schema -d /etc/temporal/schema/postgresql/v12/visibility/versioned
echo "Temporal schemas are current"
