using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Argus.Core;
using Argus.Core.Audit;
using Argus.Storage;

namespace Argus.Application.Auditing;

/// <summary>The signed head of the audit chain as last written outside the database.</summary>
/// <param name="Store">Which store's chain (its target, e.g. <c>sqlite:/var/lib/argus/argus.db</c>).</param>
/// <param name="Sequence">The head record's sequence number.</param>
/// <param name="Hash">The head record's hash.</param>
/// <param name="WrittenAt">When the checkpoint was written.</param>
/// <param name="Mac">HMAC-SHA256 of the above under the audit key (<see cref="AuditChain.SignCheckpoint"/>).</param>
public sealed record AuditHead(string Store, long Sequence, string Hash, DateTimeOffset WrittenAt, string Mac)
{
    public string Head => $"{Sequence}:{Hash}";
}

/// <summary>
/// Keeps the signed head of the audit chain outside the database, so that truncating the log, deleting its tail or
/// wiping the database is caught by <c>argus audit verify</c> without anyone keeping a head by hand. Every
/// <c>ARGUS_AUDIT_CHECKPOINT_RECORDS</c> records (default 100) and, by the server's sweep, every
/// <c>ARGUS_AUDIT_CHECKPOINT_MINUTES</c> (default 5) when the head moved, the head goes to
/// <c>ARGUS_AUDIT_CHECKPOINT_FILE</c> (default <c>$XDG_STATE_HOME/argus/checkpoints/audit-head-STORE.json</c>, i.e.
/// <c>~/.local/state/argus/...</c>: outside ARGUS_HOME; <c>off</c> disables it) and, when
/// <c>ARGUS_AUDIT_CHECKPOINT_URL</c> is set, is POSTed there as JSON.
/// <para>
/// A checkpoint is never moved backwards or onto another history: before this process writes its first one, the
/// chain in the store must contain the recorded head (same sequence, same hash). If it does not (the database was
/// wiped or its tail cut and the process restarted), the old checkpoint is kept as evidence and nothing is written
/// until an operator deals with it.
/// </para>
/// </summary>
public sealed class AuditCheckpoint : IDisposable
{
    public const string FileVariable = "ARGUS_AUDIT_CHECKPOINT_FILE";
    public const string RecordsVariable = "ARGUS_AUDIT_CHECKPOINT_RECORDS";
    public const string MinutesVariable = "ARGUS_AUDIT_CHECKPOINT_MINUTES";
    public const string UrlVariable = "ARGUS_AUDIT_CHECKPOINT_URL";

    private readonly ArgusStore _store;
    private readonly AuditChain _chain;
    private readonly TimeProvider _time;
    private readonly int _everyRecords;
    private readonly TimeSpan _everyInterval;
    private readonly Uri? _url;
    private readonly HttpClient? _http;
    private readonly Action<string>? _problem;
    private readonly SemaphoreSlim _writing = new(1, 1);
    private long _written;
    private DateTimeOffset _writtenAt;

    private AuditCheckpoint(ArgusStore store, AuditChain chain, TimeProvider time, Func<string, string?> settings, string path, Action<string>? problem)
    {
        _store = store;
        _chain = chain;
        _time = time;
        _problem = problem;
        Path = path;
        _everyRecords = PositiveInt(settings(RecordsVariable), 100);
        _everyInterval = TimeSpan.FromMinutes(PositiveDouble(settings(MinutesVariable), 5));
        if (settings(UrlVariable) is { Length: > 0 } url)
        {
            _url = Uri.TryCreate(url, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttps || u.Scheme == Uri.UriSchemeHttp)
                ? u
                : throw new ArgusException("audit.checkpoint_config", $"{UrlVariable} must be an http(s) URL.");
            _http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        }
    }

    /// <summary>The checkpoint file.</summary>
    public string Path { get; }

    /// <summary>Why this process writes no checkpoint (the store does not contain the recorded head), or null.</summary>
    public string? Conflict { get; private set; }

    /// <summary>The checkpoint file for <paramref name="store"/>: <c>ARGUS_AUDIT_CHECKPOINT_FILE</c> or the default; null when set to <c>off</c>.</summary>
    public static string? PathFor(ArgusStore store, Func<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings(FileVariable) is { Length: > 0 } configured)
        {
            return configured.Trim().Equals("off", StringComparison.OrdinalIgnoreCase) ? null : System.IO.Path.GetFullPath(configured);
        }

        var state = settings("XDG_STATE_HOME") is { Length: > 0 } xdg
            ? xdg
            : System.IO.Path.Combine(settings("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(store.Target)))[..16];
        return System.IO.Path.Combine(state, "argus", "checkpoints", $"audit-head-{id}.json");
    }

    /// <summary>
    /// Attaches a checkpoint writer to <paramref name="store"/> (null when checkpoints are off): it checks that the
    /// store contains the recorded head, then writes a checkpoint every N committed records.
    /// </summary>
    public static async Task<AuditCheckpoint?> AttachAsync(
        ArgusStore store, AuditChain chain, TimeProvider time, Func<string, string?> settings, Action<string>? problem, CancellationToken ct)
    {
        if (PathFor(store, settings) is not { } path)
        {
            return null;
        }

        var checkpoint = new AuditCheckpoint(store, chain, time, settings, path, problem);
        await checkpoint.InitialiseAsync(ct);
        store.AuditCommitted = checkpoint.ObserveAsync;
        return checkpoint;
    }

    /// <summary>Reads the checkpoint at <paramref name="path"/>: null when there is none; <c>audit.checkpoint_invalid</c> when it is unreadable or its MAC is wrong.</summary>
    public static AuditHead? Read(string path, AuditChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        string text;
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgusException("audit.checkpoint_unreadable", $"Cannot read the audit checkpoint {path}: {e.Message}", e);
        }

        AuditHead head;
        try
        {
            var o = JsonNode.Parse(text)!.AsObject();
            head = new AuditHead(
                (string)o["store"]!, (long)o["sequence"]!, (string)o["hash"]!,
                DateTimeOffset.Parse((string)o["written_at"]!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal), (string)o["mac"]!);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or NullReferenceException or ArgumentException)
        {
            throw new ArgusException("audit.checkpoint_invalid", $"The audit checkpoint {path} is not a checkpoint Argus wrote: it was edited or damaged.", e);
        }

        if (!chain.CheckCheckpoint(head.Store, head.Sequence, head.Hash, head.WrittenAt, head.Mac))
        {
            throw new ArgusException("audit.checkpoint_invalid", $"The audit checkpoint {path} does not carry this audit key's signature: it was forged, edited, or written with another key.");
        }

        return head;
    }

    /// <summary>Writes a checkpoint now if the head moved and the interval passed (<paramref name="force"/>: if the head moved at all; at shutdown).</summary>
    public async Task TickAsync(bool force, CancellationToken ct)
    {
        if (Conflict is not null)
        {
            return;
        }

        if (await _store.GetAuditHeadAsync(ct) is { } head && head.Sequence > Interlocked.Read(ref _written)
            && (force || _time.GetUtcNow() - _writtenAt >= _everyInterval))
        {
            await WriteAsync(head, ct);
        }
    }

    public void Dispose()
    {
        _store.AuditCommitted = null;

        _http?.Dispose();
        _writing.Dispose();
    }

    private async Task InitialiseAsync(CancellationToken ct)
    {
        AuditHead? recorded;
        try
        {
            recorded = Read(Path, _chain);
        }
        catch (ArgusException e)
        {
            Refuse(e.Message);
            return;
        }

        _writtenAt = _time.GetUtcNow();
        if (recorded is null)
        {
            return;
        }

        var at = await _store.GetAuditRecordAsync(recorded.Sequence, ct);
        if (recorded.Store != _store.Target || at is null || !string.Equals(at.Hash, recorded.Hash, StringComparison.Ordinal))
        {
            Refuse($"the store's audit log does not contain the head recorded in {Path} (record #{recorded.Sequence}): records were deleted or the database was replaced; run `argus audit verify`. No checkpoint is written until this is resolved.");
            return;
        }

        _written = recorded.Sequence;
        _writtenAt = recorded.WrittenAt;
    }

    private async Task ObserveAsync(AuditRecord head)
    {
        if (Conflict is not null || head.Sequence - Interlocked.Read(ref _written) < _everyRecords)
        {
            return;
        }

        await WriteAsync(head, CancellationToken.None);
    }

    private async Task WriteAsync(AuditRecord head, CancellationToken ct)
    {
        string body;
        await _writing.WaitAsync(ct);
        try
        {
            if (Conflict is not null || head.Sequence <= _written)
            {
                return;
            }

            // Never go back, never onto another history: the head in the file (perhaps written by the CLI beside the
            // server) must still be in the store, with its hash, before a later head replaces it.
            AuditHead? existing;
            try
            {
                existing = Read(Path, _chain);
            }
            catch (ArgusException e)
            {
                Refuse(e.Message);
                return;
            }

            if (existing is not null)
            {
                if (existing.Sequence >= head.Sequence)
                {
                    _written = existing.Sequence;
                    return;
                }

                var at = await _store.GetAuditRecordAsync(existing.Sequence, ct);
                if (existing.Store != _store.Target || at is null || !string.Equals(at.Hash, existing.Hash, StringComparison.Ordinal))
                {
                    Refuse($"the store's audit log no longer contains the head recorded in {Path} (record #{existing.Sequence}): records were deleted or the database was replaced; run `argus audit verify`. The checkpoint is kept as evidence.");
                    return;
                }
            }

            var now = _time.GetUtcNow();
            body = new JsonObject
            {
                ["store"] = _store.Target,
                ["sequence"] = head.Sequence,
                ["hash"] = head.Hash,
                ["written_at"] = now.ToString("O", CultureInfo.InvariantCulture),
                ["mac"] = _chain.SignCheckpoint(_store.Target, head.Sequence, head.Hash, now),
            }.ToJsonString();
            try
            {
                PrivateFiles.WriteAtomically(Path, body);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _problem?.Invoke($"cannot write the audit checkpoint {Path}: {e.Message}");
                return;
            }

            _written = head.Sequence;
            _writtenAt = now;
        }
        finally
        {
            _writing.Release();
        }

        if (_url is not null)
        {
            // Not awaited: a slow or dead receiver must not hold up the write that crossed the interval.
            _ = PostAsync(body);
        }
    }

    private async Task PostAsync(string body)
    {
        try
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await _http!.PostAsync(_url, content);
            if (!response.IsSuccessStatusCode)
            {
                _problem?.Invoke($"the audit checkpoint webhook answered {(int)response.StatusCode}");
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or ObjectDisposedException)
        {
            _problem?.Invoke($"the audit checkpoint webhook failed: {e.GetType().Name}");
        }
    }

    private void Refuse(string reason)
    {
        Conflict = reason;
        _problem?.Invoke(reason);
    }

    private static int PositiveInt(string? s, int fallback) => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : fallback;

    private static double PositiveDouble(string? s, double fallback) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d > 0 ? d : fallback;
}

/// <summary>Files only their owner may read: 0600 files in 0700 folders (keys, checkpoints).</summary>
public static class PrivateFiles
{
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates <paramref name="directory"/> (and its missing parents) with mode 0700; an existing one is left as it is.</summary>
    public static void CreateDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, FolderMode);
        }
    }

    /// <summary>Writes <paramref name="text"/> to a 0600 temporary file beside <paramref name="path"/> and renames it over (readers see the old or the new file, never half).</summary>
    public static void WriteAtomically(string path, string text)
    {
        CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode;
        }

        try
        {
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(Encoding.UTF8.GetBytes(text));
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
