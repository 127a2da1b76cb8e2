using System.Diagnostics;
using System.Numerics.Tensors;
using Argus.Core;
using Argus.Core.Faces;
using Argus.Video;
using Argus.Vision.Imaging;
using Argus.Vision.Pipeline;

namespace Argus.Bench;

public sealed record CameraBenchmarkOptions(int Cameras, int Width, int Height, string FacesDev)
{
    public double Fps { get; init; } = 25;

    public double AnalysisFps { get; init; } = 5;

    public double Seconds { get; init; } = 30;

    public int WatchlistSize { get; init; } = 10_000;

    public bool Tiling { get; init; } = true;

    /// <summary>Detect tiles only where something moved and around tracked faces (as cameras do); false: every tile of every frame.</summary>
    public bool MotionGate { get; init; } = true;

    /// <summary>
    /// Station-camera scenes instead of close-ups: faces of 40-120 px (detector box) moving over a real street photo,
    /// three enrolled people (48, 96 and 64 px) and three strangers (40, 120 and 56 px), up to four in view at once.
    /// </summary>
    public bool SmallFaces { get; init; }
}

public sealed record CameraBenchmarkResult(
    int Cameras,
    string Resolution,
    double Seconds,
    double MeanFpsIn,
    double MeanFpsAnalysed,
    double MinFpsAnalysed,
    long FramesDropped,
    double CpuCores,
    int ExpectedAlerts,
    int TrueAlerts,
    int FalseAlerts,
    double Recall,
    double FalseAlertsPerHour,
    double LatencyP50Seconds,
    double LatencyP99Seconds,
    int WatchlistSize)
{
    /// <summary>Detector runs per analysed frame, averaged over the cameras (13 at 1080p with every tile).</summary>
    public double DetectorRunsPerFrame { get; init; }
}

/// <summary>
/// Cameras per machine: N cameras replay 20-second clips (two enrolled people and one stranger, entering and leaving at
/// known times) in real time at the clip's frame rate, each analysed at the configured rate and matched against a
/// watchlist of <see cref="CameraBenchmarkOptions.WatchlistSize"/> templates (the enrolled people plus random unit
/// vectors). Reports delivered and analysed frame rates, CPU, alert recall, false alerts per hour of video and alert
/// latency from the first frame a face is visible in.
/// </summary>
public static class CameraBenchmark
{
    private const double ClipSeconds = 20;

    // Shown photos are face crops, so the face fills about a fifth of the frame height as intended (a whole portrait
    // photo scaled to that size leaves a face too small for whole-frame detection: that is what tiling is for).
    private static readonly (string Enrol, string Show)[][] Variants =
    [
        [("images/faceapi_sheldon/sheldon1.png", "images/faceapi_sheldon/sheldon3.png"), ("images/dlib_John_Savage/000264_01099001.jpg", "images/dlib_John_Savage/000290_01099067.jpg")],
        [("images/faceapi_leonard/leonard1.png", "images/faceapi_leonard/leonard4.png"), ("images/faceapi_howard/howard1.png", "images/faceapi_howard/howard3.png")],
    ];

    private static readonly string[] Strangers = ["images/faceapi_penny/penny2.png", "images/fr_kit_harington/john1.jpeg"];

    public static async Task<CameraBenchmarkResult> RunAsync(FaceEngine engine, CameraBenchmarkOptions o, string workDirectory, Action<string>? log = null)
    {
        log ??= _ => { };
        Directory.CreateDirectory(workDirectory);
        var size = (int)(o.Height * 0.19); // a face about a fifth of the frame height: 205 px at 1080p, 137 px at 720p
        var clips = new List<(string Path, (long Subject, string Label, double From, double To)[] Expected)>();
        var matcher = new MatrixMatcher(engine.Contract.Dimension, o.WatchlistSize);
        if (o.SmallFaces)
        {
            BuildSmallFaceClips(engine, o, workDirectory, matcher, clips, log);
        }

        for (var v = 0; v < (o.SmallFaces ? 0 : Variants.Length); v++)
        {
            var (a, b) = (Variants[v][0], Variants[v][1]);
            var subjectA = (v * 2) + 1;
            var subjectB = (v * 2) + 2;
            matcher.Enrol(subjectA, $"A{v}", Embed(engine, Path.Combine(o.FacesDev, a.Enrol)));
            matcher.Enrol(subjectB, $"B{v}", Embed(engine, Path.Combine(o.FacesDev, b.Enrol)));
            var path = Path.Combine(workDirectory, $"scene{v}-{o.Width}x{o.Height}.mp4");
            if (!File.Exists(path))
            {
                log($"encoding {Path.GetFileName(path)}…");
                ClipBuilder.Build(path, o.Width, o.Height, o.Fps, ClipSeconds,
                    new Appearance(Path.Combine(o.FacesDev, a.Show), 1, 7, o.Width / 6, o.Height / 4, size),
                    new Appearance(Path.Combine(o.FacesDev, Strangers[v]), 5, 13, o.Width / 2, o.Height / 5, size),
                    new Appearance(Path.Combine(o.FacesDev, b.Show), 11, 18, o.Width / 3, o.Height / 2, size));
            }

            clips.Add((path, [(subjectA, $"A{v}", 1, 7), (subjectB, $"B{v}", 11, 18)]));
        }

        matcher.FillRandom(o.WatchlistSize);
        var sinks = new List<(AlertCollector Sink, int Clip, DateTimeOffset Start, CameraPipeline Pipeline)>();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        for (var c = 0; c < o.Cameras; c++)
        {
            var clip = c % clips.Count;
            var sink = new AlertCollector();
            var settings = new CameraSettings($"cam{c}", $"camera {c}", "bench", CameraSource.Parse(clips[clip].Path, loop: true))
            {
                AnalysisFps = o.AnalysisFps,
                Tiling = o.Tiling ? TilingOptions.Default : TilingOptions.WholeFrame,
                MotionGate = o.MotionGate ? MotionGateOptions.Default : MotionGateOptions.Off,
            };
            var pipeline = new CameraPipeline(settings, engine, sink, matcher);
            sinks.Add((sink, clip, DateTimeOffset.UtcNow, pipeline));
            pipeline.Start();
        }

        await Task.Delay(TimeSpan.FromSeconds(o.Seconds));
        var healths = sinks.Select(s => s.Pipeline.Health).ToArray();
        var detection = sinks.Select(s => s.Pipeline.Detection).ToArray();
        var elapsed = wall.Elapsed.TotalSeconds;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds / elapsed;
        foreach (var s in sinks)
        {
            await s.Pipeline.DisposeAsync();
        }

        // Score alerts: an expected person counts once per camera (the cool-down outlasts the run); anything else is false.
        int expected = 0, truePositives = 0, falseAlerts = 0;
        var latencies = new List<double>();
        foreach (var (sink, clip, start, _) in sinks)
        {
            foreach (var (subject, label, from, _) in clips[clip].Expected)
            {
                if (from + 2 > o.Seconds)
                {
                    continue; // the run ended before this person could be confirmed
                }

                expected++;
                var alert = sink.Alerts.FirstOrDefault(a => !a.IsUpdate && a.Match.SubjectId == subject);
                if (alert is not null)
                {
                    truePositives++;
                    var visibleAt = start.AddSeconds(from + (Math.Floor(((alert.RaisedAt - start).TotalSeconds - from) / ClipSeconds) * ClipSeconds));
                    latencies.Add((alert.RaisedAt - visibleAt).TotalSeconds);
                }
            }

            falseAlerts += sink.Alerts.Count(a => !a.IsUpdate && clips[clip].Expected.All(e => e.Subject != a.Match.SubjectId));
        }

        latencies.Sort();
        return new CameraBenchmarkResult(
            o.Cameras, $"{o.Width}x{o.Height}", elapsed,
            healths.Average(h => h.FpsIn), healths.Average(h => h.FpsAnalysed), healths.Min(h => h.FpsAnalysed), healths.Sum(h => h.FramesDropped),
            cpu, expected, truePositives, falseAlerts, expected == 0 ? double.NaN : (double)truePositives / expected,
            falseAlerts / (o.Cameras * elapsed / 3600), Percentile(latencies, 0.5), Percentile(latencies, 0.99), matcher.Count)
        {
            DetectorRunsPerFrame = detection.Sum(d => d.DetectorRuns) / (double)Math.Max(1, detection.Sum(d => d.Frames)),
        };
    }

    /// <summary>
    /// CPU cost of one camera, measured single-threaded on the benchmark's first clip rather than in real time, so that
    /// other jobs on the machine slow it down but do not change it much (CPU time, not wall time): every frame of the
    /// clip decoded (as the reader does at the camera's rate), and at the analysis rate the pipeline's work on it,
    /// detection as the camera runs it (tiles, motion gate, windows around tracks), landmarks, alignment and embedding
    /// of every face, tracking, and a watchlist search for every new best shot. The first pass decodes only; the second
    /// decodes and analyses; the difference is the analysis. Cameras per box = cores / (fps x decode + analysis fps x
    /// analysis).
    /// </summary>
    public static CameraCost MeasureCost(FaceEngine engine, CameraBenchmarkOptions o, string workDirectory, bool motionGate, Action<string>? log = null)
    {
        log ??= _ => { };
        Directory.CreateDirectory(workDirectory);
        var matcher = new MatrixMatcher(engine.Contract.Dimension, o.WatchlistSize);
        var clips = new List<(string Path, (long Subject, string Label, double From, double To)[] Expected)>();
        var shown = new List<MovingFace[]>();
        BuildSmallFaceClips(engine, o, workDirectory, matcher, clips, log, shown);
        matcher.FillRandom(o.WatchlistSize);
        var path = clips[0].Path;
        var found = new Dictionary<int, (int Found, int Shown)>();
        var every = Math.Max(1, (int)Math.Round(o.Fps / o.AnalysisFps));

        static TimeSpan Cpu() => Process.GetCurrentProcess().TotalProcessorTime;

        // Pass 1: decode only.
        var decoded = 0;
        var start = Cpu();
        using (var capture = new OpenCvSharp.VideoCapture(path, OpenCvSharp.VideoCaptureAPIs.FFMPEG))
        using (var frame = new OpenCvSharp.Mat())
        {
            while (capture.Read(frame) && !frame.Empty())
            {
                decoded++;
            }
        }

        var decodeCpu = Cpu() - start;

        // Pass 2: decode, and analyse every n-th frame as the pipeline would.
        var tiling = o.Tiling ? TilingOptions.Default : TilingOptions.WholeFrame;
        using var detector = new GatedDetector(engine, tiling, motionGate ? MotionGateOptions.Default : MotionGateOptions.Off);
        var tracker = new FaceTracker(new TrackerOptions());
        var followed = new List<BoundingBox>();
        var analysed = 0;
        var faces = 0L;
        start = Cpu();
        using (var capture = new OpenCvSharp.VideoCapture(path, OpenCvSharp.VideoCaptureAPIs.FFMPEG))
        using (var frame = new OpenCvSharp.Mat())
        {
            for (var n = 0L; capture.Read(frame) && !frame.Empty(); n++)
            {
                if (n % every != 0)
                {
                    continue;
                }

                analysed++;
                followed.Clear();
                foreach (var track in tracker.Active)
                {
                    if (track.Missed <= 2)
                    {
                        followed.Add(track.Last.Face.Box);
                    }
                }

                using var image = DecodedImage.Borrow(frame);
                var detections = detector.Detect(image, followed);
                var analysedFaces = new List<Face>(detections.Count);
                foreach (var d in detections)
                {
                    analysedFaces.Add(engine.AnalyzeFace(image, d, FaceAnalysis.Embedding));
                }

                faces += analysedFaces.Count;
                CountFound(shown[0], n / o.Fps, detections, found);
                var (newBest, _) = tracker.Update(analysedFaces, n, DateTimeOffset.UnixEpoch.AddSeconds(n / o.Fps));
                foreach (var (_, shot) in newBest)
                {
                    if (shot.Face.Embedding is { } e)
                    {
                        matcher.BestMatch(e);
                    }
                }
            }
        }

        var bothCpu = Cpu() - start;
        var decodeMs = decodeCpu.TotalMilliseconds / Math.Max(1, decoded);
        var analyseMs = Math.Max(0, (bothCpu - decodeCpu).TotalMilliseconds) / Math.Max(1, analysed);
        var coresPerCamera = ((o.Fps * decodeMs) + (o.AnalysisFps * analyseMs)) / 1000;
        var counters = detector.Counters;
        return new CameraCost(
            motionGate, decoded, analysed, decodeMs, analyseMs, counters.DetectorRuns / (double)Math.Max(1, counters.Frames), faces / (double)Math.Max(1, analysed),
            coresPerCamera, Environment.ProcessorCount / coresPerCamera)
        {
            RecallBySize = found.ToDictionary(p => p.Key, p => p.Value.Found / (double)Math.Max(1, p.Value.Shown)),
        };
    }

    /// <summary>
    /// Which shown faces a frame's detections found (IoU 0.3 with the face box, centred where the clip put it), by face
    /// size; faces entering or leaving across the frame's edge are not counted.
    /// </summary>
    private static void CountFound(MovingFace[] faces, double t, IReadOnlyList<FaceDetection> detections, Dictionary<int, (int Found, int Shown)> found)
    {
        foreach (var face in faces)
        {
            // Skip the first and last frame of an appearance: the analysed frame may fall either side of its edge.
            if (t < face.From + 0.1 || t >= face.To - 0.1)
            {
                continue;
            }

            var p = (t - face.From) / Math.Max(1e-9, face.To - face.From);
            var cx = face.X0 + ((face.X1 - face.X0) * p);
            var cy = face.Y0 + ((face.Y1 - face.Y0) * p);
            var truth = new BoundingBox((float)cx - (face.FaceSize / 2f), (float)cy - (face.FaceSize / 2f), face.FaceSize, face.FaceSize);
            var hit = false;
            foreach (var d in detections)
            {
                hit |= d.Box.IntersectionOverUnion(truth) >= 0.3f;
            }

            var (f, n) = found.GetValueOrDefault(face.FaceSize);
            found[face.FaceSize] = (f + (hit ? 1 : 0), n + 1);
        }
    }

    // Enrolled (enrolment photo, shown photo) and strangers per small-face clip; sizes and times in BuildSmallFaceClips.
    private static readonly (string Enrol, string Show)[][] SmallVariants =
    [
        [("images/faceapi_sheldon/sheldon1.png", "images/faceapi_sheldon/sheldon3.png"), ("images/faceapi_bernadette/bernadette1.png", "images/faceapi_bernadette/bernadette2.png"), ("images/dlib_John_Savage/000264_01099001.jpg", "images/dlib_John_Savage/000290_01099067.jpg")],
        [("images/faceapi_leonard/leonard1.png", "images/faceapi_leonard/leonard4.png"), ("images/faceapi_raj/raj1.png", "images/faceapi_raj/raj3.png"), ("images/faceapi_howard/howard1.png", "images/faceapi_howard/howard3.png")],
    ];

    private static readonly string[][] SmallStrangers =
    [
        ["images/faceapi_penny/penny2.png", "images/fr_kit_harington/john1.jpeg", "images/deepface_c10/img26.jpg"],
        ["images/faceapi_stuart/stuart2.png", "images/deepface_c07/img20.jpg", "images/fnp_kate_siegel/1.jpg"],
    ];

    private static void BuildSmallFaceClips(
        FaceEngine engine, CameraBenchmarkOptions o, string workDirectory, MatrixMatcher matcher,
        List<(string Path, (long Subject, string Label, double From, double To)[] Expected)> clips, Action<string> log, List<MovingFace[]>? shown = null)
    {
        var (w, h) = (o.Width, o.Height);
        for (var v = 0; v < SmallVariants.Length; v++)
        {
            var people = SmallVariants[v];
            var expected = new (long Subject, string Label, double From, double To)[3];
            (double From, double To, int Size)[] enrolledTimes = [(1, 8, 48), (4, 12, 96), (11, 18, 64)];
            (double From, double To, int Size)[] strangerTimes = [(2, 12, 40), (6, 16, 120), (12, 19, 56)];
            var faces = new List<MovingFace>();
            for (var i = 0; i < 3; i++)
            {
                var subject = (v * 3) + i + 1;
                matcher.Enrol(subject, $"S{subject}", Embed(engine, Path.Combine(o.FacesDev, people[i].Enrol)));
                expected[i] = (subject, $"S{subject}", enrolledTimes[i].From, enrolledTimes[i].To);
                var y = h * (0.25 + (0.25 * i));
                faces.Add(new MovingFace(Path.Combine(o.FacesDev, people[i].Show), enrolledTimes[i].From, enrolledTimes[i].To, (int)(w * 0.1), (int)y, (int)(w * 0.4), (int)y, enrolledTimes[i].Size));
                faces.Add(new MovingFace(Path.Combine(o.FacesDev, SmallStrangers[v][i]), strangerTimes[i].From, strangerTimes[i].To, (int)(w * 0.9), (int)y + (h / 10), (int)(w * 0.6), (int)y + (h / 10), strangerTimes[i].Size));
            }

            var path = Path.Combine(workDirectory, $"small{v}-{o.Width}x{o.Height}.mp4");
            if (!File.Exists(path))
            {
                log($"encoding {Path.GetFileName(path)}…");
                MovingFaceClips.Build(engine, path, w, h, o.Fps, ClipSeconds, Path.Combine(o.FacesDev, FaceSprites.Background), [.. faces]);
            }

            clips.Add((path, expected));
            shown?.Add([.. faces]);
        }
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static Embedding Embed(FaceEngine engine, string path)
    {
        using var image = ImageDecoder.DecodeFile(path);
        return engine.AnalyzePrimary(image).Face?.Embedding ?? throw new ArgusException("bench.no_face", $"No face in {path}.");
    }

    /// <summary>An exhaustive fp32 watchlist over a contiguous matrix (what a 10,000-entry watchlist costs per face).</summary>
    private sealed class MatrixMatcher(int dimension, int capacity) : IFaceMatcher
    {
        private readonly float[] _matrix = new float[dimension * capacity];
        private readonly List<(long Subject, string Label)> _rows = [];

        public int Count => _rows.Count;

        public float Threshold { get; init; } = MatchThresholds.Identification;

        public void Enrol(long subject, string label, Embedding e)
        {
            e.Values.CopyTo(_matrix.AsSpan(_rows.Count * dimension, dimension));
            _rows.Add((subject, label));
        }

        public void FillRandom(int total)
        {
            var random = new Random(42);
            var row = new float[dimension];
            while (_rows.Count < total)
            {
                for (var i = 0; i < dimension; i++)
                {
                    row[i] = (float)((random.NextDouble() * 2) - 1);
                }

                TensorPrimitives.Divide(row, TensorPrimitives.Norm(row), row);
                row.CopyTo(_matrix.AsSpan(_rows.Count * dimension, dimension));
                _rows.Add((-_rows.Count, "synthetic"));
            }
        }

        public FaceMatch? BestMatch(Embedding probe)
        {
            var best = -1;
            var bestScore = float.NegativeInfinity;
            var matrix = _matrix.AsSpan();
            for (var r = 0; r < _rows.Count; r++)
            {
                var score = TensorPrimitives.Dot(matrix.Slice(r * dimension, dimension), probe.Values);
                if (score > bestScore)
                {
                    bestScore = score;
                    best = r;
                }
            }

            return best >= 0 && bestScore >= Threshold ? new FaceMatch(_rows[best].Subject, best, _rows[best].Label, bestScore) : null;
        }
    }
}

/// <summary>
/// One camera's CPU cost (<see cref="CameraBenchmark.MeasureCost"/>): CPU milliseconds per decoded frame and per
/// analysed frame, detector runs and faces per analysed frame, cores per camera at the clip's and the analysis rate, and
/// the cameras that many cores carry.
/// </summary>
public sealed record CameraCost(
    bool MotionGate, int FramesDecoded, int FramesAnalysed, double DecodeMsPerFrame, double AnalyseMsPerFrame, double DetectorRunsPerFrame,
    double FacesPerFrame, double CoresPerCamera, double CamerasPerMachine)
{
    /// <summary>Shown faces found per analysed frame, by face size (detector box side, px).</summary>
    public IReadOnlyDictionary<int, double> RecallBySize { get; init; } = new Dictionary<int, double>();
}

/// <summary>Keeps every published alert in memory (benchmarks and tests).</summary>
public sealed class AlertCollector : IAlertSink
{
    private readonly List<AlertEvent> _alerts = [];

    public IReadOnlyList<AlertEvent> Alerts
    {
        get
        {
            lock (_alerts)
            {
                return [.. _alerts];
            }
        }
    }

    public void Publish(AlertEvent alert)
    {
        lock (_alerts)
        {
            _alerts.Add(alert);
        }
    }
}
