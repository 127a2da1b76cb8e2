using System.Data.Common;
using Argus.Core;

namespace Argus.Storage.Sql;

/// <summary>
/// Numbered schema steps, applied in order inside one transaction that holds the migration lock, and recorded in
/// <c>schema_migrations</c>. A step is never edited once released: later changes are new steps. Type placeholders are
/// filled in by the dialect (see <see cref="SqlDialect.Ddl"/>).
/// </summary>
internal static class Migrations
{
    public static readonly IReadOnlyList<(int Version, string Name, string Script)> Steps =
    [
        (1, "galleries, subjects, templates, face crops", """
            CREATE TABLE change_counter (
              id INTEGER PRIMARY KEY CHECK (id = 1),
              value {bigint} NOT NULL
            );
            INSERT INTO change_counter (id, value) VALUES (1, 0);

            CREATE TABLE galleries (
              id {id},
              name TEXT NOT NULL,
              description TEXT,
              model TEXT NOT NULL,
              model_sha256 TEXT NOT NULL,
              preprocessing_version INTEGER NOT NULL,
              dimension INTEGER NOT NULL CHECK (dimension > 0),
              contract_id TEXT NOT NULL,
              created_at {ts} NOT NULL,
              template_count {bigint} NOT NULL DEFAULT 0,
              max_template_id {bigint} NOT NULL DEFAULT 0,
              change_seq {bigint} NOT NULL
            );
            CREATE UNIQUE INDEX galleries_name ON galleries (name);

            CREATE TABLE subjects (
              id {id},
              display_name TEXT NOT NULL,
              date_of_birth {date},
              attributes {json},
              external_ref TEXT,
              created_at {ts} NOT NULL,
              updated_at {ts} NOT NULL
            );
            CREATE INDEX subjects_external_ref ON subjects (external_ref);

            CREATE TABLE templates (
              id {id},
              gallery_id {bigint} NOT NULL REFERENCES galleries (id),
              subject_id {bigint} NOT NULL REFERENCES subjects (id),
              embedding {blob} NOT NULL,
              raw_norm {real} NOT NULL,
              quality {real},
              source_sha256 TEXT NOT NULL,
              enrolled_by TEXT NOT NULL,
              enrolled_at {ts} NOT NULL
            );
            {keep_embedding_inline}
            CREATE UNIQUE INDEX templates_source ON templates (gallery_id, subject_id, source_sha256);
            CREATE INDEX templates_gallery ON templates (gallery_id, id);
            CREATE INDEX templates_subject ON templates (subject_id);

            CREATE TABLE face_crops (
              template_id {bigint} PRIMARY KEY REFERENCES templates (id) ON DELETE CASCADE,
              png {blob} NOT NULL
            );
            """),
        (2, "append-only, hash-chained audit log", """
            CREATE TABLE audit_log (
              seq {bigint} PRIMARY KEY,
              occurred_at_ticks {bigint} NOT NULL,
              actor TEXT NOT NULL,
              action TEXT NOT NULL,
              target TEXT NOT NULL,
              outcome TEXT NOT NULL,
              details TEXT NOT NULL,
              prev_hash TEXT NOT NULL,
              hash TEXT NOT NULL
            );
            CREATE INDEX audit_log_actor ON audit_log (actor, seq);
            CREATE INDEX audit_log_action ON audit_log (action, seq);
            """),
        (3, "users, roles, scopes, API keys", """
            CREATE TABLE users (
              id {id},
              username TEXT NOT NULL,
              display_name TEXT NOT NULL,
              password_hash TEXT NOT NULL,
              roles TEXT NOT NULL,
              scope {json} NOT NULL,
              disabled INTEGER NOT NULL DEFAULT 0,
              failed_attempts INTEGER NOT NULL DEFAULT 0,
              locked_until_ticks {bigint},
              created_at {ts} NOT NULL,
              updated_at {ts} NOT NULL
            );
            CREATE UNIQUE INDEX users_username ON users (username);

            CREATE TABLE api_keys (
              id {id},
              user_id {bigint} NOT NULL REFERENCES users (id),
              prefix TEXT NOT NULL,
              secret_sha256 TEXT NOT NULL,
              scope {json},
              revoked INTEGER NOT NULL DEFAULT 0,
              created_at {ts} NOT NULL,
              last_used_at {ts}
            );
            CREATE UNIQUE INDEX api_keys_prefix ON api_keys (prefix);
            CREATE INDEX api_keys_user ON api_keys (user_id);
            """),
        (4, "watchlists, entries and every version of each entry", """
            CREATE TABLE watchlists (
              id {id},
              name TEXT NOT NULL,
              category TEXT NOT NULL,
              severity TEXT NOT NULL,
              max_entry_days INTEGER NOT NULL,
              gallery_id {bigint} NOT NULL REFERENCES galleries (id),
              created_by TEXT NOT NULL,
              created_at {ts} NOT NULL
            );
            CREATE UNIQUE INDEX watchlists_name ON watchlists (name);

            CREATE TABLE watchlist_entries (
              id {id},
              watchlist_id {bigint} NOT NULL REFERENCES watchlists (id),
              subject_id {bigint} NOT NULL,
              state TEXT NOT NULL,
              version INTEGER NOT NULL,
              expires_at_ticks {bigint} NOT NULL,
              created_at_ticks {bigint} NOT NULL,
              updated_at_ticks {bigint} NOT NULL
            );
            CREATE INDEX watchlist_entries_watchlist ON watchlist_entries (watchlist_id, state, expires_at_ticks);
            CREATE INDEX watchlist_entries_subject ON watchlist_entries (subject_id);

            CREATE TABLE entry_versions (
              entry_id {bigint} NOT NULL REFERENCES watchlist_entries (id),
              version INTEGER NOT NULL,
              at_ticks {bigint} NOT NULL,
              by_user TEXT NOT NULL,
              change TEXT NOT NULL,
              reason TEXT NOT NULL,
              state TEXT NOT NULL,
              legal_basis {json} NOT NULL,
              PRIMARY KEY (entry_id, version)
            );
            """),
        (5, "purpose-bound searches and their authorisations", """
            CREATE TABLE searches (
              id {id},
              user_name TEXT NOT NULL,
              purpose TEXT NOT NULL,
              case_reference TEXT NOT NULL,
              justification TEXT NOT NULL,
              targets TEXT NOT NULL,
              authorisation_status TEXT NOT NULL,
              authorisation_ref TEXT,
              authorisation_due_ticks {bigint},
              authorised_at_ticks {bigint},
              authorised_by TEXT,
              probe_sha256 TEXT NOT NULL,
              candidates INTEGER NOT NULL,
              performed_at_ticks {bigint} NOT NULL
            );
            CREATE INDEX searches_user ON searches (user_name, performed_at_ticks);
            CREATE INDEX searches_status ON searches (authorisation_status, authorisation_due_ticks);
            """),
        (6, "cameras", """
            CREATE TABLE cameras (
              camera_id TEXT PRIMARY KEY,
              name TEXT NOT NULL,
              site TEXT,
              source TEXT NOT NULL,
              analysis_fps {real} NOT NULL,
              tiling INTEGER NOT NULL,
              watchlists TEXT NOT NULL,
              created_by TEXT NOT NULL,
              created_at_ticks {bigint} NOT NULL
            );
            """),
        (7, "deployments, alerts, review decisions, template dismissals, webhooks and dead letters", """
            CREATE TABLE deployments (
              id {id},
              name TEXT NOT NULL,
              cameras TEXT NOT NULL,
              site TEXT,
              watchlists TEXT NOT NULL,
              authorisation_ref TEXT NOT NULL,
              start_ticks {bigint} NOT NULL,
              end_ticks {bigint} NOT NULL,
              created_by TEXT NOT NULL,
              created_at_ticks {bigint} NOT NULL,
              ended_at_ticks {bigint},
              ended_by TEXT,
              end_reason TEXT
            );
            CREATE INDEX deployments_window ON deployments (end_ticks, start_ticks);

            CREATE TABLE alerts (
              id {id},
              deployment TEXT NOT NULL,
              camera_id TEXT NOT NULL,
              site TEXT,
              track_id {bigint} NOT NULL,
              entry_id {bigint} NOT NULL,
              subject_id {bigint} NOT NULL,
              template_id {bigint} NOT NULL,
              watchlist TEXT NOT NULL,
              category TEXT NOT NULL,
              severity TEXT NOT NULL,
              colour TEXT NOT NULL,
              score {real} NOT NULL,
              supporting_shots INTEGER NOT NULL,
              first_seen_ticks {bigint} NOT NULL,
              last_seen_ticks {bigint} NOT NULL,
              raised_at_ticks {bigint} NOT NULL,
              status TEXT NOT NULL,
              updated_at_ticks {bigint} NOT NULL
            );
            CREATE INDEX alerts_person ON alerts (camera_id, subject_id, last_seen_ticks);
            CREATE INDEX alerts_site ON alerts (site, raised_at_ticks);
            CREATE INDEX alerts_raised ON alerts (raised_at_ticks);

            CREATE TABLE alert_snapshots (
              alert_id {bigint} PRIMARY KEY REFERENCES alerts (id) ON DELETE CASCADE,
              png {blob} NOT NULL
            );

            CREATE TABLE alert_decisions (
              alert_id {bigint} NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
              seq INTEGER NOT NULL,
              by_user TEXT NOT NULL,
              verdict TEXT NOT NULL,
              reason TEXT NOT NULL,
              at_ticks {bigint} NOT NULL,
              PRIMARY KEY (alert_id, seq)
            );
            CREATE INDEX alert_decisions_at ON alert_decisions (at_ticks);

            CREATE TABLE template_dismissals (
              template_id {bigint} PRIMARY KEY,
              dismissed INTEGER NOT NULL,
              decided INTEGER NOT NULL,
              flagged_at_ticks {bigint}
            );

            CREATE TABLE webhooks (
              id {id},
              url TEXT NOT NULL,
              secret_variable TEXT NOT NULL,
              events TEXT NOT NULL,
              sites TEXT NOT NULL,
              created_by TEXT NOT NULL,
              created_at_ticks {bigint} NOT NULL
            );

            CREATE TABLE webhook_dead_letters (
              id {id},
              webhook_id {bigint} NOT NULL,
              delivery_id TEXT NOT NULL,
              body TEXT NOT NULL,
              attempts INTEGER NOT NULL,
              last_error TEXT NOT NULL,
              at_ticks {bigint} NOT NULL
            );
            CREATE INDEX webhook_dead_letters_at ON webhook_dead_letters (at_ticks);
            """),
        (8, "service galleries (consenting customers, kept apart from watchlists) and the gate ledger", """
            CREATE TABLE svc_galleries (
              id {id},
              name TEXT NOT NULL,
              kind TEXT NOT NULL,
              description TEXT,
              model TEXT NOT NULL,
              model_sha256 TEXT NOT NULL,
              preprocessing_version INTEGER NOT NULL,
              dimension INTEGER NOT NULL CHECK (dimension > 0),
              created_by TEXT NOT NULL,
              created_at_ticks {bigint} NOT NULL,
              change_seq {bigint} NOT NULL
            );
            CREATE UNIQUE INDEX svc_galleries_name ON svc_galleries (name);

            CREATE TABLE svc_people (
              id {id},
              gallery_id {bigint} NOT NULL REFERENCES svc_galleries (id),
              external_ref TEXT NOT NULL,
              details_sealed {blob},
              consent_given_by TEXT NOT NULL,
              consent_at_ticks {bigint} NOT NULL,
              consent_purpose TEXT NOT NULL,
              consent_channel TEXT NOT NULL,
              consent_recorded_by TEXT NOT NULL,
              expires_at_ticks {bigint} NOT NULL,
              enrolled_at_ticks {bigint} NOT NULL
            );
            CREATE UNIQUE INDEX svc_people_ref ON svc_people (gallery_id, external_ref);

            CREATE TABLE svc_templates (
              id {id},
              person_id {bigint} NOT NULL REFERENCES svc_people (id),
              gallery_id {bigint} NOT NULL REFERENCES svc_galleries (id),
              sealed_embedding {blob} NOT NULL,
              source_sha256 TEXT NOT NULL,
              enrolled_at_ticks {bigint} NOT NULL
            );
            CREATE UNIQUE INDEX svc_templates_source ON svc_templates (person_id, source_sha256);
            CREATE INDEX svc_templates_gallery ON svc_templates (gallery_id, id);

            CREATE TABLE svc_ledger (
              id {id},
              gallery_id {bigint} NOT NULL REFERENCES svc_galleries (id),
              gate_id TEXT NOT NULL,
              passage_id TEXT NOT NULL,
              person_id {bigint},
              kind TEXT NOT NULL,
              amount_cents {bigint} NOT NULL,
              fare_day TEXT NOT NULL,
              at_ticks {bigint} NOT NULL,
              refund_of {bigint},
              reason TEXT,
              idempotency_key TEXT NOT NULL,
              receipt_sha256 TEXT NOT NULL
            );
            CREATE UNIQUE INDEX svc_ledger_key ON svc_ledger (idempotency_key);
            CREATE INDEX svc_ledger_person ON svc_ledger (person_id, fare_day);
            CREATE INDEX svc_ledger_gate ON svc_ledger (gallery_id, gate_id, person_id, at_ticks);
            """),
        (9, "separation of duties: credential stamps that end sessions, pending API keys, role grants approved by a second administrator", """
            ALTER TABLE users ADD COLUMN security_stamp {bigint} NOT NULL DEFAULT 0;
            ALTER TABLE api_keys ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE api_keys ADD COLUMN created_by TEXT;

            CREATE TABLE role_grants (
              id {id},
              username TEXT NOT NULL,
              roles TEXT NOT NULL,
              requested_by TEXT NOT NULL,
              requested_at {ts} NOT NULL,
              state TEXT NOT NULL,
              decided_by TEXT,
              decided_at {ts},
              reason TEXT
            );
            CREATE INDEX role_grants_user ON role_grants (username, state);
            """),
        (10, "recorded authorisations referenced by searches and deployments; indexes for the transparency report", """
            CREATE TABLE authorisations (
              id {id},
              reference TEXT NOT NULL,
              case_reference TEXT NOT NULL,
              watchlists TEXT NOT NULL,
              valid_from_ticks {bigint} NOT NULL,
              valid_until_ticks {bigint} NOT NULL,
              recorded_by TEXT NOT NULL,
              recorded_at_ticks {bigint} NOT NULL,
              revoked_at_ticks {bigint},
              revoked_by TEXT,
              revoke_reason TEXT
            );
            CREATE INDEX authorisations_valid ON authorisations (valid_until_ticks);
            ALTER TABLE searches ADD COLUMN authorisation_id {bigint};
            ALTER TABLE deployments ADD COLUMN authorisation_id {bigint};
            CREATE INDEX deployments_authorisation ON deployments (authorisation_id);
            CREATE INDEX searches_performed ON searches (performed_at_ticks);
            CREATE INDEX audit_log_time ON audit_log (occurred_at_ticks);
            CREATE INDEX audit_log_action_time ON audit_log (action, occurred_at_ticks);
            """),
        (11, "audit groups (repeats counted here, chained as one record when their window closes) and the write probe of /ready", """
            CREATE TABLE audit_groups (
              group_key TEXT PRIMARY KEY,
              actor TEXT NOT NULL,
              action TEXT NOT NULL,
              target TEXT NOT NULL,
              outcome TEXT NOT NULL,
              details TEXT NOT NULL,
              event_count {bigint} NOT NULL,
              first_ticks {bigint} NOT NULL,
              last_ticks {bigint} NOT NULL,
              closes_at_ticks {bigint} NOT NULL,
              idle_ticks {bigint} NOT NULL,
              opened_seq {bigint}
            );
            CREATE INDEX audit_groups_closes ON audit_groups (closes_at_ticks);

            CREATE TABLE store_probe (
              id INTEGER PRIMARY KEY,
              filler {blob} NOT NULL
            );
            """),
        (12, "alerts: frame time of the deciding shot; episode lookup by deployment, camera and person", """
            ALTER TABLE alerts ADD COLUMN deciding_frame_ticks {bigint};
            CREATE INDEX alerts_episode ON alerts (deployment, camera_id, subject_id, status, last_seen_ticks);
            """),
        (13, "indexes for the auditor's outcome filter and the console's alert filters (camera, watchlist); the time filter uses step 10's audit_log_time", """
            CREATE INDEX audit_log_outcome ON audit_log (outcome, seq);
            CREATE INDEX alerts_camera ON alerts (camera_id, id);
            CREATE INDEX alerts_watchlist ON alerts (watchlist, id);
            """),
        (14, "how far the audit chain has been verified (signed), so a report checks only what is new", """
            CREATE TABLE audit_verification (
              id INTEGER PRIMARY KEY,
              verified_seq {bigint} NOT NULL,
              verified_hash TEXT NOT NULL,
              checked_at_ticks {bigint} NOT NULL,
              full_pass_at_ticks {bigint},
              broken_seq {bigint},
              broken_reason TEXT,
              mac TEXT NOT NULL
            );
            """),
        (15, "the probe of each search that found no candidate, beside its audit record and in a partial index (computed once, at insert), for the report's repeated-face count", """
            ALTER TABLE audit_log ADD COLUMN unanswered_probe TEXT GENERATED ALWAYS AS {unanswered_probe};
            CREATE INDEX audit_log_unanswered ON audit_log (occurred_at_ticks, actor, unanswered_probe) WHERE unanswered_probe IS NOT NULL;
            """),
        (16, "per-camera detection settings: smallest face to find and regions where faces appear; cameras stored before small-face tiling became the default get it", """
            ALTER TABLE cameras ADD COLUMN smallest_face INTEGER NOT NULL DEFAULT 40;
            ALTER TABLE cameras ADD COLUMN regions TEXT;
            UPDATE cameras SET tiling = 1;
            """),
    ];

    public static int Latest => Steps[^1].Version;

    public static async Task<IReadOnlyList<AppliedMigration>> ApplyAsync(SqlDialect dialect, TimeProvider time, CancellationToken ct)
    {
        await using var connection = await dialect.OpenAsync(ct);
        await using var transaction = await dialect.BeginWriteAsync(connection, ct);
        await dialect.LockForMigrationAsync(connection, transaction, ct);

        await Execute(connection, transaction, dialect.Ddl(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at {ts} NOT NULL)"), ct);
        var applied = await AppliedVersionsAsync(connection, transaction, ct);
        if (applied.Count > 0 && applied.Max() > Latest)
        {
            throw new ArgusException(
                "storage.schema_too_new",
                $"The store {dialect.Target} has schema version {applied.Max()}, newer than this Argus ({Latest}); upgrade Argus.");
        }

        var done = new List<AppliedMigration>();
        foreach (var (version, name, script) in Steps)
        {
            if (applied.Contains(version))
            {
                continue;
            }

            await Execute(connection, transaction, dialect.Ddl(script), ct);
            await using var record = connection.CreateCommand();
            record.Transaction = transaction;
            record.CommandText = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@v, @n, @t)";
            record.Add("v", version).Add("n", name).Add("t", time.GetUtcNow());
            await record.ExecuteNonQueryAsync(ct);
            done.Add(new AppliedMigration(version, name));
        }

        await transaction.CommitAsync(ct);
        return done;
    }

    public static async Task<int> CurrentVersionAsync(DbConnection connection, DbTransaction transaction, CancellationToken ct)
    {
        try
        {
            var applied = await AppliedVersionsAsync(connection, transaction, ct);
            return applied.Count == 0 ? 0 : applied.Max();
        }
        catch (DbException)
        {
            return 0; // no schema_migrations table yet
        }
    }

    private static async Task<HashSet<int>> AppliedVersionsAsync(DbConnection connection, DbTransaction transaction, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT version FROM schema_migrations";
        await using var reader = await command.ExecuteReaderAsync(ct);
        var versions = new HashSet<int>();
        while (await reader.ReadAsync(ct))
        {
            versions.Add(Convert.ToInt32(reader.GetValue(0)));
        }

        return versions;
    }

    private static async Task Execute(DbConnection connection, DbTransaction transaction, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
#pragma warning disable CA2100 // migration scripts are constants of this assembly
        command.CommandText = sql;
#pragma warning restore CA2100
        await command.ExecuteNonQueryAsync(ct);
    }
}
