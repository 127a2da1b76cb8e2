using System.Diagnostics;
using System.Security.Cryptography;
using Argus.Application.ServiceGalleries;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Core.Services;
using Argus.Storage;
using Argus.Vision.Imaging;
using Argus.Vision.Pipeline;
using OpenCvSharp;

namespace Argus.Bench;

/// <summary>Latency percentiles in milliseconds.</summary>
public sealed record LatencyReport(string What, int Iterations, double P50, double P95, double P99, double Max, string Notes);

/// <summary>
/// End-to-end latency of the service operations as an integration calls them: a 640x480 JPEG probe decoded, the face
/// found and analysed (passive liveness on), the templates opened (AES-GCM), the decision, and the audit record (and
/// for a gate, the ledger line) committed to SQLite with a full fsync. Runs in a temporary data directory.
/// </summary>
public static class ServiceBenchmark
{
    private static readonly Principal Clerk = new("bench-clerk", "bench-clerk", new HashSet<Role> { Role.EnrolmentClerk }, Scope.Everything);
    private static readonly Principal Terminal = new("bench-gate", "bench-gate", new HashSet<Role> { Role.ServiceTerminal }, Scope.Everything);

    /// <summary>A faces-dev image letterboxed to 640x480 and JPEG-encoded (quality 90), as a camera would send it.</summary>
    public static byte[] Probe640(string path)
    {
        using var src = Cv2.ImRead(path, ImreadModes.Color);
        var scale = Math.Min(640.0 / src.Cols, 480.0 / src.Rows);
        using var resized = new Mat();
        Cv2.Resize(src, resized, new Size((int)(src.Cols * scale), (int)(src.Rows * scale)), 0, 0, InterpolationFlags.Area);
        using var canvas = new Mat(new Size(640, 480), MatType.CV_8UC3, new Scalar(127, 127, 127));
        using (var roi = new Mat(canvas, new Rect((640 - resized.Cols) / 2, (480 - resized.Rows) / 2, resized.Cols, resized.Rows)))
        {
            resized.CopyTo(roi);
        }

        Cv2.ImEncode(".jpg", canvas, out var bytes, new ImageEncodingParam(ImwriteFlags.JpegQuality, 90));
        return bytes;
    }

    private static async Task<(ArgusStore Store, ServiceContext Context)> OpenAsync(FaceEngine engine, string directory, string calibration, TimeProvider time)
    {
        Directory.CreateDirectory(directory);
        File.Copy(calibration, OperatingPointTable.PathIn(directory), overwrite: true);
        var store = await ArgusStore.OpenAsync(StorageOptions.Sqlite(Path.Combine(directory, "argus.db")) with { TimeProvider = time });
        return (store, ServiceContext.Create(store, new AuditChain(RandomNumberGenerator.GetBytes(32)), engine, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), directory, time));
    }

    private static ServiceEnrolment Enrolment(string gallery, string reference, byte[] image, DateTimeOffset now) =>
        new(gallery, reference, null, "bench", now, "benchmark", "bench", now.AddDays(30), [image]);

    public static async Task<LatencyReport> VerifyAsync(FaceEngine engine, string facesDev, string calibration, string directory, int iterations)
    {
        var time = TimeProvider.System;
        var (store, context) = await OpenAsync(engine, directory, calibration, time);
        await using var _ = store;
        await new ServiceGalleryService(context).CreateGalleryAsync(Clerk, "bank", ServiceKind.Bank);
        await new ServiceGalleryService(context).EnrolAsync(Clerk, Enrolment("bank", "acct-1", File.ReadAllBytes(Path.Combine(facesDev, "images/deepface_c05/img16.jpg")), time.GetUtcNow()));
        var probe = Probe640(Path.Combine(facesDev, "images/deepface_c05/img17.jpg"));
        var service = new VerificationService(context);
        var request = new VerificationRequest("bank", "acct-1", [probe]);
        for (var i = 0; i < 10; i++)
        {
            await service.VerifyAsync(Terminal, request);
        }

        var samples = new double[iterations];
        bool match = true;
        for (var i = 0; i < iterations; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var r = await service.VerifyAsync(Terminal, request);
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            match &= r.IsMatch;
        }

        return Report("verify 640x480 JPEG (1:1, passive liveness, audit fsync)", samples, match ? "every verification matched" : "SOME VERIFICATIONS DID NOT MATCH");
    }

    public static async Task<(LatencyReport Decision, double EnrolSeconds, double IndexSeconds, long IndexBytes)> GateAsync(
        FaceEngine engine, string facesDev, string calibration, string directory, int riders, int iterations)
    {
        var time = new StepTime(DateTimeOffset.UtcNow);
        var (store, context) = await OpenAsync(engine, directory, calibration, time);
        await using var _ = store;
        await new ServiceGalleryService(context).CreateGalleryAsync(Clerk, "metro", ServiceKind.Transit);
        var gallery = await store.GetServiceGalleryAsync(Clerk, "metro");

        // One real rider (faces-dev), the rest synthetic face-like templates sealed as the service would seal them.
        var enrolStart = Stopwatch.GetTimestamp();
        await new ServiceGalleryService(context).EnrolAsync(Clerk, Enrolment("metro", "rider-real", File.ReadAllBytes(Path.Combine(facesDev, "images/deepface_c05/img16.jpg")), time.GetUtcNow()));
        var synthetic = new SyntheticFaces(engine.Contract.Dimension, 7);
        var vector = new float[engine.Contract.Dimension];
        const int batch = 10_000;
        for (var first = 0; first < riders - 1; first += batch)
        {
            var people = new List<NewServicePerson>(batch);
            for (var i = first; i < Math.Min(first + batch, riders - 1); i++)
            {
                synthetic.Sample(i, 0, vector);
                var reference = $"rider-{i}";
                var sealedVector = context.Cipher.SealVector(vector, ServiceCipher.Context("metro", reference));
                people.Add(new NewServicePerson(reference, null, new ConsentRecord("bench", time.GetUtcNow(), "benchmark", "bench", "bench-clerk"), time.GetUtcNow().AddDays(30),
                    [new SealedTemplateInput(sealedVector, Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(i))))]));
            }

            await store.EnrolServicePeopleAsync(Clerk, gallery.Id, people);
        }

        var enrolSeconds = Stopwatch.GetElapsedTime(enrolStart).TotalSeconds;
        using var gate = new FacePayGate(context, "metro", new GateOptions());
        var before = GC.GetTotalMemory(true);
        var indexStart = Stopwatch.GetTimestamp();
        await gate.RefreshAsync(Terminal);
        var indexSeconds = Stopwatch.GetElapsedTime(indexStart).TotalSeconds;
        var indexBytes = GC.GetTotalMemory(true) - before;

        using var src = Cv2.ImDecode(Probe640(Path.Combine(facesDev, "images/deepface_c05/img17.jpg")), ImreadModes.Color);
        var charged = 0;
        var samples = new double[iterations];
        for (var i = -10; i < iterations; i++)
        {
            time.Advance(TimeSpan.FromMinutes(5)); // past the repeat window: every passage is a new charge (capped amounts still write a line)
            var start = Stopwatch.GetTimestamp();
            using var frame = DecodedImage.Borrow(src);
            var d = await gate.PassAsync(Terminal, new GatePassage("g-1", $"p{i}"), [frame]);
            if (i >= 0)
            {
                samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                charged += d.Reason == "charged" ? 1 : 0;
            }
        }

        return (Report($"metro gate decision, {gate.Riders:N0} riders (1:N exact, ledger + audit fsync)", samples, $"{charged}/{iterations} charged"), enrolSeconds, indexSeconds, indexBytes);
    }

    private static LatencyReport Report(string what, double[] samples, string notes)
    {
        Array.Sort(samples);
        double P(double q) => samples[Math.Min(samples.Length - 1, (int)Math.Ceiling(q * samples.Length) - 1)];
        return new LatencyReport(what, samples.Length, P(0.5), P(0.95), P(0.99), samples[^1], notes);
    }

    /// <summary>A clock the benchmark moves forward, so that each passage falls outside the previous one's repeat window.</summary>
    private sealed class StepTime(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public void Advance(TimeSpan by) => _now += by;

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
