using System.Text.Json;

namespace Argus.Core.Audit;

public enum AbuseKind
{
    /// <summary>Search volume far above the user's own baseline or the team's.</summary>
    UnusualVolume,

    /// <summary>Searches outside working hours.</summary>
    OutOfHours,

    /// <summary>Repeated refusals for acting outside the user's sites, cameras or watchlists.</summary>
    OutOfScope,

    /// <summary>The same face searched again and again with nothing on any watchlist.</summary>
    RepeatedFaceWithoutEntry,

    /// <summary>Exports of many records.</summary>
    BulkExport,
}

/// <summary>
/// What the abuse rules read about one user's day (in the rules' time zone), counted by the store: searches performed,
/// those outside working hours, refusals for scope, probes searched at least the repeat threshold's times with no
/// candidate (one per probe), and exports of at least the bulk threshold's records.
/// </summary>
public sealed record AbuseDayCounts(string Actor, DateOnly Day, int Searches, int OutOfHoursSearches, int ScopeRefusals, int RepeatedFaces, int BulkExports);

/// <summary>A flag for auditors, naming the audit records (by sequence) that raised it.</summary>
public sealed record AbuseFlag(AbuseKind Kind, string Actor, DateOnly Day, string Description, IReadOnlyList<long> Records);

/// <summary>Thresholds; the defaults are starting points to be tuned per deployment.</summary>
public sealed record AbuseRules
{
    /// <summary>A day's searches above this multiple of the user's median day (over the baseline) is flagged.</summary>
    public double VolumeFactor { get; init; } = 3.0;

    /// <summary>Never flag volume below this many searches a day.</summary>
    public int VolumeFloor { get; init; } = 10;

    public int BaselineDays { get; init; } = 30;

    /// <summary>Working hours in UTC offset <see cref="TimeZoneOffset"/>, [start, end).</summary>
    public TimeOnly WorkStart { get; init; } = new(7, 0);

    public TimeOnly WorkEnd { get; init; } = new(19, 0);

    public TimeSpan TimeZoneOffset { get; init; } = TimeSpan.Zero;

    public int OutOfScopeRefusals { get; init; } = 3;

    public int RepeatedFaceSearches { get; init; } = 3;

    public int BulkExportRecords { get; init; } = 100;
}

/// <summary>
/// Reads the audit log for patterns of insider abuse. Works on the records themselves, so what it flags is exactly
/// what an auditor can look up. Searches are <c>search.performed</c> records whose details carry
/// <c>probe_sha256</c> and <c>candidates</c> (the number returned above threshold); exports are <c>export.*</c>
/// records with <c>records</c>; scope refusals are refused records whose details carry <c>reason = "scope"</c>.
/// </summary>
public static class AbuseDetector
{
    public const string SearchAction = "search.performed";

    /// <summary>The <c>reason</c> of a refusal for a watchlist, site or camera outside the actor's scope (<see cref="RefusalReason.Scope"/>).</summary>
    public const string ScopeReason = "scope";

    public static IReadOnlyList<AbuseFlag> Detect(IReadOnlyList<AuditRecord> records, DateOnly day, AbuseRules? rules = null)
    {
        rules ??= new AbuseRules();
        var searches = records.Where(r => r.Action == SearchAction && r.Outcome == "ok").ToArray();
        var ofDay = records.Where(r => Day(r, rules) == day).ToArray();
        return DetectDay(ofDay, day, rules, actor => [.. searches
            .Where(r => r.Actor == actor && Day(r, rules) < day && Day(r, rules) >= day.AddDays(-rules.BaselineDays))
            .GroupBy(r => Day(r, rules)).Select(g => g.Count()).Order()]);
    }

    /// <summary>
    /// The flags of one day from that day's records (<paramref name="ofDay"/>) and each user's searches per earlier
    /// day of the baseline (<paramref name="history"/>: counts of the days with searches, sorted).
    /// </summary>
    private static List<AbuseFlag> DetectDay(IReadOnlyList<AuditRecord> ofDay, DateOnly day, AbuseRules rules, Func<string, int[]> history)
    {
        var flags = new List<AbuseFlag>();
        var today = ofDay.Where(r => r.Action == SearchAction && r.Outcome == "ok").ToArray();

        // Volume: own baseline (median searches per active day) and the team's median for the day.
        var teamToday = today.GroupBy(r => r.Actor).Select(g => g.Count()).Order().ToArray();
        foreach (var user in today.GroupBy(r => r.Actor))
        {
            var count = user.Count();
            if (UnusualVolume(count, history(user.Key), teamToday, rules) is { } basis)
            {
                flags.Add(new(AbuseKind.UnusualVolume, user.Key, day, $"{count} searches against {basis}", Sequences(user)));
            }
        }

        // Out of hours.
        foreach (var user in today.Where(r => !InHours(r, rules)).GroupBy(r => r.Actor))
        {
            flags.Add(new(AbuseKind.OutOfHours, user.Key, day, $"{user.Count()} search(es) outside {rules.WorkStart:HH\\:mm}-{rules.WorkEnd:HH\\:mm}", Sequences(user)));
        }

        // Repeated refusals for acting outside scope.
        var refusals = ofDay.Where(r => r.Outcome == "refused" && Detail(r, "reason") == ScopeReason);
        foreach (var user in refusals.GroupBy(r => r.Actor).Where(g => g.Count() >= rules.OutOfScopeRefusals))
        {
            flags.Add(new(AbuseKind.OutOfScope, user.Key, day, $"{user.Count()} refusals for sites, cameras or watchlists outside the user's scope", Sequences(user)));
        }

        // The same face searched repeatedly with no candidate on any watchlist.
        var repeated = today
            .Where(r => Detail(r, "probe_sha256") is { Length: > 0 } && Detail(r, "candidates") == "0")
            .GroupBy(r => (r.Actor, Probe: Detail(r, "probe_sha256")!))
            .Where(g => g.Count() >= rules.RepeatedFaceSearches);
        foreach (var group in repeated)
        {
            flags.Add(new(
                AbuseKind.RepeatedFaceWithoutEntry, group.Key.Actor, day,
                $"the same face (probe {group.Key.Probe[..Math.Min(12, group.Key.Probe.Length)]}) searched {group.Count()} times with no match on any watchlist",
                Sequences(group)));
        }

        // Bulk exports.
        foreach (var export in ofDay.Where(r => r.Action.StartsWith("export.", StringComparison.Ordinal)))
        {
            if (long.TryParse(Detail(export, "records"), out var n) && n >= rules.BulkExportRecords)
            {
                flags.Add(new(AbuseKind.BulkExport, export.Actor, day, $"export of {n} records ({export.Action})", [export.Sequence]));
            }
        }

        return flags;
    }

    /// <summary>
    /// The flags of every day from <paramref name="first"/> to <paramref name="last"/>, the same as calling
    /// <see cref="Detect"/> for each day, without rereading the whole log per day: the records are split by day once,
    /// and each day sees its own records and the searches of its baseline days. <paramref name="records"/> needs only
    /// what the rules read: searches (from <paramref name="first"/> minus the baseline), refusals and exports.
    /// </summary>
    public static IReadOnlyList<AbuseFlag> DetectRange(IReadOnlyList<AuditRecord> records, DateOnly first, DateOnly last, AbuseRules? rules = null)
    {
        rules ??= new AbuseRules();
        var byDay = new Dictionary<DateOnly, List<AuditRecord>>();
        var searchesByDay = new Dictionary<DateOnly, List<AuditRecord>>();
        foreach (var r in records)
        {
            var d = Day(r, rules);
            if (!byDay.TryGetValue(d, out var list))
            {
                byDay[d] = list = [];
            }

            list.Add(r);
            if (r.Action == SearchAction && r.Outcome == "ok")
            {
                if (!searchesByDay.TryGetValue(d, out var searches))
                {
                    searchesByDay[d] = searches = [];
                }

                searches.Add(r);
            }
        }

        // Searches per user per day, once: each day's baseline is then 30 lookups per user, not a rescan of the log.
        var perUserDay = new Dictionary<(string Actor, DateOnly Day), int>();
        foreach (var (d, searches) in searchesByDay)
        {
            foreach (var r in searches)
            {
                perUserDay[(r.Actor, d)] = perUserDay.GetValueOrDefault((r.Actor, d)) + 1;
            }
        }

        var flags = new List<AbuseFlag>();
        var past = new List<int>();
        for (var day = first; day <= last; day = day.AddDays(1))
        {
            if (byDay.TryGetValue(day, out var today))
            {
                var current = day;
                flags.AddRange(DetectDay(today, day, rules, actor =>
                {
                    past.Clear();
                    for (var back = current.AddDays(-rules.BaselineDays); back < current; back = back.AddDays(1))
                    {
                        if (perUserDay.TryGetValue((actor, back), out var n))
                        {
                            past.Add(n);
                        }
                    }

                    past.Sort();
                    return [.. past];
                }));
            }

            if (day == DateOnly.MaxValue)
            {
                break;
            }
        }

        return flags;
    }

    /// <summary>
    /// How many flags of each kind the days from <paramref name="first"/> to <paramref name="last"/> raise, from the
    /// store's per-user, per-day counts instead of the records (what the transparency report needs: counts, at a cost
    /// that does not follow the number of records). Gives the same counts as <see cref="DetectRange"/> on the records
    /// the counts were made from: both apply the same rules (<see cref="UnusualVolume"/> and the thresholds of
    /// <paramref name="rules"/>). <paramref name="days"/> holds the searches of the baseline days before
    /// <paramref name="first"/> too.
    /// </summary>
    public static IReadOnlyDictionary<AbuseKind, int> CountRange(IReadOnlyList<AbuseDayCounts> days, DateOnly first, DateOnly last, AbuseRules? rules = null)
    {
        rules ??= new AbuseRules();
        var counts = Enum.GetValues<AbuseKind>().ToDictionary(k => k, _ => 0);
        var searchesOf = days.Where(d => d.Searches > 0).ToDictionary(d => (d.Actor, d.Day), d => d.Searches);
        var past = new List<int>();
        foreach (var day in days.Where(d => d.Day >= first && d.Day <= last).GroupBy(d => d.Day))
        {
            var teamToday = day.Where(d => d.Searches > 0).Select(d => d.Searches).Order().ToArray();
            foreach (var d in day)
            {
                if (d.Searches > 0)
                {
                    past.Clear();
                    for (var back = d.Day.AddDays(-rules.BaselineDays); back < d.Day; back = back.AddDays(1))
                    {
                        if (searchesOf.TryGetValue((d.Actor, back), out var n))
                        {
                            past.Add(n);
                        }
                    }

                    past.Sort();
                    if (UnusualVolume(d.Searches, [.. past], teamToday, rules) is not null)
                    {
                        counts[AbuseKind.UnusualVolume]++;
                    }
                }

                counts[AbuseKind.OutOfHours] += d.OutOfHoursSearches > 0 ? 1 : 0;
                counts[AbuseKind.OutOfScope] += d.ScopeRefusals >= rules.OutOfScopeRefusals ? 1 : 0;
                counts[AbuseKind.RepeatedFaceWithoutEntry] += d.RepeatedFaces;
                counts[AbuseKind.BulkExport] += d.BulkExports;
            }
        }

        return counts;
    }

    /// <summary>
    /// The volume rule: a user's <paramref name="count"/> searches of a day are unusual when at least the floor and
    /// above the factor times their own median day (<paramref name="past"/>, sorted counts of the baseline days with
    /// searches) or the team's median of the day (<paramref name="teamToday"/>, sorted, when more than two searched).
    /// Returns the basis it was judged against, or null when it is not unusual.
    /// </summary>
    public static string? UnusualVolume(int count, int[] past, int[] teamToday, AbuseRules rules)
    {
        var own = Median(past);
        var teamMedian = Median(teamToday);
        var overOwn = past.Length > 0 && count > rules.VolumeFactor * own;
        var overTeam = teamToday.Length > 2 && count > rules.VolumeFactor * teamMedian;
        return count < rules.VolumeFloor || !(overOwn || overTeam)
            ? null
            : overOwn ? $"{own:0.#} on a usual day" : $"a team median of {teamMedian:0.#}";
    }

    private static DateOnly Day(AuditRecord r, AbuseRules rules) => DateOnly.FromDateTime(r.OccurredAt.ToOffset(rules.TimeZoneOffset).DateTime);

    private static bool InHours(AuditRecord r, AbuseRules rules)
    {
        var t = TimeOnly.FromDateTime(r.OccurredAt.ToOffset(rules.TimeZoneOffset).DateTime);
        return t >= rules.WorkStart && t < rules.WorkEnd;
    }

    private static long[] Sequences(IEnumerable<AuditRecord> records) => [.. records.Select(r => r.Sequence)];

    private static double Median(int[] sorted) => sorted.Length == 0 ? 0 : sorted.Length % 2 == 1
        ? sorted[sorted.Length / 2]
        : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2.0;

    /// <summary>A top-level detail value as text (numbers and strings alike), or null.</summary>
    internal static string? Detail(AuditRecord r, string key)
    {
        if (string.IsNullOrEmpty(r.Details))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(r.Details);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(key, out var value)
                ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
