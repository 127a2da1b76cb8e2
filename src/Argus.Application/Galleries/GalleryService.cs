using System.Globalization;
using Argus.Application.Searches;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Core.Faces;
using Argus.Search;
using Argus.Storage;

namespace Argus.Application.Galleries;

/// <summary>Enrolment of one subject's photos: all or nothing.</summary>
public sealed record EnrolmentRequest(string Gallery, string SubjectReference, string? SubjectName, IReadOnlyList<ImageInput> Images, int? Face = null, string? EnrolledBy = null, bool KeepCrop = false);

/// <summary>Either the enrolled templates, or the images refused (nothing was written then).</summary>
public sealed record EnrolmentResult(Gallery Gallery, Subject? Subject, IReadOnlyList<long> TemplateIds, IReadOnlyList<ImageRefusal> Refusals)
{
    public bool Enrolled => Refusals.Count == 0;
}

public sealed record ImageRefusal(string Image, string Code, string Message);

public sealed record IdentifyRequest(
    string Gallery, SearchDeclarationInput Declaration, ImageInput Probe, int? Face = null, int Top = Core.Purposes.SearchLimits.DefaultTop, float? Threshold = null);

public sealed record IdentifyCandidate(SearchHit Hit, Subject? Subject);

/// <summary>An identification's record, the threshold it used and the gallery's calibrated floor, and the candidates at or above it.</summary>
public sealed record IdentifyResult(SearchRecord Record, Gallery Gallery, float Threshold, Core.Purposes.ListFloor Floor, int IndexCount, bool FromSnapshot, TimeSpan LoadTime, IReadOnlyList<IdentifyCandidate> Candidates);

/// <summary>
/// Service galleries (consenting customers, kept apart from watchlists): create, list, delete, enrol, purpose-bound
/// identification, and erasure of a subject from everything with a receipt.
/// </summary>
public sealed class GalleryService(OperationContext context)
{
    public async Task<Gallery> CreateAsync(Principal actor, string name, string? description, CancellationToken ct)
    {
        var g = await context.AuditedAsync(actor.Id, "gallery.create", $"gallery:{name}", async () =>
        {
            AccessPolicy.DemandWatchlist(actor, Capability.ManageServiceGalleries, name);
            if (name.StartsWith(Storage.Watchlist.GalleryName(""), StringComparison.Ordinal))
            {
                throw new ArgusException("gallery.invalid_name", "Gallery names starting with 'watchlist.' are reserved for watchlists (argus watchlist create).");
            }

            return await context.AuditedStore<Gallery>(g => AuditEvent.Ok(actor.Id, "gallery.created", $"gallery:{g.Id}", AuditDetails.Of(("name", g.Name), ("contract", g.Contract.Id))))
                .CreateGalleryAsync(name, context.Engine().Contract, description, ct);
        });
        return g;
    }

    /// <summary>Galleries in the actor's scope (clerks and searchers), watchlists' own galleries left out.</summary>
    public async Task<IReadOnlyList<Gallery>> ListAsync(Principal actor, CancellationToken ct)
    {
        await context.AuditedAsync(actor.Id, "gallery.list", "galleries", () =>
        {
            if (!actor.Can(Capability.Search))
            {
                AccessPolicy.Demand(actor, Capability.ManageServiceGalleries);
            }
        });
        var galleries = (await context.Store.ListGalleriesAsync(ct))
            .Where(g => !g.Name.StartsWith(Storage.Watchlist.GalleryName(""), StringComparison.Ordinal) && actor.Scope.CoversWatchlist(g.Name))
            .ToList();
        await context.AuditAsync(AuditEvent.Ok(actor.Id, "gallery.list", "galleries", AuditDetails.Of(("galleries", galleries.Count))), ct);
        return galleries;
    }

    public async Task<Gallery> GetAsync(Principal actor, string name, CancellationToken ct)
    {
        var g = await context.AuditedAsync(actor.Id, "gallery.get", $"gallery:{name}", async () =>
        {
            AccessPolicy.DemandWatchlist(actor, actor.Can(Capability.Search) ? Capability.Search : Capability.ManageServiceGalleries, name);
            return await FindGallery(context.Store, name, ct);
        });
        await context.AuditAsync(AuditEvent.Ok(actor.Id, "gallery.get", $"gallery:{g.Id}"), ct);
        return g;
    }

    /// <summary>Deletes a gallery (<c>gallery.not_empty</c> unless <paramref name="force"/>); returns the templates removed.</summary>
    public async Task<(Gallery Gallery, long Removed)> DeleteAsync(Principal actor, string name, bool force, CancellationToken ct)
    {
        var (g, removed) = await context.AuditedAsync(actor.Id, "gallery.delete", $"gallery:{name}", async () =>
        {
            AccessPolicy.DemandWatchlist(actor, Capability.ManageServiceGalleries, name);
            var g = await FindGallery(context.Store, name, ct);
            return (g, await context.AuditedStore<long>(removed => AuditEvent.Ok(actor.Id, "gallery.deleted", $"gallery:{g.Id}", AuditDetails.Of(("name", g.Name), ("templates_removed", removed))))
                .DeleteGalleryAsync(g.Id, force, ct));
        });
        context.ForgetIndex(g.Id);
        return (g, removed);
    }

    /// <summary>
    /// Enrols photos of one subject. Every image is checked before anything is written; refusals come back in the
    /// result (audited) and nothing is enrolled.
    /// </summary>
    public async Task<EnrolmentResult> EnrolAsync(Principal actor, EnrolmentRequest request, CancellationToken ct)
    {
        var (engine, g) = await context.AuditedAsync(actor.Id, "template.enrol", $"gallery:{request.Gallery}", async () =>
        {
            AccessPolicy.DemandWatchlist(actor, Capability.ManageServiceGalleries, request.Gallery);
            var engine = context.Engine();
            var g = await FindGallery(context.Store, request.Gallery, ct);
            if (!g.Contract.Equals(engine.Contract))
            {
                throw new ArgusException("template.contract_mismatch", $"Gallery '{g.Name}' holds {g.Contract.Id} templates; this engine makes {engine.Contract.Id}.");
            }

            if (request.Images.Count == 0)
            {
                throw new ArgusException("argument.invalid", "Enrolment needs at least one photo.");
            }

            return (engine, g);
        });

        // Check every image before writing anything: enrolment is all or nothing.
        var enrolledBy = request.EnrolledBy ?? actor.Id;
        var prepared = new List<(Embedding Embedding, string Sha256, byte[]? Crop)>();
        var refusals = new List<ImageRefusal>();
        foreach (var image in request.Images)
        {
            try
            {
                prepared.Add(FacePreparation.Prepare(engine, image, request.Face, request.KeepCrop, requireSingle: true));
            }
            catch (ArgusException e)
            {
                refusals.Add(new ImageRefusal(image.Name, e.Code, e.Message));
            }
        }

        if (refusals.Count > 0)
        {
            await context.AuditAsync(AuditEvent.Refused(actor.Id, "template.enrol", $"gallery:{g.Id}", AuditDetails.Of(("refused", refusals.Count), ("accepted", prepared.Count))), ct);
            return new EnrolmentResult(g, null, [], refusals);
        }

        var reference = request.SubjectReference;
        var existing = await context.Store.FindSubjectsByExternalReferenceAsync(reference, ct);
        if (existing.Count > 1)
        {
            throw new ArgusException("subject.ambiguous", $"{existing.Count} subjects have the reference '{reference}'; enrol by a unique reference.");
        }

        // The subject (when new), its templates and the audit record commit in one transaction: all or nothing.
        AuditEvent Enrolled(long subjectId, IReadOnlyList<long> ids) => AuditEvent.Ok(actor.Id, "template.enrolled", $"subject:{subjectId}", AuditDetails.Of(
            ("gallery", g.Id), ("template_ids", ids.Select(i => i.ToString(CultureInfo.InvariantCulture))),
            ("source_sha256", prepared.Select(p => p.Sha256)), ("enrolled_by", enrolledBy)));
        List<NewTemplate> Templates(long subjectId) => prepared
            .Select(p => NewTemplate.From(p.Embedding, subjectId, p.Sha256, enrolledBy) with { FaceCropPng = p.Crop is { } crop ? new ReadOnlyMemory<byte>(crop) : default(ReadOnlyMemory<byte>?) })
            .ToList();
        Subject s;
        IReadOnlyList<long> ids;
        if (existing.Count == 0)
        {
            (s, ids) = await context.AuditedStore<SubjectEnrolment>(e => Enrolled(e.Subject.Id, e.TemplateIds))
                .EnrolNewSubjectAsync(g.Id, new NewSubject(request.SubjectName ?? reference, ExternalReference: reference), Templates(0), ct);
        }
        else
        {
            s = existing[0];
            ids = await context.AuditedStore<IReadOnlyList<long>>(ids => Enrolled(s.Id, ids)).AddTemplatesAsync(g.Id, Templates(s.Id), ct);
        }

        ArgusMetrics.TemplatesEnrolled.Add(ids.Count);
        return new EnrolmentResult(g, s, ids, []);
    }

    /// <summary>Who is this? A purpose-bound 1:N search of a gallery: candidates at or above the threshold, best first.</summary>
    public async Task<IdentifyResult> IdentifyAsync(Principal actor, IdentifyRequest request, CancellationToken ct)
    {
        var k = request.Top;
        var t = request.Threshold;
        var now = context.Now;
        var (record, g, threshold, floor, load, hits) = await context.AuditedAsync(actor.Id, "search.request", $"gallery:{request.Gallery}", async () =>
        {
            Core.Purposes.SearchLimits.Demand(k, t ?? Core.Purposes.SearchLimits.Floor);
            var (declaration, approval, authorisation) = await PurposeBinding.ApproveAsync(context, request.Declaration, actor, [], [request.Gallery], now, ct);
            var g = await FindGallery(context.Store, request.Gallery, ct);
            // The gallery's floor follows its size; below it is refused before the probe is decoded.
            var load = await context.LoadIndexAsync(g, ct);
            var floor = context.SearchFloor(g.Name, load.Index.Count);
            var threshold = t ?? floor.Threshold;
            Core.Purposes.SearchLimits.DemandAtLeast(threshold, floor);
            var started = context.Time.GetTimestamp();
            var (probe, probeSha256, _) = FacePreparation.Prepare(context.Engine(), request.Probe, request.Face, keepCrop: false, requireSingle: false);
            // Nothing below the threshold leaves this method, whatever the index returned.
            var hits = Array.FindAll(load.Index.Search(probe, GalleryIndexProjection.Parameters(load.Index, k, threshold)), h => h.Score >= threshold);
            ArgusMetrics.SearchDuration.Record(context.Time.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("kind", "gallery"));
            ArgusMetrics.Searches.Add(1, new KeyValuePair<string, object?>("kind", "gallery"), new KeyValuePair<string, object?>("match", hits.Length > 0));
            // The search's record and its audit record (the declaration, the probe's hash, what was returned) commit together.
            var audited = context.AuditedStore<SearchRecord>(record => AuditEvent.Ok(actor.Id, AbuseDetector.SearchAction, $"gallery:{g.Id}", PurposeBinding.AuditDetails(
                record, hits.Select(h => $"subject:{h.SubjectId}@{h.Score.ToString("0.0000", CultureInfo.InvariantCulture)}"), threshold)));
            var record = await PurposeBinding.RecordAsync(audited, actor, declaration, approval, authorisation, probeSha256, hits.Length, now, ct);
            return (record, g, threshold, floor, load, hits);
        });
        var candidates = new List<IdentifyCandidate>();
        foreach (var hit in hits)
        {
            candidates.Add(new IdentifyCandidate(hit, await context.Store.GetSubjectAsync(hit.SubjectId, ct)));
        }

        return new IdentifyResult(record, g, threshold, floor, load.Index.Count, load.FromSnapshot, load.Elapsed, candidates);
    }

    /// <summary>Erases a subject: every template and crop, from storage and from every index, with a deletion receipt.</summary>
    public async Task<DeletionReceipt> EraseSubjectAsync(Principal actor, long subjectId, CancellationToken ct)
    {
        var receipt = await context.AuditedAsync(actor.Id, "subject.erase", $"subject:{subjectId}", async () =>
        {
            // Erasure is for those who keep galleries or watchlists: enrolment clerks and administrators.
            AccessPolicy.Demand(actor, actor.Can(Capability.ManageWatchlists) ? Capability.ManageWatchlists : Capability.ManageServiceGalleries);
            return await context.AuditedStore<DeletionReceipt>(receipt => AuditEvent.Ok(actor.Id, "subject.erased", $"subject:{receipt.SubjectId}", AuditDetails.Of(
                ("receipt_sha256", receipt.ReceiptSha256), ("templates_removed", receipt.TemplatesRemoved))))
                .DeleteSubjectAsync(subjectId, ct);
        });

        // Storage is done; bring every affected index up to date before returning, so no search can still find them.
        foreach (var galleryId in receipt.GalleryIds)
        {
            if (await context.Store.GetGalleryAsync(galleryId, ct) is { } g)
            {
                await context.RebuildIndexAsync(g, ct);
            }
        }

        return receipt;
    }

    /// <summary>
    /// A gallery by name. A watchlist's own gallery is refused here: it is searched only through watchlist search,
    /// which matches active, unexpired entries alone, and filled only through entry proposals.
    /// </summary>
    public static async Task<Gallery> FindGallery(ArgusStore store, string name, CancellationToken ct)
    {
        if (name.StartsWith(Storage.Watchlist.GalleryName(""), StringComparison.Ordinal))
        {
            throw new ArgusException("gallery.watchlist_backed", $"Gallery '{name}' belongs to a watchlist: search it with `argus search --watchlist`, add to it with `argus entry propose`.");
        }

        return await store.GetGalleryAsync(name, ct) ?? throw new ArgusException("gallery.not_found", $"No gallery named '{name}' (see argus gallery list).");
    }
}
