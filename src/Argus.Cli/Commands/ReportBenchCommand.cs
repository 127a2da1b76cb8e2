using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Argus.Application;
using Argus.Application.Auditing;
using Argus.Application.Reports;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Argus.Cli.Commands;

/// <summary>
/// <c>argus bench report</c>: the transparency report over a store holding N audit records spread over the last year
/// (a realistic mix: logins, searches with their search rows, refusals, alerts, entries, reads), built with the real
/// audit chain. The records are written straight into a scratch store's tables in one transaction (a benchmark filler,
/// not an Argus write path); the chain is then verified from the first record, as the server's sweep does (timed), and
/// the report is timed over the whole year, a quarter and a week, in json and html.
/// </summary>
internal static class ReportBenchCommand
{
    private static readonly string[] Formats = ["json", "html", "json"];
    private static readonly string[] Targets = ["watchlist:wanted"];
    private static readonly string[] AuditParameters = ["$s", "$t", "$a", "$c", "$g", "$o", "$d", "$p", "$h"];
    private static readonly string[] SearchParameters = ["$u", "$p", "$s", "$d", "$h", "$n", "$t"];

    public static Command Create(TextWriter output, TextWriter error)
    {
        var records = new Option<int>("--records") { Description = "Audit records to fill", DefaultValueFactory = _ => 1_000_000 };
        var postgres = new Option<string?>("--postgres") { Description = "PostgreSQL connection string (default: a temporary SQLite file)" };
        var command = new Command("report", "Transparency report latency over a store of N audit records (default 1,000,000) spread over a year.") { records, postgres, ArgusCli.JsonOption };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            var n = parse.GetValue(records);
            if (n is < 1 or > 20_000_000)
            {
                throw new ArgusException("argument.invalid", "--records must be 1 to 20000000.");
            }

            var scratch = Path.Combine(Path.GetTempPath(), "argus-bench-report-" + Guid.NewGuid().ToString("N")[..12]);
            Directory.CreateDirectory(scratch);
            var schema = "argus_bench_" + Guid.NewGuid().ToString("N")[..12];
            var connection = parse.GetValue(postgres);
            var options = (connection is null ? StorageOptions.Sqlite(Path.Combine(scratch, "argus.db")) : StorageOptions.Postgres(connection, schema)) with { TimeProvider = CliEnvironment.Time };
            try
            {
                var chain = AuditChain.FromSecret(Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
                await using var store = await ArgusStore.OpenAsync(options, ct);
                var now = CliEnvironment.Time.GetUtcNow();
                var fill = Stopwatch.StartNew();
                var (audit, searches) = connection is null
                    ? await FillSqliteAsync(options.Connection, chain, n, now, ct)
                    : await FillPostgresAsync(connection, schema, chain, n, now, ct);
                var fillSeconds = fill.Elapsed.TotalSeconds;

                // What the server's sweep does as the log grows (and from the first record once a day): verify the
                // chain and sign how far; timed here as the cost of one pass over every record.
                var verify = Stopwatch.StartNew();
                var mark = await new AuditVerifier(store, chain, CliEnvironment.Time).AdvanceAsync(fullPass: true, ct);
                var verifySeconds = verify.Elapsed.TotalSeconds;
                if (mark.BrokenSequence is not null)
                {
                    throw new InvalidOperationException($"The filled chain is broken at record #{mark.BrokenSequence}: {mark.BrokenReason}");
                }

                var ops = new OperationContext(store, chain, () => throw new InvalidOperationException("no engine"), scratch, CliEnvironment.Time, _ => null);
                var auditor = new Principal("aud", "aud", new HashSet<Role> { Role.Auditor }, Scope.Everything);
                var service = new TransparencyReportService(ops);
                var today = DateOnly.FromDateTime(now.UtcDateTime);
                var runs = new List<(string Range, string Format, double Ms, bool Intact, long InPeriod)>();
                foreach (var (name, days) in new[] { ("year", 365), ("quarter", 91), ("week", 7) })
                {
                    foreach (var format in Formats)
                    {
                        var started = Stopwatch.GetTimestamp();
                        var r = await service.CreateAsync(auditor, Day(today.AddDays(1 - days)), Day(today), format, ct);
                        var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                        runs.Add((name, format, ms, (bool)r.Model["audit"]!["intact"]!, (long)r.Model["audit"]!["records_in_period"]!));
                    }
                }

                var provider = connection is null ? "sqlite" : "postgres";
                if (parse.GetValue(ArgusCli.JsonOption))
                {
                    host.WriteJson(new JsonObject
                    {
                        ["provider"] = provider,
                        ["audit_records"] = audit,
                        ["searches"] = searches,
                        ["fill_seconds"] = Math.Round(fillSeconds, 1),
                        ["full_verification_seconds"] = Math.Round(verifySeconds, 2),
                        ["runs"] = new JsonArray([.. runs.Select(r => (JsonNode)new JsonObject
                        {
                            ["range"] = r.Range, ["format"] = r.Format, ["ms"] = Math.Round(r.Ms, 1), ["intact"] = r.Intact, ["records_in_period"] = r.InPeriod,
                        })]),
                    });
                }
                else
                {
                    host.Out.WriteLine($"{provider}: {audit:N0} audit records ({searches:N0} searches) over 365 days, filled in {fillSeconds:0.0} s");
                    host.Out.WriteLine($"  chain verified from the first record in {verifySeconds:0.00} s (the sweep's daily pass; reports then check only what is new)");
                    foreach (var r in runs)
                    {
                        host.Out.WriteLine($"  {r.Range,-8} {r.Format,-5} {r.Ms,8:0.0} ms  ({r.InPeriod:N0} records in period, chain {(r.Intact ? "intact" : "BROKEN")})");
                    }
                }
            }
            finally
            {
                SqliteConnection.ClearAllPools();
                Directory.Delete(scratch, recursive: true);
                if (connection is not null)
                {
                    await using var drop = new NpgsqlConnection(connection);
                    await drop.OpenAsync(CancellationToken.None);
                    await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", drop);
                    await command.ExecuteNonQueryAsync(CancellationToken.None);
                }
            }

            return ArgusCli.Ok;
        }));
        return command;
    }

    private static string Day(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>One synthetic day of a force's use of Argus: what each record is and, for searches, the search row.</summary>
    private sealed record Generated(AuditRecord Record, (string Purpose, string Status, int Candidates, string Probe)? Search);

    private static IEnumerable<Generated> Generate(AuditChain chain, int n, DateTimeOffset now)
    {
        var random = new Random(17);
        var start = now.AddDays(-365);
        var step = TimeSpan.FromDays(365).Ticks / n;
        var probes = Enumerable.Range(0, 5000).Select(i => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i)))).ToArray();
        string[] purposes = ["ActiveInvestigation", "MissingPerson", "ImminentThreat", "VictimIdentification"];
        AuditRecord? previous = null;
        for (var i = 0; i < n; i++)
        {
            var at = start.AddTicks(step * i);
            var actor = "user" + random.Next(200).ToString(CultureInfo.InvariantCulture);
            var roll = random.Next(100);
            (string Purpose, string Status, int Candidates, string Probe)? search = null;
            AuditEvent e;
            if (roll < 30)
            {
                e = AuditEvent.Ok(actor, "session.created", $"user:{actor}", AuditDetails.Of(("via", "password")));
            }
            else if (roll < 45)
            {
                var purpose = purposes[random.Next(purposes.Length)];
                var candidates = random.Next(10) < 8 ? 0 : random.Next(1, 4);
                var probe = probes[random.Next(probes.Length)];
                var status = purpose is "ActiveInvestigation" ? "Authorised" : purpose is "ImminentThreat" ? (random.Next(4) == 0 ? "Pending" : "Authorised") : "NotRequired";
                search = (purpose, status, candidates, probe);
                e = AuditEvent.Ok(actor, AbuseDetector.SearchAction, $"search:{i}", AuditDetails.Of(
                    ("search", i), ("purpose", purpose), ("case", "CASE-2026-" + random.Next(5000).ToString(CultureInfo.InvariantCulture)), ("targets", Targets),
                    ("authorisation", status), ("probe_sha256", probe), ("threshold", 0.45), ("candidates", candidates),
                    ("results", Enumerable.Range(0, candidates).Select(c => $"entry:{c + 1}@0.6000"))));
            }
            else if (roll < 52)
            {
                var reason = random.Next(3) == 0 ? "scope" : "search.refused";
                e = AuditEvent.Refused(actor, "search.request", "watchlist:wanted", AuditDetails.Of(("code", reason == "scope" ? "access.denied" : reason), ("reason", reason), ("message", "refused")));
            }
            else if (roll < 65)
            {
                e = AuditEvent.Ok("system", "alert.raised", $"alert:{i}", AuditDetails.Of(("camera", "gate-" + random.Next(40).ToString(CultureInfo.InvariantCulture)), ("entry", random.Next(500)), ("score", 0.61)));
            }
            else if (roll < 72)
            {
                e = AuditEvent.Ok(actor, random.Next(2) == 0 ? "alert.confirmed" : "alert.dismissed", $"alert:{i - 1}", AuditDetails.Of(("reason", "checked against the snapshot")));
            }
            else if (roll < 76)
            {
                e = AuditEvent.Ok(actor, random.Next(3) == 0 ? "entry.approved" : "entry.proposed", $"entry:{random.Next(2000)}", AuditDetails.Of(("watchlist", "wanted"), ("version", 1)));
            }
            else if (roll < 88)
            {
                e = AuditEvent.Ok(actor, "alerts.list", "alerts", AuditDetails.Of(("count", random.Next(50))));
            }
            else if (roll < 99)
            {
                e = AuditEvent.Ok(actor, "camera.frame_viewed", "camera:gate-" + random.Next(40).ToString(CultureInfo.InvariantCulture), AuditDetails.Of(("available", true)));
            }
            else
            {
                e = AuditEvent.Ok(actor, "subject.erased", $"subject:{i}", AuditDetails.Of(("receipt_sha256", probes[0]), ("templates_removed", 2)));
            }

            var record = chain.Append(previous, e, at);
            previous = record;
            yield return new Generated(record, search);
        }
    }

    private static async Task<(long Audit, long Searches)> FillSqliteAsync(string path, AuditChain chain, int n, DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        await connection.OpenAsync(ct);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(ct);
        await using var audit = connection.CreateCommand();
        audit.Transaction = transaction;
        audit.CommandText = "INSERT INTO audit_log (seq, occurred_at_ticks, actor, action, target, outcome, details, prev_hash, hash) VALUES ($s, $t, $a, $c, $g, $o, $d, $p, $h)";
        var ap = AuditParameters.Select(name => audit.Parameters.Add(new SqliteParameter(name, null))).ToArray();
        await using var search = connection.CreateCommand();
        search.Transaction = transaction;
        search.CommandText = """
            INSERT INTO searches (user_name, purpose, case_reference, justification, targets, authorisation_status, authorisation_due_ticks, probe_sha256, candidates, performed_at_ticks)
            VALUES ($u, $p, 'CASE-BENCH-1', 'benchmark search with a sentence of justification', 'watchlist:wanted', $s, $d, $h, $n, $t)
            """;
        var sp = SearchParameters.Select(name => search.Parameters.Add(new SqliteParameter(name, null))).ToArray();
        long searches = 0;
        foreach (var g in Generate(chain, n, now))
        {
            var r = g.Record;
            object[] values = [r.Sequence, r.OccurredAt.UtcTicks, r.Actor, r.Action, r.Target, r.Outcome, r.Details, r.PreviousHash, r.Hash];
            for (var i = 0; i < values.Length; i++)
            {
                ap[i].Value = values[i];
            }

            await audit.ExecuteNonQueryAsync(ct);
            if (g.Search is { } s)
            {
                object[] row = [r.Actor, s.Purpose, s.Status, s.Status == "Pending" ? r.OccurredAt.AddHours(48).UtcTicks : DBNull.Value, s.Probe, s.Candidates, r.OccurredAt.UtcTicks];
                for (var i = 0; i < row.Length; i++)
                {
                    sp[i].Value = row[i];
                }

                await search.ExecuteNonQueryAsync(ct);
                searches++;
            }
        }

        await transaction.CommitAsync(ct);
        return (n, searches);
    }

    private static async Task<(long Audit, long Searches)> FillPostgresAsync(string connectionString, string schema, AuditChain chain, int n, DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        var searchRows = new List<(AuditRecord Record, (string Purpose, string Status, int Candidates, string Probe) Search)>();
        await using (var copy = await connection.BeginBinaryImportAsync(
            $"COPY \"{schema}\".audit_log (seq, occurred_at_ticks, actor, action, target, outcome, details, prev_hash, hash) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var g in Generate(chain, n, now))
            {
                var r = g.Record;
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(r.Sequence, NpgsqlTypes.NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(r.OccurredAt.UtcTicks, NpgsqlTypes.NpgsqlDbType.Bigint, ct);
                foreach (var text in new[] { r.Actor, r.Action, r.Target, r.Outcome, r.Details, r.PreviousHash, r.Hash })
                {
                    await copy.WriteAsync(text, NpgsqlTypes.NpgsqlDbType.Text, ct);
                }

                if (g.Search is { } s)
                {
                    searchRows.Add((r, s));
                }
            }

            await copy.CompleteAsync(ct);
        }

        await using (var copy = await connection.BeginBinaryImportAsync(
            $"COPY \"{schema}\".searches (user_name, purpose, case_reference, justification, targets, authorisation_status, authorisation_due_ticks, probe_sha256, candidates, performed_at_ticks) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var (r, s) in searchRows)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(r.Actor, NpgsqlTypes.NpgsqlDbType.Text, ct);
                await copy.WriteAsync(s.Purpose, NpgsqlTypes.NpgsqlDbType.Text, ct);
                await copy.WriteAsync("CASE-BENCH-1", NpgsqlTypes.NpgsqlDbType.Text, ct);
                await copy.WriteAsync("benchmark search with a sentence of justification", NpgsqlTypes.NpgsqlDbType.Text, ct);
                await copy.WriteAsync("watchlist:wanted", NpgsqlTypes.NpgsqlDbType.Text, ct);
                await copy.WriteAsync(s.Status, NpgsqlTypes.NpgsqlDbType.Text, ct);
                if (s.Status == "Pending")
                {
                    await copy.WriteAsync(r.OccurredAt.AddHours(48).UtcTicks, NpgsqlTypes.NpgsqlDbType.Bigint, ct);
                }
                else
                {
                    await copy.WriteNullAsync(ct);
                }

                await copy.WriteAsync(s.Probe, NpgsqlTypes.NpgsqlDbType.Text, ct);
                await copy.WriteAsync(s.Candidates, NpgsqlTypes.NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(r.OccurredAt.UtcTicks, NpgsqlTypes.NpgsqlDbType.Bigint, ct);
            }

            await copy.CompleteAsync(ct);
        }

        await using (var analyse = new NpgsqlCommand($"ANALYZE \"{schema}\".audit_log; ANALYZE \"{schema}\".searches", connection))
        {
            await analyse.ExecuteNonQueryAsync(ct);
        }

        return (n, searchRows.Count);
    }
}
