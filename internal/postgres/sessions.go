package postgres

import (
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/v2"
)

// SessionStore keeps the web console's sessions in the sessions table (migration 00009),
// so that they survive a restart, are shared by every API replica and can be revoked;
// expired ones are swept every five minutes.
func (db *DB) SessionStore() scs.Store {
	return pgxstore.NewWithCleanupInterval(db.pool, 5*time.Minute)
}
