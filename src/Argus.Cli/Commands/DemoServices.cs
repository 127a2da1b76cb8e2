using System.Globalization;
using System.Security.Cryptography;
using Argus.Application;
using Argus.Application.Accounts;
using Argus.Application.ServiceGalleries;
using Argus.Bench;
using Argus.Core.Access;
using Argus.Core.Services;
using Argus.Storage.Security;
using Argus.Vision.Imaging;
using Microsoft.Extensions.DependencyInjection;

namespace Argus.Cli.Commands;

/// <summary>
/// The service half of the demonstration (<c>argus demo --load</c>): the service key that seals service galleries
/// (taken from <c>ARGUS_SERVICE_KEY</c>, else generated into <c>DATA/secrets/service.key</c>, which
/// <c>./run.sh --demo</c> exports), an enrolment clerk and a service terminal, a bank and a transit gallery with one
/// consenting customer, operating points calibrated on faces-dev, and one 1:1 verification and one face-pay passage
/// made by the terminal, so the service console's galleries, ledger and gate monitor show what really happened.
/// </summary>
internal static class DemoServices
{
    public const string Bank = "demo-bank";
    public const string Metro = "demo-metro";
    public const string Customer = "DEMO-CUST-1";
    public const string KeyFile = "service.key";

    /// <summary>The customer's enrolled photo and the photo the terminal later sees (faces-dev, another photo of her).</summary>
    private const string Enrolled = "faceapi_amy/amy1.png";
    private const string Seen = "faceapi_amy/amy2.png";

    /// <summary>The lines the demonstration prints about its services.</summary>
    public static async Task<IReadOnlyList<string>> LoadAsync(
        CliHost host, OperationContext ops, Principal admin, Principal ada, Dictionary<string, string> passwords, string? facesDevImages, CancellationToken ct)
    {
        var lines = new List<string>();
        var (secret, keyOrigin) = Key(host.Paths.DataDirectory);
        lines.Add($"service key: {keyOrigin}");

        var users = host.Services.GetRequiredService<UserService>();
        var auth = host.Services.GetRequiredService<AuthenticationService>();
        foreach (var (name, display, role) in new[]
        {
            ("clara", "Clara (enrolment clerk, demo)", "enrolment-clerk"),
            ("terry", "Terry (service terminal, demo)", "service-terminal"),
        })
        {
            passwords[name] = PasswordHasher.Generate();
            var created = await users.CreateAsync(admin, name, display, [role], Scope.Everything, () => passwords[name], ct);
            await users.DecideGrantAsync(ada, created.PendingGrant!.Id, approve: true, "demonstration account", ct);
        }

        var clara = await auth.LoginAsync("clara", passwords["clara"], ct);
        var admin2 = new ServiceContext(ops.Store, ops.AuditChain, host.Engine(), ServiceCipher.FromSecret(secret), host.Paths.DataDirectory, ops.Time);
        var galleries = new ServiceGalleryService(admin2);
        await galleries.CreateGalleryAsync(clara, Bank, ServiceKind.Bank, "Demo bank: identity check at the counter", ct);
        await galleries.CreateGalleryAsync(clara, Metro, ServiceKind.Transit, "Demo metro: pay with your face", ct);
        if (facesDevImages is null)
        {
            lines.Add($"galleries:   {Bank} (bank), {Metro} (transit), empty: a customer needs two photos of one person (set ARGUS_FACES_DEV)");
            return lines;
        }

        var enrolled = await File.ReadAllBytesAsync(Path.Combine(facesDevImages, Enrolled), ct);
        foreach (var (gallery, purpose) in new[] { (Bank, "identity check at the counter"), (Metro, "pay metro fares with her face") })
        {
            await galleries.EnrolAsync(clara, new ServiceEnrolment(
                gallery, Customer, "Amy (demo customer)", "the customer in person (demo)", ops.Now, purpose, "in branch, signed form (demo)", ops.Now.AddDays(365), [enrolled]), ct);
        }

        lines.Add($"galleries:   {Bank} (bank) and {Metro} (transit): customer {Customer} enrolled by clara with her consent (faces-dev {Enrolled})");

        // Verification and gates decide at a calibrated operating point: calibrated here on faces-dev's labelled images.
        var calibration = OperatingPointTable.PathIn(host.Paths.DataDirectory);
        if (!File.Exists(calibration))
        {
            var csv = Path.Combine(host.Paths.DataDirectory, "demo", "calibration-images.csv");
            var root = Path.GetDirectoryName(facesDevImages)!;
            var rows = File.ReadLines(Path.Combine(root, "gallery.csv")).Skip(1).Concat(File.ReadLines(Path.Combine(root, "probes.csv")).Skip(1))
                .Select(l => string.Join(',', l.Split(',').Take(2)));
            await File.WriteAllLinesAsync(csv, rows.Prepend("path,identity"), ct);
            var engine = host.Engine();
            var (report, images, identities, failed) = CalibrationRun.Run(engine, csv, root, Environment.ProcessorCount);
            var json = OperatingPointTable.ToJson(report, engine.Contract, ops.Now, images, identities, failed);
            await File.WriteAllTextAsync(calibration, json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }), ct);
            lines.Add($"calibration: {calibration} from {images} faces-dev images of {identities} people (argus calibrate --save does the same)");
        }

        // The terminal's day: one counter verification, one metro passage (a charge in the ledger).
        var terry = await auth.LoginAsync("terry", passwords["terry"], ct);
        var faces = new ServiceContext(ops.Store, ops.AuditChain, host.Engine(liveness: true, pose: true), ServiceCipher.FromSecret(secret), host.Paths.DataDirectory, ops.Time);
        var seen = await File.ReadAllBytesAsync(Path.Combine(facesDevImages, Seen), ct);
        var verified = await new VerificationService(faces).VerifyAsync(terry, new VerificationRequest(Bank, Customer, [seen]), ct);
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"verified:    terry checked {Customer} at the {Bank} counter with another photo: {verified.Decision.ToString().ToLowerInvariant()}, score {verified.Score:0.000} (threshold {verified.OperatingPoint.Threshold:0.000} at FMR {verified.OperatingPoint.TargetFmr:0e0})"));
        using (var gate = new FacePayGate(faces, Metro))
        using (var frame = ImageDecoder.Decode(seen))
        {
            var passage = await gate.PassAsync(terry, new GatePassage("demo-metro-gate-1", "demo-passage-1"), [frame], ct);
            lines.Add($"face-pay:    terry's gate demo-metro-gate-1: {passage.Outcome.ToString().ToLowerInvariant()} ({passage.Reason}){(passage.Ledger is { } l ? $", ledger #{l.Id}" : "")}");
        }

        return lines;
    }

    /// <summary>
    /// The service key: <c>ARGUS_SERVICE_KEY</c> when set, else the one in <c>DATA/secrets/service.key</c> (mode 600),
    /// created now; the server reads it from <c>ARGUS_SERVICE_KEY</c>, which <c>./run.sh --demo</c> sets from that file.
    /// </summary>
    private static (string Secret, string Origin) Key(string dataDirectory)
    {
        if (CliEnvironment.Get(ServiceCipher.KeyVariable) is { Length: > 0 } set)
        {
            ServiceCipher.FromSecret(set);
            return (set, $"from {ServiceCipher.KeyVariable}");
        }

        var path = Path.Combine(dataDirectory, "secrets", KeyFile);
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using var writer = new StreamWriter(path, options);
            writer.Write(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        }

        return (File.ReadAllText(path).Trim(), $"generated into {path} (./run.sh --demo exports it as {ServiceCipher.KeyVariable}; in production keep it in a secrets store)");
    }
}
