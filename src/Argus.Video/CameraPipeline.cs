using System.Diagnostics;
using Argus.Core.Faces;
using Argus.Vision.Imaging;
using Argus.Vision.Pipeline;
using OpenCvSharp;

namespace Argus.Video;

/// <summary>Everything a camera is configured with.</summary>
public sealed record CameraSettings(string Id, string Name, string? Site, CameraSource Source)
{
    /// <summary>Frames per second to analyse; the reader delivers as many as the camera sends and only the latest is used.</summary>
    public double AnalysisFps { get; init; } = 5;

    /// <summary>
    /// How faces are found: by default tiles sized for faces down to 40 px at any resolution
    /// (<see cref="TilingOptions.Default"/>); <see cref="TilingOptions.WholeFrame"/> for the old whole-frame only
    /// detection; <see cref="TilingOptions.ForSmallestFace"/> and <see cref="TilingOptions.Region"/> per camera.
    /// </summary>
    public TilingOptions Tiling { get; init; } = TilingOptions.Default;

    /// <summary>
    /// Which tiles each analysed frame detects: by default only those where something moved and windows around the
    /// faces being tracked, with every tile every 2 s (<see cref="MotionGateOptions"/>); <see cref="MotionGateOptions.Off"/>
    /// detects every tile of every frame.
    /// </summary>
    public MotionGateOptions MotionGate { get; init; } = MotionGateOptions.Default;

    public TrackerOptions Tracker { get; init; } = new();

    public DecisionOptions Decision { get; init; } = new();

    public ReaderOptions Reader { get; init; } = new();

    /// <summary>
    /// A frame older than this (by its frame time) when the analyser takes it is not matched: a stale frame never
    /// raises or updates an alert. Counted in <see cref="CameraHealth.FramesStale"/>.
    /// </summary>
    public TimeSpan MaxFrameAge { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Run the head-pose model on every face for shot quality (about as costly as the embedding); off by default,
    /// when a landmark-based frontalness stands in for it.
    /// </summary>
    public bool EstimatePose { get; init; }
}

/// <summary>One deployment's matcher on a camera: alerts from its matches name <see cref="Deployment"/>.</summary>
public sealed record DeploymentMatcher(string Deployment, IFaceMatcher Matcher);

/// <summary>Counters kept instead of data: how much was seen, nothing about whom.</summary>
public sealed record PipelineCounters(long FacesSeen, long TracksStarted, long TracksEndedWithoutMatch, long AlertsRaised, long AlertsUpdated);

/// <summary>
/// One camera: a reader thread filling a latest-frame slot, and an analysis loop at the configured rate that
/// detects (optionally tiled), tracks, keeps best shots, matches good shots against the deployment's matcher, decides
/// per track and publishes alerts. Without a matcher (no active deployment) frames are read and counted but no face
/// is analysed or compared. Tracks that end without a match leave nothing behind but counters.
/// </summary>
public sealed class CameraPipeline : IAsyncDisposable
{
    private readonly CameraSettings _settings;
    private readonly FaceEngine _engine;
    private readonly IAlertSink _sink;
    private readonly TimeProvider _time;
    private readonly FrameSlot _slot = new();
    private readonly CameraReader _reader;
    private readonly GatedDetector _detector;
    private readonly List<BoundingBox> _followed = [];
    private readonly FaceSightings _sightings = new();
    private readonly FaceTracker _tracker;
    private readonly TrackDecider _decider;
    private readonly CancellationTokenSource _stop = new();
    private readonly RateMeter _analysedRate = new();
    private readonly FaceAnalysis _analysis;
    private IReadOnlyList<DeploymentMatcher> _matchers = [];

    // A looped file is matched against each set of matchers for one full pass: the rest of the pass in which they were
    // installed and the next (installed before any frame: the first pass only). Later passes replay what they saw.
    private bool _matchersChanged;
    private int _lastMatchedPass;
    private int _lastPass = -1;
    private Task? _loop;
    private long _framesAnalysed;
    private long _framesStale;
    private DateTimeOffset? _lastAnalysedAt;
    private double _fpsAnalysed;
    private long _facesSeen;
    private long _tracksStarted;
    private long _tracksUnmatched;
    private long _alertsRaised;
    private long _alertsUpdated;
    private byte[]? _preview;
    private long _previewAt;

    public CameraPipeline(CameraSettings settings, FaceEngine engine, IAlertSink sink, IFaceMatcher? matcher = null, TimeProvider? time = null)
    {
        _settings = settings;
        _engine = engine;
        _sink = sink;
        _matchers = matcher is null ? [] : [new DeploymentMatcher("", matcher)];
        _time = time ?? TimeProvider.System;
        _reader = new CameraReader(settings.Source, _slot, settings.Reader, _time);
        _detector = new GatedDetector(engine, settings.Tiling, settings.MotionGate);
        _tracker = new FaceTracker(settings.Tracker);
        _decider = new TrackDecider(settings.Decision);
        _analysis = FaceAnalysis.Embedding | (settings.EstimatePose ? FaceAnalysis.Pose : FaceAnalysis.None);
    }

    public string CameraId => _settings.Id;

    public CameraHealth Health => _reader.Health(Interlocked.Read(ref _framesAnalysed), Volatile.Read(ref _fpsAnalysed)) with { FramesStale = Interlocked.Read(ref _framesStale) };

    public PipelineCounters Counters => new(
        Interlocked.Read(ref _facesSeen), Interlocked.Read(ref _tracksStarted), Interlocked.Read(ref _tracksUnmatched),
        Interlocked.Read(ref _alertsRaised), Interlocked.Read(ref _alertsUpdated));

    /// <summary>How this camera's frames are detected (from its stored settings).</summary>
    public TilingOptions Tiling => _settings.Tiling;

    /// <summary>
    /// A detection region suggested from where this camera's tracked faces were seen (null until enough were, or when
    /// they were everywhere): shown to the administrator, who may store it; never applied by the pipeline itself.
    /// </summary>
    public DetectionRegion? SuggestedRegion => _sightings.Suggest();

    /// <summary>Frames detected, full passes and detector runs (how much tiling the motion gate and tracking saved).</summary>
    public DetectionCounters Detection => _detector.Counters;

    /// <summary>Completes when a replayed file has been analysed to its end (or the pipeline stops).</summary>
    public Task Completion => _loop ?? Task.CompletedTask;

    /// <summary>Starts or ends matching for one unnamed deployment (tests, <c>argus watch</c>); see <see cref="SetMatchers"/>.</summary>
    public void SetMatcher(IFaceMatcher? matcher) => SetMatchers(matcher is null ? [] : [new DeploymentMatcher("", matcher)]);

    /// <summary>
    /// The deployments this camera matches for, each against its own watchlists (overlapping deployments each get
    /// their alerts); none ends matching and drops every track and vote.
    /// </summary>
    public void SetMatchers(IReadOnlyList<DeploymentMatcher> matchers)
    {
        Volatile.Write(ref _matchers, matchers);
        Volatile.Write(ref _matchersChanged, true);
    }

    public void Start()
    {
        _reader.Start();
        _loop = Task.Factory.StartNew(() => AnalyseLoop(_stop.Token), _stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _reader.Stop();
        if (_loop is not null)
        {
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
            }
        }

        _reader.Dispose();
        _detector.Dispose();
        _slot.Dispose();
        _stop.Dispose();
    }

    private async Task AnalyseLoop(CancellationToken ct)
    {
        var interval = TimeSpan.FromSeconds(1 / Math.Max(0.1, _settings.AnalysisFps));
        var next = Stopwatch.GetTimestamp();
        while (!ct.IsCancellationRequested)
        {
            Frame frame;
            using (var poll = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                poll.CancelAfter(TimeSpan.FromMilliseconds(200));
                try
                {
                    frame = await _slot.TakeAsync(poll.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    if (_reader.State is CameraState.Ended or CameraState.Stopped)
                    {
                        EndTracks(_tracker.Flush());
                        return;
                    }

                    continue;
                }
            }

            using (frame)
            {
                KeepPreview(frame);
                Analyse(frame);
            }

            Interlocked.Increment(ref _framesAnalysed);
            Volatile.Write(ref _fpsAnalysed, _analysedRate.Tick());
            next += (long)(interval.TotalSeconds * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, ct);
            }
            else
            {
                next = Stopwatch.GetTimestamp();
            }
        }
    }

    /// <summary>
    /// The latest analysed frame as a JPEG at most 480 px wide, for the operators' camera grid: refreshed at most once a
    /// second, held in memory only (replaced by the next, gone with the pipeline), never stored or sent anywhere else.
    /// </summary>
    public byte[]? LatestFrameJpeg => Volatile.Read(ref _preview);

    private void KeepPreview(Frame frame)
    {
        var now = Stopwatch.GetTimestamp();
        if (_preview is not null && Stopwatch.GetElapsedTime(_previewAt, now) < TimeSpan.FromSeconds(1))
        {
            return;
        }

        _previewAt = now;
        var image = frame.Image;
        var scale = Math.Min(1.0, 480.0 / Math.Max(1, image.Width));
        using var small = new Mat();
        Cv2.Resize(image, small, new Size(Math.Max(1, (int)(image.Width * scale)), Math.Max(1, (int)(image.Height * scale))), interpolation: InterpolationFlags.Area);
        Volatile.Write(ref _preview, small.ImEncode(".jpg", new ImageEncodingParam(ImwriteFlags.JpegQuality, 70)));
    }

    private void Analyse(Frame frame)
    {
        if (Volatile.Read(ref _matchersChanged))
        {
            Volatile.Write(ref _matchersChanged, false);
            _lastMatchedPass = _lastPass < 0 ? frame.Pass : _lastPass + 1;
        }

        _lastPass = frame.Pass;
        var matchers = Volatile.Read(ref _matchers);
        if (matchers.Count == 0)
        {
            // No deployment: show video, compare nothing. Tracks from an ended deployment are dropped.
            EndTracks(_tracker.Flush());
            _detector.Reset();
            return;
        }

        if (_time.GetUtcNow() - frame.CapturedAt > _settings.MaxFrameAge)
        {
            // A frame from a source that fell behind or stopped (its frame time, not its arrival): never matched, so
            // it can neither raise nor update an alert; tracks age as if the frame had not come.
            Interlocked.Increment(ref _framesStale);
            return;
        }

        if (_lastAnalysedAt is { } last && frame.CapturedAt - last > _settings.MaxFrameAge)
        {
            // An outage (or a stall) between this frame and the last: whoever is in view now is a new track, first
            // seen now, never the continuation of someone seen before the gap. The view may have changed: every tile.
            EndTracks(_tracker.Flush());
            _detector.Reset();
        }

        _lastAnalysedAt = frame.CapturedAt;
        using var image = DecodedImage.Borrow(frame.Image);
        _followed.Clear();
        foreach (var track in _tracker.Active)
        {
            // Faces seen in the last three analysed frames are followed in windows; a track unseen for longer is
            // left to motion and the full passes (the person has most likely left).
            if (track.Missed <= 2)
            {
                _followed.Add(track.Last.Face.Box);
            }
        }

        var detections = _detector.Detect(image, _followed);
        var faces = new List<Face>(detections.Count);
        foreach (var detection in detections)
        {
            faces.Add(_engine.AnalyzeFace(image, detection, _analysis));
        }

        Interlocked.Add(ref _facesSeen, faces.Count);
        var before = _tracker.Active.Count;
        var (newBest, ended) = _tracker.Update(faces, frame.Number, frame.CapturedAt);
        Interlocked.Add(ref _tracksStarted, Math.Max(0, _tracker.Active.Count - before + ended.Count));
        foreach (var track in _tracker.Active)
        {
            // A face followed for three analysed frames (not a one-frame false detection), seen in this one.
            if (track.Hits >= 3 && track.Last.FrameNumber == frame.Number)
            {
                _sightings.Add(track.Last.Face.Box, image.Width, image.Height);
            }
        }

        if (frame.Pass > _lastMatchedPass)
        {
            // A looped file's later passes replay the same footage: matching it again would raise a new alert per pass
            // for anyone whose alert a reviewer had already decided (the demonstration's clip loops every few seconds).
            newBest.Clear();
        }

        foreach (var (track, shot) in newBest)
        {
            if (shot.Quality < _settings.Decision.MinShotQuality || shot.Face.Embedding is not { } embedding)
            {
                continue;
            }

            for (var i = 0; i < matchers.Count; i++)
            {
                if (matchers[i].Matcher.BestMatch(embedding) is not { } match)
                {
                    continue;
                }

                var decision = _decider.Vote(track, shot, match, () => Snapshot(frame.Image, shot.Face.Box), matchers[i].Deployment);
                if (decision is not null)
                {
                    Interlocked.Increment(ref decision.IsImprovement ? ref _alertsUpdated : ref _alertsRaised);
                    _sink.Publish(ToAlert(decision, shot.At));
                }
            }
        }

        EndTracks(ended);
    }

    private AlertEvent ToAlert(TrackDecision d, DateTimeOffset decidingFrameAt) =>
        new("", _settings.Id, _settings.Site, d.Track.Id, d.Match, d.SupportingShots, d.Track.FirstSeenAt, _time.GetUtcNow(), d.Snapshot, d.IsImprovement)
        {
            Deployment = d.Deployment,
            DecidingFrameAt = decidingFrameAt,
        };

    private void EndTracks(List<Track> ended)
    {
        foreach (var track in ended)
        {
            if (!_decider.HasVotes(track))
            {
                Interlocked.Increment(ref _tracksUnmatched);
            }

            _decider.Forget(track);
        }
    }

    /// <summary>
    /// The face with some context (box grown 1.5x), PNG-encoded: the alert's camera snapshot, kept with the alert for
    /// review (lossless, so a reviewer sees what the camera saw; a few hundred pixels square, encoded only when a
    /// track's best matching shot improves).
    /// </summary>
    private static byte[] Snapshot(Mat frame, BoundingBox box)
    {
        var grown = new BoundingBox(box.X - (box.Width / 4), box.Y - (box.Height / 4), box.Width * 1.5f, box.Height * 1.5f);
        var x1 = Math.Clamp((int)MathF.Floor(grown.X), 0, frame.Width - 1);
        var y1 = Math.Clamp((int)MathF.Floor(grown.Y), 0, frame.Height - 1);
        var x2 = Math.Clamp((int)MathF.Ceiling(grown.Right), x1 + 1, frame.Width);
        var y2 = Math.Clamp((int)MathF.Ceiling(grown.Bottom), y1 + 1, frame.Height);
        using var crop = new Mat(frame, new Rect(x1, y1, x2 - x1, y2 - y1));
        return crop.ImEncode(".png");
    }
}
