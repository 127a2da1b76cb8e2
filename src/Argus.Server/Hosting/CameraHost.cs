using Argus.Application.Deployments;
using Argus.Core;
using Argus.Storage;

namespace Argus.Server.Hosting;

/// <summary>
/// Runs the registered cameras inside the server: one <see cref="CameraSupervisor"/> over the runtime's store and
/// alert desk, started in the background once the face engine is built (the service is live before that). The
/// supervisor reads its cameras when it starts, so the host re-reads the camera registry every
/// <c>Argus:CameraPollSeconds</c> (and at once on <see cref="Wake"/>) and restarts the supervisor when a camera was
/// added, changed or removed; alerts already handed over are stored first. Deployments reach the running supervisor
/// through <see cref="Wake"/>. Stopping the host stops every camera and waits for their alerts to be stored (the
/// desk drains), within the host's shutdown timeout. <c>Argus:Cameras=false</c> turns cameras off (tests).
/// </summary>
internal sealed class CameraHost : IHostedService, IAsyncDisposable
{
    private readonly ArgusRuntime _runtime;
    private readonly IConfiguration _configuration;
    private readonly TimeProvider _time;
    private readonly ILogger<CameraHost> _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly object _wakeGate = new();
    private readonly CameraMetrics _metrics;
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CameraSupervisor? _supervisor;
    private string _signature = "";
    private Task? _loop;

    public CameraHost(ArgusRuntime runtime, IConfiguration configuration, TimeProvider time, ILogger<CameraHost> logger)
    {
        _runtime = runtime;
        _configuration = configuration;
        _time = time;
        _logger = logger;
        _metrics = new CameraMetrics(() => Volatile.Read(ref _supervisor)?.Status() ?? []);
    }

    public bool Enabled => _configuration.GetValue("Argus:Cameras", true);

    /// <summary>Why cameras are not running (models missing, or switched off), or null.</summary>
    public string? Problem { get; private set; }

    /// <summary>
    /// The supervised cameras <paramref name="actor"/> may see (administrators all, reviewers their sites): state,
    /// deployment and health figures; empty until the supervisor has started.
    /// </summary>
    public IReadOnlyList<CameraStatus> Status(Core.Access.Principal actor) => Volatile.Read(ref _supervisor)?.Status(actor) ?? [];

    /// <summary>The camera's latest analysed frame as <paramref name="actor"/> may see it (<c>camera.not_found</c> when it is not running).</summary>
    public byte[]? LatestFrame(Core.Access.Principal actor, string cameraId) =>
        (Volatile.Read(ref _supervisor) ?? throw new ArgusException("camera.not_found", $"Camera '{cameraId}' is not running ({Problem ?? "cameras are starting"}).")).LatestFrame(actor, cameraId);

    /// <summary>A deployment or camera changed in this process: re-read now instead of at the next poll.</summary>
    public void Wake()
    {
        Volatile.Read(ref _supervisor)?.Wake();
        lock (_wakeGate)
        {
            _wake.TrySetResult();
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            Problem = "cameras are switched off (Argus:Cameras=false)";
            return Task.CompletedTask;
        }

        _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await StopSupervisorAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopSupervisorAsync();
        _metrics.Dispose();
        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken ct)
    {
        var poll = TimeSpan.FromSeconds(Math.Max(0.2, _configuration.GetValue("Argus:CameraPollSeconds", 5.0)));
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await ReconcileCamerasAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (ArgusException e)
            {
                // Models missing or the store failing: say so in camera health, try again at the next poll.
                Problem = e.Message;
                CameraHostLog.CamerasFailed(_logger, e.Code);
            }

            Task wake;
            lock (_wakeGate)
            {
                if (_wake.Task.IsCompleted)
                {
                    _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                wake = _wake.Task;
            }

            try
            {
                await Task.WhenAny(Task.Delay(poll, _time, ct), wake);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Starts the supervisor, or restarts it when the registered cameras differ from the ones it runs.</summary>
    private async Task ReconcileCamerasAsync(CancellationToken ct)
    {
        var cameras = await _runtime.Store.ListCamerasAsync(ct);
        var signature = Signature(cameras);
        if (_supervisor is not null && signature == _signature)
        {
            return;
        }

        var engine = _runtime.Engine();
        await _gate.WaitAsync(ct);
        try
        {
            await StopSupervisorCoreAsync();
            var supervisor = new CameraSupervisor(
                _runtime.Store, _runtime.Operations.AuditChain, engine, _runtime.Feed,
                new CameraSupervisorOptions
                {
                    DataDirectory = _runtime.Paths.DataDirectory,
                    LoopFiles = _configuration.GetValue("Argus:LoopFiles", false),
                    ReconcileInterval = TimeSpan.FromSeconds(Math.Max(1, _configuration.GetValue("Argus:ReconcileSeconds", 30.0))),
                },
                _time);
            await supervisor.StartAsync(ct);
            Volatile.Write(ref _supervisor, supervisor);
            _signature = signature;
            Problem = null;
            CameraHostLog.CamerasStarted(_logger, cameras.Count);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task StopSupervisorAsync()
    {
        await _gate.WaitAsync();
        try
        {
            await StopSupervisorCoreAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task StopSupervisorCoreAsync()
    {
        if (Interlocked.Exchange(ref _supervisor, null) is { } running)
        {
            // Stops the cameras, then waits until the desk has stored what they handed over.
            await running.DisposeAsync();
        }
    }

    private static string Signature(IReadOnlyList<CameraRecord> cameras) =>
        string.Join('\n', cameras.OrderBy(c => c.Id, StringComparer.Ordinal).Select(c =>
            FormattableString.Invariant($"{c.Id}|{c.Site}|{c.Source}|{c.AnalysisFps}|{c.Tiling}|{c.SmallestFace}|{c.Regions}|{string.Join(',', c.Watchlists)}")));
}

/// <summary>The camera host's log events (ids 6050-6059): counts and codes only.</summary>
internal static partial class CameraHostLog
{
    [LoggerMessage(6050, LogLevel.Information, "Cameras running: {Count} registered camera(s) under the supervisor")]
    public static partial void CamerasStarted(ILogger logger, int count);

    [LoggerMessage(6051, LogLevel.Warning, "Cameras not running ({Code}); retrying at the next poll")]
    public static partial void CamerasFailed(ILogger logger, string code);
}
