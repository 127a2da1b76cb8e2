using System.Text.Json.Nodes;
using Argus.Application.Reports;

namespace Argus.Application.Tests;

/// <summary>Whatever a value of the report holds, the md and html renderings cannot be broken out of.</summary>
[Trait("Category", "Unit")]
public sealed class ReportEscapingTests
{
    private const string Hostile = "<script>alert(1)</script> | `x` & y\nz";

    private static JsonObject Model() => new()
    {
        ["from"] = "2026-01-01",
        ["to"] = "2026-01-31",
        ["entries"] = new JsonObject
        {
            ["active_at_end"] = new JsonObject { [Hostile] = 2, ["wanted"] = 1 },
            ["active_total"] = 3,
            ["proposed"] = 0,
            ["added"] = 0,
            ["rejected"] = 0,
            ["amended"] = 0,
            ["removed"] = 0,
            ["expired"] = 0,
        },
        ["searches"] = new JsonObject
        {
            ["total"] = 0,
            ["by_purpose"] = new JsonObject { [Hostile] = new JsonObject { ["searches"] = 1, ["with_candidates"] = 0, ["authorised"] = 0, ["urgent_pending"] = 0 } },
            ["unauthorised_after_window"] = 0,
            ["authorised_late"] = 0,
        },
        ["alerts"] = new JsonObject { ["raised"] = 0, ["confirmed"] = 0, ["dismissed"] = 0, ["awaiting_second_confirmation"] = 0, ["false_alert_rate"] = null },
        ["erasures"] = 0,
        ["abuse_flags"] = new JsonObject { [Hostile] = 1 },
        ["audit"] = new JsonObject { ["intact"] = true, ["records"] = 1, ["head"] = "1:ab", ["first_bad_sequence"] = null },
    };

    [Fact]
    public void Markdown_cells_cannot_open_markup_or_add_columns()
    {
        var md = TransparencyReportService.Markdown(Model());
        Assert.DoesNotContain("<script>", md, StringComparison.Ordinal);
        foreach (var line in md.Split('\n').Where(l => l.Contains("alert(1)", StringComparison.Ordinal)))
        {
            // The category row keeps its two columns and the purpose row its five: the value's '|' is an entity.
            Assert.True(line.Count(c => c == '|') is 3 or 6, line);
            Assert.DoesNotContain("`", line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Html_cells_are_encoded_and_the_tables_keep_their_shape()
    {
        var html = TransparencyReportService.Html(Model());
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt; | ", html, StringComparison.Ordinal);
        Assert.Contains("<tr><td>wanted</td><td>1</td></tr>", html, StringComparison.Ordinal);
    }
}
