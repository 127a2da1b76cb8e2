using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Argus.Application.Alerts;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Faces;
using Argus.Core.Watchlists;
using Argus.Storage;
using Argus.Video;
using Npgsql;

namespace Argus.Cli.Commands;

/// <summary>
/// <c>argus bench alerts</c>: what storing an alert costs the alert desk (one write transaction with the snapshot, one
/// audit record), an update within the cool-down, and a review decision, in a scratch store (a temporary SQLite file,
/// or a PostgreSQL schema of its own that is dropped afterwards).
/// </summary>
internal static class AlertBenchCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var count = new Option<int>("--count") { Description = "Alerts to raise (then update and dismiss)", DefaultValueFactory = _ => 500 };
        var postgres = new Option<string?>("--postgres") { Description = "PostgreSQL connection string (default: a temporary SQLite file)" };
        var snapshotKb = new Option<int>("--snapshot-kb") { Description = "Snapshot size in KiB", DefaultValueFactory = _ => 100 };
        var command = new Command("alerts", "Alert desk latency: raise, update and dismiss, each stored and audited.") { count, postgres, snapshotKb, ArgusCli.JsonOption };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            var n = parse.GetValue(count);
            if (n is < 1 or > 100_000)
            {
                throw new ArgusException("argument.invalid", "--count must be 1 to 100000.");
            }

            var scratch = Path.Combine(Path.GetTempPath(), "argus-bench-alerts-" + Guid.NewGuid().ToString("N")[..12]);
            var schema = "argus_bench_" + Guid.NewGuid().ToString("N")[..12];
            var connection = parse.GetValue(postgres);
            var options = connection is null ? StorageOptions.Sqlite(Path.Combine(scratch, "argus.db")) : StorageOptions.Postgres(connection, schema);
            try
            {
                var r = await RunAsync(options, n, parse.GetValue(snapshotKb) * 1024, ct);
                var provider = connection is null ? "sqlite" : "postgres";
                if (parse.GetValue(ArgusCli.JsonOption))
                {
                    host.WriteJson(new JsonObject
                    {
                        ["provider"] = provider,
                        ["count"] = n,
                        ["raise_ms_p50"] = r.Raise.P50,
                        ["raise_ms_p99"] = r.Raise.P99,
                        ["update_ms_p50"] = r.Update.P50,
                        ["update_ms_p99"] = r.Update.P99,
                        ["dismiss_ms_p50"] = r.Dismiss.P50,
                        ["dismiss_ms_p99"] = r.Dismiss.P99,
                        ["raises_per_second"] = Math.Round(n / r.RaiseSeconds, 1),
                    });
                }
                else
                {
                    host.Out.WriteLine($"{provider}, {n} alerts with {parse.GetValue(snapshotKb)} KiB snapshots, one at a time (as the desk's consumer stores them):");
                    host.Out.WriteLine($"  raise   p50 {r.Raise.P50:0.00} ms  p99 {r.Raise.P99:0.00} ms  ({n / r.RaiseSeconds:0} alerts/s)");
                    host.Out.WriteLine($"  update  p50 {r.Update.P50:0.00} ms  p99 {r.Update.P99:0.00} ms");
                    host.Out.WriteLine($"  dismiss p50 {r.Dismiss.P50:0.00} ms  p99 {r.Dismiss.P99:0.00} ms");
                }
            }
            finally
            {
                if (connection is null)
                {
                    Directory.Delete(scratch, recursive: true);
                }
                else
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

    private static async Task<((double P50, double P99) Raise, (double P50, double P99) Update, (double P50, double P99) Dismiss, double RaiseSeconds)> RunAsync(
        StorageOptions options, int n, int snapshotBytes, CancellationToken ct)
    {
        await using var store = await ArgusStore.OpenAsync(options, ct);
        var chain = Core.Audit.AuditChain.FromSecret(Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        var now = DateTimeOffset.UtcNow;
        var watchlist = await store.CreateWatchlistAsync(new NewWatchlist("bench", WatchlistCategory.WantedPerson), new EmbeddingContract("bench", new string('0', 64), 1, 4), "bench", ct);
        var subject = await store.CreateSubjectAsync(new NewSubject("bench subject"), ct);
        var proposer = new Principal("p", "p", new HashSet<Role> { Role.Investigator }, Scope.Everything);
        var approver = new Principal("a", "a", new HashSet<Role> { Role.Approver }, Scope.Everything);
        var reviewer = new Principal("r", "r", new HashSet<Role> { Role.Operator }, Scope.Everything);
        var basis = new LegalBasis("BENCH-1", "benchmark entry", "DI Bench", "Bench Authority", "Bench Order 1", now.AddDays(30), [new ImageSource(new string('a', 64), "bench", "BENCH-IMG")]);
        var entry = await store.AddEntryAsync(watchlist, subject.Id, WatchlistEntry.Propose("x", watchlist.Name, watchlist.Policy, "s", basis, proposer, "r", now), ct);
        await store.ChangeEntryAsync(entry.Id, e => e.Entry.Approve(approver, "ok", now), ct);
        entry = (await store.GetEntryAsync(entry.Id, ct))!;

        var snapshot = new byte[snapshotBytes];
        Random.Shared.NextBytes(snapshot);
        await using var feed = new AlertFeed(store, chain);
        var desk = new AlertDesk(store, chain, feed);
        var raise = new double[n];
        var update = new double[n];
        var dismiss = new double[n];
        var ids = new long[n];
        var total = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            var start = Stopwatch.GetTimestamp();
            ids[i] = (await feed.RaiseAsync(Event(i, subject.Id, snapshot, 2), "1", entry, ct)).Alert.Id;
            raise[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        var raiseSeconds = total.Elapsed.TotalSeconds;
        for (var i = 0; i < n; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await feed.RaiseAsync(Event(i, subject.Id, snapshot, 4), "1", entry, ct);
            update[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        for (var i = 0; i < n; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await desk.DismissAsync(reviewer, ids[i], "not this person", ct);
            dismiss[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        return (Percentiles(raise), Percentiles(update), Percentiles(dismiss), raiseSeconds);
    }

    private static AlertEvent Event(int camera, long subject, byte[] snapshot, int shots)
    {
        var now = DateTimeOffset.UtcNow;
        return new AlertEvent("bench", $"cam-{camera}", "site", 1, new FaceMatch(subject, 1, "bench", 0.6f + (shots / 100f)), shots, now.AddSeconds(-1), now, snapshot, false);
    }

    private static (double P50, double P99) Percentiles(double[] values)
    {
        Array.Sort(values);
        return (Math.Round(values[values.Length / 2], 2), Math.Round(values[Math.Min(values.Length - 1, (int)(values.Length * 0.99))], 2));
    }
}
