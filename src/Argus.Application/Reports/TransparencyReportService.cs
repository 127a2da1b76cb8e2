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
            if (b < a)
            {
                throw new ArgusException("argument.invalid", $"{toName} is before {fromName}.");
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

    public async Task<JsonObject> BuildAsync(DateOnly first, DateOnly last, CancellationToken ct)
    {
        var from = new DateTimeOffset(first.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var to = new DateTimeOffset(last.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var now = context.Now;
        var store = context.Store;
        var asOf = to < now ? to : now;
        bool In(DateTimeOffset t) => t >= from && t < to;

        // Entries: the state of each at the end of the period, rebuilt from its versions.
        var versions = await store.ListEntryVersionsAsync(ct);
        var active = new SortedDictionary<string, SortedDictionary<string, int>>(StringComparer.Ordinal);
        var changes = new SortedDictionary<string, int>(StringComparer.Ordinal) { ["proposed"] = 0, ["approved"] = 0, ["rejected"] = 0, ["removed"] = 0, ["expired"] = 0, ["amended"] = 0 };
        foreach (var byEntry in versions.GroupBy(v => v.Entry.Id))
        {
            var entry = byEntry.First().Entry;
            var atEnd = byEntry.Select(v => v.Version).Where(v => v.At <= asOf).OrderBy(v => v.Version).LastOrDefault();
            if (atEnd is { State: EntryState.Active } && atEnd.LegalBasis.Expiry > asOf)
            {
                var category = WatchlistService.CategoryName(entry.Watchlist.Category);
                if (!active.TryGetValue(category, out var byInstrument))
                {
                    active[category] = byInstrument = new SortedDictionary<string, int>(StringComparer.Ordinal);
                }

                byInstrument[atEnd.LegalBasis.LegalInstrument] = byInstrument.GetValueOrDefault(atEnd.LegalBasis.LegalInstrument) + 1;
            }

            foreach (var (_, v) in byEntry.Where(x => In(x.Version.At)))
            {
                changes[v.Change] = changes.GetValueOrDefault(v.Change) + 1;
            }

            // Still active on record but its basis ran out in the period: expired, whether or not retention has recorded it yet.
            if (atEnd is { State: EntryState.Active } && atEnd.LegalBasis.Expiry >= from && atEnd.LegalBasis.Expiry <= asOf)
            {
                changes["expired"]++;
            }
        }

        // Searches: by purpose and authorisation; urgent ones still unauthorised after the window.
        var searches = await store.ListSearchesAsync(from, to, ct);

        // Alerts: raised in the period, and final decisions in it, from the stored decisions (kept as long as alerts).
        var alertCounts = await store.CountAlertsAsync(from, to, ct);
        var byPurpose = new JsonObject();
        foreach (var purpose in Enum.GetValues<SearchPurpose>())
        {
            var these = searches.Where(s => s.Purpose == purpose).ToArray();
            byPurpose[PurposeBinding.PurposeName(purpose)] = new JsonObject
            {
                ["searches"] = these.Length,
                ["with_candidates"] = these.Count(s => s.Candidates > 0),
                ["authorised"] = these.Count(s => s.Status == AuthorisationStatus.Authorised),
                ["urgent_pending"] = these.Count(s => s.Status == AuthorisationStatus.Pending),
            };
        }

        var unauthorised = searches.Count(s => s.IsOverdueAt(now));
        var lateAuthorised = searches.Count(s => s.Status == AuthorisationStatus.Authorised && s.AuthorisationDue is { } due && s.AuthorisedAt > due);

        // Audit: the chain's state, erasures and abuse flags raised in the period.
        var records = new List<AuditRecord>();
        await foreach (var r in store.ReadAuditAsync(ct: ct))
        {
            records.Add(r);
        }

        var verification = context.AuditChain.Verify(records);
        var flags = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var kind in Enum.GetNames<AbuseKind>())
        {
            flags[kind] = 0;
        }

        for (var day = first; day <= last && day <= DateOnly.FromDateTime(now.UtcDateTime); day = day.AddDays(1))
        {
            foreach (var flag in AbuseDetector.Detect(records, day))
            {
                flags[flag.Kind.ToString()]++;
            }
        }

        flags["UnauthorisedAfterWindow"] = unauthorised;
        return new JsonObject
        {
            ["report"] = "transparency",
            ["from"] = first.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["to"] = last.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["generated_at"] = now.ToString("O", CultureInfo.InvariantCulture),
            ["entries"] = new JsonObject
            {
                ["active_at_end"] = new JsonObject([.. active.Select(c => KeyValuePair.Create(c.Key, (JsonNode?)new JsonObject([.. c.Value.Select(i => KeyValuePair.Create(i.Key, (JsonNode?)i.Value))])))]),
                ["active_total"] = active.Values.Sum(c => c.Values.Sum()),
                ["proposed"] = changes["proposed"],
                ["added"] = changes["approved"],
                ["rejected"] = changes["rejected"],
                ["amended"] = changes["amended"],
                ["removed"] = changes["removed"],
                ["expired"] = changes["expired"],
            },
            ["searches"] = new JsonObject
            {
                ["total"] = searches.Count,
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
            ["erasures"] = records.Count(r => r.Action == "subject.erased" && r.Outcome == "ok" && In(r.OccurredAt)),
            ["abuse_flags"] = new JsonObject([.. flags.Select(f => KeyValuePair.Create(f.Key, (JsonNode?)f.Value))]),
            ["audit"] = new JsonObject
            {
                ["intact"] = verification.Intact,
                ["records"] = records.Count,
                ["head"] = records.Count == 0 ? null : $"{records[^1].Sequence}:{records[^1].Hash}",
                ["first_bad_sequence"] = verification.FirstBreak?.Sequence,
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
        s.Append("## Watchlist entries\n\n| category | legal instrument | active at end |\n|---|---|---:|\n");
        foreach (var (category, byInstrument) in e["active_at_end"]!.AsObject())
        {
            foreach (var (instrument, count) in byInstrument!.AsObject())
            {
                s.Append(CultureInfo.InvariantCulture, $"| {category} | {Cell(instrument)} | {count} |\n");
            }
        }

        s.Append(CultureInfo.InvariantCulture, $"\nActive at the end: {e["active_total"]}. In the period: {e["proposed"]} proposed, {e["added"]} added (approved), {e["rejected"]} rejected, {e["amended"]} amended, {e["removed"]} removed, {e["expired"]} expired.\n\n");
        s.Append("## Searches\n\n| purpose | searches | with candidates | authorised | urgent, pending |\n|---|---:|---:|---:|---:|\n");
        foreach (var (purpose, row) in q["by_purpose"]!.AsObject())
        {
            s.Append(CultureInfo.InvariantCulture, $"| {purpose} | {row!["searches"]} | {row["with_candidates"]} | {row["authorised"]} | {row["urgent_pending"]} |\n");
        }

        s.Append(CultureInfo.InvariantCulture, $"\nTotal {q["total"]}; still unauthorised after the window: {q["unauthorised_after_window"]}; authorised after the window: {q["authorised_late"]}.\n\n");
        var al = m["alerts"]!.AsObject();
        var falseRate = al["false_alert_rate"] is { } r ? ((double)r).ToString("P1", CultureInfo.InvariantCulture) : "n/a (nothing decided)";
        s.Append(CultureInfo.InvariantCulture, $"## Alerts\n\n{al["raised"]} raised; {al["confirmed"]} confirmed, {al["dismissed"]} dismissed, {al["awaiting_second_confirmation"]} awaiting a second confirmation; false-alert rate (dismissed of decided): {falseRate}.\n\n## Erasures\n\n{m["erasures"]} subject(s) erased.\n\n");
        s.Append("## Abuse flags raised\n\n| kind | flags |\n|---|---:|\n");
        foreach (var (kind, count) in m["abuse_flags"]!.AsObject())
        {
            s.Append(CultureInfo.InvariantCulture, $"| {kind} | {count} |\n");
        }

        s.Append(CultureInfo.InvariantCulture, $"\n## Audit chain\n\n{((bool)a["intact"]! ? "Intact" : $"BROKEN at record #{a["first_bad_sequence"]}")}, {a["records"]} record(s). Head: `{a["head"]}` (keep it: `argus audit verify --head` detects records cut after it).\n");
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

                var cells = line.Trim('|').Split('|').Select(c => WebUtility.HtmlEncode(c.Trim()));
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

    private static string Cell(string s) => s.Replace("|", "\\|", StringComparison.Ordinal);

    private static DateOnly Day(string s, string name) =>
        DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? d
            : throw new ArgusException("argument.invalid", $"{name} must be YYYY-MM-DD.");
}
