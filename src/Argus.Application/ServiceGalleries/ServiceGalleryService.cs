using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Core.Services;
using Argus.Storage;

namespace Argus.Application.ServiceGalleries;

/// <summary>A customer to enrol: the service's reference, a display name (sealed), the consent, its expiry and the photos.</summary>
public sealed record ServiceEnrolment(
    string Gallery, string ExternalRef, string? DisplayName, string ConsentGivenBy, DateTimeOffset ConsentGivenAt, string ConsentPurpose, string ConsentChannel,
    DateTimeOffset ExpiresAt, IReadOnlyList<byte[]> Images);

/// <summary>A data-subject export: everything held, as JSON, and the SHA-256 of that JSON (the receipt).</summary>
public sealed record ServiceExport(JsonObject Document, string ReceiptSha256);

/// <summary>
/// Administration of service galleries by enrolment clerks: create, enrol consenting customers, export and erase
/// (data-subject requests), refund. Each operation checks the clerk (no police role) and is audited; refusals too.
/// </summary>
public sealed class ServiceGalleryService(ServiceContext context)
{
    public async Task<ServiceGallery> CreateGalleryAsync(Principal actor, string name, ServiceKind kind, string? description = null, CancellationToken ct = default)
    {
        var gallery = await context.Audited(
            actor, "service.gallery.create", $"service-gallery:{name}",
            () =>
            {
                ServiceAccess.Demand(actor, Capability.ManageServiceGalleries);
                return context.AuditedStore<ServiceGallery>(gallery => AuditEvent.Ok(
                        actor.Id, "service.gallery.created", $"service-gallery:{gallery.Id}", AuditDetails.Of(("name", name), ("kind", ServiceKinds.Name(kind)), ("contract", gallery.Contract.Id))))
                    .CreateServiceGalleryAsync(actor, name, kind, context.Engine.Contract, description, ct);
            },
            ct);
        return gallery;
    }

    public Task<IReadOnlyList<ServiceGallery>> ListGalleriesAsync(Principal actor, CancellationToken ct = default) =>
        context.Audited(actor, "service.gallery.list", "service-galleries", () => context.Store.ListServiceGalleriesAsync(actor, ct), ct);

    /// <summary>
    /// Enrols one customer: every photo must show one usable face (else nothing is written), templates and the
    /// display name are sealed with the service key, the consent record and expiry are stored with them.
    /// </summary>
    public async Task<ServicePerson> EnrolAsync(Principal actor, ServiceEnrolment request, CancellationToken ct = default)
    {
        var person = await context.Audited(
            actor, "service.enrol", $"service-gallery:{request.Gallery}",
            async () =>
            {
                ServiceAccess.Demand(actor, Capability.ManageServiceGalleries);
                var gallery = await context.Store.GetServiceGalleryAsync(actor, request.Gallery, ct);
                if (!gallery.Contract.Equals(context.Engine.Contract))
                {
                    throw new ArgusException("template.contract_mismatch", $"Service gallery '{gallery.Name}' holds {gallery.Contract.Id} templates; this engine makes {context.Engine.Contract.Id}.");
                }

                if (request.Images.Count == 0)
                {
                    throw new ArgusException("service.no_template", "Enrolment needs at least one photo.");
                }

                var aad = ServiceCipher.Context(gallery.Name, request.ExternalRef);
                var templates = new List<SealedTemplateInput>();
                foreach (var image in request.Images)
                {
                    var probe = Probe.Analyse(context.Engine, [image]);
                    templates.Add(new SealedTemplateInput(context.Cipher.SealVector(probe.Face.Embedding!.Values, aad), probe.ProbeSha256!));
                }

                var details = request.DisplayName is { Length: > 0 } n ? context.Cipher.Seal(Encoding.UTF8.GetBytes(n), aad) : null;
                var consent = new ConsentRecord(request.ConsentGivenBy, request.ConsentGivenAt, request.ConsentPurpose, request.ConsentChannel, actor.Name);
                var audited = context.AuditedStore<IReadOnlyList<ServicePerson>>(people => people.Select(person => AuditEvent.Ok(
                    actor.Id, "service.enrolled", $"service-person:{person.Id}", AuditDetails.Of(
                        ("gallery", request.Gallery), ("templates", request.Images.Count), ("consent_purpose", person.Consent.Purpose),
                        ("consent_channel", person.Consent.Channel), ("expires", person.ExpiresAt.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)),
                        ("key_id", context.Cipher.KeyId)))));
                return (await audited.EnrolServicePeopleAsync(actor, gallery.Id, [new NewServicePerson(request.ExternalRef, details, consent, request.ExpiresAt, templates)], ct))[0];
            },
            ct);
        return person;
    }

    /// <summary>Everything held about one customer (consent, details, templates in clear, ledger), with a receipt hash; audited.</summary>
    public async Task<ServiceExport> ExportAsync(Principal actor, string gallery, string externalRef, CancellationToken ct = default)
    {
        var record = await context.Audited(
            actor, "service.export", $"service-gallery:{gallery}",
            () =>
            {
                ServiceAccess.Demand(actor, Capability.ManageServiceGalleries);
                return context.Store.GetServiceRecordAsync(actor, gallery, externalRef, ct);
            },
            ct);
        var aad = ServiceCipher.Context(record.Gallery.Name, record.Person.ExternalRef);
        var p = record.Person;
        var document = new JsonObject
        {
            ["exported_at"] = context.Time.GetUtcNow().ToString("O"),
            ["gallery"] = record.Gallery.Name,
            ["service"] = ServiceKinds.Name(record.Gallery.Kind),
            ["reference"] = p.ExternalRef,
            ["display_name"] = p.SealedDetails is null ? null : Encoding.UTF8.GetString(context.Cipher.Open(p.SealedDetails, aad)),
            ["consent"] = new JsonObject
            {
                ["given_by"] = p.Consent.GivenBy,
                ["given_at"] = p.Consent.GivenAt.ToString("O"),
                ["purpose"] = p.Consent.Purpose,
                ["channel"] = p.Consent.Channel,
                ["recorded_by"] = p.Consent.RecordedBy,
                ["expires_at"] = p.ExpiresAt.ToString("O"),
            },
            ["enrolled_at"] = p.EnrolledAt.ToString("O"),
            ["templates"] = new JsonArray([.. record.Templates.Select(t => (JsonNode)new JsonObject
            {
                ["id"] = t.Id,
                ["source_image_sha256"] = t.SourceSha256,
                ["enrolled_at"] = t.EnrolledAt.ToString("O"),
                ["contract"] = record.Gallery.Contract.Id,
                ["embedding"] = new JsonArray([.. context.Cipher.OpenVector(t.Sealed, aad).Select(v => (JsonNode)MathF.Round(v, 6))]),
            })]),
            ["ledger"] = new JsonArray([.. record.Ledger.Select(l => (JsonNode)LedgerJson(l))]),
        };
        var receipt = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(document.ToJsonString())));
        await context.AppendAsync(
            AuditEvent.Ok(actor.Id, "service.exported", $"service-person:{p.Id}", AuditDetails.Of(("gallery", gallery), ("templates", record.Templates.Count), ("ledger", record.Ledger.Count), ("receipt_sha256", receipt))),
            ct);
        return new ServiceExport(document, receipt);
    }

    /// <summary>Erases one customer (templates and record; ledger lines unlinked) and returns the receipt; audited with its hash.</summary>
    public async Task<ServiceErasureReceipt> EraseAsync(Principal actor, string gallery, string externalRef, CancellationToken ct = default)
    {
        var receipt = await context.Audited(
            actor, "service.erase", $"service-gallery:{gallery}",
            () =>
            {
                ServiceAccess.Demand(actor, Capability.ManageServiceGalleries);
                return context.AuditedStore<ServiceErasureReceipt>(receipt => AuditEvent.Ok(
                        actor.Id, "service.erased", $"service-person:{receipt.PersonId}", AuditDetails.Of(
                            ("gallery", gallery), ("templates_removed", receipt.TemplatesRemoved), ("ledger_unlinked", receipt.LedgerEntriesUnlinked), ("receipt_sha256", receipt.ReceiptSha256))))
                    .EraseServicePersonAsync(actor, gallery, externalRef, ct);
            },
            ct);
        return receipt;
    }

    /// <summary>Erases every customer whose consent has expired (consent is the only ground for holding them); one audit record and receipt each.</summary>
    public async Task<IReadOnlyList<ServiceErasureReceipt>> PurgeExpiredAsync(Principal actor, string gallery, CancellationToken ct = default)
    {
        var receipts = await context.Audited(
            actor, "service.purge_expired", $"service-gallery:{gallery}",
            () =>
            {
                ServiceAccess.Demand(actor, Capability.ManageServiceGalleries);
                return context.AuditedStore<IReadOnlyList<ServiceErasureReceipt>>(receipts => receipts.Select(receipt => AuditEvent.Ok(
                        actor.Id, "service.erased", $"service-person:{receipt.PersonId}", AuditDetails.Of(
                            ("gallery", gallery), ("reason", "consent_expired"), ("templates_removed", receipt.TemplatesRemoved), ("ledger_unlinked", receipt.LedgerEntriesUnlinked),
                            ("receipt_sha256", receipt.ReceiptSha256)))))
                    .PurgeExpiredServicePeopleAsync(actor, gallery, ct);
            },
            ct);
        return receipts;
    }

    /// <summary>Refunds a fare in full (once); audited.</summary>
    public async Task<LedgerOutcome> RefundAsync(Principal actor, long chargeId, string reason, CancellationToken ct = default)
    {
        var outcome = await context.Audited(
            actor, "service.refund", $"ledger:{chargeId}",
            () =>
            {
                ServiceAccess.Demand(actor, Capability.ManageServiceGalleries);
                return context.AuditedStore<LedgerOutcome>(outcome => AuditEvent.Ok(
                        actor.Id, "service.refunded", $"ledger:{chargeId}", AuditDetails.Of(("refund", outcome.Entry.Id), ("amount_cents", outcome.Entry.AmountCents), ("duplicate", outcome.Duplicate), ("reason", reason))))
                    .RefundAsync(actor, chargeId, reason, ct);
            },
            ct);
        return outcome;
    }

    public static JsonObject LedgerJson(LedgerEntry l) => new()
    {
        ["id"] = l.Id,
        ["kind"] = l.Kind.ToString().ToLowerInvariant(),
        ["gate"] = l.GateId,
        ["passage"] = l.PassageId,
        ["amount_cents"] = l.AmountCents,
        ["fare_day"] = l.FareDay,
        ["at"] = l.At.ToString("O"),
        ["refund_of"] = l.RefundOf,
        ["reason"] = l.Reason,
        ["receipt_sha256"] = l.ReceiptSha256,
    };
}
