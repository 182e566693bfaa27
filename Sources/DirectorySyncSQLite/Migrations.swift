import DirectorySync
import DirectorySyncSQL
import Foundation
import GRDB

/// The store's schema, one append-only named migration at a time. Never edit a migration that has
/// shipped: add the next one.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-create-ledger") { db in
            try db.execute(
                sql: """
                    CREATE TABLE organizations (
                        id INTEGER PRIMARY KEY,
                        name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(trim(name)) > 0),
                        seats INTEGER NOT NULL CHECK (seats >= 1),
                        inviter TEXT NOT NULL,
                        invitation_validity_seconds INTEGER NOT NULL CHECK (invitation_validity_seconds >= 60),
                        created_at TEXT NOT NULL
                    );

                    CREATE TABLE members (
                        id INTEGER PRIMARY KEY,
                        organization_id INTEGER NOT NULL REFERENCES organizations(id),
                        email TEXT NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
                        name TEXT,
                        role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
                        joined_at TEXT NOT NULL,
                        invited_by TEXT,
                        origin TEXT NOT NULL CHECK (origin IN ('founder', 'invitation', 'domain-auto-join')),
                        anchor TEXT,
                        managed INTEGER NOT NULL DEFAULT 0 CHECK (managed IN (0, 1)),
                        UNIQUE (organization_id, email)
                    );
                    CREATE INDEX members_by_anchor ON members(organization_id, anchor) WHERE anchor IS NOT NULL;

                    CREATE TABLE invitations (
                        id INTEGER PRIMARY KEY,
                        organization_id INTEGER NOT NULL REFERENCES organizations(id),
                        email TEXT NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
                        role TEXT NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
                        status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'revoked')),
                        created_at TEXT NOT NULL,
                        sent_at TEXT NOT NULL,
                        expires_at TEXT NOT NULL CHECK (expires_at > sent_at),
                        resend_count INTEGER NOT NULL DEFAULT 0 CHECK (resend_count >= 0),
                        invited_by TEXT NOT NULL,
                        message TEXT,
                        anchor TEXT,
                        managed INTEGER NOT NULL DEFAULT 0 CHECK (managed IN (0, 1)),
                        closed_at TEXT,
                        CHECK ((status = 'pending') = (closed_at IS NULL))
                    );
                    CREATE UNIQUE INDEX invitations_one_pending_per_email
                        ON invitations(organization_id, email) WHERE status = 'pending';
                    CREATE INDEX invitations_by_email ON invitations(organization_id, email);
                    CREATE INDEX invitations_pending_expiry ON invitations(organization_id, expires_at)
                        WHERE status = 'pending';

                    CREATE TABLE invitation_tokens (
                        id INTEGER PRIMARY KEY,
                        invitation_id INTEGER NOT NULL REFERENCES invitations(id),
                        selector TEXT NOT NULL UNIQUE,
                        hash TEXT NOT NULL CHECK (length(hash) = 64),
                        issued_at TEXT NOT NULL,
                        expires_at TEXT NOT NULL,
                        closure TEXT CHECK (closure IN ('replaced', 'revoked', 'used')),
                        closed_at TEXT,
                        CHECK ((closure IS NULL) = (closed_at IS NULL))
                    );
                    CREATE UNIQUE INDEX invitation_tokens_one_open
                        ON invitation_tokens(invitation_id) WHERE closure IS NULL;

                    CREATE TABLE audit_events (
                        id INTEGER PRIMARY KEY,
                        organization_id INTEGER NOT NULL REFERENCES organizations(id),
                        time TEXT NOT NULL,
                        event TEXT NOT NULL,
                        actor TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        details TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details))
                    );
                    CREATE INDEX audit_events_by_time ON audit_events(organization_id, time);
                    CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
                        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
                    CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
                        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;

                    CREATE TABLE outbox (
                        id INTEGER PRIMARY KEY,
                        organization_id INTEGER NOT NULL REFERENCES organizations(id),
                        message_id TEXT NOT NULL UNIQUE,
                        recipient TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        content TEXT,
                        token_id INTEGER REFERENCES invitation_tokens(id),
                        status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'voided')),
                        attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                        last_error TEXT,
                        created_at TEXT NOT NULL,
                        next_attempt_at TEXT,
                        sent_at TEXT,
                        CHECK (status <> 'pending' OR content IS NOT NULL),
                        CHECK ((status = 'sent') = (sent_at IS NOT NULL))
                    );
                    CREATE INDEX outbox_by_status ON outbox(status, id);
                    """)
        }
        migrator.registerMigration("v2-create-runs") { db in
            try db.execute(
                sql: """
                    CREATE TABLE runs (
                        id INTEGER PRIMARY KEY,
                        organization_id INTEGER NOT NULL REFERENCES organizations(id),
                        trigger TEXT NOT NULL CHECK (trigger IN ('apply', 'sync', 'run')),
                        started_at TEXT NOT NULL,
                        finished_at TEXT,
                        source_kind TEXT CHECK (source_kind IN ('scim', 'ldif', 'dsml', 'csv')),
                        source_fingerprint TEXT,
                        source_users INTEGER CHECK (source_users >= 0),
                        changes TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(changes)),
                        outcome TEXT NOT NULL CHECK (outcome IN ('running', 'completed', 'no-changes', 'blocked', 'failed')),
                        error TEXT,
                        CHECK ((outcome = 'running') = (finished_at IS NULL))
                    );
                    CREATE INDEX runs_by_organization ON runs(organization_id, id);
                    """)
        }
        migrator.registerMigration("v3-create-leases-and-notification-state") { db in
            try db.execute(
                sql: """
                    CREATE TABLE leases (
                        organization_id INTEGER PRIMARY KEY REFERENCES organizations(id),
                        holder TEXT NOT NULL,
                        acquired_at TEXT NOT NULL,
                        expires_at TEXT NOT NULL CHECK (expires_at > acquired_at),
                        next_run_at TEXT
                    );
                    CREATE TABLE notification_state (
                        organization_id INTEGER PRIMARY KEY REFERENCES organizations(id),
                        problem_since TEXT,
                        consecutive_problems INTEGER NOT NULL DEFAULT 0 CHECK (consecutive_problems >= 0),
                        last_notified_at TEXT
                    );
                    """)
        }
        migrator.registerMigration("v4-create-store-secrets") { db in
            // The key saved plans are signed with (HMAC-SHA-256): made once per store, never leaves it.
            try db.execute(
                sql: """
                    CREATE TABLE store_secrets (
                        name TEXT PRIMARY KEY,
                        value BLOB NOT NULL CHECK (length(value) >= 32)
                    );
                    """)
            var generator = SystemRandomNumberGenerator()
            let key = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            try db.execute(
                sql: "INSERT INTO store_secrets (name, value) VALUES ('plan-signing', ?)", arguments: [Data(key)])
        }
        migrator.registerMigration("v5-runs-interrupted-outcome") { db in
            // SQLite cannot change a CHECK in place: the table is rebuilt with the new outcome allowed.
            try db.execute(
                sql: """
                    CREATE TABLE runs_v5 (
                        id INTEGER PRIMARY KEY,
                        organization_id INTEGER NOT NULL REFERENCES organizations(id),
                        trigger TEXT NOT NULL CHECK (trigger IN ('apply', 'sync', 'run')),
                        started_at TEXT NOT NULL,
                        finished_at TEXT,
                        source_kind TEXT CHECK (source_kind IN ('scim', 'ldif', 'dsml', 'csv')),
                        source_fingerprint TEXT,
                        source_users INTEGER CHECK (source_users >= 0),
                        changes TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(changes)),
                        outcome TEXT NOT NULL CHECK (outcome IN ('running', 'completed', 'no-changes', 'blocked', 'failed',
                            'interrupted')),
                        error TEXT,
                        CHECK ((outcome = 'running') = (finished_at IS NULL))
                    );
                    INSERT INTO runs_v5 SELECT * FROM runs;
                    DROP TABLE runs;
                    ALTER TABLE runs_v5 RENAME TO runs;
                    CREATE INDEX runs_by_organization ON runs(organization_id, id);
                    """)
        }
        migrator.registerMigration("v6-audit-os-user") { db in
            // The operating-system user whose command wrote the event, beside the acting address.
            try db.execute(sql: "ALTER TABLE audit_events ADD COLUMN os_user TEXT")
        }
        migrator.registerMigration("v7-create-delivery-leases") { db in
            // Who is delivering an organization's mail: a lease like the apply lease, so two processes (on one
            // machine or several) never send the same message at once, and a dead one is taken over.
            try db.execute(
                sql: """
                    CREATE TABLE delivery_leases (
                        organization_id INTEGER PRIMARY KEY REFERENCES organizations(id),
                        holder TEXT NOT NULL,
                        acquired_at TEXT NOT NULL,
                        expires_at TEXT NOT NULL CHECK (expires_at > acquired_at),
                        next_run_at TEXT
                    );
                    """)
        }
        migrator.registerMigration("v8-create-accounts-and-grants") { db in
            // The access model: accounts within an organization, the grants (catalog role, organization-wide or
            // limited to one account) a member holds beside the organization role, and those a pending invitation
            // carries (the member holds them on accepting). A grant goes with its member or invitation; an
            // account with grants in it cannot be deleted.
            try db.execute(
                sql: """
                    CREATE TABLE accounts (
                        id INTEGER PRIMARY KEY,
                        organization_id INTEGER NOT NULL REFERENCES organizations(id),
                        name TEXT NOT NULL COLLATE NOCASE CHECK (length(trim(name)) > 0 AND instr(name, '@') = 0),
                        created_at TEXT NOT NULL,
                        UNIQUE (organization_id, name)
                    );

                    CREATE TABLE member_grants (
                        id INTEGER PRIMARY KEY,
                        member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
                        role TEXT NOT NULL CHECK (length(role) > 0
                            AND lower(role) NOT IN ('owner', 'admin', 'member', 'viewer')),
                        account_id INTEGER REFERENCES accounts(id) ON DELETE RESTRICT,
                        managed INTEGER NOT NULL DEFAULT 0 CHECK (managed IN (0, 1)),
                        granted_at TEXT NOT NULL,
                        CHECK (role <> 'account-admin' OR account_id IS NOT NULL)
                    );
                    CREATE UNIQUE INDEX member_grants_once
                        ON member_grants(member_id, role, ifnull(account_id, 0));
                    CREATE INDEX member_grants_by_account ON member_grants(account_id) WHERE account_id IS NOT NULL;

                    CREATE TABLE invitation_grants (
                        id INTEGER PRIMARY KEY,
                        invitation_id INTEGER NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
                        role TEXT NOT NULL CHECK (length(role) > 0
                            AND lower(role) NOT IN ('owner', 'admin', 'member', 'viewer')),
                        account_id INTEGER REFERENCES accounts(id) ON DELETE RESTRICT,
                        CHECK (role <> 'account-admin' OR account_id IS NOT NULL)
                    );
                    CREATE UNIQUE INDEX invitation_grants_once
                        ON invitation_grants(invitation_id, role, ifnull(account_id, 0));
                    CREATE INDEX invitation_grants_by_account ON invitation_grants(account_id)
                        WHERE account_id IS NOT NULL;

                    CREATE TRIGGER member_grants_same_organization
                    BEFORE INSERT ON member_grants
                    WHEN NEW.account_id IS NOT NULL AND (SELECT organization_id FROM accounts WHERE id = NEW.account_id)
                        IS NOT (SELECT organization_id FROM members WHERE id = NEW.member_id)
                    BEGIN
                        SELECT RAISE(ABORT, 'a grant''s account belongs to another organization');
                    END;
                    """)
        }
        migrator.registerMigration("v9-create-offers") { db in
            // Offers of new access to existing members (`policy.new_access: offer`): the grants (and perhaps a higher
            // organization role) offered, one pending offer per member, one-time tokens stored like invitation
            // tokens (selector and SHA-256, never the token), and the outbox naming the offer token its mail carries
            // so a resend or revoke voids it. An offer outlives its member (for the audit trail) without them; a
            // closed offer's grant in an account goes with the account (the ledger refuses while one is pending;
            // the audit log keeps what was offered).
            // Invitations gain the first and last name their accept page is pre-filled with; members the time their
            // access was removed (the profile kept, no seat, no grants). Partner organizations: an organization may
            // have a parent in the store, and a grant made there with `inherit` applies in its children.
            try db.execute(
                sql: """
                    CREATE TABLE offers (
                        id INTEGER PRIMARY KEY,
                        organization_id INTEGER NOT NULL REFERENCES organizations(id),
                        member_id INTEGER REFERENCES members(id) ON DELETE SET NULL,
                        email TEXT NOT NULL,
                        role TEXT CHECK (role IN ('admin', 'member', 'viewer')),
                        status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'revoked')),
                        created_at TEXT NOT NULL,
                        sent_at TEXT NOT NULL,
                        expires_at TEXT NOT NULL,
                        resend_count INTEGER NOT NULL DEFAULT 0 CHECK (resend_count >= 0),
                        offered_by TEXT NOT NULL,
                        managed INTEGER NOT NULL DEFAULT 0 CHECK (managed IN (0, 1)),
                        closed_at TEXT,
                        CHECK ((status = 'pending') = (closed_at IS NULL)),
                        CHECK (status <> 'pending' OR member_id IS NOT NULL)
                    );
                    CREATE UNIQUE INDEX offers_one_pending ON offers(member_id) WHERE status = 'pending';
                    CREATE INDEX offers_by_organization ON offers(organization_id, member_id);

                    CREATE TABLE offer_grants (
                        id INTEGER PRIMARY KEY,
                        offer_id INTEGER NOT NULL REFERENCES offers(id) ON DELETE CASCADE,
                        role TEXT NOT NULL CHECK (length(role) > 0
                            AND lower(role) NOT IN ('owner', 'admin', 'member', 'viewer')),
                        account_id INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
                        managed INTEGER NOT NULL DEFAULT 0 CHECK (managed IN (0, 1)),
                        inherit INTEGER NOT NULL DEFAULT 0 CHECK (inherit IN (0, 1)),
                        CHECK (role <> 'account-admin' OR account_id IS NOT NULL),
                        CHECK (inherit = 0 OR account_id IS NULL)
                    );
                    CREATE UNIQUE INDEX offer_grants_once ON offer_grants(offer_id, role, ifnull(account_id, 0));
                    CREATE INDEX offer_grants_by_account ON offer_grants(account_id) WHERE account_id IS NOT NULL;

                    CREATE TABLE offer_tokens (
                        id INTEGER PRIMARY KEY,
                        offer_id INTEGER NOT NULL REFERENCES offers(id),
                        selector TEXT NOT NULL UNIQUE,
                        hash TEXT NOT NULL CHECK (length(hash) = 64),
                        issued_at TEXT NOT NULL,
                        expires_at TEXT NOT NULL,
                        closure TEXT CHECK (closure IN ('replaced', 'revoked', 'used')),
                        closed_at TEXT,
                        CHECK ((closure IS NULL) = (closed_at IS NULL))
                    );
                    CREATE UNIQUE INDEX offer_tokens_one_open ON offer_tokens(offer_id) WHERE closure IS NULL;

                    ALTER TABLE members ADD COLUMN access_removed_at TEXT;
                    ALTER TABLE organizations ADD COLUMN parent_id INTEGER REFERENCES organizations(id);
                    CREATE INDEX organizations_by_parent ON organizations(parent_id) WHERE parent_id IS NOT NULL;
                    ALTER TABLE member_grants ADD COLUMN inherit INTEGER NOT NULL DEFAULT 0 CHECK (inherit IN (0, 1));
                    ALTER TABLE invitations ADD COLUMN given_name TEXT;
                    ALTER TABLE invitations ADD COLUMN family_name TEXT;

                    ALTER TABLE outbox ADD COLUMN offer_token_id INTEGER REFERENCES offer_tokens(id);
                    CREATE INDEX outbox_by_offer_token ON outbox(offer_token_id) WHERE offer_token_id IS NOT NULL;
                    """)
        }
        migrator.registerMigration("v10-usernames") { db in
            // Every member and invitation has a username, unique in the organization: members and pending
            // invitations each by a unique index, and across the two by the ledger. Existing people get the
            // username derived from their email (`Username.derived`, a rule that never changes), the oldest
            // first; one already taken gets the smallest free numeric suffix.
            try db.execute(
                sql: """
                    ALTER TABLE members ADD COLUMN username TEXT CHECK (username = lower(username));
                    ALTER TABLE invitations ADD COLUMN username TEXT CHECK (username = lower(username));
                    """)
            let organizations = try Int64.fetchAll(db, sql: "SELECT id FROM organizations ORDER BY id")
            for organization in organizations {
                var taken = Set<Username>()
                let members = try Row.fetchAll(
                    db, sql: "SELECT id, email FROM members WHERE organization_id = ? ORDER BY id",
                    arguments: [organization])
                let pending = try Row.fetchAll(
                    db,
                    sql:
                        "SELECT id, email FROM invitations WHERE organization_id = ? AND status = 'pending' ORDER BY id",
                    arguments: [organization])
                for (table, rows) in [("members", members), ("invitations", pending)] {
                    for row in rows {
                        let email = EmailAddress(storedCanonical: row[1])
                        let username = Username.free(Username.derived(from: email)) { taken.contains($0) }
                        taken.insert(username)
                        try db.execute(
                            sql: "UPDATE \(table) SET username = ? WHERE id = ?", arguments: [username.text, row[0]])
                    }
                }
            }
            // Closed invitations keep the username derived from their address, as a record.
            let closed = try Row.fetchAll(db, sql: "SELECT id, email FROM invitations WHERE username IS NULL")
            for row in closed {
                try db.execute(
                    sql: "UPDATE invitations SET username = ? WHERE id = ?",
                    arguments: [Username.derived(from: EmailAddress(storedCanonical: row[1])).text, row[0]])
            }
            try db.execute(
                sql: """
                    CREATE UNIQUE INDEX members_username ON members(organization_id, username);
                    CREATE UNIQUE INDEX invitations_pending_username ON invitations(organization_id, username)
                        WHERE status = 'pending';
                    """)
        }
        migrator.registerMigration("v11-identities") { db in
            // A registration's second level, the identity: members keep their given and family names and profile
            // fields (a JSON object of strings); invitations keep the profile pre-filled or registered for the
            // pending invitee, and whether they are a complete (one-step) registration.
            try db.execute(
                sql: """
                    ALTER TABLE members ADD COLUMN given_name TEXT;
                    ALTER TABLE members ADD COLUMN family_name TEXT;
                    ALTER TABLE members ADD COLUMN profile TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(profile));
                    ALTER TABLE invitations ADD COLUMN profile TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(profile));
                    ALTER TABLE invitations ADD COLUMN complete INTEGER NOT NULL DEFAULT 0 CHECK (complete IN (0, 1));
                    """)
        }
        migrator.registerMigration("v12-profile-sync") { db in
            // Profile sync: the values a sync last gave each profile field it manages, so the next one knows a
            // field was edited by hand since (the directory wins, with a diagnostic). Empty for existing people:
            // nothing is known to have been edited.
            try db.execute(
                sql: """
                    ALTER TABLE members ADD COLUMN profile_synced TEXT NOT NULL DEFAULT '{}'
                        CHECK (json_valid(profile_synced));
                    ALTER TABLE invitations ADD COLUMN profile_synced TEXT NOT NULL DEFAULT '{}'
                        CHECK (json_valid(profile_synced));
                    """)
        }
        migrator.registerMigration("v13-account-first") { db in
            // The account-first flow: an account invitation carries a typed code (only its selector and SHA-256
            // kept, wrong attempts counted); the person requests access with it and a username, and waits for
            // approval. One pending request per person and organization.
            try db.execute(
                sql: """
                    ALTER TABLE invitations ADD COLUMN flow TEXT NOT NULL DEFAULT 'link'
                        CHECK (flow IN ('link', 'account-first'));
                    CREATE TABLE access_codes (
                        id INTEGER PRIMARY KEY,
                        invitation_id INTEGER NOT NULL REFERENCES invitations(id),
                        selector TEXT NOT NULL UNIQUE CHECK (length(selector) = 6),
                        hash TEXT NOT NULL CHECK (length(hash) = 64),
                        attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                        issued_at TEXT NOT NULL,
                        expires_at TEXT NOT NULL CHECK (expires_at > issued_at),
                        closed_at TEXT,
                        closure TEXT CHECK (closure IN ('used', 'locked', 'replaced')),
                        CHECK ((closed_at IS NULL) = (closure IS NULL))
                    );
                    CREATE INDEX access_codes_by_invitation ON access_codes(invitation_id);
                    CREATE TABLE access_requests (
                        id INTEGER PRIMARY KEY,
                        organization_id INTEGER NOT NULL REFERENCES organizations(id),
                        invitation_id INTEGER NOT NULL REFERENCES invitations(id),
                        email TEXT NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
                        username TEXT NOT NULL CHECK (username = lower(username) AND length(username) BETWEEN 1 AND 64),
                        given_name TEXT,
                        family_name TEXT,
                        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied')),
                        requested_at TEXT NOT NULL,
                        expires_at TEXT NOT NULL CHECK (expires_at > requested_at),
                        closed_at TEXT,
                        closed_by TEXT,
                        reason TEXT,
                        CHECK ((status = 'pending') = (closed_at IS NULL))
                    );
                    CREATE UNIQUE INDEX access_requests_one_pending_per_email
                        ON access_requests(organization_id, email) WHERE status = 'pending';
                    CREATE UNIQUE INDEX access_requests_one_pending_per_username
                        ON access_requests(organization_id, username) WHERE status = 'pending';
                    """)
        }
        migrator.registerMigration("v14-lease-fences") { db in
            // Fencing tokens: each claim of a lease gets the next number of its organization and purpose (kept in
            // lease_fences, which a release does not delete), and every write under the lease checks it. Leases
            // held now keep 0 until their next claim.
            try db.execute(
                sql: """
                    ALTER TABLE leases ADD COLUMN fence INTEGER NOT NULL DEFAULT 0 CHECK (fence >= 0);
                    ALTER TABLE delivery_leases ADD COLUMN fence INTEGER NOT NULL DEFAULT 0 CHECK (fence >= 0);
                    CREATE TABLE lease_fences (
                        organization_id INTEGER NOT NULL REFERENCES organizations(id),
                        purpose TEXT NOT NULL CHECK (purpose IN ('apply', 'delivery')),
                        last_fence INTEGER NOT NULL CHECK (last_fence > 0),
                        PRIMARY KEY (organization_id, purpose)
                    );
                    """)
        }
        migrator.registerMigration("v15-agent-pool") { db in
            // The agent pool: each registered organization's configuration (its text, and the folder its relative
            // paths resolve against), how often it runs, and when it is due next.
            try db.execute(
                sql: """
                    CREATE TABLE pool_organizations (
                        organization_id INTEGER PRIMARY KEY REFERENCES organizations(id),
                        configuration TEXT NOT NULL CHECK (length(configuration) > 0),
                        folder TEXT NOT NULL CHECK (substr(folder, 1, 1) = '/'),
                        file TEXT NOT NULL,
                        every_seconds INTEGER NOT NULL CHECK (every_seconds > 0),
                        registered_at TEXT NOT NULL,
                        registered_by TEXT NOT NULL,
                        next_due_at TEXT NOT NULL
                    );
                    CREATE INDEX pool_organizations_by_due ON pool_organizations(next_due_at);
                    """)
        }
        return migrator
    }
}
