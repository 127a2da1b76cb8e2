using System.Globalization;
using Argus.Application.Auditing;
using Argus.Application.Contracts;
using Argus.Application.Reports;
using Argus.Application.Retention;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Server.Hosting;
using Argus.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Argus.Server.Endpoints;

/// <summary>The audit log (auditors), its verification (any authenticated user, audited), the transparency report, retention.</summary>
internal static class AuditApi
{
    public static void MapAuditApi(this IEndpointRouteBuilder routes)
    {
        var audit = routes.ApiGroup("/api/v1/audit", "Audit");
        audit.MapGet("/records", ListAsync).RequireCapability(Capability.ReadAudit);
        audit.MapGet("/flags", FlagsAsync).RequireCapability(Capability.ReadAudit);

        // Like `argus audit verify`: shows only whether the chain is intact and its head, so any user may ask.
        audit.MapGet("/verification", VerifyAsync).RequireAuthorization();

        routes.ApiGroup("/api/v1/reports", "Reports")
            .MapGet("/transparency", ReportAsync).RequireCapability(Capability.ReadReports);
        routes.ApiGroup("/api/v1/retention", "Retention")
            .MapPost("/runs", RetentionAsync).RequireCapability(Capability.Configure);
    }

    /// <summary>
    /// Newest first. Filters: <c>actor</c> (exact), <c>action</c> (prefix: <c>alert.</c>), <c>outcome</c> (ok, refused,
    /// failed), <c>target</c> (prefix: <c>alert:12</c>), <c>from</c>/<c>to</c> (ISO 8601 or YYYY-MM-DD, UTC; to is
    /// exclusive); paging: <c>limit</c> 1-10,000 (100; <c>last</c> is its old name) and <c>before</c> (the smallest
    /// sequence of the previous page). <c>format=csv</c> answers the same records as a CSV file.
    /// </summary>
    private static async Task<IResult> ListAsync(
        string? actor, string? action, string? outcome, string? target, string? from, string? to, long? before, int? limit, int? last, string? format,
        HttpContext http, ArgusRuntime runtime, AuditService audit, CancellationToken ct)
    {
        var csv = format switch
        {
            null or "json" => false,
            "csv" => true,
            _ => throw new Core.ArgusException("argument.invalid", "format must be json or csv."),
        };
        var query = new Storage.AuditQuery
        {
            Actor = Blank(actor),
            Action = Blank(action),
            Outcome = Blank(outcome),
            Target = Blank(target),
            From = Time(from, "from"),
            To = Time(to, "to"),
            BeforeSequence = before,
            Limit = Math.Clamp(limit ?? last ?? 100, 1, 10_000),
        };
        var records = await audit.QueryAsync(http.Actor(), query, csv, ct);
        if (!csv)
        {
            return TypedResults.Ok<IReadOnlyList<AuditRecordDto>>([.. records.Select(AuditRecordDto.From)]);
        }

        var text = new System.Text.StringBuilder("sequence,occurred_at,actor,action,target,outcome,details\r\n");
        foreach (var r in records)
        {
            text.Append(CultureInfo.InvariantCulture, $"{r.Sequence},{r.OccurredAt.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ},{Csv.Field(r.Actor)},{Csv.Field(r.Action)},{Csv.Field(r.Target)},{Csv.Field(r.Outcome)},{Csv.Field(r.Details)}\r\n");
        }

        http.Response.Headers.ContentDisposition = $"attachment; filename=\"argus-audit-{runtime.Operations.Now.UtcDateTime:yyyyMMdd-HHmmss}.csv\"";
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Text(text.ToString(), "text/csv; charset=utf-8");
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    /// <summary>An ISO 8601 time (UTC unless it says otherwise) or a day; anything else is refused naming the parameter.</summary>
    internal static DateTimeOffset? Time(string? s, string name) => Blank(s) is not { } t
        ? null
        : DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? at
            : throw new Core.ArgusException("argument.invalid", $"{name} must be an ISO 8601 time or a date (YYYY-MM-DD).");

    private static async Task<Ok<FlagsDto>> FlagsAsync(string? day, HttpContext http, AuditService audit, CancellationToken ct) =>
        TypedResults.Ok(FlagsDto.From(await audit.FlagsAsync(http.Actor(), day, ct)));

    private static async Task<Ok<VerificationDto>> VerifyAsync(string? head, HttpContext http, ArgusRuntime runtime, AuditService audit, CancellationToken ct)
    {
        var actor = http.Actor();
        var v = await runtime.Operations.AuditedAsync(actor.Id, "audit.verify", "audit", () => audit.VerifyAsync(head, ct));
        await runtime.Operations.AuditAsync(AuditEvent.Ok(actor.Id, "audit.verify", "audit", AuditDetails.Of(("intact", v.Result.Intact), ("head", v.Head))), ct);
        return TypedResults.Ok(VerificationDto.From(v));
    }

    /// <summary><c>format</c>: json (default here), md or html; counts only, no personal data.</summary>
    private static async Task<IResult> ReportAsync(string? from, string? to, string? format, HttpContext http, TransparencyReportService reports, CancellationToken ct)
    {
        var report = await reports.CreateAsync(http.Actor(), from ?? "", to ?? "", format ?? "json", ct);
        return report.Format == "json" ? TypedResults.Ok(report.Model) : TypedResults.Text(report.Content, report.MediaType);
    }

    private static async Task<Ok<RetentionDto>> RetentionAsync(HttpContext http, RetentionService retention, CancellationToken ct)
    {
        var r = await retention.RunAsync(http.Actor(), ct);
        return TypedResults.Ok(RetentionDto.From(r));
    }
}
