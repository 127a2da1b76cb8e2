using System.Globalization;
using System.Text.Json.Nodes;
using Argus.Video;

namespace Argus.Cli.Commands;

/// <summary>A camera's health as <c>watch</c> and <c>cameras run</c> print it: one <c>camera.health</c> JSON shape, one state word.</summary>
internal static class CameraHealthOutput
{
    /// <summary>The <c>camera.health</c> line's fields; each command adds its own (the time, the deployments, the counters).</summary>
    public static JsonObject Json(string camera, CameraHealth h, string? lastError) => new()
    {
        ["event"] = "camera.health",
        ["camera"] = camera,
        ["state"] = State(h),
        ["fps_in"] = Math.Round(h.FpsIn, 2),
        ["fps_analysed"] = Math.Round(h.FpsAnalysed, 2),
        ["frames_in"] = h.FramesIn,
        ["frames_analysed"] = h.FramesAnalysed,
        ["frames_dropped"] = h.FramesDropped,
        ["frames_stale"] = h.FramesStale,
        ["reconnects"] = h.Reconnects,
        ["last_frame_at"] = h.LastFrameAt?.ToString("O", CultureInfo.InvariantCulture),
        ["last_error"] = lastError,
    };

    /// <summary>The state as printed: <c>running</c>, <c>reconnecting</c>, ...</summary>
    public static string State(CameraHealth h) => h.State.ToString().ToLowerInvariant();
}
