using System.Globalization;
using Argus.Application.Auditing;
using Argus.Application.Reports;
using Argus.Application.Retention;
using Argus.Application.Searches;
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

    private static async Task<Ok<IReadOnlyList<AuditRecordDto>>> ListAsync(string? actor, string? action, int? last, HttpContext http, ArgusRuntime runtime, CancellationToken ct)
    {
        var records = await new AuditService(runtime.Operations).ListAsync(http.Actor(), actor, action, Math.Clamp(last ?? 50, 1, 10_000), ct);
        return TypedResults.Ok<IReadOnlyList<AuditRecordDto>>([.. records.Select(AuditRecordDto.From)]);
    }

    private static async Task<Ok<FlagsDto>> FlagsAsync(string? day, HttpContext http, ArgusRuntime runtime, CancellationToken ct)
    {
        var (date, found, overdue) = await new AuditService(runtime.Operations).FlagsAsync(http.Actor(), day, ct);
        return TypedResults.Ok(new FlagsDto(
            date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            [.. found.Select(f => new AbuseFlagDto(f.Kind.ToString(), f.Actor, f.Description, f.Records))],
            [.. overdue.Select(s => new OverdueSearchDto(s.Id, s.User, PurposeBinding.PurposeName(s.Purpose), s.AuthorisationDue))]));
    }

    private static async Task<Ok<VerificationDto>> VerifyAsync(string? head, HttpContext http, ArgusRuntime runtime, CancellationToken ct)
    {
        var actor = http.Actor();
        var v = await runtime.Operations.AuditedAsync(actor.Id, "audit.verify", "audit", () => new AuditService(runtime.Operations).VerifyAsync(head, ct));
        await runtime.Operations.AuditAsync(AuditEvent.Ok(actor.Id, "audit.verify", "audit", AuditDetails.Of(("intact", v.Result.Intact), ("head", v.Head))), ct);
        return TypedResults.Ok(new VerificationDto(v.Result.Intact, v.Records, v.Head, v.Result.FirstBreak?.Sequence, v.Result.FirstBreak?.Reason));
    }

    /// <summary><c>format</c>: json (default here), md or html; counts only, no personal data.</summary>
    private static async Task<IResult> ReportAsync(string? from, string? to, string? format, HttpContext http, ArgusRuntime runtime, CancellationToken ct)
    {
        var report = await new TransparencyReportService(runtime.Operations).CreateAsync(http.Actor(), from ?? "", to ?? "", format ?? "json", ct);
        return report.Format == "json" ? TypedResults.Ok(report.Model) : TypedResults.Text(report.Content, report.MediaType);
    }

    private static async Task<Ok<RetentionDto>> RetentionAsync(HttpContext http, ArgusRuntime runtime, CancellationToken ct)
    {
        var r = await new RetentionService(runtime.Operations).RunAsync(http.Actor(), ct);
        return TypedResults.Ok(new RetentionDto([.. r.Deactivated.Select(e => e.Id)], r.AlertsSummary, r.AlertRetentionDays, r.AuditRetentionDays, r.AuditRecords, 0, r.AuditOldest));
    }
}
