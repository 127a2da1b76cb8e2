using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Argus.Application.Searches;
using Argus.Application.Watchlists;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Core.Purposes;
using Argus.Core.Watchlists;

namespace Argus.Application.Reports;

/// <summary>A rendered report: its format (md, json, html), media type and text.</summary>
public sealed record RenderedReport(string Format, string MediaType, string Content, JsonObject Model);

/// <summary>
/// The transparency report: what the system did in a period, in counts only. No names, subject ids, user names,
/// images or case numbers: categories, legal instruments, purposes and totals. The audit head (sequence:hash) in each
/// report lets anyone later detect records cut from the end of the log. Auditors and approvers.
/// </summary>
public sealed class TransparencyReportService(OperationContext context)
{
    /// <summary>Longest period of one report: a (leap) year. Longer periods are reports added up.</summary>
    public const int MaxDays = 366;

    /// <summary>How far after today a period may end (a report of this quarter or year, asked during it).</summary>
    public const int MaxDaysAhead = 366;

    /// <summary>No period starts before this day: Argus holds nothing older.</summary>
    public static readonly DateOnly Earliest = new(2000, 1, 1);

    /// <summary>
    /// The report for <paramref name="from"/>..<paramref name="to"/> (YYYY-MM-DD, inclusive) as md, json or html.
    /// <paramref name="fromName"/> and <paramref name="toName"/> name the inputs in messages (CLI options, API fields).
    /// </summary>
    public async Task<RenderedReport> CreateAsync(Principal actor, string from, string to, string format, CancellationToken ct, string fromName = "from", string toName = "to")
    {
        var (start, end, kind) = await context.AuditedAsync(actor.Id, "report.transparency", "report", () =>
        {
            AccessPolicy.Demand(actor, Capability.ReadReports);
            var a = Day(from, fromName);
            var b = Day(to, toName);
            var today = DateOnly.FromDateTime(context.Now.UtcDateTime);
            if (a < Earliest || b < Earliest || a > today.AddDays(MaxDaysAhead) || b > today.AddDays(MaxDaysAhead))
            {
                throw new ArgusException(
                    "report.range_invalid",
                    $"{fromName} and {toName} must lie between {Earliest:yyyy-MM-dd} and {today.AddDays(MaxDaysAhead):yyyy-MM-dd}.");
            }

            if (b < a)
            {
                throw new ArgusException("report.range_invalid", $"{toName} is before {fromName}.");
            }

            if (b.DayNumber - a.DayNumber + 1 > MaxDays)
            {
                throw new ArgusException("report.range_invalid", $"A report covers at most {MaxDays} days; split the period.");
            }

            var f = format.ToLowerInvariant();
            if (f is not ("md" or "json" or "html"))
            {
                throw new ArgusException("argument.invalid", "The format must be md, json or html.");
            }

            return Task.FromResult((a, b, f));
        });

        var model = await BuildAsync(start, end, ct);
        await context.AuditAsync(AuditEvent.Ok(actor.Id, "report.transparency", "report", AuditDetails.Of(
            ("from", start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)), ("to", end.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
            ("format", kind), ("audit_head", (string?)model["audit"]!["head"]))), ct);
        return kind switch
        {
            "json" => new RenderedReport(kind, "application/json", model.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n", model),
            "html" => new RenderedReport(kind, "text/html; charset=utf-8", Html(model), model),
            _ => new RenderedReport(kind, "text/markdown; charset=utf-8", Markdown(model), model),
        };
    }

    /// <summary>
    /// The report's figures, counted in the database so that a year of a million audit records costs what a week does:
    /// entries from their versions, searches and audit records counted in SQL, abuse flags from per-user, per-day counts
    /// (<see cref="AbuseDetector.CountRange"/>, the same rules the auditor's flags apply to the records), and the chain's
    /// state from the verification mark (<see cref="Auditing.AuditVerifier"/>), moved over the records added since.
    /// </summary>
    public async Task<JsonObject> BuildAsync(DateOnly first, DateOnly last, CancellationToken ct)
    {
        var from = new DateTimeOffset(first.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var to = new DateTimeOffset(last.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddDays(1);
        var now = context.Now;
        var store = context.Store;
        var asOf = to < now ? to : now;
        bool In(DateTimeOffset t) => t >= from && t < to;

        // The audit's counts are the costly part (a year can hold a million records): started first, on their own
        // connections, while the rest is read.
        var rules = new AbuseRules();
        var auditCounts = store.CountAuditAsync(from, to, "subject.erased", ct);
        var abuseDays = store.CountAbuseDaysAsync(from.AddDays(-rules.BaselineDays), from, to, rules, ct);

        // Entries: the state of each at the end of the period, rebuilt from its versions; by category only (the legal
        // instrument is free text and may name a person, so it is never published).
        var versions = await store.ListEntryVersionsAsync(ct);
        var active = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var changes = new SortedDictionary<string, int>(StringComparer.Ordinal) { ["proposed"] = 0, ["approved"] = 0, ["rejected"] = 0, ["removed"] = 0, ["expired"] = 0, ["amended"] = 0 };
        foreach (var byEntry in versions.GroupBy(v => v.Entry.Id))
        {
            var entry = byEntry.First().Entry;
            var atEnd = byEntry.Select(v => v.Version).Where(v => v.At <= asOf).OrderBy(v => v.Version).LastOrDefault();
            if (atEnd is { State: EntryState.Active } && atEnd.LegalBasis.Expiry > asOf)
            {
                var category = WatchlistService.CategoryName(entry.Watchlist.Category);
                active[category] = active.GetValueOrDefault(category) + 1;
            }

            foreach (var (_, v) in byEntry.Where(x => In(x.Version.At)))
            {
                if (changes.TryGetValue(v.Change, out var seen))
                {
                    changes[v.Change] = seen + 1;
                }
            }

            // Still active on record but its basis ran out in the period: expired, whether or not retention has recorded it yet.
            if (atEnd is { State: EntryState.Active } && atEnd.LegalBasis.Expiry >= from && atEnd.LegalBasis.Expiry <= asOf)
            {
                changes["expired"]++;
            }
        }

        // Searches: by purpose and authorisation; urgent ones still unauthorised after the window.
        var searches = await store.SummariseSearchesAsync(from, to, now, ct);
        var alertCounts = await store.CountAlertsAsync(from, to, ct);
        var byPurpose = new JsonObject();
        foreach (var purpose in Enum.GetValues<SearchPurpose>())
        {
            var these = searches.Where(s => s.Purpose == purpose).ToArray();
            byPurpose[PurposeBinding.PurposeName(purpose)] = new JsonObject
            {
                ["searches"] = these.Sum(s => s.Count),
                ["with_candidates"] = these.Where(s => s.WithCandidates).Sum(s => s.Count),
                ["authorised"] = these.Where(s => s.Status == AuthorisationStatus.Authorised).Sum(s => s.Count),
                ["urgent_pending"] = these.Where(s => s.Status == AuthorisationStatus.Pending).Sum(s => s.Count),
            };
        }

        var unauthorised = searches.Where(s => s.Overdue).Sum(s => s.Count);
        var lateAuthorised = searches.Where(s => s.AuthorisedLate).Sum(s => s.Count);

        // Audit: counted in the database; abuse flags from per-user, per-day counts of the records; the chain's state
        // from the verification mark, moved over whatever was written since the sweep last moved it.
        var head = await store.GetAuditHeadAsync(ct);
        var total = head?.Sequence ?? 0; // numbered 1, 2, 3, … without gaps (a gap is a break the verification reports)
        var verification = await new Auditing.AuditVerifier(store, context.AuditChain, context.Time).AdvanceAsync(fullPass: false, ct);
        var (inPeriod, erasures) = await auditCounts;
        var days = await abuseDays;
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var flags = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var (kind, count) in AbuseDetector.CountRange(days, first, last < today ? last : today, rules))
        {
            flags[kind.ToString()] = count;
        }

        flags["UnauthorisedAfterWindow"] = (int)unauthorised;
        return new JsonObject
        {
            ["report"] = "transparency",
            ["from"] = first.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["to"] = last.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["generated_at"] = now.ToString("O", CultureInfo.InvariantCulture),
            ["entries"] = new JsonObject
            {
                ["active_at_end"] = new JsonObject([.. active.Select(c => KeyValuePair.Create(c.Key, (JsonNode?)c.Value))]),
                ["active_total"] = active.Values.Sum(),
                ["proposed"] = changes["proposed"],
                ["added"] = changes["approved"],
                ["rejected"] = changes["rejected"],
                ["amended"] = changes["amended"],
                ["removed"] = changes["removed"],
                ["expired"] = changes["expired"],
            },
            ["searches"] = new JsonObject
            {
                ["total"] = searches.Sum(s => s.Count),
                ["by_purpose"] = byPurpose,
                ["unauthorised_after_window"] = unauthorised,
                ["authorised_late"] = lateAuthorised,
            },
            ["alerts"] = new JsonObject
            {
                ["raised"] = alertCounts.Raised,
                ["confirmed"] = alertCounts.Confirmed,
                ["dismissed"] = alertCounts.Dismissed,
                ["awaiting_second_confirmation"] = alertCounts.AwaitingSecondConfirmation,
                ["false_alert_rate"] = alertCounts.FalseAlertRate is { } rate ? Math.Round(rate, 4) : null,
            },
            ["erasures"] = erasures,
            ["abuse_flags"] = new JsonObject([.. flags.Select(f => KeyValuePair.Create(f.Key, (JsonNode?)f.Value))]),
            ["audit"] = new JsonObject
            {
                // Intact: every record up to the verified one chains to the one before it and matches its content.
                ["intact"] = verification.BrokenSequence is null,
                ["records"] = total,
                ["records_in_period"] = inPeriod,
                ["head"] = head is null ? null : $"{head.Sequence}:{head.Hash}",
                ["verified_through"] = verification.Sequence,
                ["last_full_verification"] = verification.FullPassAt?.ToString("O", CultureInfo.InvariantCulture),
                ["first_bad_sequence"] = verification.BrokenSequence,
            },
        };
    }

    public static string Markdown(JsonObject m)
    {
        var s = new StringBuilder();
        var e = m["entries"]!.AsObject();
        var q = m["searches"]!.AsObject();
        var a = m["audit"]!.AsObject();
        s.Append(CultureInfo.InvariantCulture, $"# Transparency report {m["from"]} to {m["to"]}\n\n");
        s.Append("## Watchlist entries\n\n| category | active at end |\n|---|---:|\n");
        foreach (var (category, count) in e["active_at_end"]!.AsObject())
        {
            s.Append(CultureInfo.InvariantCulture, $"| {Cell(category)} | {count} |\n");
        }

        s.Append(CultureInfo.InvariantCulture, $"\nActive at the end: {e["active_total"]}. In the period: {e["proposed"]} proposed, {e["added"]} added (approved), {e["rejected"]} rejected, {e["amended"]} amended, {e["removed"]} removed, {e["expired"]} expired.\n\n");
        s.Append("## Searches\n\n| purpose | searches | with candidates | authorised | urgent, pending |\n|---|---:|---:|---:|---:|\n");
        foreach (var (purpose, row) in q["by_purpose"]!.AsObject())
        {
            s.Append(CultureInfo.InvariantCulture, $"| {Cell(purpose)} | {row!["searches"]} | {row["with_candidates"]} | {row["authorised"]} | {row["urgent_pending"]} |\n");
        }

        s.Append(CultureInfo.InvariantCulture, $"\nTotal {q["total"]}; still unauthorised after the window: {q["unauthorised_after_window"]}; authorised after the window: {q["authorised_late"]}.\n\n");
        var al = m["alerts"]!.AsObject();
        var falseRate = al["false_alert_rate"] is { } r ? ((double)r).ToString("P1", CultureInfo.InvariantCulture) : "n/a (nothing decided)";
        s.Append(CultureInfo.InvariantCulture, $"## Alerts\n\n{al["raised"]} raised; {al["confirmed"]} confirmed, {al["dismissed"]} dismissed, {al["awaiting_second_confirmation"]} awaiting a second confirmation; false-alert rate (dismissed of decided): {falseRate}.\n\n## Erasures\n\n{m["erasures"]} subject(s) erased.\n\n");
        s.Append("## Abuse flags raised\n\n| kind | flags |\n|---|---:|\n");
        foreach (var (kind, count) in m["abuse_flags"]!.AsObject())
        {
            s.Append(CultureInfo.InvariantCulture, $"| {Cell(kind)} | {count} |\n");
        }

        var fullPass = a["last_full_verification"] is { } at ? $"last verified from the first record at {at}" : "not yet verified from the first record (`argus audit verify`)";
        s.Append(CultureInfo.InvariantCulture, $"\n## Audit chain\n\n{((bool)a["intact"]! ? "Intact" : $"BROKEN at record #{a["first_bad_sequence"]}")}, {a["records"]} record(s), {a["records_in_period"]} in the period; every record through #{a["verified_through"]} checked as it was added, {fullPass}. Head: `{a["head"]}` (keep it: `argus audit verify --head` detects records cut after it).\n");
        return s.ToString();
    }

    public static string Html(JsonObject m)
    {
        // The Markdown tables, rendered minimally: every value HTML-encoded.
        var s = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Argus transparency report</title></head><body>\n");
        var inTable = false;
        foreach (var line in Markdown(m).Split('\n'))
        {
            if (line.StartsWith('|'))
            {
                if (line.StartsWith("|---", StringComparison.Ordinal))
                {
                    continue;
                }

                // Cells hold no raw '|' (Cell writes it as an entity): decode the entities, encode for HTML.
                var cells = line.Trim('|').Split('|').Select(c => WebUtility.HtmlEncode(WebUtility.HtmlDecode(c.Trim())));
                s.Append(inTable ? "<tr>" : "<table border=\"1\"><tr>").Append(string.Concat(cells.Select(c => $"<td>{c}</td>"))).Append("</tr>\n");
                inTable = true;
                continue;
            }

            if (inTable)
            {
                s.Append("</table>\n");
                inTable = false;
            }

            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                s.Append(CultureInfo.InvariantCulture, $"<h2>{WebUtility.HtmlEncode(line[3..])}</h2>\n");
            }
            else if (line.StartsWith("# ", StringComparison.Ordinal))
            {
                s.Append(CultureInfo.InvariantCulture, $"<h1>{WebUtility.HtmlEncode(line[2..])}</h1>\n");
            }
            else if (line.Length > 0)
            {
                s.Append(CultureInfo.InvariantCulture, $"<p>{WebUtility.HtmlEncode(line).Replace("`", "", StringComparison.Ordinal)}</p>\n");
            }
        }

        return s.Append(inTable ? "</table>\n" : "").Append("</body></html>\n").ToString();
    }

    /// <summary>
    /// A table cell's text with everything that could end the cell or open markup written as an HTML entity (which
    /// Markdown renders as the character): <c>|</c>, <c>&lt;</c>, <c>&gt;</c>, <c>&amp;</c>, backticks and line breaks.
    /// </summary>
    private static string Cell(string s) => WebUtility.HtmlEncode(s).Replace("|", "&#124;", StringComparison.Ordinal).Replace("`", "&#96;", StringComparison.Ordinal)
        .Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    private static DateOnly Day(string s, string name) =>
        DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? d
            : throw new ArgusException("report.date_invalid", $"{name} must be YYYY-MM-DD.");
}
