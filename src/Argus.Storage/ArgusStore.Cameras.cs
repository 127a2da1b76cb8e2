using System.Data.Common;
using Argus.Core;
using Argus.Storage.Sql;

namespace Argus.Storage;

/// <summary>
/// A configured camera: where its frames come from, how often to analyse them, and the watchlists it may be matched
/// against when a deployment covers it. <see cref="Source"/> may hold stream credentials: show it only redacted.
/// </summary>
public sealed record CameraRecord(
    string Id, string Name, string? Site, string Source, double AnalysisFps, bool Tiling, IReadOnlyList<string> Watchlists, string CreatedBy, DateTimeOffset CreatedAt)
{
    /// <summary>Smallest face to find, in pixels of the camera's frame: sizes the detector's tiles (default 40).</summary>
    public int SmallestFace { get; init; } = DefaultSmallestFace;

    /// <summary>
    /// Where faces appear, as <c>x,y,width,height</c> fractions of the frame separated by ';' (validated by the camera
    /// service); null for the whole frame.
    /// </summary>
    public string? Regions { get; init; }

    /// <summary>The smallest face a camera is tiled for unless configured otherwise.</summary>
    public const int DefaultSmallestFace = 40;
}

/// <summary>A change of a camera's detection settings; null leaves a setting as it is.</summary>
public sealed record CameraDetectionChange(bool? Tiling, int? SmallestFace, string? Regions, bool WholeFrame);

public sealed partial class ArgusStore
{
    private const string CameraColumns = "SELECT camera_id, name, site, source, analysis_fps, tiling, watchlists, created_by, created_at_ticks, smallest_face, regions FROM cameras";

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
                    "INSERT INTO cameras (camera_id, name, site, source, analysis_fps, tiling, watchlists, created_by, created_at_ticks, smallest_face, regions) VALUES (@i, @n, @s, @u, @f, @t, @w, @b, @c, @m, @r)");
                insert.Add("i", camera.Id).Add("n", camera.Name).Add("s", camera.Site).Add("u", camera.Source).Add("f", camera.AnalysisFps)
                    .Add("t", camera.Tiling ? 1 : 0).Add("w", string.Join(',', camera.Watchlists)).Add("b", camera.CreatedBy).Add("c", now.UtcTicks)
                    .Add("m", camera.SmallestFace).Add("r", camera.Regions);
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

    /// <summary>
    /// Changes a camera's detection settings (values already validated by the camera service) and returns the camera
    /// as stored (<c>camera.not_found</c> when there is none). <see cref="CameraDetectionChange.WholeFrame"/> clears
    /// the regions.
    /// </summary>
    public Task<CameraRecord> UpdateCameraDetectionAsync(string id, CameraDetectionChange change, CancellationToken ct = default) =>
        WriteAsync(
            async (connection, transaction, _) =>
            {
                // Only the settings given are written (no NULL parameter whose type PostgreSQL would have to guess).
                var set = new List<string>(3);
                if (change.Tiling is not null)
                {
                    set.Add("tiling = @t");
                }

                if (change.SmallestFace is not null)
                {
                    set.Add("smallest_face = @m");
                }

                if (change.WholeFrame)
                {
                    set.Add("regions = NULL");
                }
                else if (change.Regions is not null)
                {
                    set.Add("regions = @r");
                }

                if (set.Count == 0)
                {
                    set.Add("camera_id = camera_id");
                }

                await using var update = connection.Command(transaction, $"UPDATE cameras SET {string.Join(", ", set)} WHERE camera_id = @i");
                update.Add("i", id);
                if (change.Tiling is { } tiling)
                {
                    update.Add("t", tiling ? 1 : 0);
                }

                if (change.SmallestFace is { } smallest)
                {
                    update.Add("m", smallest);
                }

                if (!change.WholeFrame && change.Regions is { } regions)
                {
                    update.Add("r", regions);
                }

                if (await update.ExecuteNonQueryAsync(ct) != 1)
                {
                    throw new ArgusException("camera.not_found", $"No camera with id '{id}'.");
                }

                await using var read = connection.Command(transaction, $"{CameraColumns} WHERE camera_id = @i");
                read.Add("i", id);
                await using var reader = await read.ExecuteReaderAsync(ct);
                await reader.ReadAsync(ct);
                return ReadCamera(reader);
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
        r.GetString(6).Split(',', StringSplitOptions.RemoveEmptyEntries), r.GetString(7), new DateTimeOffset(r.GetInt64(8), TimeSpan.Zero))
    {
        SmallestFace = Convert.ToInt32(r.GetValue(9), System.Globalization.CultureInfo.InvariantCulture),
        Regions = r.IsDBNull(10) ? null : r.GetString(10),
    };
}
