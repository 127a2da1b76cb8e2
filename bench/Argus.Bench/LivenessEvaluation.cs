using Argus.Application.ServiceGalleries;
using Argus.Vision.Imaging;
using Argus.Vision.Pipeline;
using OpenCvSharp;

namespace Argus.Bench;

/// <summary>Error rates of one liveness check on one kind of presentation (ISO/IEC 30107-3 terms).</summary>
/// <param name="Check">The check measured (passive model, blink, head turn).</param>
/// <param name="Kind"><c>bona_fide</c>, <c>print</c>, <c>screen</c>, <c>replay_burst</c>, ...</param>
/// <param name="Samples">Samples with a detected face (the others cannot be judged and are counted in <paramref name="NoFace"/>).</param>
/// <param name="NoFace">Samples in which no face was found.</param>
/// <param name="JudgedLive">Samples the check called live.</param>
/// <param name="Blinks">Bursts in which a blink was seen.</param>
/// <param name="Turns">Bursts in which a head turn was seen.</param>
public sealed record LivenessRate(string Check, string Kind, int Samples, int NoFace, int JudgedLive, int Blinks, int Turns)
{
    /// <summary>APCER for attacks (share judged live); BPCER for bona fide (share judged attack).</summary>
    public double Rate => Samples == 0 ? double.NaN : BonaFide ? 1 - ((double)JudgedLive / Samples) : (double)JudgedLive / Samples;

    public string Metric => BonaFide ? "BPCER" : "APCER";

    /// <summary>Genuine presentations, the controls made from them included (re-encoded, blurred).</summary>
    private bool BonaFide => Kind.StartsWith("bona_fide", StringComparison.Ordinal);
}

/// <summary>
/// What the passive model's three classes do on one kind of presentation: mean softmax per class, how often each class
/// is the largest, and against the bona fide images the AUC of each candidate p(live): softmax[0] (the package's
/// reading), softmax[1] (the MiniFASNet family's "real") and 1 − softmax[2] (what Argus uses).
/// </summary>
public sealed record LivenessClassRow(
    string Kind, int Samples, double Mean0, double Mean1, double Mean2, int Top0, int Top1, int Top2, double? Auc0, double? Auc1, double? AucNotAttack);

/// <summary>The evaluation's error rates and the passive model's class evidence.</summary>
public sealed record LivenessEvaluationResult(IReadOnlyList<LivenessRate> Rates, IReadOnlyList<LivenessClassRow> Classes);

/// <summary>
/// Liveness against presentation attacks made digitally from faces-dev, since no physical attack set is available:
/// each bona fide wild image is turned into a simulated print (ink range, desaturation, dot gain, paper grain,
/// re-photographed at a slant with JPEG) and a simulated screen replay (backlight gamma, blue cast, moiré, pixel grid,
/// bezel, JPEG). Passive liveness is scored per image. Active liveness is scored per burst: bona fide bursts are
/// 10-frame windows (every 2nd frame, about 0.7 s) of faces-dev's two real videos; attack bursts are each attack image
/// held in front of the camera for 10 frames with hand tremor (random sub-3-pixel shifts, 1° rotations). These are
/// simulations, not physical presentations: the rates bound nothing about real attacks.
/// </summary>
public static class LivenessEvaluation
{
    public static LivenessEvaluationResult Run(FaceEngine engine, string facesDev, IProgress<(int Done, int Total)>? progress = null)
    {
        var classes = new Dictionary<string, List<float[]>>(StringComparer.Ordinal);
        var images = File.ReadLines(Path.Combine(facesDev, "gallery.csv")).Skip(1).Concat(File.ReadLines(Path.Combine(facesDev, "probes.csv")).Skip(1))
            .Select(l => l.TrimEnd('\r').Split(',')).Where(c => c[^1] == "wild").Select(c => c[0]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var counters = new Dictionary<(string Check, string Kind), int[]>();
        void Count(string check, string kind, bool? live, Core.Services.ActiveLivenessResult? active = null)
        {
            if (!counters.TryGetValue((check, kind), out var c))
            {
                counters[(check, kind)] = c = new int[5];
            }

            c[live is null ? 1 : 0]++;
            c[2] += live == true ? 1 : 0;
            c[3] += active?.Blink == true ? 1 : 0;
            c[4] += active?.HeadTurn == true ? 1 : 0;
        }

        var done = 0;
        foreach (var relative in images)
        {
            using var original = Cv2.ImRead(Path.Combine(facesDev, relative), ImreadModes.Color);
            var seed = StableSeed(relative); // string.GetHashCode differs per process: runs must be repeatable
            using var print = Print(original, new Random(seed));
            using var screen = Screen(original, new Random(seed + 1));
            // Controls: the genuine photo re-encoded at the attacks' JPEG quality, and blurred as a print's dot gain
            // blurs; a check that calls these attacks reads image quality, not presentation.
            Cv2.ImEncode(".jpg", original, out var jpegBytes, new ImageEncodingParam(ImwriteFlags.JpegQuality, 60));
            using var jpeg = Cv2.ImDecode(jpegBytes, ImreadModes.Color);
            using var blurred = new Mat();
            Cv2.GaussianBlur(original, blurred, new Size(0, 0), 1.2);
            var heldOut = done % 2 == 1; // the threshold was set on the other half (the even positions)
            foreach (var (kind, mat) in (ReadOnlySpan<(string, Mat)>)[("bona_fide", original), ("print", print), ("screen", screen), ("control_jpeg60", jpeg), ("control_blur", blurred)])
            {
                var live = Passive(engine, mat);
                if (live is { } l && l.Classes.Count == 3)
                {
                    if (!classes.TryGetValue(kind, out var list))
                    {
                        classes[kind] = list = [];
                    }

                    list.Add([.. l.Classes]);
                }

                var judged = live is null ? (bool?)null : live.LiveProbability >= LivenessReport.PassiveThreshold;
                var counted = kind.StartsWith("control", StringComparison.Ordinal) ? "bona_fide_" + kind : kind;
                Count("passive", counted, judged);
                if (heldOut)
                {
                    Count("passive, held-out half", counted, judged);
                }
            }

            foreach (var (kind, mat) in (ReadOnlySpan<(string, Mat)>)[("print_held", print), ("screen_held", screen)])
            {
                var frames = Held(mat, 10, new Random(seed + 2));
                try
                {
                    var (active, combined, result) = Burst(engine, frames);
                    Count("active", kind, active, result);
                    Count("active+passive", kind, combined);
                }
                finally
                {
                    frames.ForEach(f => f.Dispose());
                }
            }

            progress?.Report((++done, images.Length));
        }

        foreach (var video in (string[])["videos/fr_short_hamilton_clip.mp4", "videos/dlib_elon-musk-smoke.gif"])
        {
            using var capture = new VideoCapture(Path.Combine(facesDev, video));
            var window = new List<Mat>();
            for (var index = 0; ; index++)
            {
                var frame = new Mat();
                if (!capture.Read(frame) || frame.Empty())
                {
                    frame.Dispose();
                    break;
                }

                if (index % 2 != 0)
                {
                    frame.Dispose();
                    continue;
                }

                window.Add(frame);
                if (window.Count == 10)
                {
                    var (active, combined, result) = Burst(engine, window);
                    Count("active", "bona_fide", active, result);
                    Count("active+passive", "bona_fide", combined);
                    window.ForEach(f => f.Dispose());
                    window.Clear();
                }
            }

            window.ForEach(f => f.Dispose());
        }

        var bonaFide = classes.GetValueOrDefault("bona_fide") ?? [];
        var classRows = classes.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => new LivenessClassRow(
            c.Key, c.Value.Count, c.Value.Average(p => p[0]), c.Value.Average(p => p[1]), c.Value.Average(p => p[2]),
            c.Value.Count(p => Top(p) == 0), c.Value.Count(p => Top(p) == 1), c.Value.Count(p => Top(p) == 2),
            Auc(bonaFide, c.Value, p => p[0]), Auc(bonaFide, c.Value, p => p[1]), Auc(bonaFide, c.Value, p => 1 - p[2]))).ToArray();
        return new LivenessEvaluationResult([.. counters.OrderBy(k => k.Key.Check, StringComparer.Ordinal).ThenBy(k => k.Key.Kind != "bona_fide").ThenBy(k => k.Key.Kind, StringComparer.Ordinal)
            .Select(k => new LivenessRate(k.Key.Check, k.Key.Kind, k.Value[0], k.Value[1], k.Value[2], k.Value[3], k.Value[4]))], classRows);
    }

    private static int Top(float[] p) => p[0] >= p[1] && p[0] >= p[2] ? 0 : p[1] >= p[2] ? 1 : 2;

    /// <summary>Probability that a bona fide sample scores higher on <paramref name="live"/> than an attack (ties count half); null against itself.</summary>
    private static double? Auc(List<float[]> bonaFide, List<float[]> attacks, Func<float[], float> live)
    {
        if (ReferenceEquals(bonaFide, attacks) || bonaFide.Count == 0 || attacks.Count == 0)
        {
            return null;
        }

        double wins = 0;
        foreach (var b in bonaFide)
        {
            foreach (var a in attacks)
            {
                wins += live(b) > live(a) ? 1 : live(b) == live(a) ? 0.5 : 0;
            }
        }

        return wins / (bonaFide.Count * (double)attacks.Count);
    }

    private static int StableSeed(string text)
    {
        var hash = 2166136261u; // FNV-1a
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash & 0x7FFFFFFF);
    }

    private static Core.Faces.LivenessResult? Passive(FaceEngine engine, Mat bgr)
    {
        using var image = DecodedImage.Borrow(bgr);
        return engine.AnalyzePrimary(image, null, FaceAnalysis.Liveness).Face?.Liveness;
    }

    private static (bool? Active, bool? Combined, Core.Services.ActiveLivenessResult? Result) Burst(FaceEngine engine, List<Mat> frames)
    {
        var decoded = frames.Select(DecodedImage.Borrow).ToArray();
        try
        {
            var probe = Probe.Analyse(engine, decoded);
            if (probe.Liveness.Active is not { } a || a.Frames < Core.Services.ActiveLiveness.MinFrames)
            {
                return (null, null, null);
            }

            return (a.Passed, probe.Liveness.Verdict == "live", a);
        }
        catch (Core.ArgusException)
        {
            return (null, null, null); // no usable face in the burst
        }
        finally
        {
            foreach (var d in decoded)
            {
                d.Dispose();
            }
        }
    }

    /// <summary>A photo printed and photographed: ink range 35-225, 40% desaturated, dot gain blur, paper grain, slanted, JPEG 60.</summary>
    public static Mat Print(Mat src, Random rng)
    {
        using var grey = new Mat();
        Cv2.CvtColor(src, grey, ColorConversionCodes.BGR2GRAY);
        using var grey3 = new Mat();
        Cv2.CvtColor(grey, grey3, ColorConversionCodes.GRAY2BGR);
        using var faded = new Mat();
        Cv2.AddWeighted(src, 0.6, grey3, 0.4, 0, faded);
        faded.ConvertTo(faded, MatType.CV_8UC3, 190.0 / 255.0, 35);
        Cv2.GaussianBlur(faded, faded, new Size(3, 3), 0.8);
        using var grain = new Mat(faded.Size(), MatType.CV_8UC3);
        Cv2.Randn(grain, new Scalar(0, 0, 0), new Scalar(6, 6, 6));
        using var noisy = new Mat();
        Cv2.Add(faded, grain, noisy);
        var slanted = Slant(noisy, rng, new Scalar(90, 100, 110));
        return Jpeg(slanted, 60);
    }

    /// <summary>A photo shown on a phone or monitor and photographed: gamma 0.8, +15 blue, moiré, pixel grid, black bezel, JPEG 70.</summary>
    public static Mat Screen(Mat src, Random rng)
    {
        var screen = src.Clone();
        var period = 3.5 + (rng.NextDouble() * 2);
        var angle = rng.NextDouble() * Math.PI;
        var (fx, fy) = (Math.Cos(angle) / period, Math.Sin(angle) / period);
        var (rows, cols) = (screen.Rows, screen.Cols);
        var pixels = new byte[rows * cols * 3];
        System.Runtime.InteropServices.Marshal.Copy(screen.Data, pixels, 0, pixels.Length);
        for (var y = 0; y < rows; y++)
        {
            for (var x = 0; x < cols; x++)
            {
                var moire = 1 + (0.12 * Math.Sin(2 * Math.PI * ((x * fx) + (y * fy))));
                var grid = (x % 3 == 0 || y % 3 == 0) ? 0.9 : 1.0;
                var at = ((y * cols) + x) * 3;
                for (var c = 0; c < 3; c++)
                {
                    var add = c == 0 ? 15 : c == 2 ? -5 : 0; // BGR: bluer, a little less red
                    pixels[at + c] = (byte)Math.Clamp((255 * Math.Pow(pixels[at + c] / 255.0, 0.8) * moire * grid) + add, 0, 255);
                }
            }
        }

        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, screen.Data, pixels.Length);
        var border = Math.Max(4, screen.Cols / 16);
        using var bezel = new Mat();
        Cv2.CopyMakeBorder(screen, bezel, border, border, border, border, BorderTypes.Constant, new Scalar(10, 10, 10));
        screen.Dispose();
        var slanted = Slant(bezel, rng, new Scalar(60, 70, 80));
        return Jpeg(slanted, 70);
    }

    /// <summary>An attack image held in front of the camera for <paramref name="count"/> frames: sub-3-pixel shifts and 1° turns of the hand.</summary>
    public static List<Mat> Held(Mat attack, int count, Random rng)
    {
        var frames = new List<Mat>(count);
        var centre = new Point2f(attack.Cols / 2f, attack.Rows / 2f);
        for (var i = 0; i < count; i++)
        {
            using var m = Cv2.GetRotationMatrix2D(centre, (rng.NextDouble() * 2) - 1, 1 + ((rng.NextDouble() - 0.5) * 0.02));
            m.Set(0, 2, m.Get<double>(0, 2) + ((rng.NextDouble() * 6) - 3));
            m.Set(1, 2, m.Get<double>(1, 2) + ((rng.NextDouble() * 6) - 3));
            var frame = new Mat();
            Cv2.WarpAffine(attack, frame, m, attack.Size(), InterpolationFlags.Linear, BorderTypes.Replicate);
            frames.Add(frame);
        }

        return frames;
    }

    /// <summary>The sheet or screen photographed at a slant (up to 6% keystone) on a plain background with a 15% margin.</summary>
    private static Mat Slant(Mat src, Random rng, Scalar background)
    {
        var (w, h) = (src.Cols, src.Rows);
        var (mx, my) = ((int)(w * 0.15), (int)(h * 0.15));
        float K() => (float)(rng.NextDouble() * 0.06);
        Point2f[] from = [new(0, 0), new(w, 0), new(w, h), new(0, h)];
        Point2f[] to = [new(mx + (K() * w), my + (K() * h)), new(mx + w - (K() * w), my + (K() * h)), new(mx + w - (K() * w), my + h - (K() * h)), new(mx + (K() * w), my + h - (K() * h))];
        using var transform = Cv2.GetPerspectiveTransform(from, to);
        var result = new Mat();
        Cv2.WarpPerspective(src, result, transform, new Size(w + (2 * mx), h + (2 * my)), InterpolationFlags.Linear, BorderTypes.Constant, background);
        return result;
    }

    private static Mat Jpeg(Mat src, int quality)
    {
        Cv2.ImEncode(".jpg", src, out var bytes, new ImageEncodingParam(ImwriteFlags.JpegQuality, quality));
        src.Dispose();
        return Cv2.ImDecode(bytes, ImreadModes.Color);
    }
}
