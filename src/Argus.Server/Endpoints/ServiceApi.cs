using System.Globalization;
using Argus.Application.Contracts;
using Argus.Application.ServiceGalleries;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Core.Services;
using Argus.Server.Hosting;
using Argus.Server.Security;
using Argus.Storage;
using Argus.Vision.Imaging;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Argus.Server.Endpoints;

/// <summary>
/// Service galleries over HTTP (issue 7): consenting customers of banks, public services, transit and venues, kept
/// apart from watchlists. Enrolment clerks administer galleries, customers (with consent), data-subject export and
/// erasure, purges of expired consent and the ledger; service terminals verify (<c>POST /api/v1/verify</c>) and run
/// gates. Every endpoint refuses the police roles at the door, before the body is read, whatever other role the
/// account also holds; the services check again and audit. Without <c>ARGUS_SERVICE_KEY</c> every endpoint here
/// answers 503 <c>service.key_missing</c> and nothing is read or written; the rest of the server is unaffected.
/// </summary>
internal static class ServiceApi
{
    /// <summary>At most this many frames in one burst (verification or gate passage); the upload limit bounds the bytes.</summary>
    public const int MaxFrames = 30;

    /// <summary>Refuses accounts holding any police role (investigator, operator, approver), even alongside a service role.</summary>
    private static readonly AuthorizationPolicy NoPoliceRole = new AuthorizationPolicyBuilder(ArgusAuthenticationHandler.SchemeName)
        .RequireAuthenticatedUser()
        .RequireAssertion(c => c.Resource is HttpContext http && http.TryActor() is { } actor && !actor.Roles.Any(ServiceAccess.PoliceRoles.Contains))
        .Build();

    public static void MapServiceApi(this IEndpointRouteBuilder routes, long uploadLimit)
    {
        var service = routes.ApiGroup("/api/v1/service", "Service galleries").RequireAuthorization(NoPoliceRole);
        service.MapGet("/galleries", ListGalleriesAsync).RequireCapability(Capability.ManageServiceGalleries);
        service.MapPost("/galleries", CreateGalleryAsync).RequireCapability(Capability.ManageServiceGalleries);
        service.MapPost("/galleries/{gallery}/customers", EnrolAsync).RequireCapability(Capability.ManageServiceGalleries).AcceptsUpload(uploadLimit);
        service.MapGet("/galleries/{gallery}/customers/{reference}/export", ExportAsync).RequireCapability(Capability.ManageServiceGalleries);
        service.MapDelete("/galleries/{gallery}/customers/{reference}", EraseAsync).RequireCapability(Capability.ManageServiceGalleries);
        service.MapPost("/galleries/{gallery}/purge-expired", PurgeAsync).RequireCapability(Capability.ManageServiceGalleries);
        service.MapGet("/galleries/{gallery}/ledger", LedgerAsync).RequireCapability(Capability.ManageServiceGalleries);
        service.MapPost("/ledger/{id:long}/refund", RefundAsync).RequireCapability(Capability.ManageServiceGalleries);
        service.MapPost("/gates/{gate}/passages", PassAsync).RequireCapability(Capability.VerifyCustomers).AcceptsUpload(uploadLimit);
        service.MapPost("/gates/{gate}/entries", EnterAsync).RequireCapability(Capability.VerifyCustomers).AcceptsUpload(uploadLimit);
        service.MapGet("/gates/decisions", DecisionsAsync).RequireCapability(Capability.ManageServiceGalleries);
        service.MapGet("/steward-alerts", StewardAlertsAsync).RequireCapability(Capability.ManageServiceGalleries, Capability.VerifyCustomers);

        routes.ApiGroup("/api/v1", "Service galleries").RequireAuthorization(NoPoliceRole)
            .MapPost("/verify", VerifyAsync).RequireCapability(Capability.VerifyCustomers).AcceptsUpload(uploadLimit);
    }

    private static async Task<Ok<IReadOnlyList<ServiceGalleryDto>>> ListGalleriesAsync(HttpContext http, ArgusRuntime runtime, ServiceRuntime services, CancellationToken ct)
    {
        var actor = http.Actor();
        var list = new List<ServiceGalleryDto>();
        foreach (var g in await services.Galleries().ListGalleriesAsync(actor, ct))
        {
            list.Add(ServiceGalleryDto.From(g, await runtime.Store.GetServiceGalleryStateAsync(actor, g.Id, ct)));
        }

        await runtime.Operations.AuditAsync(AuditEvent.Ok(actor.Id, "service.gallery.list", "service-galleries", AuditDetails.Of(("galleries", list.Count))), ct);
        return TypedResults.Ok<IReadOnlyList<ServiceGalleryDto>>(list);
    }

    private static async Task<Created<ServiceGalleryDto>> CreateGalleryAsync(CreateServiceGalleryRequest request, HttpContext http, ServiceRuntime services, CancellationToken ct)
    {
        var galleries = services.Galleries();
        var g = await galleries.CreateGalleryAsync(
            http.Actor(),
            request.Name ?? throw new ArgusException("gallery.invalid_name", "Give the service gallery a name."),
            ServiceKinds.Parse(request.Kind ?? throw new ArgusException("service.invalid_kind", "Give the kind: bank, public-service, transit or venue.")),
            request.Description,
            ct);
        return TypedResults.Created($"/api/v1/service/galleries/{Uri.EscapeDataString(g.Name)}", ServiceGalleryDto.From(g, new ServiceGalleryState(0, 0, 0)));
    }

    /// <summary>
    /// Multipart: <c>reference</c>, optional <c>display_name</c> (sealed), the consent (<c>consent_given_by</c>,
    /// <c>consent_purpose</c>, <c>consent_channel</c>, optional <c>consent_given_at</c> ISO 8601, <c>consent_expires</c>
    /// YYYY-MM-DD, valid through that day UTC) and one or more <c>photo</c> files. All or nothing.
    /// </summary>
    private static async Task<Created<CustomerDto>> EnrolAsync(string gallery, IFormCollection form, HttpContext http, ServiceRuntime services, TimeProvider time, CancellationToken ct)
    {
        var galleries = services.Galleries();
        var reference = form.Text("reference") ?? throw new ArgusException("service.invalid_reference", "Give the customer's reference (field 'reference').");
        var given = form.Text("consent_given_at") is { } at
            ? DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var g) ? g : throw new ArgusException("argument.invalid", "Field 'consent_given_at' must be an ISO 8601 time.")
            : time.GetUtcNow();
        var expires = form.Text("consent_expires") is { } e
            ? DateOnly.TryParseExact(e, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
                ? new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddDays(1)
                : throw new ArgusException("argument.invalid", "Field 'consent_expires' must be a date (YYYY-MM-DD).")
            : throw new ArgusException("consent.invalid", "The consent needs an expiry (field 'consent_expires', YYYY-MM-DD).");
        var images = await FilesAsync(form, Forms.PhotoField, ct);
        var person = await galleries.EnrolAsync(
            http.Actor(),
            new ServiceEnrolment(gallery, reference, form.Text("display_name"), form.Text("consent_given_by") ?? "", given, form.Text("consent_purpose") ?? "", form.Text("consent_channel") ?? "", expires, images),
            ct);
        return TypedResults.Created($"/api/v1/service/galleries/{Uri.EscapeDataString(gallery)}/customers/{Uri.EscapeDataString(person.ExternalRef)}/export", CustomerDto.From(gallery, person, images.Count));
    }

    private static async Task<Ok<ExportDto>> ExportAsync(string gallery, string reference, HttpContext http, ServiceRuntime services, CancellationToken ct)
    {
        var export = await services.Galleries().ExportAsync(http.Actor(), gallery, reference, ct);
        return TypedResults.Ok(new ExportDto(export.ReceiptSha256, export.Document));
    }

    private static async Task<Ok<ErasureReceiptDto>> EraseAsync(string gallery, string reference, HttpContext http, ServiceRuntime services, CancellationToken ct) =>
        TypedResults.Ok(ErasureReceiptDto.From(await services.Galleries().EraseAsync(http.Actor(), gallery, reference, ct)));

    private static async Task<Ok<IReadOnlyList<ErasureReceiptDto>>> PurgeAsync(string gallery, HttpContext http, ServiceRuntime services, CancellationToken ct) =>
        TypedResults.Ok<IReadOnlyList<ErasureReceiptDto>>([.. (await services.Galleries().PurgeExpiredAsync(http.Actor(), gallery, ct)).Select(ErasureReceiptDto.From)]);

    /// <summary>The gallery's ledger, newest first (<c>last</c>, default 200).</summary>
    private static async Task<Ok<IReadOnlyList<LedgerDto>>> LedgerAsync(string gallery, int? last, HttpContext http, ArgusRuntime runtime, ServiceRuntime services, CancellationToken ct)
    {
        services.Cipher();
        var actor = http.Actor();
        IReadOnlyList<LedgerEntry> lines;
        try
        {
            var g = await runtime.Store.GetServiceGalleryAsync(actor, gallery, ct);
            lines = await runtime.Store.ListLedgerAsync(actor, g.Id, ct);
        }
        catch (ArgusException e) when (!e.Code.StartsWith("storage.", StringComparison.Ordinal))
        {
            await runtime.Operations.AuditAsync(AuditEvent.Refusal(actor.Id, "service.ledger.read", $"service-gallery:{gallery}", e, withMessage: false), CancellationToken.None);
            throw;
        }

        var take = Math.Clamp(last ?? 200, 1, 10_000);
        var result = lines.Reverse().Take(take).Select(LedgerDto.From).ToList();
        await runtime.Operations.AuditAsync(AuditEvent.Ok(actor.Id, "service.ledger.read", $"service-gallery:{gallery}", AuditDetails.Of(("lines", result.Count))), ct);
        return TypedResults.Ok<IReadOnlyList<LedgerDto>>(result);
    }

    private static async Task<Ok<RefundDto>> RefundAsync(long id, RefundRequest request, HttpContext http, ServiceRuntime services, CancellationToken ct)
    {
        var o = await services.Galleries().RefundAsync(http.Actor(), id, request.Reason ?? "", ct);
        return TypedResults.Ok(new RefundDto(o.Duplicate, LedgerDto.From(o.Entry)));
    }

    /// <summary>Multipart: <c>gallery</c>, <c>claimed_reference</c>, optional <c>target_fmr</c> (1e-4), <c>liveness</c> (report | require), one or more <c>photo</c> files (a burst of 3+ frames adds the active check).</summary>
    private static async Task<Ok<VerifyDto>> VerifyAsync(IFormCollection form, HttpContext http, ServiceRuntime services, CancellationToken ct)
    {
        var verification = services.Verification();
        var request = new VerificationRequest(
            form.Text("gallery") ?? throw new ArgusException("gallery.invalid_name", "Give the service gallery (field 'gallery')."),
            form.Text("claimed_reference") ?? throw new ArgusException("service.invalid_reference", "Give the claimed customer's reference (field 'claimed_reference')."),
            await FilesAsync(form, Forms.PhotoField, ct), Fmr(form, 1e-4), Liveness(form));
        var r = await verification.VerifyAsync(http.Actor(), request, ct);
        return TypedResults.Ok(VerifyDto.From(r));
    }

    /// <summary>Metro face-pay. Multipart: <c>gallery</c> (transit), <c>passage</c> (the gate's id for this passage: idempotency key), optional <c>target_fmr</c> (1e-5), <c>liveness</c>, the frames as <c>photo</c> files.</summary>
    private static async Task<Ok<GateDecisionDto>> PassAsync(string gate, IFormCollection form, HttpContext http, ServiceRuntime services, CancellationToken ct)
    {
        services.Cipher();
        var gallery = form.Text("gallery") ?? throw new ArgusException("gallery.invalid_name", "Give the transit gallery (field 'gallery').");
        var passage = new GatePassage(gate, form.Text("passage") ?? throw new ArgusException("gate.invalid_passage", "Give the passage id (field 'passage')."));
        var payGate = services.PayGate(gallery, Fmr(form, 1e-5), Liveness(form));
        var frames = await FramesAsync(form, ct);
        try
        {
            GateDecision d;
            try
            {
                d = await payGate.PassAsync(http.Actor(), passage, frames, ct);
            }
            catch (ArgusException refused) when (refused.Code is "gallery.not_found" or "gate.wrong_gallery")
            {
                services.Evict(payGate);
                throw;
            }

            return TypedResults.Ok(new GateDecisionDto(
                gate, passage.PassageId, d.Outcome.ToString().ToLowerInvariant(), d.Reason, Round(d.BestScore), Round(d.SecondScore), OperatingPointDto.From(d.OperatingPoint),
                d.Liveness is { } l ? LivenessDto.From(l) : null, d.Ledger is { } e ? LedgerDto.From(e) : null, d.Duplicate));
        }
        finally
        {
            Dispose(frames);
        }
    }

    /// <summary>
    /// Venue entry. Multipart: <c>gallery</c> (venue), <c>ticket</c> (the ticket's reference), <c>passage</c>,
    /// <c>ban_list</c> (repeatable: venue-ban watchlists), optional <c>target_fmr</c> (1e-4), <c>liveness</c>,
    /// the frames as <c>photo</c> files. A banned person is refused and the steward alert is posted to the stewards' board.
    /// </summary>
    private static async Task<Ok<VenueDecisionDto>> EnterAsync(string gate, IFormCollection form, HttpContext http, ServiceRuntime services, CancellationToken ct)
    {
        var context = services.Faces();
        var gallery = form.Text("gallery") ?? throw new ArgusException("gallery.invalid_name", "Give the venue gallery (field 'gallery').");
        var ticket = form.Text("ticket") ?? throw new ArgusException("service.invalid_reference", "Give the ticket's reference (field 'ticket').");
        var passage = new GatePassage(gate, form.Text("passage") ?? throw new ArgusException("gate.invalid_passage", "Give the passage id (field 'passage')."));
        var venue = new VenueGate(context, gallery, form.Texts("ban_list"), Fmr(form, 1e-4), Liveness(form));
        var frames = await FramesAsync(form, ct);
        try
        {
            var d = await venue.EnterAsync(http.Actor(), passage, ticket, frames, ct);
            var posted = d.Alert is { } alert ? services.Stewards.Post(gallery, alert) : null;
            return TypedResults.Ok(new VenueDecisionDto(
                gate, passage.PassageId, d.Outcome.ToString().ToLowerInvariant(), d.Reason, Round(d.TicketScore), OperatingPointDto.From(d.OperatingPoint),
                d.Liveness is { } l ? LivenessDto.From(l) : null, d.Ledger is { } e ? LedgerDto.From(e) : null, posted is null ? null : StewardAlertDto.From(posted.Id, posted.Gallery, posted.Alert)));
        }
        finally
        {
            Dispose(frames);
        }
    }

    /// <summary>
    /// The gate monitor: recent gate decisions from the audit, newest first (<c>gallery</c> filter, <c>last</c>
    /// default 50, <c>after</c>: only decisions after this audit sequence, for polling).
    /// </summary>
    private static async Task<Ok<IReadOnlyList<GateDecisionRecord>>> DecisionsAsync(string? gallery, int? last, long? after, HttpContext http, ServiceRuntime services, CancellationToken ct) =>
        TypedResults.Ok(await new GateMonitor(services.Admin()).RecentAsync(http.Actor(), gallery, Math.Clamp(last ?? 50, 1, 1000), after ?? 0, ct));

    /// <summary>Steward alerts posted since <c>after</c> (the last id seen; 0 for all kept), oldest first; polled by the gate monitor page.</summary>
    private static async Task<Ok<IReadOnlyList<StewardAlertDto>>> StewardAlertsAsync(long? after, HttpContext http, ArgusRuntime runtime, ServiceRuntime services, CancellationToken ct)
    {
        services.Cipher();
        var actor = http.Actor();
        var alerts = services.Stewards.After(after ?? 0);
        await runtime.Operations.AuditAsync(AuditEvent.Ok(actor.Id, "service.steward_alerts", "steward-alerts", AuditDetails.Of(("after", after ?? 0), ("alerts", alerts.Count))), ct);
        return TypedResults.Ok<IReadOnlyList<StewardAlertDto>>([.. alerts.Select(p => StewardAlertDto.From(p.Id, p.Gallery, p.Alert))]);
    }

    private static async Task<IReadOnlyList<byte[]>> FilesAsync(IFormCollection form, string name, CancellationToken ct)
    {
        var files = name == Forms.PhotoField ? form.PhotoFiles() : form.Files.GetFiles(name);
        if (files.Count > MaxFrames)
        {
            throw new ArgusException("argument.invalid", $"At most {MaxFrames} files in '{name}'.");
        }

        var list = new List<byte[]>(files.Count);
        foreach (var file in files)
        {
            using var buffer = new MemoryStream((int)Math.Min(file.Length, int.MaxValue));
            await file.CopyToAsync(buffer, ct);
            list.Add(buffer.ToArray());
        }

        return list;
    }

    /// <summary>Decodes every frame first, so a corrupt one refuses the passage before the gate decides anything.</summary>
    private static async Task<IReadOnlyList<DecodedImage>> FramesAsync(IFormCollection form, CancellationToken ct)
    {
        var frames = new List<DecodedImage>();
        try
        {
            foreach (var bytes in await FilesAsync(form, Forms.PhotoField, ct))
            {
                frames.Add(ImageDecoder.Decode(bytes));
            }

            return frames;
        }
        catch
        {
            Dispose(frames);
            throw;
        }
    }

    private static void Dispose(IReadOnlyList<DecodedImage> frames)
    {
        foreach (var f in frames)
        {
            f.Dispose();
        }
    }

    private static double Fmr(IFormCollection form, double fallback) => form.Text("target_fmr") is not { } s
        ? fallback
        : double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 && v < 1
            ? v
            : throw new ArgusException("argument.invalid", "Field 'target_fmr' must be a rate between 0 and 1 (for example 1e-4).");

    private static LivenessPolicy Liveness(IFormCollection form) => form.Text("liveness") switch
    {
        null or "report" => LivenessPolicy.Report,
        "require" => LivenessPolicy.Require,
        _ => throw new ArgusException("argument.invalid", "Field 'liveness' must be 'report' or 'require'."),
    };

    private static double? Round(float? score) => score is { } s ? Math.Round(s, 4) : null;
}
