using System.CommandLine;
using Argus.Application;
using Argus.Application.Contracts;
using Argus.Application.Galleries;
using Argus.Core.Audit;
using Argus.Core.Purposes;
using Argus.Storage;

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
            var g = await Galleries(host, store).CreateAsync(actor, galleryName, parse.GetValue(description), ct);
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(GalleryDto.From(g));
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
                host.WriteContract(new GalleryListDto([.. galleries.Select(GalleryDto.From)]));
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
            var (g, removed) = await Galleries(host, store).DeleteAsync(actor, galleryName, parse.GetValue(force), ct);
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
            var request = new EnrolmentRequest(
                parse.GetValue(gallery)!, parse.GetValue(subject)!, parse.GetValue(name), [.. parse.GetValue(images)!.Select(ImageInput.FromFile)],
                parse.GetValue(face), parse.GetValue(by), parse.GetValue(keepCrop));
            var result = await Galleries(host, store).EnrolAsync(actor, request, ct);
            if (!result.Enrolled)
            {
                foreach (var refusal in result.Refusals)
                {
                    host.Error.WriteLine($"argus: {refusal.Image}: {refusal.Message}");
                }

                host.Error.WriteLine($"argus: nothing enrolled ({result.Refusals.Count} of {request.Images.Count} image(s) refused)");
                return ArgusCli.BadInput;
            }

            var (g, s, ids, reference) = (result.Gallery, result.Subject!, result.TemplateIds, request.SubjectReference);
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(new EnrolmentDto(g.Name, s.Id, reference, ids));
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
        var top = new Option<int>("--top") { Description = $"Candidates to return at most (1-{SearchLimits.MaxTop})", DefaultValueFactory = _ => SearchLimits.DefaultTop };
        var threshold = new Option<float?>("--threshold")
        {
            Description = $"Only candidates at or above this similarity; default and lowest allowed: the gallery's calibrated floor (at least {SearchLimits.Floor}, higher for large galleries); below it means no match",
        };
        var image = new Argument<string>("image") { Description = "Probe photo" };
        var binding = new PurposeOptions();
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
            var result = await Galleries(host, store).IdentifyAsync(
                actor, new IdentifyRequest(parse.GetValue(gallery)!, binding.Read(parse), ImageInput.FromFile(parse.GetValue(image)!), parse.GetValue(face), k, t), ct);
            var (record, g, candidates) = (result.Record, result.Gallery, result.Candidates);
            var used = result.Threshold;
            PurposeOptions.WritePending(host, record);

            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(IdentifyDto.From(result) with { Index = new IndexLoadDto(result.IndexCount, result.FromSnapshot, Math.Round(result.LoadTime.TotalMilliseconds, 1)) });
            }
            else
            {
                if (candidates.Count == 0)
                {
                    host.Out.WriteLine($"no match: nobody in '{g.Name}' ({result.IndexCount:N0} templates) scores at or above {used:0.00}");
                }

                for (var i = 0; i < candidates.Count; i++)
                {
                    var (hit, s) = (candidates[i].Hit, candidates[i].Subject);
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
            var receipt = await Galleries(host, store).EraseSubjectAsync(actor, subjectId, ct);
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(ReceiptDto.From(receipt));
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

    internal static Task<ArgusStore> OpenStore(CliHost host, CancellationToken ct) => host.OpenStoreAsync(ct);

    private static GalleryService Galleries(CliHost host, ArgusStore store) => new(host.Operations(store));
}
