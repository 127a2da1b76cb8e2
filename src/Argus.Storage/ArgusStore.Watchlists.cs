using System.Data.Common;
using System.Text.Json;
using Argus.Core;
using Argus.Core.Faces;
using Argus.Core.Watchlists;
using Argus.Storage.Sql;

namespace Argus.Storage;

/// <summary>A watchlist: its category fixes colour and severity; its own gallery holds the enrolled faces of its entries.</summary>
public sealed record Watchlist(long Id, string Name, WatchlistCategory Category, Severity Severity, int MaxEntryDays, long GalleryId, string CreatedBy, DateTimeOffset CreatedAt)
{
    public CategoryPolicy Policy =>
        CategoryPolicy.For(Category, Category == WatchlistCategory.Custom ? Severity : null) with { MaxEntryDays = MaxEntryDays };

    /// <summary>The name of the gallery that holds this watchlist's templates.</summary>
    public static string GalleryName(string watchlist) => "watchlist." + watchlist;
}

/// <summary>What to create; <see cref="MaxEntryDays"/> may narrow the category's maximum, never widen it.</summary>
public sealed record NewWatchlist(string Name, WatchlistCategory Category, Severity? CustomSeverity = null, int? MaxEntryDays = null);

/// <summary>An entry as stored: its row id, watchlist and subject, and the domain object rebuilt from every version.</summary>
public sealed record StoredEntry(long Id, Watchlist Watchlist, long SubjectId, WatchlistEntry Entry);

/// <summary>
/// Watchlists and their entries. Entries are written only as versions: every change appends one (who, when, change,
/// reason, state, legal basis) and the current state is a cache of the last. The domain (<see cref="WatchlistEntry"/>)
/// decides what is allowed; its refusals propagate unchanged and nothing is written. Refusals here:
/// <c>watchlist.exists</c>, <c>watchlist.invalid_name</c>, <c>watchlist.max_days_invalid</c>,
/// <c>watchlist.not_found</c>, <c>entry.not_found</c>, <c>entry.conflict</c>.
/// </summary>
public sealed partial class ArgusStore
{
    private static readonly JsonSerializerOptions LegalBasisJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private const string WatchlistColumns = "id, name, category, severity, max_entry_days, gallery_id, created_by, created_at";

    /// <summary>Creates a watchlist and its own gallery (bound to <paramref name="contract"/>) in one transaction.</summary>
    public Task<Watchlist> CreateWatchlistAsync(NewWatchlist watchlist, EmbeddingContract contract, string createdBy, CancellationToken ct = default)
    {
        if (!IsGalleryName(watchlist.Name) || watchlist.Name.Length > 80)
        {
            throw new ArgusException(
                "watchlist.invalid_name",
                $"Watchlist name '{watchlist.Name}' is not valid: use 1-80 letters, digits, '.', '_' or '-', starting with a letter or digit.");
        }

        if (watchlist.Category != WatchlistCategory.Custom && watchlist.CustomSeverity is not null)
        {
            throw new ArgusException("watchlist.severity_fixed", $"The {watchlist.Category} category fixes its own severity; only a custom watchlist declares one.");
        }

        var policy = CategoryPolicy.For(watchlist.Category, watchlist.CustomSeverity);
        var maxDays = watchlist.MaxEntryDays ?? policy.MaxEntryDays;
        if (maxDays < 1 || maxDays > policy.MaxEntryDays)
        {
            throw new ArgusException("watchlist.max_days_invalid", $"--max-days must be 1 to {policy.MaxEntryDays} for the {watchlist.Category} category.");
        }

        var now = _time.GetUtcNow();
        return WriteAsync(
            async (connection, transaction, sequence) =>
            {
                long galleryId;
                await using (var gallery = connection.Command(
                    transaction,
                    """
                    INSERT INTO galleries (name, description, model, model_sha256, preprocessing_version, dimension, contract_id, created_at, change_seq)
                    VALUES (@name, @description, @model, @sha, @pp, @dimension, @contract, @created, @seq)
                    RETURNING id
                    """))
                {
                    gallery.Add("name", Watchlist.GalleryName(watchlist.Name)).Add("description", $"faces of the entries of watchlist {watchlist.Name}")
                        .Add("model", contract.Model).Add("sha", contract.ModelSha256).Add("pp", contract.PreprocessingVersion).Add("dimension", contract.Dimension)
                        .Add("contract", contract.Id).Add("created", now).Add("seq", sequence);
                    try
                    {
                        galleryId = await gallery.ScalarInt64Async(ct);
                    }
                    catch (DbException e) when (_dialect.IsUniqueViolation(e))
                    {
                        throw WatchlistExists(watchlist.Name, e);
                    }
                }

                await using var insert = connection.Command(
                    transaction,
                    $"INSERT INTO watchlists ({WatchlistColumns[4..]}) VALUES (@n, @c, @s, @m, @g, @b, @t) RETURNING id");
                insert.Add("n", watchlist.Name).Add("c", watchlist.Category.ToString()).Add("s", policy.Severity.ToString()).Add("m", maxDays)
                    .Add("g", galleryId).Add("b", createdBy).Add("t", now);
                try
                {
                    var id = await insert.ScalarInt64Async(ct);
                    return new Watchlist(id, watchlist.Name, watchlist.Category, policy.Severity, maxDays, galleryId, createdBy, now);
                }
                catch (DbException e) when (_dialect.IsUniqueViolation(e))
                {
                    throw WatchlistExists(watchlist.Name, e);
                }
            },
            ct);
    }

    public Task<IReadOnlyList<Watchlist>> ListWatchlistsAsync(CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<Watchlist>>(
            async (connection, transaction, ct) =>
            {
                await using var command = connection.Command(transaction, $"SELECT {WatchlistColumns} FROM watchlists ORDER BY name");
                await using var reader = await command.ExecuteReaderAsync(ct);
                var list = new List<Watchlist>();
                while (await reader.ReadAsync(ct))
                {
                    list.Add(ReadWatchlist(reader));
                }

                return list;
            },
            ct);

    /// <summary>The watchlist with this name (<c>watchlist.not_found</c> when there is none).</summary>
    public Task<Watchlist> GetWatchlistAsync(string name, CancellationToken ct = default) =>
        ReadAsync(async (connection, transaction, ct) => await FindWatchlistAsync(connection, transaction, name, ct) ?? throw WatchlistNotFound(name), ct);

    /// <summary>Stores a proposed entry (<see cref="WatchlistEntry.Propose"/>, any id) under a new id; returns it rebuilt with that id.</summary>
    public Task<StoredEntry> AddEntryAsync(Watchlist watchlist, long subjectId, WatchlistEntry proposed, CancellationToken ct = default) =>
        WriteAsync((connection, transaction, _) => InsertEntryAsync(connection, transaction, watchlist, subjectId, proposed, ct), ct);

    /// <summary>
    /// A proposal with its photos in one transaction: the subject (<paramref name="newSubject"/> when given, else the
    /// existing <paramref name="subjectId"/>), the templates enrolled into the watchlist's gallery (their subject id
    /// replaced) and the proposed entry. A refused template leaves nothing behind.
    /// </summary>
    public Task<StoredEntry> ProposeEntryAsync(
        Watchlist watchlist, NewSubject? newSubject, long subjectId, IReadOnlyList<NewTemplate> templates, WatchlistEntry proposed, CancellationToken ct = default)
    {
        if (newSubject is not null)
        {
            ValidateSubject(newSubject);
        }

        var rows = new PreparedTemplate[templates.Count];
        for (var i = 0; i < templates.Count; i++)
        {
            rows[i] = Prepare(templates[i], templates.Count == 1 ? "Template" : $"Template {i}");
        }

        var now = _time.GetUtcNow();
        return WriteAsync(
            async (connection, transaction, sequence) =>
            {
                var id = newSubject is null ? subjectId : (await InsertSubjectAsync(connection, transaction, newSubject, now, ct)).Id;
                if (templates.Count > 0)
                {
                    var owned = new NewTemplate[templates.Count];
                    for (var i = 0; i < owned.Length; i++)
                    {
                        owned[i] = templates[i] with { SubjectId = id };
                    }

                    await InsertTemplatesAsync(connection, transaction, sequence, watchlist.GalleryId, owned, rows, now, ct);
                }

                return await InsertEntryAsync(connection, transaction, watchlist, id, proposed, ct);
            },
            ct);
    }

    private async Task<StoredEntry> InsertEntryAsync(
        DbConnection connection, DbTransaction transaction, Watchlist watchlist, long subjectId, WatchlistEntry proposed, CancellationToken ct)
    {
        var first = proposed.Current;
        await using var insert = connection.Command(
            transaction,
            """
            INSERT INTO watchlist_entries (watchlist_id, subject_id, state, version, expires_at_ticks, created_at_ticks, updated_at_ticks)
            VALUES (@w, @s, @state, @v, @e, @t, @t) RETURNING id
            """);
        insert.Add("w", watchlist.Id).Add("s", subjectId).Add("state", first.State.ToString()).Add("v", first.Version)
            .Add("e", first.LegalBasis.Expiry.UtcTicks).Add("t", first.At.UtcTicks);
        var id = await insert.ScalarInt64Async(ct);
        foreach (var version in proposed.Versions)
        {
            await InsertVersionAsync(connection, transaction, id, version, ct);
        }

        var entry = WatchlistEntry.Restore(Id(id), watchlist.Name, Id(subjectId), proposed.Versions);
        return new StoredEntry(id, watchlist, subjectId, entry);
    }

    /// <summary>
    /// Applies <paramref name="change"/> (e.g. <c>e =&gt; e.Approve(user, reason, now)</c>) to the entry read inside the
    /// write transaction and stores the version it returns. A refusal from the domain writes nothing.
    /// </summary>
    public Task<StoredEntry> ChangeEntryAsync(long entryId, Func<StoredEntry, EntryVersion> change, CancellationToken ct = default) =>
        WriteAsync(
            async (connection, transaction, _) =>
            {
                var stored = await FindEntryAsync(connection, transaction, entryId, ct) ?? throw EntryNotFound(entryId);
                var version = change(stored);
                try
                {
                    await InsertVersionAsync(connection, transaction, entryId, version, ct);
                }
                catch (DbException e) when (_dialect.IsUniqueViolation(e))
                {
                    throw new ArgusException("entry.conflict", $"Entry {entryId} was changed by someone else at the same time; look at its history and retry.", e);
                }

                await using var update = connection.Command(
                    transaction, "UPDATE watchlist_entries SET state = @state, version = @v, expires_at_ticks = @e, updated_at_ticks = @t WHERE id = @id");
                update.Add("state", version.State.ToString()).Add("v", version.Version).Add("e", version.LegalBasis.Expiry.UtcTicks)
                    .Add("t", version.At.UtcTicks).Add("id", entryId);
                await update.ExecuteNonQueryAsync(ct);
                return stored;
            },
            ct);

    /// <summary>The entry with every version, or null.</summary>
    public Task<StoredEntry?> GetEntryAsync(long entryId, CancellationToken ct = default) =>
        ReadAsync((connection, transaction, ct) => FindEntryAsync(connection, transaction, entryId, ct), ct);

    /// <summary>Entries of a watchlist (all when null), optionally only in <paramref name="state"/>, in id order.</summary>
    public Task<IReadOnlyList<StoredEntry>> ListEntriesAsync(long? watchlistId = null, EntryState? state = null, CancellationToken ct = default) =>
        QueryEntriesAsync(
            (watchlistId is null ? "1 = 1" : "watchlist_id = @w") + (state is null ? "" : " AND state = @state"),
            c =>
            {
                if (watchlistId is { } w)
                {
                    c.Add("w", w);
                }

                if (state is { } st)
                {
                    c.Add("state", st.ToString());
                }
            },
            ct);

    /// <summary>
    /// The entries of <paramref name="watchlistId"/> that match at <paramref name="now"/>: active and not expired.
    /// Expiry needs no job: an entry past its legal basis's expiry is simply not returned.
    /// </summary>
    public Task<IReadOnlyList<StoredEntry>> ListMatchingEntriesAsync(long watchlistId, DateTimeOffset now, CancellationToken ct = default) =>
        QueryEntriesAsync(
            "watchlist_id = @w AND state = @state AND expires_at_ticks > @now",
            c => c.Add("w", watchlistId).Add("state", nameof(EntryState.Active)).Add("now", now.UtcTicks),
            ct);

    /// <summary>
    /// Deactivates every active entry whose legal basis has expired by <paramref name="now"/>: a version
    /// <c>expired</c> by <c>system</c>, state removed. Returns the entries changed.
    /// </summary>
    public Task<IReadOnlyList<StoredEntry>> DeactivateExpiredEntriesAsync(DateTimeOffset now, CancellationToken ct = default) =>
        WriteAsync<IReadOnlyList<StoredEntry>>(
            async (connection, transaction, _) =>
            {
                var ids = new List<long>();
                await using (var select = connection.Command(transaction, "SELECT id FROM watchlist_entries WHERE state = @state AND expires_at_ticks <= @now ORDER BY id"))
                {
                    select.Add("state", nameof(EntryState.Active)).Add("now", now.UtcTicks);
                    await using var reader = await select.ExecuteReaderAsync(ct);
                    while (await reader.ReadAsync(ct))
                    {
                        ids.Add(reader.GetInt64(0));
                    }
                }

                var changed = new List<StoredEntry>();
                foreach (var id in ids)
                {
                    var stored = (await FindEntryAsync(connection, transaction, id, ct))!;
                    var current = stored.Entry.Current;
                    var version = new EntryVersion(
                        current.Version + 1, now, "system", "expired", $"legal basis expired on {current.LegalBasis.Expiry:yyyy-MM-dd}", EntryState.Removed, current.LegalBasis);
                    await InsertVersionAsync(connection, transaction, id, version, ct);
                    await using var update = connection.Command(transaction, "UPDATE watchlist_entries SET state = @state, version = @v, updated_at_ticks = @t WHERE id = @id");
                    update.Add("state", version.State.ToString()).Add("v", version.Version).Add("t", now.UtcTicks).Add("id", id);
                    await update.ExecuteNonQueryAsync(ct);
                    changed.Add((await FindEntryAsync(connection, transaction, id, ct))!);
                }

                return changed;
            },
            ct);

    /// <summary>Every version of every entry, for reports (counts by change, category and instrument).</summary>
    public Task<IReadOnlyList<(StoredEntry Entry, EntryVersion Version)>> ListEntryVersionsAsync(CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<(StoredEntry, EntryVersion)>>(
            async (connection, transaction, ct) =>
            {
                var entries = await QueryEntriesAsync(connection, transaction, "1 = 1", _ => { }, ct);
                return [.. entries.SelectMany(e => e.Entry.Versions.Select(v => (e, v)))];
            },
            ct);

    private Task<IReadOnlyList<StoredEntry>> QueryEntriesAsync(string where, Action<DbCommand> bind, CancellationToken ct) =>
        ReadAsync((connection, transaction, ct) => QueryEntriesAsync(connection, transaction, where, bind, ct), ct);

    private static async Task<IReadOnlyList<StoredEntry>> QueryEntriesAsync(
        DbConnection connection, DbTransaction transaction, string where, Action<DbCommand> bind, CancellationToken ct)
    {
        var rows = new List<(long Id, long WatchlistId, long SubjectId)>();
        await using (var command = connection.Command(transaction, $"SELECT id, watchlist_id, subject_id FROM watchlist_entries WHERE {where} ORDER BY id"))
        {
            bind(command);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                rows.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)));
            }
        }

        if (rows.Count == 0)
        {
            return [];
        }

        var watchlists = new Dictionary<long, Watchlist>();
        await using (var command = connection.Command(transaction, $"SELECT {WatchlistColumns} FROM watchlists"))
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var w = ReadWatchlist(reader);
                watchlists[w.Id] = w;
            }
        }

        var versions = await ReadVersionsAsync(connection, transaction, rows.Count == 1 ? rows[0].Id : null, ct);
        return [.. rows.Select(r => new StoredEntry(
            r.Id, watchlists[r.WatchlistId], r.SubjectId,
            WatchlistEntry.Restore(Id(r.Id), watchlists[r.WatchlistId].Name, Id(r.SubjectId), versions[r.Id])))];
    }

    private static async Task<StoredEntry?> FindEntryAsync(DbConnection connection, DbTransaction transaction, long id, CancellationToken ct)
    {
        var found = await QueryEntriesAsync(connection, transaction, "id = @id", c => c.Add("id", id), ct);
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>Versions by entry, oldest first; of one entry, or of all.</summary>
    private static async Task<Dictionary<long, List<EntryVersion>>> ReadVersionsAsync(DbConnection connection, DbTransaction transaction, long? entryId, CancellationToken ct)
    {
        await using var command = connection.Command(
            transaction,
            "SELECT entry_id, version, at_ticks, by_user, change, reason, state, legal_basis FROM entry_versions"
            + (entryId is null ? "" : " WHERE entry_id = @e") + " ORDER BY entry_id, version");
        if (entryId is { } e)
        {
            command.Add("e", e);
        }

        await using var reader = await command.ExecuteReaderAsync(ct);
        var versions = new Dictionary<long, List<EntryVersion>>();
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetInt64(0);
            if (!versions.TryGetValue(id, out var list))
            {
                versions[id] = list = [];
            }

            list.Add(new EntryVersion(
                reader.GetInt32(1),
                new DateTimeOffset(reader.GetInt64(2), TimeSpan.Zero),
                reader.GetString(3),
                reader.GetString(4),
                reader.GetString(5),
                Enum.Parse<EntryState>(reader.GetString(6)),
                JsonSerializer.Deserialize<LegalBasis>(reader.GetString(7), LegalBasisJson)!));
        }

        return versions;
    }

    private async Task InsertVersionAsync(DbConnection connection, DbTransaction transaction, long entryId, EntryVersion v, CancellationToken ct)
    {
        await using var insert = connection.Command(
            transaction,
            $"""
            INSERT INTO entry_versions (entry_id, version, at_ticks, by_user, change, reason, state, legal_basis)
            VALUES (@e, @v, @t, @b, @c, @r, @s, {_dialect.Json("@l")})
            """);
        insert.Add("e", entryId).Add("v", v.Version).Add("t", v.At.UtcTicks).Add("b", v.By).Add("c", v.Change).Add("r", v.Reason)
            .Add("s", v.State.ToString()).Add("l", JsonSerializer.Serialize(v.LegalBasis, LegalBasisJson));
        await insert.ExecuteNonQueryAsync(ct);
    }

    private static async Task<Watchlist?> FindWatchlistAsync(DbConnection connection, DbTransaction transaction, string name, CancellationToken ct)
    {
        await using var command = connection.Command(transaction, $"SELECT {WatchlistColumns} FROM watchlists WHERE name = @n");
        command.Add("n", name);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadWatchlist(reader) : null;
    }

    private static Watchlist ReadWatchlist(DbDataReader r) => new(
        r.GetInt64(0),
        r.GetString(1),
        Enum.Parse<WatchlistCategory>(r.GetString(2)),
        Enum.Parse<Severity>(r.GetString(3)),
        r.GetInt32(4),
        r.GetInt64(5),
        r.GetString(6),
        r.GetTimestamp(7));

    private static string Id(long id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static ArgusException WatchlistExists(string name, Exception inner) => new("watchlist.exists", $"A watchlist named '{name}' already exists.", inner);

    private static ArgusException WatchlistNotFound(string name) => new("watchlist.not_found", $"No watchlist named '{name}' (see argus watchlist list).");

    private static ArgusException EntryNotFound(long id) => new("entry.not_found", $"There is no watchlist entry with id {id}.");
}
