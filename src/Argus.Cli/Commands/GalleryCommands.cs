using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Core.Faces;
using Argus.Search;
using Argus.Storage;
using Argus.Vision.Imaging;
using Argus.Vision.Pipeline;

namespace Argus.Cli.Commands;

/// <summary>
/// <c>argus gallery create|list|delete</c>, <c>argus enroll</c>, <c>argus identify</c> and <c>argus subject delete</c>:
/// galleries in the authoritative store, searched through their index projection.
/// </summary>
internal static class GalleryCommands
{
    public static Command Gallery(TextWriter output, TextWriter error)
    {
        var gallery = new Command("gallery", "Named template collections, each bound to one embedding contract.");

        var name = new Argument<string>("name") { Description = "Gallery name" };
        var description = new Option<string?>("--description") { Description = "What the gallery holds" };
        var create = new Command("create", "Create a gallery bound to the current embedding contract.") { name, description, ArgusCli.JsonOption };
        create.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var galleryName = parse.GetValue(name)!;
            var g = await Identity.Audited(host, store, actor.Id, "gallery.create", $"gallery:{galleryName}", async () =>
            {
                AccessPolicy.DemandWatchlist(actor, Capability.ManageServiceGalleries, galleryName);
                if (galleryName.StartsWith(Storage.Watchlist.GalleryName(""), StringComparison.Ordinal))
                {
                    throw new ArgusException("gallery.invalid_name", "Gallery names starting with 'watchlist.' are reserved for watchlists (argus watchlist create).");
                }

                return await store.CreateGalleryAsync(galleryName, host.Engine().Contract, parse.GetValue(description), ct);
            }, ct);
            await Audit(host, store, AuditEvent.Ok(actor.Id, "gallery.created", $"gallery:{g.Id}", AuditDetails.Of(("name", g.Name), ("contract", g.Contract.Id))), ct);
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteJson(Json(g));
            }
            else
            {
                host.Out.WriteLine($"created gallery #{g.Id} '{g.Name}' ({g.Contract.Id})");
            }

            return ArgusCli.Ok;
        }));

        var list = new Command("list", "List galleries with their template counts.") { ArgusCli.JsonOption };
        list.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await OpenStore(host, ct);
            var galleries = await store.ListGalleriesAsync(ct);
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteJson(new JsonObject { ["galleries"] = new JsonArray([.. galleries.Select(g => (JsonNode)Json(g))]) });
            }
            else
            {
                foreach (var g in galleries)
                {
                    host.Out.WriteLine($"#{g.Id,-5} {g.Name,-24} {g.TemplateCount,10:N0} templates  {g.Contract.Id}");
                }

                if (galleries.Count == 0)
                {
                    host.Out.WriteLine("no galleries (create one with: argus gallery create NAME)");
                }
            }

            return ArgusCli.Ok;
        }));

        var force = new Option<bool>("--force") { Description = "Also delete every template in it" };
        var delete = new Command("delete", "Delete a gallery (refused while it holds templates, unless --force).") { name, force };
        delete.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var galleryName = parse.GetValue(name)!;
            var (g, removed) = await Identity.Audited(host, store, actor.Id, "gallery.delete", $"gallery:{galleryName}", async () =>
            {
                AccessPolicy.DemandWatchlist(actor, Capability.ManageServiceGalleries, galleryName);
                var g = await FindGallery(store, galleryName, ct);
                return (g, await store.DeleteGalleryAsync(g.Id, parse.GetValue(force), ct));
            }, ct);
            await Audit(host, store, AuditEvent.Ok(actor.Id, "gallery.deleted", $"gallery:{g.Id}", AuditDetails.Of(("name", g.Name), ("templates_removed", removed))), ct);
            File.Delete(GalleryIndexProjection.SnapshotPath(host.Paths.DataDirectory, g.Id));
            host.Out.WriteLine($"deleted gallery '{g.Name}' and {removed} template(s)");
            return ArgusCli.Ok;
        }));

        gallery.Subcommands.Add(create);
        gallery.Subcommands.Add(list);
        gallery.Subcommands.Add(delete);
        return gallery;
    }

    public static Command Enroll(TextWriter output, TextWriter error)
    {
        var gallery = new Option<string>("--gallery") { Description = "Gallery name", Required = true };
        var subject = new Option<string>("--subject") { Description = "The subject's external reference (created when new)", Required = true };
        var name = new Option<string?>("--name") { Description = "Display name for a new subject (default: the reference)" };
        var face = new Option<int?>("--face") { Description = "Face N (as numbered by `argus detect`) when an image holds several" };
        var by = new Option<string?>("--by") { Description = "Who enrols, when acting for someone else (default: the authenticated user; both are audited)" };
        var keepCrop = new Option<bool>("--keep-crop") { Description = "Store the aligned 112x112 face crop with each template" };
        var images = new Argument<string[]>("images") { Arity = ArgumentArity.OneOrMore, Description = "Photos of the subject" };
        var command = new Command("enroll", "Enrol photos of one subject into a gallery. Every image must hold one usable face; otherwise nothing is enrolled.")
        {
            gallery, subject, name, face, by, keepCrop, images, ArgusCli.JsonOption,
        };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var galleryName = parse.GetValue(gallery)!;
            var (engine, g) = await Identity.Audited(host, store, actor.Id, "template.enrol", $"gallery:{galleryName}", async () =>
            {
                AccessPolicy.DemandWatchlist(actor, Capability.ManageServiceGalleries, galleryName);
                var engine = host.Engine();
                var g = await FindGallery(store, galleryName, ct);
                if (!g.Contract.Equals(engine.Contract))
                {
                    throw new ArgusException("template.contract_mismatch", $"Gallery '{g.Name}' holds {g.Contract.Id} templates; this engine makes {engine.Contract.Id}.");
                }

                return (engine, g);
            }, ct);

            // Check every image before writing anything: enrolment is all or nothing.
            var enrolledBy = parse.GetValue(by) ?? actor.Id;
            var prepared = new List<(Embedding Embedding, string Sha256, byte[]? Crop)>();
            var refusals = new List<string>();
            foreach (var path in parse.GetValue(images)!)
            {
                try
                {
                    prepared.Add(Prepare(engine, path, parse.GetValue(face), parse.GetValue(keepCrop), requireSingle: true));
                }
                catch (ArgusException e)
                {
                    refusals.Add($"{path}: {e.Message}");
                }
            }

            if (refusals.Count > 0)
            {
                foreach (var refusal in refusals)
                {
                    host.Error.WriteLine($"argus: {refusal}");
                }

                host.Error.WriteLine($"argus: nothing enrolled ({refusals.Count} of {refusals.Count + prepared.Count} image(s) refused)");
                await Audit(host, store, AuditEvent.Refused(actor.Id, "template.enrol", $"gallery:{g.Id}", AuditDetails.Of(("refused", refusals.Count), ("accepted", prepared.Count))), ct);
                return ArgusCli.BadInput;
            }

            var reference = parse.GetValue(subject)!;
            var existing = await store.FindSubjectsByExternalReferenceAsync(reference, ct);
            if (existing.Count > 1)
            {
                throw new ArgusException("subject.ambiguous", $"{existing.Count} subjects have the reference '{reference}'; enrol by a unique reference.");
            }

            var created = existing.Count == 0;
            var s = created
                ? await store.CreateSubjectAsync(new NewSubject(parse.GetValue(name) ?? reference, ExternalReference: reference), ct)
                : existing[0];
            var templates = prepared
                .Select(p => NewTemplate.From(p.Embedding, s.Id, p.Sha256, enrolledBy) with { FaceCropPng = p.Crop is { } crop ? new ReadOnlyMemory<byte>(crop) : default(ReadOnlyMemory<byte>?) })
                .ToList();
            IReadOnlyList<long> ids;
            try
            {
                ids = await store.AddTemplatesAsync(g.Id, templates, ct);
            }
            catch (ArgusException) when (created)
            {
                // The templates were refused (e.g. a duplicate image): leave no empty subject behind.
                await store.DeleteSubjectAsync(s.Id, CancellationToken.None);
                throw;
            }

            await Audit(host, store, AuditEvent.Ok(actor.Id, "template.enrolled", $"subject:{s.Id}", AuditDetails.Of(
                ("gallery", g.Id), ("template_ids", ids.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))),
                ("source_sha256", prepared.Select(p => p.Sha256)), ("enrolled_by", enrolledBy))), ct);

            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteJson(new JsonObject
                {
                    ["gallery"] = g.Name,
                    ["subject_id"] = s.Id,
                    ["subject_reference"] = reference,
                    ["template_ids"] = new JsonArray([.. ids.Select(i => (JsonNode)i)]),
                });
            }
            else
            {
                host.Out.WriteLine($"enrolled {ids.Count} template(s) for subject #{s.Id} '{s.DisplayName}' ({reference}) in gallery '{g.Name}'");
            }

            return ArgusCli.Ok;
        }));
        return command;
    }

    public static Command Identify(TextWriter output, TextWriter error)
    {
        var gallery = new Option<string>("--gallery") { Description = "Gallery name", Required = true };
        var face = new Option<int?>("--face") { Description = "Face N (as numbered by `argus detect`) instead of the primary face" };
        var top = new Option<int>("--top") { Description = "Candidates to return at most", DefaultValueFactory = _ => 5 };
        var threshold = new Option<float>("--threshold")
        {
            Description = $"Only candidates at or above this similarity (default {MatchThresholds.Identification}); below it means no match",
            DefaultValueFactory = _ => MatchThresholds.Identification,
        };
        var image = new Argument<string>("image") { Description = "Probe photo" };
        var binding = new PurposeBinding();
        var command = new Command("identify", "Who is this? A purpose-bound 1:N search of a gallery: candidates at or above the threshold, best first, or \"no match\".")
        {
            gallery, face, top, threshold, image, ArgusCli.JsonOption,
        };
        binding.AddTo(command);
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            var k = parse.GetValue(top);
            var t = parse.GetValue(threshold);
            await using var store = await OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var galleryName = parse.GetValue(gallery)!;
            var now = CliEnvironment.Time.GetUtcNow();
            var (record, g, load, hits) = await Identity.Audited(host, store, actor.Id, "search.request", $"gallery:{galleryName}", async () =>
            {
                if (k is < 1 or > 1000 || !float.IsFinite(t) || t < -1 || t > 1)
                {
                    throw new ArgusException("argument.invalid", "--top must be 1-1000 and --threshold between -1 and 1.");
                }

                var (declaration, approval) = await binding.ApproveAsync(parse, actor, store, [], [galleryName], now, ct);
                var g = await FindGallery(store, galleryName, ct);
                var (probe, probeSha256, _) = Prepare(host.Engine(), parse.GetValue(image)!, parse.GetValue(face), keepCrop: false, requireSingle: false);
                var load = await GalleryIndexProjection.LoadAsync(store, g, host.Paths.DataDirectory, ct);
                var hits = load.Index.Search(probe, GalleryIndexProjection.Parameters(load.Index, k, t));
                var record = await PurposeBinding.RecordAsync(store, actor, declaration, approval, probeSha256, hits.Length, now, ct);
                return (record, g, load, hits);
            }, ct);
            var candidates = new List<(SearchHit Hit, Subject? Subject)>();
            foreach (var hit in hits)
            {
                candidates.Add((hit, await store.GetSubjectAsync(hit.SubjectId, ct)));
            }

            // The declaration, the probe's hash and what was returned, never the image.
            await Audit(host, store, AuditEvent.Ok(actor.Id, AbuseDetector.SearchAction, $"gallery:{g.Id}", PurposeBinding.AuditDetails(
                record, hits.Select(h => $"subject:{h.SubjectId}@{h.Score.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture)}"), t)), ct);
            PurposeBinding.WritePending(host, record);

            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteJson(new JsonObject
                {
                    ["search_id"] = record.Id,
                    ["gallery"] = g.Name,
                    ["threshold"] = Math.Round(t, 4),
                    ["match"] = candidates.Count > 0,
                    ["candidates"] = new JsonArray([.. candidates.Select((c, i) => (JsonNode)new JsonObject
                    {
                        ["rank"] = i + 1,
                        ["subject_id"] = c.Hit.SubjectId,
                        ["subject_name"] = c.Subject?.DisplayName,
                        ["subject_reference"] = c.Subject?.ExternalReference,
                        ["template_id"] = c.Hit.TemplateId,
                        ["gallery_id"] = c.Hit.GalleryId,
                        ["score"] = Math.Round(c.Hit.Score, 4),
                    })]),
                    ["index"] = new JsonObject { ["templates"] = load.Index.Count, ["from_snapshot"] = load.FromSnapshot, ["load_ms"] = Math.Round(load.Elapsed.TotalMilliseconds, 1) },
                });
            }
            else
            {
                if (candidates.Count == 0)
                {
                    host.Out.WriteLine($"no match: nobody in '{g.Name}' ({load.Index.Count:N0} templates) scores at or above {t:0.00}");
                }

                for (var i = 0; i < candidates.Count; i++)
                {
                    var (hit, s) = candidates[i];
                    host.Out.WriteLine($"{i + 1}. subject #{hit.SubjectId} '{s?.DisplayName}' ({s?.ExternalReference})  score {hit.Score:0.0000}  template #{hit.TemplateId}");
                }
            }

            return ArgusCli.Ok;
        }));
        return command;
    }

    public static Command Subject(TextWriter output, TextWriter error)
    {
        var subject = new Command("subject", "People in the store.");
        var id = new Argument<long>("id") { Description = "Subject id" };
        var delete = new Command("delete", "Erase a subject: every template and crop, from storage and from every search, with a deletion receipt.") { id, ArgusCli.JsonOption };
        delete.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var subjectId = parse.GetValue(id);
            var receipt = await Identity.Audited(host, store, actor.Id, "subject.erase", $"subject:{subjectId}", async () =>
            {
                // Erasure is for those who keep galleries or watchlists: enrolment clerks and administrators.
                AccessPolicy.Demand(actor, actor.Can(Capability.ManageWatchlists) ? Capability.ManageWatchlists : Capability.ManageServiceGalleries);
                return await store.DeleteSubjectAsync(subjectId, ct);
            }, ct);
            await Audit(host, store, AuditEvent.Ok(actor.Id, "subject.erased", $"subject:{receipt.SubjectId}", AuditDetails.Of(
                ("receipt_sha256", receipt.ReceiptSha256), ("templates_removed", receipt.TemplatesRemoved))), ct);

            // Storage is done; bring every affected index up to date before returning, so no search can still find them.
            foreach (var galleryId in receipt.GalleryIds)
            {
                if (await store.GetGalleryAsync(galleryId, ct) is { } g)
                {
                    await GalleryIndexProjection.RebuildAsync(store, g, host.Paths.DataDirectory, ct);
                }
            }

            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteJson(new JsonObject
                {
                    ["subject_id"] = receipt.SubjectId,
                    ["templates_removed"] = receipt.TemplatesRemoved,
                    ["face_crops_removed"] = receipt.FaceCropsRemoved,
                    ["erased_at"] = receipt.ErasedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                    ["receipt_sha256"] = receipt.ReceiptSha256,
                });
            }
            else
            {
                host.Out.WriteLine($"erased subject #{receipt.SubjectId}: {receipt.TemplatesRemoved} template(s), {receipt.FaceCropsRemoved} crop(s); receipt {receipt.ReceiptSha256}");
            }

            return ArgusCli.Ok;
        }));
        subject.Subcommands.Add(delete);
        return subject;
    }

    /// <summary>Appends to the audit log; kept even when the data it mentions is erased later.</summary>
    internal static Task Audit(CliHost host, ArgusStore store, AuditEvent e, CancellationToken ct) =>
        store.AppendAuditAsync(host.AuditChain(), e, ct);

    internal static async Task<ArgusStore> OpenStore(CliHost host, CancellationToken ct) =>
        await ArgusStore.OpenAsync(StorageOptions.FromEnvironment(host.Paths, CliEnvironment.Get) with { TimeProvider = CliEnvironment.Time }, ct);

    /// <summary>
    /// A gallery by name. A watchlist's own gallery is refused here: it is searched only through <c>argus search</c>,
    /// which matches active, unexpired entries alone, and filled only through <c>argus entry propose</c>.
    /// </summary>
    internal static async Task<Gallery> FindGallery(ArgusStore store, string name, CancellationToken ct)
    {
        if (name.StartsWith(Storage.Watchlist.GalleryName(""), StringComparison.Ordinal))
        {
            throw new ArgusException("gallery.watchlist_backed", $"Gallery '{name}' belongs to a watchlist: search it with `argus search --watchlist`, add to it with `argus entry propose`.");
        }

        return await store.GetGalleryAsync(name, ct) ?? throw new ArgusException("gallery.not_found", $"No gallery named '{name}' (see argus gallery list).");
    }

    /// <summary>
    /// The one usable face of a photo: refused when there is no face, several faces without <paramref name="face"/>,
    /// or a face under the quality gate.
    /// </summary>
    internal static (Embedding Embedding, string Sha256, byte[]? Crop) Prepare(FaceEngine engine, string path, int? face, bool keepCrop, bool requireSingle)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgusException("image.unreadable", $"cannot read it: {e.Message}", e);
        }

        using var image = ImageDecoder.Decode(bytes);
        var result = engine.AnalyzePrimary(image, face);
        if (result.Face is null)
        {
            throw new ArgusException("face.none", "no face found");
        }

        if (requireSingle && face is null && result.FaceCount > 1)
        {
            throw new ArgusException("face.several", $"{result.FaceCount} faces; choose one with --face N (numbers from `argus detect`)");
        }

        var f = result.Face;
        if (f.Status == FaceStatus.TooSmall || f.Embedding is null)
        {
            throw new ArgusException("face.too_small", $"the face is {f.Quality.FaceSize:0} px, below the {engine.Options.MinFaceSize} px quality gate");
        }

        if (f.Status == FaceStatus.PoorQuality)
        {
            throw new ArgusException("face.poor_quality", $"the face is below the quality gate (embedding norm {f.Quality.EmbeddingNorm:0.00}, minimum {engine.Options.MinEmbeddingNorm:0.00}): blurred, occluded or not a face");
        }

        return (f.Embedding, Convert.ToHexStringLower(SHA256.HashData(bytes)), keepCrop ? engine.AlignedCropPng(image, f) : null);
    }

    private static JsonObject Json(Gallery g) => new()
    {
        ["id"] = g.Id,
        ["name"] = g.Name,
        ["description"] = g.Description,
        ["contract"] = g.Contract.Id,
        ["templates"] = g.TemplateCount,
        ["created_at"] = g.CreatedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
    };
}
