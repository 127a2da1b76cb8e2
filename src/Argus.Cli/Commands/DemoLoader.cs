using System.Globalization;
using Argus.Application;
using Argus.Application.Accounts;
using Argus.Application.Authorisations;
using Argus.Application.Cameras;
using Argus.Application.Deployments;
using Argus.Application.Watchlists;
using Argus.Bench;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Faces;
using Argus.Core.Purposes;
using Argus.Storage.Security;
using Argus.Vision.Imaging;
using Argus.Vision.Models;
using Microsoft.Extensions.DependencyInjection;
using OpenCvSharp;

namespace Argus.Cli.Commands;

/// <summary>
/// <c>argus demo --load</c> (what <c>./run.sh --demo</c> runs before the server): loads a demonstration into an
/// empty store, through the same services and audit as real use. The administrator is bootstrapped; an investigator
/// proposes watchlist entries with a (fictional) legal basis, enrolled from the public demo photos; an approver
/// approves them and creates a deployment; a camera replays a clip made from other photos of the same people plus a
/// stranger, so the server raises live alerts within seconds of starting. Passwords are generated and printed once.
/// When the public photos cannot be fetched, faces-dev images are used instead (and it says so).
/// </summary>
internal static class DemoLoader
{
    public const string Site = "demo";
    public const string Watchlist = "demo-wanted";
    public const string AdminList = "demo-admin";
    public const string Camera = "demo-gate";

    /// <summary>Clip frame size, the size a face crop is shown at, and its position for person <c>i</c> (the camera check renders the same).</summary>
    private const int ClipWidth = 960;
    private const int ClipHeight = 540;
    private const int ShownSize = 220;

    /// <summary>
    /// How far above the 1:N threshold a person must score on a rendered frame to join the demonstration: the clip's
    /// MPEG-4 encoding costs a few hundredths (measured by the check after the clip is built).
    /// </summary>
    private const float CameraMargin = 0.05f;

    private sealed record Person(string EnrolPhoto, int EnrolFace, string ClipImage, string Source);

    private sealed record Candidate(string EnrolPhoto, int EnrolFace, string SeenPhoto, BoundingBox SeenBox, float Score);

    public static async Task<int> LoadAsync(CliHost host, CancellationToken ct)
    {
        await using var store = await GalleryCommands.OpenStore(host, ct);
        if ((await store.ListUsersAsync(ct)).Any(u => u.Username == "alex"))
        {
            host.Out.WriteLine($"argus demo: the demonstration is already loaded in {host.Paths.DataDirectory} (passwords were printed when it was loaded;");
            host.Out.WriteLine("            remove that folder to load it afresh).");
            return ArgusCli.Ok;
        }

        if ((await store.ListUsersAsync(ct)).Count > 0)
        {
            throw new ArgusException("demo.not_empty", $"The demonstration loads only into an empty data directory; {host.Paths.DataDirectory} has users. Use another ARGUS_HOME.");
        }

        var folder = Path.Combine(host.Paths.DataDirectory, "demo");
        var clipFolder = Directory.CreateDirectory(Path.Combine(folder, "clip")).FullName;
        var engine = host.Engine();
        var (people, strangers, origin) = await ChoosePeopleAsync(host, engine, folder, clipFolder, ct);
        if (people.Count == 0)
        {
            throw new ArgusException("demo.no_people", "No person appears in two demonstration photos; nothing to put on a watchlist.");
        }

        // The registered services, over the store opened above (the one the container holds).
        var ops = host.Operations(store);
        var auth = host.Services.GetRequiredService<AuthenticationService>();
        var passwords = new Dictionary<string, string>(StringComparer.Ordinal) { ["admin"] = await auth.BootstrapAsync("argus-demo", "admin", ct) };
        var admin = await auth.LoginAsync("admin", passwords["admin"], ct);
        var users = host.Services.GetRequiredService<UserService>();

        // Operational roles need a second administrator's approval: the demonstration has two administrators.
        passwords["ada"] = PasswordHasher.Generate();
        await users.CreateAsync(admin, "ada", "Ada (second administrator, demo)", ["administrator"], Scope.Everything, () => passwords["ada"], ct);
        var ada = await auth.LoginAsync("ada", passwords["ada"], ct);
        foreach (var (name, display, role, scope) in new[]
        {
            ("alex", "Alex (approver, demo)", "approver", Scope.Everything),
            ("olly", "Olly (operator, demo site)", "operator", new Scope(new HashSet<string> { Site }, new HashSet<string> { Scope.All }, new HashSet<string> { Scope.All })),
            ("ivy", "Ivy (investigator, demo)", "investigator", Scope.Everything),
            ("otto", "Otto (authorising official, demo)", "authorising-official", Scope.Everything),
            ("audrey", "Audrey (auditor, demo)", "auditor", Scope.Everything),
        })
        {
            passwords[name] = PasswordHasher.Generate();
            var created = await users.CreateAsync(admin, name, display, [role], scope, () => passwords[name], ct);
            await users.DecideGrantAsync(ada, created.PendingGrant!.Id, approve: true, "demonstration account", ct);
        }

        var ivy = await auth.LoginAsync("ivy", passwords["ivy"], ct);
        var alex = await auth.LoginAsync("alex", passwords["alex"], ct);
        var watchlists = host.Services.GetRequiredService<WatchlistService>();
        await watchlists.CreateAsync(admin, new WatchlistSpec(Watchlist, "wanted", MaxDays: 90), ct);
        var expires = ops.Now.AddDays(60).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        for (var i = 0; i < people.Count; i++)
        {
            var p = people[i];
            var n = (i + 1).ToString(CultureInfo.InvariantCulture);
            var entry = await watchlists.ProposeAsync(ivy, new EntryProposal(
                Watchlist, $"DEMO-{n}", $"Demo person {(char)('A' + i)}", $"DEMO-CASE-{n}", "demonstration only (fictional grounds)", "DI Demo",
                "Argus demonstration authority", $"Demo warrant {n}/2026", expires, [p.Source],
                [ImageInput.FromFile(p.EnrolPhoto)], "demonstration entry", p.EnrolFace), ct);
            await watchlists.DecideAsync(alex, entry.Id, EntryDecision.Approve, "demonstration: legal basis checked", ct);
        }

        // An administrative (grey) list with its own entry: the first stranger of the clip, enrolled from the very crop
        // the clip shows (a demonstration shortcut), so the wall also shows what a grey, low-severity alert looks like.
        var lists = new List<string> { Watchlist };
        if (strangers.Count > 0)
        {
            await watchlists.CreateAsync(admin, new WatchlistSpec(AdminList, "administrative"), ct);
            var grey = await watchlists.ProposeAsync(ivy, new EntryProposal(
                AdminList, "DEMO-ADMIN-1", "Demo person (administrative)", "DEMO-ADMIN-CASE-1", "demonstration only: an unpaid fine (fictional)", "Clerk Demo",
                "Argus demonstration court", "Demo order A/2026", expires, [$"public-demo:{Path.GetFileName(strangers[0])}"], [ImageInput.FromFile(strangers[0])],
                "demonstration administrative entry"), ct);
            await watchlists.DecideAsync(alex, grey.Id, EntryDecision.Approve, "demonstration: order checked", ct);
            lists.Add(AdminList);
        }

        // The clip: each person in turn, the stranger (never enrolled) in between, on a textured background.
        var appearances = new List<Appearance>();
        for (var i = 0; i < people.Count; i++)
        {
            appearances.Add(new Appearance(people[i].ClipImage, 1 + (6 * i), 6 + (6 * i), 100 + (260 * (i % 3)), 120, 220));
        }

        for (var i = 0; i < strangers.Count; i++)
        {
            appearances.Add(new Appearance(strangers[i], 3 + (6 * i), 7 + (6 * i), 700, 260, 200));
        }

        const double ClipFps = 10;
        const int AnalysisFps = 5;
        var clip = ClipBuilder.Build(Path.Combine(clipFolder, "demo-gate.mp4"), ClipWidth, ClipHeight, ClipFps, (6 * people.Count) + 2, [.. appearances]);

        // The camera check: each enrolled person (and the grey entry) as the camera will score them in the built clip.
        var expected = new List<(Appearance Shown, Embedding Enrolled)>();
        var names = new List<string>();
        for (var i = 0; i < people.Count; i++)
        {
            expected.Add((appearances[i], Enrolled(engine, people[i].EnrolPhoto, people[i].EnrolFace)));
            names.Add($"Demo person {(char)('A' + i)}");
        }

        if (strangers.Count > 0)
        {
            expected.Add((appearances[people.Count], Enrolled(engine, strangers[0], 1)));
            names.Add("the administrative entry");
        }

        var measured = CheckClip(engine, clip, ClipFps, AnalysisFps, expected);
        var check = string.Join(", ", names.Select((n, i) => $"{n} {measured[i]:0.00}"));
        var below = names.Where((_, i) => measured[i] < MatchThresholds.Identification).ToList();
        await host.Services.GetRequiredService<CameraService>().AddAsync(admin, new CameraSpec(Camera, "Demo gate (replayed clip)", Site, clip, AnalysisFps), ct);
        // The deployment relies on an authorisation recorded by someone other than its creator.
        var otto = await auth.LoginAsync("otto", passwords["otto"], ct);
        var order = await host.Services.GetRequiredService<AuthorisationService>().RecordAsync(
            otto, new AuthorisationRequest("DEMO-ORDER-1", "DEMO-OPERATION-1", [.. lists], ops.Now, ops.Now.AddDays(31)), ct);
        var deployment = await host.Services.GetRequiredService<DeploymentService>().CreateAsync(
            alex, new DeploymentRequest("demonstration", [], Site, [.. lists], order.Id.ToString(CultureInfo.InvariantCulture), ops.Now, ops.Now.AddDays(30)), ct);

        var services = await DemoServices.LoadAsync(host, ops, admin, ada, passwords, FacesDevImages(), ct);
        var url = (CliEnvironment.Get("ASPNETCORE_URLS") ?? "http://127.0.0.1:5080").Split(';')[0].TrimEnd('/') + "/";
        host.Out.WriteLine($"""

            argus demo: loaded into {host.Paths.DataDirectory}
              photos:     {origin}
              watchlist:  {Watchlist} (wanted persons): {people.Count} entries proposed by ivy, approved by alex
              watchlist:  {AdminList} (administrative, grey): {lists.Count - 1} entr{(lists.Count == 2 ? "y" : "ies")}
              camera:     {Camera} at site '{Site}', replaying {clip} in a loop
              check:      best score on the clip, as the camera sees it: {check} (alerts at {MatchThresholds.Identification:0.00}){(below.Count == 0 ? "" : $"; WILL NOT ALERT: {string.Join(", ", below)}")}
              deployment: {deployment.Id}, site '{Site}', until {deployment.Deployment.End:yyyy-MM-dd HH:mm} UTC
            service galleries (kept apart from watchlists):
            {string.Join(Environment.NewLine, services.Select(l => "  " + l))}

            console: {url}   (alerts appear on the wall within a minute of the server starting)
            log in as (these passwords are shown once, now):
              alex   {passwords["alex"]}   approver: alert wall, approvals, search, deployments
              olly   {passwords["olly"]}   operator at site '{Site}': alert wall (first of two confirmations)
              ivy    {passwords["ivy"]}   investigator: propose entries, search
              otto   {passwords["otto"]}   authorising official: records authorisation {order.Id} ({order.Reference}) for searches and deployments
              audrey {passwords["audrey"]}   auditor: audit log (filters, export), chain verification, transparency report
              admin  {passwords["admin"]}   administrator: cameras, users, watchlists
              ada    {passwords["ada"]}   second administrator: approves the role grants admin requests
              clara  {passwords["clara"]}   enrolment clerk: the service console at {url}service/ (galleries, customers, ledger, gates)
              terry  {passwords["terry"]}   service terminal: 1:1 verification (POST /api/v1/verify) and gates over the API

            """);
        return ArgusCli.Ok;
    }

    /// <summary>
    /// People found in two of the public photos (one photo's face enrolled, a crop of the other's in the clip) and a
    /// stranger found in one photo only; faces-dev identities when the public photos cannot be fetched.
    /// </summary>
    private static async Task<(List<Person> People, List<string> Strangers, string Origin)> ChoosePeopleAsync(
        CliHost host, Vision.Pipeline.FaceEngine engine, string folder, string clipFolder, CancellationToken ct)
    {
        var manifest = ModelManifest.Default;
        try
        {
            await new ModelFetcher(manifest, log: line => host.Error.WriteLine(line)).FetchDemoAsync(folder, ct);
        }
        catch (ArgusException e)
        {
            return FacesDev(e.Message);
        }

        var faces = new List<(string Photo, int Number, Face Face)>();
        foreach (var file in manifest.Demo)
        {
            using var image = ImageDecoder.DecodeFile(Path.Combine(folder, file.Name));
            var found = engine.Analyze(image);
            for (var i = 0; i < found.Count; i++)
            {
                if (found[i].IsUsable && found[i].Box.Width >= 80)
                {
                    faces.Add((Path.Combine(folder, file.Name), i + 1, found[i]));
                }
            }
        }

        var clusters = DemoCommand.Cluster(faces, MatchThresholds.Identification);
        var people = new List<Person>();
        // Two faces of one person in two photos can score above the 1:N threshold and still fall below it once the
        // second is cropped, shrunk to the clip's size and placed in a frame the detector sees at a third of its
        // resolution: that is why only one of two demonstration people used to alert (0.43 on the camera for a pair
        // that scored above 0.45 photo to photo). So every ordered pair (enrolled face, face shown) of a person is
        // scored as the camera will see it, and a person joins the watchlist only with a margin above the threshold.
        var chosen = new List<Candidate>();
        foreach (var cluster in clusters)
        {
            Candidate? best = null;
            foreach (var a in cluster.Members)
            {
                foreach (var b in cluster.Members)
                {
                    if (a.Photo == b.Photo)
                    {
                        continue;
                    }

                    float score;
                    using (var photo = Cv2.ImRead(b.Photo, ImreadModes.Color))
                    using (var crop = CropAround(photo, b.Face.Box))
                    {
                        score = CameraScore(engine, crop, a.Face.Embedding!);
                    }

                    if (best is null || score > best.Score)
                    {
                        best = new Candidate(a.Photo, a.Number, b.Photo, b.Face.Box, score);
                    }
                }
            }

            if (best is not null && best.Score >= MatchThresholds.Identification + CameraMargin)
            {
                chosen.Add(best);
            }
        }

        foreach (var c in chosen.OrderByDescending(c => c.Score).Take(3))
        {
            people.Add(new Person(
                c.EnrolPhoto, c.EnrolFace, Crop(c.SeenPhoto, c.SeenBox, Path.Combine(clipFolder, $"person{people.Count + 1}.png")), $"public-demo:{Path.GetFileName(c.EnrolPhoto)}#{c.EnrolFace}"));
        }

        var strangers = clusters.Where(c => c.Members.Count == 1).Select(c => c.Members[0]).OrderByDescending(m => m.Face.Box.Width).Take(1)
            .Select((m, i) => Crop(m.Photo, m.Face.Box, Path.Combine(clipFolder, $"stranger{i + 1}.png"))).ToList();
        var source = manifest.Package(manifest.Demo[0].Package);
        var origin = $"public demonstration photos from {source.Spec} ({source.Licence}), pinned by SHA-256 in the model manifest";

        // The six public photos hold one person whom the camera recognises with a margin (0.72 on the clip); the only
        // other person seen twice scores 0.46 photo to photo and 0.43 in the encoded clip, below the 1:N threshold.
        // Where faces-dev is at hand, people from it complete the demonstration (each checked the same way).
        if (people.Count < 2 && FacesDevImages() is { } images)
        {
            var added = 0;
            foreach (var (enrol, seen) in FacesDevPairs)
            {
                if (people.Count >= 2)
                {
                    break;
                }

                float score;
                using (var shown = Cv2.ImRead(Path.Combine(images, seen), ImreadModes.Color))
                {
                    score = CameraScore(engine, shown, Enrolled(engine, Path.Combine(images, enrol), 1));
                }

                if (score >= MatchThresholds.Identification + CameraMargin)
                {
                    people.Add(new Person(Path.Combine(images, enrol), 1, Path.Combine(images, seen), $"faces-dev:{enrol}"));
                    added++;
                }
            }

            origin += $"; {added} more from faces-dev ({Path.GetDirectoryName(images)}), since only {people.Count - added} person in the public photos scores above the camera's threshold with a margin";
        }
        else if (people.Count < 2)
        {
            origin += $"; only {people.Count} person in them scores above the camera's threshold with a margin (set ARGUS_FACES_DEV for a second one)";
        }

        return (people, strangers, origin);
    }

    /// <summary>Enrolled photo and photo shown on the camera of faces-dev people (single-face crops), tried in turn.</summary>
    private static readonly (string Enrol, string Seen)[] FacesDevPairs =
    [
        ("faceapi_sheldon/sheldon1.png", "faceapi_sheldon/sheldon3.png"),
        ("faceapi_howard/howard1.png", "faceapi_howard/howard3.png"),
        ("faceapi_leonard/leonard1.png", "faceapi_leonard/leonard3.png"),
    ];

    /// <summary>faces-dev's image folder ($ARGUS_FACES_DEV, else ../shared/data/faces-dev beside the checkout), or null.</summary>
    private static string? FacesDevImages()
    {
        var root = CliEnvironment.Get("ARGUS_FACES_DEV") is { Length: > 0 } f
            ? f
            : Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "..", "..", "shared", "data", "faces-dev"));
        var images = Path.Combine(root, "images");
        return Directory.Exists(images) ? images : null;
    }

    private static (List<Person>, List<string>, string) FacesDev(string why)
    {
        var images = FacesDevImages()
            ?? throw new ArgusException("demo.photos_unavailable", $"The public demonstration photos could not be fetched ({why}) and faces-dev was not found (set ARGUS_FACES_DEV).");
        string P(string relative) => Path.Combine(images, relative);
        var people = FacesDevPairs.Take(2).Select(p => new Person(P(p.Enrol), 1, P(p.Seen), $"faces-dev:{p.Enrol}")).ToList();
        return (people, [P("faceapi_penny/penny2.png")], $"faces-dev images from {Path.GetDirectoryName(images)} (the public demonstration photos could not be fetched: {why})");
    }

    /// <summary>A square crop around a face (1.8 times its box), for pasting into the clip.</summary>
    private static string Crop(string photo, BoundingBox box, string path)
    {
        using var image = Cv2.ImRead(photo, ImreadModes.Color);
        using var crop = CropAround(image, box);
        Cv2.ImWrite(path, crop);
        return path;
    }

    private static Mat CropAround(Mat image, BoundingBox box)
    {
        var side = (int)(Math.Max(box.Width, box.Height) * 1.8f);
        side = Math.Min(side, Math.Min(image.Width, image.Height));
        var x = Math.Clamp((int)(box.X + (box.Width / 2) - (side / 2)), 0, image.Width - side);
        var y = Math.Clamp((int)(box.Y + (box.Height / 2) - (side / 2)), 0, image.Height - side);
        return new Mat(image, new Rect(x, y, side, side)).Clone();
    }

    /// <summary>
    /// The best similarity to <paramref name="enrolled"/> of a usable face in a clip frame showing
    /// <paramref name="shownImage"/> as the clip shows it (area-resized to <see cref="ShownSize"/>, on a grey frame of the
    /// clip's size): what the camera will measure, before the video encoding.
    /// </summary>
    private static float CameraScore(Vision.Pipeline.FaceEngine engine, Mat shownImage, Embedding enrolled)
    {
        using var shown = new Mat();
        Cv2.Resize(shownImage, shown, new Size(ShownSize, ShownSize), 0, 0, InterpolationFlags.Area);
        using var frame = new Mat(ClipHeight, ClipWidth, MatType.CV_8UC3, new Scalar(85, 85, 85));
        using (var roi = new Mat(frame, new Rect(100, 120, ShownSize, ShownSize)))
        {
            shown.CopyTo(roi);
        }

        using var decoded = DecodedImage.Borrow(frame);
        return Best(engine.Analyze(decoded), enrolled);
    }

    /// <summary>The template of face <paramref name="number"/> (1-based) of a photo, as enrolment computes it.</summary>
    private static Embedding Enrolled(Vision.Pipeline.FaceEngine engine, string photo, int number)
    {
        using var image = ImageDecoder.DecodeFile(photo);
        var faces = engine.Analyze(image);
        return faces[number - 1].Embedding ?? throw new ArgusException("demo.no_people", $"Face {number} of {photo} has no template.");
    }

    private static float Best(IReadOnlyList<Face> faces, Embedding enrolled)
    {
        var best = -1f;
        foreach (var f in faces)
        {
            if (f.IsUsable)
            {
                best = Math.Max(best, f.Embedding!.Similarity(enrolled));
            }
        }

        return best;
    }

    /// <summary>
    /// The camera check: replays the built clip at the camera's analysis rate and returns, per appearance, the best
    /// similarity of a usable face shown during it to the enrolled template (-1 when no usable face was found).
    /// </summary>
    private static float[] CheckClip(Vision.Pipeline.FaceEngine engine, string clip, double fps, int analysisFps, List<(Appearance Shown, Embedding Enrolled)> expected)
    {
        var best = Enumerable.Repeat(-1f, expected.Count).ToArray();
        using var capture = new VideoCapture(clip);
        using var frame = new Mat();
        var step = Math.Max(1, (int)Math.Round(fps / analysisFps));
        for (var i = 0; capture.Read(frame) && !frame.Empty(); i++)
        {
            if (i % step != 0)
            {
                continue;
            }

            var t = i / fps;
            using var decoded = DecodedImage.Borrow(frame);
            IReadOnlyList<Face>? faces = null;
            for (var k = 0; k < expected.Count; k++)
            {
                if (t >= expected[k].Shown.From && t < expected[k].Shown.To)
                {
                    faces ??= engine.Analyze(decoded);
                    best[k] = Math.Max(best[k], Best(faces, expected[k].Enrolled));
                }
            }
        }

        return best;
    }
}
