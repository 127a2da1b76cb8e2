using Argus.Application.Auditing;
using Argus.Application.Reports;
using Argus.Core.Audit;
using Microsoft.Extensions.Time.Testing;

namespace Argus.Application.Tests;

/// <summary>
/// The transparency report counts in the database what the auditor's flags find record by record, and states the
/// chain's integrity from the verification mark: both tried the way an insider with database access would, on SQLite
/// and PostgreSQL.
/// </summary>
public abstract class AuditReportTests
{
    private static readonly DateTimeOffset Start = new(2026, 9, 1, 6, 0, 0, TimeSpan.Zero);

    protected abstract bool Postgres { get; }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task The_report_counts_the_same_abuse_flags_as_the_detector_reading_the_records()
    {
        var time = new FakeTimeProvider(Start);
        await using var world = await World.CreateAsync(time, Postgres);
        await SeedActivityAsync(world, time, days: 70);

        var first = DateOnly.FromDateTime(Start.UtcDateTime).AddDays(35);
        var last = DateOnly.FromDateTime(Start.UtcDateTime).AddDays(69);
        var rules = new AbuseRules();
        var from = new DateTimeOffset(first.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var to = new DateTimeOffset(last.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddDays(1);
        var records = await world.AuditAsync();
        var expected = AbuseDetector.DetectRange([.. records.Where(r => r.OccurredAt >= from.AddDays(-rules.BaselineDays) && r.OccurredAt < to)], first, last, rules)
            .GroupBy(f => f.Kind).ToDictionary(g => g.Key, g => g.Count());

        // Every rule fires in the seeded data, so a count the database gets wrong shows.
        foreach (var kind in Enum.GetValues<AbuseKind>())
        {
            Assert.True(expected.GetValueOrDefault(kind) > 0, $"the seeded activity raises no {kind} flag");
        }

        var counted = AbuseDetector.CountRange(await world.Store.CountAbuseDaysAsync(from.AddDays(-rules.BaselineDays), from, to, rules), first, last, rules);
        foreach (var kind in Enum.GetValues<AbuseKind>())
        {
            Assert.True(expected.GetValueOrDefault(kind) == counted[kind], $"{kind}: the detector finds {expected.GetValueOrDefault(kind)}, the database counts {counted[kind]}");
        }

        time.Advance(TimeSpan.FromDays(2));
        var report = await new TransparencyReportService(world.Operations()).BuildAsync(first, last, CancellationToken.None);
        foreach (var kind in Enum.GetValues<AbuseKind>())
        {
            Assert.Equal(expected.GetValueOrDefault(kind), (int)report["abuse_flags"]![kind.ToString()]!);
        }

        Assert.Equal(records.Count(r => r.OccurredAt >= from && r.OccurredAt < to), (long)report["audit"]!["records_in_period"]!);
        Assert.Equal(records.Count(r => r.Action == "subject.erased" && r.Outcome == "ok" && r.OccurredAt >= from && r.OccurredAt < to), (long)report["erasures"]!);
        Assert.True((bool)report["audit"]!["intact"]!);
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task A_report_finds_a_record_edited_since_the_chain_was_last_verified()
    {
        var time = new FakeTimeProvider(Start);
        await using var world = await World.CreateAsync(time, Postgres);
        await AppendAsync(world, time, 20);
        var verifier = new AuditVerifier(world.Store, world.Chain, time);
        Assert.Equal(20, (await verifier.AdvanceAsync(fullPass: false, CancellationToken.None)).Sequence);

        await AppendAsync(world, time, 10);
        await world.ExecuteAsync("UPDATE audit_log SET details = '{\"candidates\":0}' WHERE seq = 25");
        var audit = (await ReportAsync(world))["audit"]!;
        Assert.False((bool)audit["intact"]!);
        Assert.Equal(25, (long)audit["first_bad_sequence"]!);
        Assert.Equal(24, (long)audit["verified_through"]!);
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task An_edit_behind_the_mark_is_found_by_the_full_pass_and_stays_reported_until_a_full_pass_finds_it_undone()
    {
        var time = new FakeTimeProvider(Start);
        await using var world = await World.CreateAsync(time, Postgres);
        await AppendAsync(world, time, 20);
        var verifier = new AuditVerifier(world.Store, world.Chain, time);
        await verifier.AdvanceAsync(fullPass: false, CancellationToken.None);
        var original = (await world.Store.GetAuditRecordAsync(5))!.Details;

        await world.ExecuteAsync("UPDATE audit_log SET details = '{\"candidates\":0}' WHERE seq = 5");
        Assert.Null((await verifier.AdvanceAsync(fullPass: false, CancellationToken.None)).BrokenSequence); // the documented limit of the incremental check
        var full = await verifier.AdvanceAsync(fullPass: true, CancellationToken.None);
        Assert.Equal(5, full.BrokenSequence);
        Assert.Contains("edited", full.BrokenReason, StringComparison.Ordinal);

        // Sticky: later incremental checks and reports keep saying so.
        await AppendAsync(world, time, 3);
        Assert.Equal(5, (await verifier.AdvanceAsync(fullPass: false, CancellationToken.None)).BrokenSequence);
        Assert.False((bool)(await ReportAsync(world))["audit"]!["intact"]!);

        // The record restored (a backup): only a full pass clears the break.
        await world.ExecuteAsync($"UPDATE audit_log SET details = '{original.Replace("'", "''", StringComparison.Ordinal)}' WHERE seq = 5");
        Assert.Equal(5, (await verifier.AdvanceAsync(fullPass: false, CancellationToken.None)).BrokenSequence);
        var cleared = await verifier.AdvanceAsync(fullPass: true, CancellationToken.None);
        Assert.Null(cleared.BrokenSequence);
        Assert.Equal(time.GetUtcNow(), cleared.FullPassAt);
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task A_mark_moved_without_the_key_is_ignored_and_the_chain_checked_from_the_first_record()
    {
        var time = new FakeTimeProvider(Start);
        await using var world = await World.CreateAsync(time, Postgres);
        await AppendAsync(world, time, 20);
        await world.ExecuteAsync("UPDATE audit_log SET details = '{\"candidates\":0}' WHERE seq = 7");

        // An insider writes a mark claiming everything was verified, to hide the edit from reports.
        var head = (await world.Store.GetAuditRecordAsync(20))!;
        var forged = new AuditVerificationMark(20, head.Hash, time.GetUtcNow(), time.GetUtcNow(), null, null, new string('0', 64));
        await world.Store.SaveAuditVerificationAsync(forged);
        var audit = (await ReportAsync(world))["audit"]!;
        Assert.False((bool)audit["intact"]!);
        Assert.Equal(7, (long)audit["first_bad_sequence"]!);

        // A genuine mark copied from another store (another key) is no better.
        var other = AuditChain.FromSecret(new string('b', 64));
        var foreign = forged with { BrokenSequence = null, Mac = other.SignVerification(forged with { Mac = "" }) };
        await world.Store.SaveAuditVerificationAsync(foreign);
        Assert.Equal(7, (await new AuditVerifier(world.Store, world.Chain, time).AdvanceAsync(fullPass: false, CancellationToken.None)).BrokenSequence);
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task A_log_cut_or_rewritten_at_the_mark_is_found_without_a_full_pass()
    {
        var time = new FakeTimeProvider(Start);
        await using var world = await World.CreateAsync(time, Postgres);
        await AppendAsync(world, time, 20);
        var verifier = new AuditVerifier(world.Store, world.Chain, time);
        await verifier.AdvanceAsync(fullPass: false, CancellationToken.None);

        await world.ExecuteAsync("DELETE FROM audit_log WHERE seq > 15");
        var cut = await verifier.AdvanceAsync(fullPass: false, CancellationToken.None);
        Assert.Equal(20, cut.BrokenSequence);
        Assert.Contains("deleted", cut.BrokenReason, StringComparison.Ordinal);

        await using var second = await World.CreateAsync(time, Postgres);
        await AppendAsync(second, time, 20);
        var other = new AuditVerifier(second.Store, second.Chain, time);
        await other.AdvanceAsync(fullPass: false, CancellationToken.None);
        await second.ExecuteAsync("UPDATE audit_log SET hash = prev_hash WHERE seq = 20");
        var rewritten = await other.AdvanceAsync(fullPass: false, CancellationToken.None);
        Assert.Equal(20, rewritten.BrokenSequence);
        Assert.Contains("rewritten", rewritten.BrokenReason, StringComparison.Ordinal);
    }

    private static async Task<System.Text.Json.Nodes.JsonObject> ReportAsync(World world)
    {
        var today = DateOnly.FromDateTime(world.Time.GetUtcNow().UtcDateTime);
        return await new TransparencyReportService(world.Operations()).BuildAsync(today.AddDays(-30), today, CancellationToken.None);
    }

    private static async Task AppendAsync(World world, FakeTimeProvider time, int n)
    {
        for (var i = 0; i < n; i++)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            await world.Store.AppendAuditAsync(world.Chain, AuditEvent.Ok("ann", "entry.viewed", $"entry:{i}", AuditDetails.Of(("i", i))));
        }
    }

    /// <summary>
    /// Seventy days of six users' work with every pattern the rules look for: ordinary days, a day of far more
    /// searches than usual, searches at night, one face searched again and again without a match, refusals for scope
    /// (and for other reasons, which do not count), bulk and small exports, erasures.
    /// </summary>
    private static async Task SeedActivityAsync(World world, FakeTimeProvider time, int days)
    {
        var random = new Random(20261207);
        string[] users = ["ann", "ben", "cat", "dan", "eve", "fay"];
        for (var d = 0; d < days; d++)
        {
            var day = Start.AddDays(d).Date;
            var events = new List<(TimeSpan At, AuditEvent Event)>();
            foreach (var user in users)
            {
                var searches = random.Next(0, 6) + (user == "cat" && d % 9 == 4 ? 40 : 0);
                for (var s = 0; s < searches; s++)
                {
                    var hour = random.NextDouble() < 0.05 ? random.Next(0, 6) : random.Next(7, 19);
                    var repeat = user == "dan" && d % 6 == 1 && s < 4;
                    var probe = repeat ? "feedface" + d : Convert.ToHexStringLower(BitConverter.GetBytes(random.NextInt64()));
                    var candidates = repeat ? 0 : random.Next(0, 3);
                    var outcome = random.NextDouble() < 0.05 ? "refused" : "ok";
                    events.Add((TimeSpan.FromHours(hour) + TimeSpan.FromMinutes(random.Next(60)), new AuditEvent(
                        user, AbuseDetector.SearchAction, "search:1", outcome, AuditDetails.Of(("candidates", candidates), ("probe_sha256", probe), ("purpose", "Investigation")))));
                }

                var refusals = user == "eve" && d % 5 == 2 ? 4 : random.Next(0, 2);
                for (var r = 0; r < refusals; r++)
                {
                    var reason = user == "eve" || random.NextDouble() < 0.5 ? "scope" : "role";
                    events.Add((TimeSpan.FromHours(random.Next(8, 18)), new AuditEvent(user, "camera.frame", "camera:3", "refused", AuditDetails.Of(("reason", reason)))));
                }

                if (random.NextDouble() < 0.1)
                {
                    events.Add((TimeSpan.FromHours(12), AuditEvent.Ok(user, "export.alerts", "alerts", AuditDetails.Of(("records", random.Next(20, 300))))));
                }

                if (random.NextDouble() < 0.03)
                {
                    events.Add((TimeSpan.FromHours(13), AuditEvent.Ok(user, "subject.erased", "subject:9")));
                }
            }

            foreach (var (at, e) in events.OrderBy(x => x.At))
            {
                var when = new DateTimeOffset(day, TimeSpan.Zero) + at;
                if (when > time.GetUtcNow())
                {
                    time.SetUtcNow(when);
                }

                await world.Store.AppendAuditAsync(world.Chain, e);
            }
        }

        time.SetUtcNow(new DateTimeOffset(Start.AddDays(days).Date, TimeSpan.Zero));
    }
}

public sealed class SqliteAuditReportTests : AuditReportTests
{
    protected override bool Postgres => false;
}

public sealed class PostgresAuditReportTests : AuditReportTests
{
    protected override bool Postgres => true;
}
