using System.Text.Json;
using Argus.Tests;

namespace Argus.Cli.Tests;

/// <summary>Retention and the transparency report through the CLI.</summary>
[Trait("Category", "Model")]
public sealed class ReportCliTests : IDisposable
{
    private readonly AccountabilityCli _cli = new();

    public void Dispose() => _cli.Dispose();

    [SkippableFact]
    public async Task The_transparency_report_counts_entries_searches_and_flags_without_personal_data()
    {
        TestPaths.RequireFacesDev();
        await _cli.SetUpAsync(("ann", "investigator", "wanted"), ("sam", "approver", "*"), ("aud", "auditor", "*"));
        Assert.Equal(0, (await _cli.AsAdminAsync("watchlist", "create", "wanted", "--category", "wanted")).Code);
        var id = (await _cli.JsonAsync("ann", [.. WatchlistCliTests.Propose("wanted", "obama", WatchlistCliTests.InDays(30), WatchlistCliTests.Img("fr_obama/obama.jpg")), "--json"])).GetProperty("id").GetInt64();
        Assert.Equal(0, (await _cli.AsAsync("sam", "entry", "approve", $"{id}", "--reason", "warrant checked")).Code);
        Assert.Equal(0, (await _cli.AsAsync(
            "ann", "search", "--watchlist", "wanted", "--purpose", "imminent-threat", "--urgent", "--case", "CASE-2026-17",
            "--justification", "caller reports the suspect armed at the station", WatchlistCliTests.Img("fr_obama/obama2.jpg"))).Code);

        var today = WatchlistCliTests.InDays(0);
        Assert.Contains("may not read reports", (await _cli.AsAsync("ann", "report", "transparency", "--from", today, "--to", today)).Stderr, StringComparison.Ordinal);
        var report = await _cli.JsonAsync("aud", "report", "transparency", "--from", WatchlistCliTests.InDays(-7), "--to", today, "--format", "json");
        Assert.Equal(1, report.GetProperty("entries").GetProperty("active_at_end").GetProperty("wanted").GetInt32());
        Assert.Equal(1, report.GetProperty("entries").GetProperty("added").GetInt32());
        Assert.Equal(1, report.GetProperty("entries").GetProperty("proposed").GetInt32());
        Assert.Equal(1, report.GetProperty("searches").GetProperty("by_purpose").GetProperty("imminent-threat").GetProperty("urgent_pending").GetInt32());
        Assert.Equal(0, report.GetProperty("alerts").GetProperty("raised").GetInt32());
        Assert.Equal(JsonValueKind.Null, report.GetProperty("alerts").GetProperty("false_alert_rate").ValueKind);
        Assert.True(report.GetProperty("audit").GetProperty("intact").GetBoolean());
        var head = report.GetProperty("audit").GetProperty("head").GetString()!;
        var atHead = (await _cli.AuditAsync()).Single(r => r.GetProperty("sequence").GetInt64() == long.Parse(head.Split(':')[0], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(head.Split(':')[1], atHead.GetProperty("hash").GetString());
        Assert.Equal(0, (await _cli.AsAsync("aud", "audit", "verify", "--head", head)).Code);

        var (code, md, _) = await _cli.AsAsync("aud", "report", "transparency", "--from", today, "--to", today);
        Assert.Equal(0, code);
        Assert.Contains("| wanted | 1 |", md, StringComparison.Ordinal);
        Assert.DoesNotContain("Warrant", md, StringComparison.Ordinal); // the legal instrument is free text: never published
        Assert.Contains("Alerts", md, StringComparison.Ordinal);
        foreach (var personal in new[] { "OBAMA", "obama", "ann", "sam", "CASE-2026-17", "DI Jones", "custody" })
        {
            Assert.DoesNotContain(personal, md.Replace("transparency", "", StringComparison.Ordinal).Replace("Transparency", "", StringComparison.Ordinal), StringComparison.Ordinal);
        }

        var html = await _cli.AsAsync("aud", "report", "transparency", "--from", today, "--to", today, "--format", "html");
        Assert.Contains("<table", html.Stdout, StringComparison.Ordinal);
        Assert.Contains("--to must be YYYY-MM-DD", (await _cli.AsAsync("aud", "report", "transparency", "--from", today, "--to", "tomorrow")).Stderr, StringComparison.Ordinal);
        Assert.Contains("must lie between", (await _cli.AsAsync("aud", "report", "transparency", "--from", "0001-01-01", "--to", today)).Stderr, StringComparison.Ordinal);
        Assert.Contains("at most 366 days", (await _cli.AsAsync("aud", "report", "transparency", "--from", WatchlistCliTests.InDays(-400), "--to", today)).Stderr, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Retention_is_for_administrators_and_never_deletes_audit_records()
    {
        await _cli.SetUpAsync(("aud", "auditor", "*"));
        Assert.Contains("may not change configuration", (await _cli.AsAsync("aud", "retention", "run")).Stderr, StringComparison.Ordinal);
        var (code, stdout, stderr) = await _cli.AsAdminAsync("retention", "run", "--json");
        Assert.True(code == 0, stderr);
        var run = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(0, run.GetProperty("entries_deactivated").GetArrayLength());
        Assert.Equal(0, run.GetProperty("audit_records_deleted").GetInt32());
        Assert.Equal(365, run.GetProperty("audit_retention_days").GetInt32());
        Assert.Equal(0, run.GetProperty("alerts_deleted").GetInt32());
        var shortAudit = new Dictionary<string, string?> { ["ARGUS_PASSWORD"] = _cli.AdminPassword, ["ARGUS_AUDIT_RETENTION_DAYS"] = "30" };
        Assert.Contains("must be at least 365 days", (await _cli.RunAsync(shortAudit, "--user", "admin", "retention", "run")).Stderr, StringComparison.Ordinal);
        Assert.Contains(await _cli.AuditAsync(), r => r.GetProperty("action").GetString() == "retention.ran");
    }
}
