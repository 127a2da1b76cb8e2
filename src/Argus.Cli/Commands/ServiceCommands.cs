using System.CommandLine;
using System.Globalization;
using Argus.Application.Contracts;
using Argus.Application.ServiceGalleries;
using Argus.Core;
using Argus.Core.Services;
using Argus.Storage;
using OpenCvSharp;

namespace Argus.Cli.Commands;

/// <summary>
/// <c>argus service ...</c> (service galleries: consenting customers, kept apart from watchlists), <c>argus verify</c>
/// (1:1) and <c>argus gate simulate</c> (a clip replayed through a metro or venue gate). Thin: the operations, their
/// authorisation and audit are in <see cref="Application.ServiceGalleries"/>.
/// </summary>
internal static class ServiceCommands
{
    private static async Task<(ArgusStore Store, ServiceContext Context, Core.Access.Principal Actor)> OpenAsync(CliHost host, ParseResult parse, bool faces, CancellationToken ct)
    {
        // The key first: without it no service operation starts, not even a login.
        var cipher = ServiceCipher.FromSecret(CliEnvironment.Get(ServiceCipher.KeyVariable));
        var store = await GalleryCommands.OpenStore(host, ct);
        try
        {
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var engine = host.Engine(liveness: faces, pose: faces);
            return (store, new ServiceContext(store, host.AuditChain(), engine, cipher, host.Paths.DataDirectory, CliEnvironment.Time), actor);
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    public static Command Service(TextWriter output, TextWriter error)
    {
        var service = new Command("service", "Service galleries: customers of banks, public services, transit and venues who consented (kept apart from watchlists; needs ARGUS_SERVICE_KEY).");

        var galleryCommand = new Command("gallery", "Create or list service galleries (enrolment clerks).");
        var name = new Argument<string>("name") { Description = "Gallery name" };
        var kind = new Option<string>("--kind") { Description = "bank, public-service, transit or venue", Required = true };
        var description = new Option<string?>("--description") { Description = "What the gallery serves" };
        var create = new Command("create", "Create a service gallery.") { name, kind, description };
        create.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            var (store, context, actor) = await OpenAsync(host, parse, false, ct);
            await using var _ = store;
            var g = await new ServiceGalleryService(context).CreateGalleryAsync(actor, parse.GetValue(name)!, ServiceKinds.Parse(parse.GetValue(kind)!), parse.GetValue(description), ct);
            host.Out.WriteLine($"created {ServiceKinds.Name(g.Kind)} gallery #{g.Id} '{g.Name}' ({g.Contract.Id}); templates sealed with key {context.Cipher.KeyId}");
            return ArgusCli.Ok;
        }));
        var list = new Command("list", "List service galleries.");
        list.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            var (store, context, actor) = await OpenAsync(host, parse, false, ct);
            await using var _ = store;
            foreach (var g in await new ServiceGalleryService(context).ListGalleriesAsync(actor, ct))
            {
                var state = await store.GetServiceGalleryStateAsync(actor, g.Id, ct);
                host.Out.WriteLine($"#{g.Id,-4} {g.Name,-20} {ServiceKinds.Name(g.Kind),-15} {state.PeopleCount,8:N0} people {state.TemplateCount,8:N0} templates");
            }

            return ArgusCli.Ok;
        }));
        galleryCommand.Subcommands.Add(create);
        galleryCommand.Subcommands.Add(list);

        var gallery = new Option<string>("--gallery") { Description = "Service gallery", Required = true };
        var reference = new Option<string>("--ref") { Description = "The service's own reference for the customer (account, card, ticket)", Required = true };
        var display = new Option<string?>("--name") { Description = "Display name (stored encrypted)" };
        var consentBy = new Option<string>("--consent-by") { Description = "Who gave the consent (the customer, or a guardian)", Required = true };
        var consentPurpose = new Option<string>("--consent-purpose") { Description = "What the customer consented to", Required = true };
        var consentChannel = new Option<string>("--consent-channel") { Description = "branch, app, kiosk, web, ...", Required = true };
        var consentAt = new Option<string?>("--consent-at") { Description = "When consent was given (ISO 8601; default now)" };
        var expires = new Option<string>("--expires") { Description = "Consent expiry date (YYYY-MM-DD, through the end of that day UTC)", Required = true };
        var images = new Argument<string[]>("images") { Arity = ArgumentArity.OneOrMore, Description = "Photos of the customer (one face each)" };
        var enrol = new Command("enrol", "Enrol a consenting customer (all photos or nothing).")
        {
            gallery, reference, display, consentBy, consentPurpose, consentChannel, consentAt, expires, images,
        };
        enrol.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            var (store, context, actor) = await OpenAsync(host, parse, true, ct);
            await using var _ = store;
            var now = CliEnvironment.Time.GetUtcNow();
            var given = parse.GetValue(consentAt) is { } at ? ParseInstant(at, "--consent-at") : now;
            var until = DateOnly.TryParseExact(parse.GetValue(expires)!, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
                ? new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddDays(1)
                : throw new ArgusException("argument.invalid", $"--expires {parse.GetValue(expires)}: use YYYY-MM-DD.");
            var photos = parse.GetValue(images)!.Select(ReadFile).ToArray();
            var person = await new ServiceGalleryService(context).EnrolAsync(actor, new ServiceEnrolment(
                parse.GetValue(gallery)!, parse.GetValue(reference)!, parse.GetValue(display), parse.GetValue(consentBy)!, given,
                parse.GetValue(consentPurpose)!, parse.GetValue(consentChannel)!, until, photos), ct);
            host.Out.WriteLine($"enrolled customer #{person.Id} '{person.ExternalRef}' with {photos.Length} template(s), consent until {person.ExpiresAt:yyyy-MM-dd HH:mm} UTC");
            return ArgusCli.Ok;
        }));

        var outFile = new Option<string?>("--out") { Description = "Write the export to this file (default: stdout)" };
        var export = new Command("export", "Data-subject export: everything held about one customer, with a receipt hash.") { gallery, reference, outFile };
        export.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            var (store, context, actor) = await OpenAsync(host, parse, false, ct);
            await using var _ = store;
            var result = await new ServiceGalleryService(context).ExportAsync(actor, parse.GetValue(gallery)!, parse.GetValue(reference)!, ct);
            if (parse.GetValue(outFile) is { } file)
            {
                await File.WriteAllTextAsync(file, result.Document.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }), ct);
                host.Out.WriteLine($"exported to {file}; receipt sha256 {result.ReceiptSha256}");
            }
            else
            {
                host.WriteContract(new ExportDto(result.ReceiptSha256, result.Document));
            }

            return ArgusCli.Ok;
        }));

        var erase = new Command("erase", "Data-subject erasure: templates and record removed, ledger lines unlinked; prints the receipt.") { gallery, reference };
        erase.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            var (store, context, actor) = await OpenAsync(host, parse, false, ct);
            await using var _ = store;
            var r = await new ServiceGalleryService(context).EraseAsync(actor, parse.GetValue(gallery)!, parse.GetValue(reference)!, ct);
            host.Out.WriteLine($"erased customer #{r.PersonId} from '{r.Gallery}': {r.TemplatesRemoved} template(s), {r.LedgerEntriesUnlinked} ledger line(s) unlinked");
            host.Out.WriteLine($"receipt sha256 {r.ReceiptSha256}");
            host.Out.WriteLine(r.CanonicalText);
            return ArgusCli.Ok;
        }));

        var purge = new Command("purge-expired", "Erase every customer whose consent has expired (receipts printed).") { gallery };
        purge.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            var (store, context, actor) = await OpenAsync(host, parse, false, ct);
            await using var _ = store;
            var receipts = await new ServiceGalleryService(context).PurgeExpiredAsync(actor, parse.GetValue(gallery)!, ct);
            foreach (var r in receipts)
            {
                host.Out.WriteLine($"erased customer #{r.PersonId} (consent expired): {r.TemplatesRemoved} template(s), receipt sha256 {r.ReceiptSha256}");
            }

            host.Out.WriteLine($"{receipts.Count} customer(s) with expired consent erased");
            return ArgusCli.Ok;
        }));

        var chargeId = new Argument<long>("charge") { Description = "Ledger id of the charge" };
        var reason = new Option<string>("--reason") { Description = "Why", Required = true };
        var refund = new Command("refund", "Refund one fare in full (once).") { chargeId, reason };
        refund.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            var (store, context, actor) = await OpenAsync(host, parse, false, ct);
            await using var _ = store;
            var o = await new ServiceGalleryService(context).RefundAsync(actor, parse.GetValue(chargeId), parse.GetValue(reason)!, ct);
            host.Out.WriteLine($"{(o.Duplicate ? "already refunded" : "refunded")}: ledger #{o.Entry.Id} {o.Entry.AmountCents} cents, receipt {o.Entry.ReceiptSha256}");
            return ArgusCli.Ok;
        }));

        var ledger = new Command("ledger", "A service gallery's ledger (charges, refunds, venue entries).") { gallery };
        ledger.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            var (store, context, actor) = await OpenAsync(host, parse, false, ct);
            await using var _ = store;
            var g = await store.GetServiceGalleryAsync(actor, parse.GetValue(gallery)!, ct);
            foreach (var l in await store.ListLedgerAsync(actor, g.Id, ct))
            {
                host.Out.WriteLine($"#{l.Id,-6} {l.At:yyyy-MM-dd HH:mm:ss} {l.Kind,-6} gate {l.GateId,-10} passage {l.PassageId,-14} {l.AmountCents,6} cents  receipt {l.ReceiptSha256[..16]}");
            }

            return ArgusCli.Ok;
        }));

        service.Subcommands.Add(galleryCommand);
        service.Subcommands.Add(enrol);
        service.Subcommands.Add(export);
        service.Subcommands.Add(erase);
        service.Subcommands.Add(purge);
        service.Subcommands.Add(refund);
        service.Subcommands.Add(ledger);
        return service;
    }

    public static Command Verify(TextWriter output, TextWriter error)
    {
        var gallery = new Option<string>("--gallery") { Description = "Service gallery", Required = true };
        var claim = new Option<string>("--claim") { Description = "The claimed customer's reference", Required = true };
        var fmr = new Option<double>("--fmr") { Description = "Target false-match rate of the operating point (from argus calibrate --save)", DefaultValueFactory = _ => 1e-4 };
        var require = new Option<bool>("--require-liveness") { Description = "Refuse a match whose liveness verdict is not 'live' (liveness is not validated)" };
        var images = new Argument<string[]>("images") { Arity = ArgumentArity.OneOrMore, Description = "Probe photo, or several frames of a burst (active liveness from 3 frames)" };
        var command = new Command("verify", "1:1: is the person in the probe the claimed customer? Prints the decision, score, operating point and liveness.")
        {
            gallery, claim, fmr, require, images, ArgusCli.JsonOption,
        };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            var (store, context, actor) = await OpenAsync(host, parse, true, ct);
            await using var _ = store;
            var probe = parse.GetValue(images)!.Select(ReadFile).ToArray();
            var r = await new VerificationService(context).VerifyAsync(
                actor, new VerificationRequest(parse.GetValue(gallery)!, parse.GetValue(claim)!, probe, parse.GetValue(fmr), parse.GetValue(require) ? LivenessPolicy.Require : LivenessPolicy.Report), ct);
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(VerifyDto.From(r));
            }
            else
            {
                var p = r.OperatingPoint;
                host.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Decision(r.Decision)}  score {r.Score:0.0000}  threshold {p.Threshold:0.0000} at FMR {p.TargetFmr:0e0}{(p.Supported ? "" : " (not supported by the calibration data: too few impostor pairs)")}"));
                host.Out.WriteLine($"liveness: {LivenessText(r.Liveness)} (not validated)");
            }

            return ArgusCli.Ok; // a decision, match or not; refusals (bad input) exit 2
        }));
        return command;
    }

    public static Command Gate(TextWriter output, TextWriter error)
    {
        var gate = new Command("gate", "Face-pay (metro) and venue (stadium) gates.");
        var clip = new Option<string>("--clip") { Description = "Video file (or a folder of images, one passage each) to replay through the gate", Required = true };
        var gallery = new Option<string>("--gallery") { Description = "Transit gallery (metro) or venue gallery (with --ticket)", Required = true };
        var gateId = new Option<string>("--gate") { Description = "Gate id", DefaultValueFactory = _ => "sim-1" };
        var ticket = new Option<string?>("--ticket") { Description = "Venue gate: the ticket presented (its reference in the venue gallery)" };
        var bans = new Option<string[]>("--ban-list") { Description = "Venue gate: venue-ban watchlists to check", AllowMultipleArgumentsPerToken = true };
        var fmr = new Option<double>("--fmr") { Description = "Target false-match rate (metro default 1e-5, venue 1e-4)" };
        var burst = new Option<int>("--burst") { Description = "Frames per passage", DefaultValueFactory = _ => 5 };
        var step = new Option<int>("--step") { Description = "Use every Nth frame of the clip", DefaultValueFactory = _ => 3 };
        var require = new Option<bool>("--require-liveness") { Description = "Refuse passages whose liveness verdict is not 'live' (not validated)" };
        var simulate = new Command("simulate", "Replay a clip through a gate: every --burst frames (taken every --step) is one passage; prints each decision.")
        {
            clip, gallery, gateId, ticket, bans, fmr, burst, step, require,
        };
        simulate.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            var (store, context, actor) = await OpenAsync(host, parse, true, ct);
            await using var _ = store;
            var source = parse.GetValue(clip)!;
            var liveness = parse.GetValue(require) ? LivenessPolicy.Require : LivenessPolicy.Report;
            var id = parse.GetValue(gateId)!;
            var targetFmr = parse.GetValue(fmr);
            using var pay = parse.GetValue(ticket) is null
                ? new FacePayGate(context, parse.GetValue(gallery)!, new GateOptions(targetFmr > 0 ? targetFmr : 1e-5, Liveness: liveness))
                : null;
            var venue = pay is null ? new VenueGate(context, parse.GetValue(gallery)!, parse.GetValue(bans) ?? [], targetFmr > 0 ? targetFmr : 1e-4, liveness) : null;
            var passage = 0;
            foreach (var frames in Bursts(source, Math.Max(1, parse.GetValue(burst)), Math.Max(1, parse.GetValue(step))))
            {
                try
                {
                    var p = new GatePassage(id, $"{Path.GetFileNameWithoutExtension(source)}-{++passage:000}");
                    var decoded = frames.Select(Vision.Imaging.DecodedImage.Borrow).ToArray();
                    var text = pay is not null
                        ? (await pay.PassAsync(actor, p, decoded, ct)).ToString()
                        : (await venue!.EnterAsync(actor, p, parse.GetValue(ticket)!, decoded, ct)).ToString();
                    host.Out.WriteLine($"{p.PassageId}  {text}");
                }
                finally
                {
                    foreach (var f in frames)
                    {
                        f.Dispose();
                    }
                }
            }

            if (passage == 0)
            {
                throw new ArgusException("gate.clip_empty", $"{source}: no frames could be read.");
            }

            return ArgusCli.Ok;
        }));
        gate.Subcommands.Add(simulate);
        return gate;
    }

    /// <summary>Groups a clip's frames (every <paramref name="step"/>th) into passages of <paramref name="burst"/> frames; a folder gives one image per passage.</summary>
    private static IEnumerable<List<Mat>> Bursts(string source, int burst, int step)
    {
        if (Directory.Exists(source))
        {
            foreach (var file in Directory.GetFiles(source).Order(StringComparer.Ordinal))
            {
                var mat = Cv2.ImRead(file, ImreadModes.Color);
                if (!mat.Empty())
                {
                    yield return [mat];
                }
                else
                {
                    mat.Dispose();
                }
            }

            yield break;
        }

        if (!File.Exists(source))
        {
            throw new ArgusException("argument.invalid", $"--clip {source}: no such file.");
        }

        using var capture = new VideoCapture(source);
        if (!capture.IsOpened())
        {
            throw new ArgusException("gate.clip_unreadable", $"{source}: not a video OpenCV can read.");
        }

        var current = new List<Mat>(burst);
        for (var index = 0; ; index++)
        {
            var frame = new Mat();
            if (!capture.Read(frame) || frame.Empty())
            {
                frame.Dispose();
                break;
            }

            if (index % step != 0)
            {
                frame.Dispose();
                continue;
            }

            current.Add(frame);
            if (current.Count == burst)
            {
                yield return current;
                current = new List<Mat>(burst);
            }
        }

        if (current.Count > 0)
        {
            yield return current;
        }
    }

    private static byte[] ReadFile(string path) =>
        File.Exists(path) ? File.ReadAllBytes(path) : throw new ArgusException("image.not_found", $"No such file: {path}");

    private static DateTimeOffset ParseInstant(string text, string option) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : throw new ArgusException("argument.invalid", $"{option} {text}: use an ISO 8601 date and time.");

    private static string Decision(VerificationDecision d) => d switch
    {
        VerificationDecision.Match => "MATCH",
        VerificationDecision.NoMatch => "NO MATCH",
        _ => "REFUSED: liveness failed",
    };

    private static string LivenessText(LivenessReport l) =>
        string.Create(CultureInfo.InvariantCulture, $"{l.Verdict}{(l.PassiveLiveProbability is { } p ? $", passive p(live) {p:0.00}" : "")}") +
        (l.Active is { } a ? string.Create(CultureInfo.InvariantCulture, $", active over {a.Frames} frames: blink {(a.Blink ? "yes" : "no")} (EAR {a.MinEar:0.00}-{a.OpenEar:0.00}), head turn {(a.HeadTurn ? "yes" : "no")} (yaw range {a.YawRange:0}°)") : "");
}
