using System.Globalization;
using System.Text;
using Argus.Application.Alerts;
using Argus.Application.Contracts;
using Argus.Application.Watchlists;

namespace Argus.Server.Endpoints;

/// <summary>An alert with its decisions as the case file wants it: CSV, or a printable page (print to PDF from the browser).</summary>
internal static class AlertExport
{
    private static readonly string[] Header =
        ["alert", "camera", "site", "deployment", "watchlist", "category", "subject", "score", "first_seen", "last_seen", "status", "case", "instrument",
         "decision_at", "decision_by", "verdict", "reason"];

    public static string Csv(AlertView view)
    {
        var a = view.Alert;
        var b = view.Entry?.Entry.LegalBasis;
        var facts = new[]
        {
            a.Id.ToString(CultureInfo.InvariantCulture), a.CameraId, a.Site ?? "", a.Deployment, a.Watchlist, WatchlistService.CategoryName(a.Category),
            view.SubjectName ?? $"subject {a.SubjectId}", a.Score.ToString("0.0000", CultureInfo.InvariantCulture), Iso(a.FirstSeenAt), Iso(a.LastSeenAt),
            StoredAlertDto.StatusName(a.Status), b?.CaseNumber ?? "", b?.LegalInstrument ?? "",
        };
        var text = new StringBuilder(string.Join(',', Header)).Append("\r\n");
        if (a.Decisions.Count == 0)
        {
            text.AppendJoin(',', facts.Select(Endpoints.Csv.Field)).Append(",,,,\r\n");
        }

        foreach (var d in a.Decisions)
        {
            text.AppendJoin(',', facts.Select(Endpoints.Csv.Field)).Append(',')
                .AppendJoin(',', new[] { Iso(d.At), d.By, d.Verdict.ToString().ToLowerInvariant(), d.Reason }.Select(Endpoints.Csv.Field)).Append("\r\n");
        }

        return text.ToString();
    }

    public static string Html(AlertView view, DateTimeOffset now)
    {
        var a = view.Alert;
        var b = view.Entry?.Entry.LegalBasis;
        var name = view.SubjectName ?? $"Subject {a.SubjectId}";
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
            .Append(E($"Alert {a.Id}: {name}"))
            .Append("</title><style>body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#111}h1{font-size:1.4rem}img{width:200px;height:200px;object-fit:contain;background:#222;margin-right:1rem}")
            .Append("table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{border:1px solid #999;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#eee}")
            .Append(".note{color:#555;font-size:.85rem}@media print{.noprint{display:none}}</style></head><body>")
            .Append("<p class=\"noprint\"><button onclick=\"print()\">Print or save as PDF</button></p>")
            .Append(CultureInfo.InvariantCulture, $"<h1>{E($"Alert {a.Id}: {name}")}</h1>")
            .Append("<p>");
        Image(html, view.SnapshotPng, $"Camera snapshot for alert {a.Id}");
        Image(html, view.EnrolledPng, $"Enrolled photo of {name}");
        html.Append("</p><table><tbody>");
        Row(html, "Watchlist", $"{a.Watchlist} ({WatchlistService.CategoryName(a.Category)}, {a.Severity.ToString().ToLowerInvariant()})");
        Row(html, "Camera", a.Site is null ? a.CameraId : $"{a.CameraId} ({a.Site})");
        Row(html, "Deployment", a.Deployment);
        Row(html, "Score", $"{a.Score.ToString("0.000", CultureInfo.InvariantCulture)} over {a.SupportingShots} shot(s)");
        Row(html, "Seen", $"{Iso(a.FirstSeenAt)} to {Iso(a.LastSeenAt)}");
        Row(html, "Status", StoredAlertDto.StatusName(a.Status).Replace('_', ' '));
        if (b is not null)
        {
            Row(html, "Case", b.CaseNumber);
            Row(html, "Grounds", b.Grounds);
            Row(html, "Officer", b.InvestigatingOfficer);
            Row(html, "Authority", $"{b.IssuingAuthority}: {b.LegalInstrument}");
            Row(html, "Entry expires", b.Expiry.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        }

        html.Append("</tbody></table><h2>Decisions</h2><table><thead><tr><th>When (UTC)</th><th>By</th><th>Verdict</th><th>Reason</th></tr></thead><tbody>");
        foreach (var d in a.Decisions)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(Iso(d.At))}</td><td>{E(d.By)}</td><td>{E(d.Verdict.ToString().ToLowerInvariant())}</td><td>{E(d.Reason)}</td></tr>");
        }

        if (a.Decisions.Count == 0)
        {
            html.Append("<tr><td colspan=\"4\">No decision yet.</td></tr>");
        }

        return html.Append("</tbody></table>")
            .Append(CultureInfo.InvariantCulture, $"<p class=\"note\">Exported from Argus at {E(Iso(now))}. Contains personal data: keep it with the case file only.</p></body></html>")
            .ToString();
    }

    private static void Image(StringBuilder html, byte[]? png, string alt)
    {
        if (png is not null)
        {
            html.Append(CultureInfo.InvariantCulture, $"<img alt=\"{E(alt)}\" src=\"data:image/png;base64,{Convert.ToBase64String(png)}\">");
        }
    }

    private static void Row(StringBuilder html, string key, string value) =>
        html.Append(CultureInfo.InvariantCulture, $"<tr><th scope=\"row\">{E(key)}</th><td>{E(value)}</td></tr>");

    private static string E(string s) => System.Net.WebUtility.HtmlEncode(s);

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
