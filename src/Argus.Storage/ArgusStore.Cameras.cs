using System.Data.Common;
using Argus.Core;
using Argus.Storage.Sql;

namespace Argus.Storage;

/// <summary>
/// A configured camera: where its frames come from, how often to analyse them, and the watchlists it may be matched
/// against when a deployment covers it. <see cref="Source"/> may hold stream credentials: show it only redacted.
/// </summary>
public sealed record CameraRecord(
    string Id, string Name, string? Site, string Source, double AnalysisFps, bool Tiling, IReadOnlyList<string> Watchlists, string CreatedBy, DateTimeOffset CreatedAt);

public sealed partial class ArgusStore
{
    private const string CameraColumns = "SELECT camera_id, name, site, source, analysis_fps, tiling, watchlists, created_by, created_at_ticks FROM cameras";

    /// <summary>Adds a camera; its id must be new (<c>camera.exists</c>).</summary>
    public Task<CameraRecord> AddCameraAsync(CameraRecord camera, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(camera.Id) || camera.Id.Length > 80 || !camera.Id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new ArgusException("camera.invalid_id", $"Camera id '{camera.Id}' is not valid: use 1-80 letters, digits, '.', '_' or '-'.");
        }

        if (!(camera.AnalysisFps is > 0 and <= 30))
        {
            throw new ArgusException("camera.invalid_fps", "The analysis rate must be between 0 and 30 frames per second.");
        }

        var now = _time.GetUtcNow();
        var stored = camera with { CreatedAt = now };
        return WriteAsync(
            async (connection, transaction, _) =>
            {
                await using var insert = connection.Command(
                    transaction,
                    "INSERT INTO cameras (camera_id, name, site, source, analysis_fps, tiling, watchlists, created_by, created_at_ticks) VALUES (@i, @n, @s, @u, @f, @t, @w, @b, @c)");
                insert.Add("i", camera.Id).Add("n", camera.Name).Add("s", camera.Site).Add("u", camera.Source).Add("f", camera.AnalysisFps)
                    .Add("t", camera.Tiling ? 1 : 0).Add("w", string.Join(',', camera.Watchlists)).Add("b", camera.CreatedBy).Add("c", now.UtcTicks);
                try
                {
                    await insert.ExecuteNonQueryAsync(ct);
                }
                catch (DbException e) when (_dialect.IsUniqueViolation(e))
                {
                    throw new ArgusException("camera.exists", $"A camera with id '{camera.Id}' already exists.", e);
                }

                return stored;
            },
            ct);
    }

    public Task<IReadOnlyList<CameraRecord>> ListCamerasAsync(CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<CameraRecord>>(
            async (connection, transaction, ct) =>
            {
                await using var command = connection.Command(transaction, $"{CameraColumns} ORDER BY camera_id");
                await using var reader = await command.ExecuteReaderAsync(ct);
                var list = new List<CameraRecord>();
                while (await reader.ReadAsync(ct))
                {
                    list.Add(ReadCamera(reader));
                }

                return list;
            },
            ct);

    /// <summary>Removes a camera (<c>camera.not_found</c> when there is none).</summary>
    public Task RemoveCameraAsync(string id, CancellationToken ct = default) =>
        WriteAsync(
            async (connection, transaction, _) =>
            {
                await using var delete = connection.Command(transaction, "DELETE FROM cameras WHERE camera_id = @i");
                delete.Add("i", id);
                return await delete.ExecuteNonQueryAsync(ct) == 1
                    ? 0
                    : throw new ArgusException("camera.not_found", $"No camera with id '{id}'.");
            },
            ct);

    private static CameraRecord ReadCamera(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3), Convert.ToDouble(r.GetValue(4), System.Globalization.CultureInfo.InvariantCulture),
        Convert.ToInt64(r.GetValue(5), System.Globalization.CultureInfo.InvariantCulture) != 0,
        r.GetString(6).Split(',', StringSplitOptions.RemoveEmptyEntries), r.GetString(7), new DateTimeOffset(r.GetInt64(8), TimeSpan.Zero));
}
