using Argus.Server.Tests;
using Argus.Video;

namespace Argus.Console.Tests;

/// <summary>Alerts raised for the browser tests as the camera pipeline raises them, without a camera.</summary>
internal static class ConsoleAlerts
{
    /// <summary>Raises an alert for the active entry <paramref name="entryId"/> at a camera of a site (its enrolled photo as the snapshot).</summary>
    public static async Task<Application.Alerts.RaisedAlert> RaiseAsync(ArgusTestServer server, long entryId, string camera, string site)
    {
        var entry = (await server.Store.GetEntryAsync(entryId))!;
        var template = (await server.Store.ListTemplatesAsync(entry.SubjectId)).First(t => t.GalleryId == entry.Watchlist.GalleryId);
        var png = await server.Store.GetFaceCropAsync(template.Id) ?? [];
        var now = DateTimeOffset.UtcNow;
        return await server.Runtime.Feed.RaiseAsync(
            new AlertEvent("new", camera, site, 1, new FaceMatch(entry.SubjectId, template.Id, $"T-{camera}", 0.8f), 3, now, now, png, false), "1", entry);
    }
}
