using Argus.Core.Audit;

namespace Argus.Core.Tests;

[Trait("Category", "Unit")]
public sealed class AbuseDetectorTests
{
    private static readonly AuditChain Chain = new(new byte[32]);
    private static readonly DateOnly Today = new(2026, 11, 27);

    [Fact]
    public void Flags_a_day_far_above_the_users_own_baseline_naming_its_records()
    {
        var log = new Log();
        for (var d = 1; d <= 10; d++)
        {
            log.Searches("inv1", Today.AddDays(-d), 10, count: 4);
        }

        var todays = log.Searches("inv1", Today, 10, count: 20);
        var flag = Assert.Single(AbuseDetector.Detect(log.Records, Today), f => f.Kind == AbuseKind.UnusualVolume);
        Assert.Equal("inv1", flag.Actor);
        Assert.Equal(todays, flag.Records);
        Assert.Contains("20 searches against 4 on a usual day", flag.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Flags_a_user_far_above_the_team_on_the_day()
    {
        var log = new Log();
        foreach (var user in new[] { "a", "b", "c", "d" })
        {
            log.Searches(user, Today, 9, count: 3);
        }

        log.Searches("e", Today, 9, count: 30);
        Assert.Equal("e", Assert.Single(AbuseDetector.Detect(log.Records, Today), f => f.Kind == AbuseKind.UnusualVolume).Actor);
    }

    [Fact]
    public void Normal_work_raises_nothing()
    {
        var log = new Log();
        for (var d = 0; d <= 5; d++)
        {
            log.Searches("inv1", Today.AddDays(-d), 10, count: 5);
            log.Searches("inv2", Today.AddDays(-d), 14, count: 6);
        }

        Assert.Empty(AbuseDetector.Detect(log.Records, Today));
    }

    [Fact]
    public void Flags_searches_outside_working_hours()
    {
        var log = new Log();
        log.Searches("inv1", Today, 10, count: 2);
        var night = log.Searches("inv1", Today, 23, count: 1);
        var flag = Assert.Single(AbuseDetector.Detect(log.Records, Today));
        Assert.Equal(AbuseKind.OutOfHours, flag.Kind);
        Assert.Equal(night, flag.Records);
    }

    [Fact]
    public void Flags_the_same_face_searched_repeatedly_without_any_match()
    {
        var log = new Log();
        var probe = new string('c', 64);
        var repeated = Enumerable.Range(0, 3).Select(_ => log.Add("inv1", Today, 11, AbuseDetector.SearchAction, "ok", AuditDetails.Of(("probe_sha256", probe), ("candidates", 0)))).ToArray();
        log.Add("inv1", Today, 11, AbuseDetector.SearchAction, "ok", AuditDetails.Of(("probe_sha256", new string('d', 64)), ("candidates", 2)));
        var flag = Assert.Single(AbuseDetector.Detect(log.Records, Today));
        Assert.Equal(AbuseKind.RepeatedFaceWithoutEntry, flag.Kind);
        Assert.Equal(repeated, flag.Records);
    }

    [Fact]
    public void Flags_scope_refusals_and_bulk_exports()
    {
        var log = new Log();
        for (var i = 0; i < 3; i++)
        {
            log.Add("op1", Today, 12, "alert.viewed", "refused", AuditDetails.Of(("reason", "scope")));
        }

        var export = log.Add("aud1", Today, 12, "export.audit", "ok", AuditDetails.Of(("records", 5000)));
        log.Add("aud1", Today, 13, "export.audit", "ok", AuditDetails.Of(("records", 12)));
        var flags = AbuseDetector.Detect(log.Records, Today);
        Assert.Contains(flags, f => f.Kind == AbuseKind.OutOfScope && f.Actor == "op1" && f.Records.Count == 3);
        Assert.Equal([export], Assert.Single(flags, f => f.Kind == AbuseKind.BulkExport).Records);
    }

    [Fact]
    public void Detecting_a_range_gives_the_flags_of_each_day_detected_alone()
    {
        var log = new Log();
        var random = new Random(3);
        for (var d = -45; d <= 0; d++)
        {
            foreach (var user in new[] { "a", "b", "c", "d", "e" })
            {
                log.Searches(user, Today.AddDays(d), random.Next(5, 22), count: random.Next(0, user == "e" && d % 7 == 0 ? 40 : 6));
            }

            for (var i = 0; i < random.Next(0, 5); i++)
            {
                log.Add("op1", Today.AddDays(d), 10, "search.request", "refused", AuditDetails.Of(("reason", "scope")));
            }

            log.Add("inv1", Today.AddDays(d), 11, AbuseDetector.SearchAction, "ok", AuditDetails.Of(("probe_sha256", "same"), ("candidates", 0)));
        }

        var first = Today.AddDays(-20);
        var oneByOne = new List<string>();
        for (var day = first; day <= Today; day = day.AddDays(1))
        {
            oneByOne.AddRange(AbuseDetector.Detect(log.Records, day).Select(Describe));
        }

        var range = AbuseDetector.DetectRange(log.Records, first, Today).Select(Describe).ToList();
        Assert.NotEmpty(range);
        Assert.Equal(oneByOne.Order(StringComparer.Ordinal), range.Order(StringComparer.Ordinal));

        static string Describe(AbuseFlag f) => $"{f.Kind} {f.Actor} {f.Day} {f.Description} {string.Join(",", f.Records)}";
    }

    private sealed class Log
    {
        public List<AuditRecord> Records { get; } = [];

        public long[] Searches(string user, DateOnly day, int hour, int count) =>
            Enumerable.Range(0, count).Select(i => Add(user, day, hour, AbuseDetector.SearchAction, "ok", AuditDetails.Of(("probe_sha256", $"{user}{day}{i}"), ("candidates", 1)))).ToArray();

        public long Add(string user, DateOnly day, int hour, string action, string outcome, string details)
        {
            var at = new DateTimeOffset(day.ToDateTime(new TimeOnly(hour, Records.Count % 60)), TimeSpan.Zero);
            var record = Chain.Append(Records.LastOrDefault(), new AuditEvent(user, action, "", outcome, details), at);
            Records.Add(record);
            return record.Sequence;
        }
    }
}
