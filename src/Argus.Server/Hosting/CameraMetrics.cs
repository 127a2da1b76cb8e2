using System.Diagnostics.Metrics;
using Argus.Application.Deployments;
using Argus.Video;

namespace Argus.Server.Hosting;

/// <summary>
/// Camera health as metrics (meter <c>Argus.Cameras</c>), read from the running supervisor at each scrape, one
/// measurement per camera tagged with its id and site: frames in and analysed per second, dropped frames (the
/// latest-frame slot's skips, i.e. the analysis queue falling behind), reconnects, whether it is in an error state,
/// faces seen and alerts raised. Nothing about people: counts only. One per camera host, disposed with it.
/// </summary>
internal sealed class CameraMetrics : IDisposable
{
    public const string MeterName = "Argus.Cameras";
    private readonly Meter _meter = new(MeterName);
    private readonly Func<IReadOnlyList<CameraStatus>> _source;

    public CameraMetrics(Func<IReadOnlyList<CameraStatus>> source)
    {
        _source = source;
        Gauge("argus.camera.fps_in", "{frame}/s", "Frames read per second.", s => s.Health.FpsIn);
        Gauge("argus.camera.fps_analysed", "{frame}/s", "Frames analysed per second.", s => s.Health.FpsAnalysed);
        Counter("argus.camera.frames_dropped", "{frame}", "Frames replaced in the latest-frame slot before analysis.", s => s.Health.FramesDropped);
        Counter("argus.camera.reconnects", "{reconnect}", "Stream reconnects.", s => s.Health.Reconnects);
        Counter("argus.camera.faces_seen", "{face}", "Faces detected by the camera's pipeline.", s => s.Counters.FacesSeen);
        Counter("argus.camera.alerts_raised", "{alert}", "Alerts raised by the camera (updates not counted).", s => s.Counters.AlertsRaised);
        Gauge("argus.camera.failing", "1", "1 while the camera is reconnecting or cannot run (its status says why).", s => s.Health.State == CameraState.Reconnecting || s.Error is not null ? 1 : 0);
    }

    public void Dispose() => _meter.Dispose();

    private static KeyValuePair<string, object?>[] Tags(CameraStatus s) => [new("camera", s.CameraId), new("site", s.Site ?? "")];

    private void Gauge(string name, string unit, string description, Func<CameraStatus, double> value) =>
        _meter.CreateObservableGauge(name, () => _source().Select(s => new Measurement<double>(value(s), Tags(s))), unit, description);

    private void Counter(string name, string unit, string description, Func<CameraStatus, long> value) =>
        _meter.CreateObservableCounter(name, () => _source().Select(s => new Measurement<long>(value(s), Tags(s))), unit, description);
}
