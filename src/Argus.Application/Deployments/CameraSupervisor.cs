using Argus.Application.Alerts;
using Argus.Application.Auditing;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Storage;
using Argus.Video;
using Argus.Vision.Pipeline;

namespace Argus.Application.Deployments;

public sealed record CameraSupervisorOptions
{
    /// <summary>Where gallery index snapshots are kept (the data directory).</summary>
    public required string DataDirectory { get; init; }

    /// <summary>How often deployments and watchlists are re-read; a deployment's start or end is acted on at that instant regardless.</summary>
    public TimeSpan ReconcileInterval { get; init; } = TimeSpan.FromSeconds(30);

    public ReaderOptions Reader { get; init; } = new();

    /// <summary>Replay file sources in a loop (demonstrations); a live camera never ends.</summary>
    public bool LoopFiles { get; init; }

    public DecisionOptions Decision { get; init; } = new();

    /// <summary>Only these cameras (null: every registered camera).</summary>
    public IReadOnlySet<string>? Cameras { get; init; }
}

/// <summary>What the supervisor tells a camera: match for this deployment against this working copy, or (null) compare nothing.</summary>
public sealed record CameraAssignment(string DeploymentId, IReadOnlyList<string> Watchlists, WatchlistMatcher Matcher);

/// <summary>
/// One camera as an operator sees it: its deployments (<see cref="Deployments"/>; <see cref="DeploymentId"/> is the
/// first of them, null when none), the watchlists it matches against (all deployments together), health and counters.
/// </summary>
public sealed record CameraStatus(
    string CameraId, string Name, string? Site, string? DeploymentId, IReadOnlyList<string> Watchlists, int Entries, CameraHealth Health, PipelineCounters Counters, string? Error)
{
    /// <summary>Every active deployment the camera matches for, in id order; each alert names the one whose watchlists matched.</summary>
    public IReadOnlyList<string> Deployments { get; init; } = [];

    /// <summary>How the camera's frames are detected, as its pipeline runs them (tiles, regions; null when it has no pipeline).</summary>
    public string? Detection { get; init; }

    /// <summary>
    /// Where faces were seen, as a region to store with <c>camera update --region</c> (x,y,width,height fractions);
    /// null until enough tracked faces were seen, or when they were all over the frame. Suggested, never applied.
    /// </summary>
    public string? SuggestedRegion { get; init; }

    /// <summary>Detector runs so far: frames, full passes, runs, tiles skipped by the motion gate.</summary>
    public DetectionCounters DetectorRuns { get; init; }
}

/// <summary>
/// Runs every registered camera independently and decides, from the stored deployments, which of them compare faces
/// and against what. A camera covered by an active deployment (by id or by site) gets a working copy of the
/// deployment's watchlists (narrowed to the camera's own list when it has one) holding only active, approved,
/// unexpired entries; every other camera reads frames and compares nothing. A camera covered by several active
/// deployments (a site-wide one and a match-day one, say) matches against each one's working copy separately, and
/// each alert names the deployment whose watchlists (and so whose authorisation) matched; none is ignored. Deployments start and stop at their
/// start and end instants (and at once when <see cref="Wake"/> is called after an early end); a stopped deployment's
/// working copy is dropped. The boundary to a camera is a message (<see cref="CameraAssignment"/> in,
/// <see cref="CameraStatus"/> and alerts out), so cameras can later become separate workers. Nothing about tracks that
/// matched nothing is stored: the pipeline keeps only counters, and only alerts reach the desk.
/// </summary>
public sealed class CameraSupervisor : IAsyncDisposable
{
    private readonly ArgusStore _store;
    private readonly FaceEngine _engine;
    private readonly AlertFeed _feed;
    private readonly AuditTrail _audit;
    private readonly CameraSupervisorOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, CameraWorker> _workers = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _reconcile = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly object _wakeGate = new();
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;

    public CameraSupervisor(ArgusStore store, AuditChain chain, FaceEngine engine, AlertFeed feed, CameraSupervisorOptions options, TimeProvider? time = null)
    {
        _store = store;
        _engine = engine;
        _feed = feed;
        _audit = new AuditTrail(store, chain);
        _options = options;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Starts every registered camera (each with its deployment's working copy from its first frame) and the reconciliation loop.</summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        foreach (var camera in await _store.ListCamerasAsync(ct))
        {
            if (_options.Cameras is { } only && !only.Contains(camera.Id))
            {
                continue;
            }

            _workers[camera.Id] = new CameraWorker(camera, _engine, _options, _time);
        }

        await ReconcileAsync(ct);
        foreach (var worker in _workers.Values)
        {
            worker.Start();
        }

        _loop = Task.Run(() => LoopAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>Asks for a reconciliation now (a deployment was created or ended in this process).</summary>
    public void Wake()
    {
        lock (_wakeGate)
        {
            _wake.TrySetResult();
        }
    }

    /// <summary>Per-camera health of every camera (trusted callers; front ends use <see cref="Status(Principal)"/>).</summary>
    public IReadOnlyList<CameraStatus> Status() => [.. _workers.Values.OrderBy(w => w.Camera.Id, StringComparer.Ordinal).Select(w => w.Status())];

    /// <summary>
    /// Health as <paramref name="actor"/> may see it: administrators every camera, operators and approvers those on
    /// their sites (cameras without a site only with all sites); anyone else <c>access.denied</c>. Health holds no
    /// personal data, so reading it is not audited.
    /// </summary>
    public IReadOnlyList<CameraStatus> Status(Principal actor)
    {
        if (actor.Disabled || (!actor.Can(Capability.ManageCameras) && !actor.Can(Capability.ReviewAlerts)))
        {
            throw ArgusException.RoleDenied($"User {actor.Name} may not see camera health (administrators and reviewers do).");
        }

        return [.. Status().Where(s => actor.Can(Capability.ManageCameras) || (s.Site is { } site ? actor.Scope.CoversSite(site) : actor.Scope.Sites.Contains(Scope.All)))];
    }

    /// <summary>
    /// The camera's latest analysed frame (JPEG, at most 480 px wide, at most a second old while it runs) for
    /// <paramref name="actor"/>, under the same rule as <see cref="Status(Principal)"/>; null when it has none yet.
    /// </summary>
    public byte[]? LatestFrame(Principal actor, string cameraId)
    {
        var status = Status(actor).FirstOrDefault(s => s.CameraId == cameraId)
            ?? throw new ArgusException("camera.not_found", $"No camera with id '{cameraId}' is running where {actor.Name} may see it.");
        return _workers.TryGetValue(status.CameraId, out var w) ? w.LatestFrame : null;
    }

    /// <summary>Completes when the camera's pipeline has stopped (a replayed file reached its end, or it was stopped).</summary>
    public Task CompletionOf(string cameraId) => _workers.TryGetValue(cameraId, out var w)
        ? w.Completion
        : throw new ArgusException("camera.not_found", $"No camera with id '{cameraId}' is supervised.");

    /// <summary>
    /// One pass: reads the active deployments and each covered camera's effective watchlists, builds or keeps the
    /// working copies (rebuilt when an entry changed), and sends each camera its assignment; audited when a camera
    /// starts or stops matching for a deployment.
    /// </summary>
    public async Task ReconcileAsync(CancellationToken ct = default)
    {
        await _reconcile.WaitAsync(ct);
        try
        {
            var now = _time.GetUtcNow();
            var active = await _store.ListDeploymentsAsync(now, ct);
            var matchers = new Dictionary<string, WatchlistMatcher>(StringComparer.Ordinal);
            foreach (var worker in _workers.Values)
            {
                var camera = worker.Camera;
                var next = new List<CameraAssignment>();
                var errors = new List<string>();
                foreach (var deployment in active.Where(d => d.Deployment.Covers(camera.Id, camera.Site)).OrderBy(d => d.Id))
                {
                    var lists = camera.Watchlists.Count == 0
                        ? deployment.Deployment.Watchlists
                        : [.. deployment.Deployment.Watchlists.Where(camera.Watchlists.Contains)];
                    if (lists.Count == 0)
                    {
                        continue;
                    }

                    var key = deployment.Deployment.Id + "|" + string.Join(',', lists);
                    if (!matchers.TryGetValue(key, out var matcher))
                    {
                        try
                        {
                            matcher = await WatchlistMatcher.BuildAsync(_store, lists, _options.DataDirectory, _time, ct);
                        }
                        catch (ArgusException e) when (!e.Code.StartsWith("storage.", StringComparison.Ordinal))
                        {
                            // A watchlist removed since the deployment was created: this deployment compares nothing
                            // on the camera rather than matching a partial list; the camera's other deployments and
                            // the other cameras carry on.
                            errors.Add($"deployment {deployment.Deployment.Id}: {e.Message}");
                            continue;
                        }

                        // Keep the copy a camera already has when nothing in it changed (no index reload per pass).
                        if (_workers.Values.SelectMany(w => w.Assignments).FirstOrDefault(a => a.DeploymentId == deployment.Deployment.Id
                            && a.Watchlists.SequenceEqual(lists) && a.Matcher.Signature == matcher.Signature) is { } same)
                        {
                            matcher = same.Matcher;
                        }

                        matchers[key] = matcher;
                    }

                    next.Add(new CameraAssignment(deployment.Deployment.Id, lists, matcher));
                }

                worker.AssignmentError = errors.Count == 0 ? null : string.Join("; ", errors);
                var previous = worker.Assignments;
                if (previous.Count == next.Count && previous.Zip(next).All(p => p.First.DeploymentId == p.Second.DeploymentId && ReferenceEquals(p.First.Matcher, p.Second.Matcher)))
                {
                    continue;
                }

                worker.Assign(next, _feed);
                foreach (var stopped in previous.Where(p => next.All(n => n.DeploymentId != p.DeploymentId)))
                {
                    await _audit.AppendAsync(AuditEvent.Ok("system", "deployment.camera_stopped", $"deployment:{stopped.DeploymentId}", AuditDetails.Of(
                        ("camera", camera.Id), ("working_copy", "discarded"))), ct);
                }

                foreach (var started in next.Where(n => previous.All(p => p.DeploymentId != n.DeploymentId)))
                {
                    await _audit.AppendAsync(AuditEvent.Ok("system", "deployment.camera_started", $"deployment:{started.DeploymentId}", AuditDetails.Of(
                        ("camera", camera.Id), ("watchlists", started.Watchlists), ("entries", started.Matcher.Entries),
                        ("overlapping", next.Count > 1 ? string.Join(',', next.Select(n => n.DeploymentId)) : null))), ct);
                }
            }
        }
        finally
        {
            _reconcile.Release();
        }
    }

    /// <summary>Stops every camera, then waits for the alerts they handed over to be stored.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
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

        await Task.WhenAll(_workers.Values.Select(w => w.DisposeAsync().AsTask()));
        await _feed.DrainAsync();
        _reconcile.Dispose();
        _stop.Dispose();
    }

    private async Task LoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var delay = await NextDelayAsync(ct);
            Task wake;
            lock (_wakeGate)
            {
                if (_wake.Task.IsCompleted)
                {
                    _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                wake = _wake.Task;
            }

            await Task.WhenAny(Task.Delay(delay, _time, ct), wake);
            ct.ThrowIfCancellationRequested();
            try
            {
                await ReconcileAsync(ct);
            }
            catch (ArgusException)
            {
                // A storage failure leaves cameras as they are until the next pass; health shows nothing new.
            }
        }
    }

    /// <summary>Until the next pass: the interval, or sooner when a deployment starts or ends before it.</summary>
    private async Task<TimeSpan> NextDelayAsync(CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        var delay = _options.ReconcileInterval;
        try
        {
            foreach (var d in await _store.ListDeploymentsAsync(null, ct))
            {
                foreach (var at in (ReadOnlySpan<DateTimeOffset>)[d.Deployment.Start, d.Deployment.End])
                {
                    if (d.EndedAt is null && at > now && at - now < delay)
                    {
                        delay = at - now;
                    }
                }
            }
        }
        catch (ArgusException)
        {
        }

        return delay < TimeSpan.FromMilliseconds(10) ? TimeSpan.FromMilliseconds(10) : delay;
    }

    /// <summary>
    /// One camera: its pipeline and its current assignment. A source that cannot be parsed leaves the camera in an
    /// error state with a message; one that cannot be opened reconnects with backoff; neither touches other cameras.
    /// </summary>
    private sealed class CameraWorker : IAsyncDisposable
    {
        private readonly CameraPipeline? _pipeline;
        private readonly RoutingSink _sink = new();
        private readonly string? _error;

        public CameraWorker(CameraRecord camera, FaceEngine engine, CameraSupervisorOptions options, TimeProvider time)
        {
            Camera = camera;
            try
            {
                var settings = new CameraSettings(camera.Id, camera.Name, camera.Site, CameraSource.Parse(camera.Source, options.LoopFiles))
                {
                    AnalysisFps = camera.AnalysisFps,
                    Tiling = Cameras.CameraDetection.Tiling(camera),
                    Reader = options.Reader,
                    Decision = options.Decision,
                };
                _pipeline = new CameraPipeline(settings, engine, _sink, null, time);
            }
            catch (ArgusException e)
            {
                _error = e.Message;
            }
        }

        public CameraRecord Camera { get; }

        public IReadOnlyList<CameraAssignment> Assignments { get; private set; } = [];

        /// <summary>Why the camera's deployment could not be applied (a watchlist gone), shown in its status.</summary>
        public string? AssignmentError { get; set; }

        public Task Completion => _pipeline?.Completion ?? Task.CompletedTask;

        public byte[]? LatestFrame => _pipeline?.LatestFrameJpeg;

        public void Start() => _pipeline?.Start();

        public void Assign(List<CameraAssignment> assignments, AlertFeed feed)
        {
            // The sink first, so that an alert from a new working copy is never attributed to a deployment without it.
            _sink.Target = assignments.Count == 0
                ? null
                : feed.SinkFor(assignments.ToDictionary(a => a.DeploymentId, a => a.Matcher, StringComparer.Ordinal));
            _pipeline?.SetMatchers([.. assignments.Select(a => new DeploymentMatcher(a.DeploymentId, a.Matcher))]);
            Assignments = assignments;
        }

        public CameraStatus Status()
        {
            var a = Assignments;
            var health = _pipeline?.Health ?? new CameraHealth(CameraState.Stopped, 0, 0, 0, 0, 0, 0, _error, null, null, null);
            var counters = _pipeline?.Counters ?? new PipelineCounters(0, 0, 0, 0, 0);
            return new CameraStatus(
                Camera.Id, Camera.Name, Camera.Site, a.Count == 0 ? null : a[0].DeploymentId, [.. a.SelectMany(x => x.Watchlists).Distinct(StringComparer.Ordinal)],
                a.Sum(x => x.Matcher.Entries), health, counters, _error ?? AssignmentError ?? health.LastError)
            {
                Deployments = [.. a.Select(x => x.DeploymentId)],
                Detection = _pipeline?.Tiling.Describe(),
                DetectorRuns = _pipeline?.Detection ?? default,
                SuggestedRegion = _pipeline?.SuggestedRegion is { } region ? DetectionRegion.Format([region]) : null,
            };
        }

        public async ValueTask DisposeAsync()
        {
            if (_pipeline is not null)
            {
                await _pipeline.DisposeAsync();
            }
        }
    }

    /// <summary>Forwards a camera's alerts to its current deployments' sink; alerts arriving after their deployment ended are dropped.</summary>
    private sealed class RoutingSink : IAlertSink
    {
        private IAlertSink? _target;

        public IAlertSink? Target
        {
            get => Volatile.Read(ref _target);
            set => Volatile.Write(ref _target, value);
        }

        public void Publish(AlertEvent alert) => Target?.Publish(alert);
    }
}
