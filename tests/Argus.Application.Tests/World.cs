using Argus.Application.Alerts;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Core.Watchlists;
using Argus.Storage;
using Argus.Tests;
using Argus.Vision.Imaging;
using Argus.Vision.Pipeline;
using Npgsql;

namespace Argus.Application.Tests;

/// <summary>
/// A store (SQLite in a temp directory, or a PostgreSQL schema of its own), an audit chain, people with roles, and
/// watchlists with approved entries enrolled from faces-dev photos.
/// </summary>
internal sealed class World : IAsyncDisposable
{
    public const string PostgresVariable = "ARGUS_TEST_POSTGRES";

    public static readonly Principal Admin = User("admin", Role.Administrator);
    public static readonly Principal Ann = User("ann", Role.Investigator);
    public static readonly Principal Sam = User("sam", Role.Approver);
    public static readonly Principal Olly = User("olly", Role.Operator);
    public static readonly Principal Omar = User("omar", Role.Operator);
    public static readonly Principal Auditor = User("aud", Role.Auditor);

    private readonly string? _schema;

    private World(TempDirectory directory, ArgusStore store, TimeProvider time, string? schema)
    {
        Directory = directory;
        Store = store;
        Time = time;
        _schema = schema;
    }

    public TempDirectory Directory { get; }

    public ArgusStore Store { get; }

    public TimeProvider Time { get; }

    public AuditChain Chain { get; } = AuditChain.FromSecret(new string('a', 64));

    public static async Task<World> CreateAsync(TimeProvider? time = null, bool postgres = false)
    {
        time ??= TimeProvider.System;
        var directory = TestPaths.TempDirectory();
        if (!postgres)
        {
            return new World(directory, await ArgusStore.OpenAsync(StorageOptions.Sqlite(directory.File("argus.db")) with { TimeProvider = time }), time, null);
        }

        var connection = Environment.GetEnvironmentVariable(PostgresVariable);
        Skip.If(string.IsNullOrEmpty(connection), $"{PostgresVariable} is not set: PostgreSQL tests skipped (./test.sh starts a local PostgreSQL and sets it).");
        var schema = "argus_app_" + Guid.NewGuid().ToString("N")[..16];
        return new World(directory, await ArgusStore.OpenAsync(StorageOptions.Postgres(connection!, schema) with { TimeProvider = time }), time, schema);
    }

    public static Principal User(string name, Role role, string sites = "*", string watchlists = "*") =>
        new(name, name, new HashSet<Role> { role }, new Scope(Set(sites), new HashSet<string> { Scope.All }, Set(watchlists)));

    public Task<Watchlist> WatchlistAsync(FaceEngine engine, string name, WatchlistCategory category = WatchlistCategory.WantedPerson) =>
        Store.CreateWatchlistAsync(new NewWatchlist(name, category), engine.Contract, "admin");

    /// <summary>Enrols <paramref name="photo"/> (faces-dev relative) as <paramref name="name"/> on <paramref name="watchlist"/>, proposed by ann and approved by sam unless told not to.</summary>
    public async Task<StoredEntry> EnrolAsync(FaceEngine engine, Watchlist watchlist, string name, string photo, bool approve = true)
    {
        var path = TestPaths.FacesDevFile(photo);
        using var image = ImageDecoder.DecodeFile(path);
        var embedding = engine.AnalyzePrimary(image).Face!.Embedding!;
        var subject = await Store.CreateSubjectAsync(new NewSubject(name));
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(path)));
        await Store.AddTemplateAsync(watchlist.GalleryId, NewTemplate.From(embedding, subject.Id, sha, "ann") with { FaceCropPng = Png(path) });
        var now = Time.GetUtcNow();
        var basis = new LegalBasis("CASE-1", "armed robbery", "DI Jones", "Metropolitan Police", "Warrant 2026/17", now.AddDays(30), [new ImageSource(sha, "custody", "CR-1")]);
        var entry = await Store.AddEntryAsync(watchlist, subject.Id, WatchlistEntry.Propose("new", watchlist.Name, watchlist.Policy, "s", basis, Ann, "seen near the bank", now));
        if (approve)
        {
            await Store.ChangeEntryAsync(entry.Id, e => e.Entry.Approve(Sam, "warrant checked", now));
        }

        return (await Store.GetEntryAsync(entry.Id))!;
    }

    /// <summary>An authorisation recorded by <paramref name="by"/> (an authorising official, "ada", unless a test says otherwise) for the watchlists, valid a day around <paramref name="now"/>; its number.</summary>
    public async Task<string> AuthorisationAsync(DateTimeOffset now, string by = "ada", params string[] watchlists) =>
        (await Store.RecordAuthorisationAsync(new Core.Purposes.AuthorisationRequest("Order 55", "OP-MATCHDAY-1", watchlists, now.AddHours(-1), now.AddDays(1)), by)).Id
            .ToString(System.Globalization.CultureInfo.InvariantCulture);

    public async Task<long> TemplateOfAsync(StoredEntry entry) => (await Store.ListTemplatesAsync(entry.SubjectId))[0].Id;

    public async Task<List<AuditRecord>> AuditAsync()
    {
        var records = new List<AuditRecord>();
        await foreach (var r in Store.ReadAuditAsync())
        {
            records.Add(r);
        }

        Assert.True(Chain.Verify(records).Intact);
        return records;
    }

    /// <summary>The services' context over this world's store and chain (no face engine).</summary>
    public OperationContext Operations() =>
        new(Store, Chain, () => throw new InvalidOperationException("no engine in this test"), Directory.Path, Time, _ => null);

    /// <summary>A second store over this world's database (it applies any migration the database lacks).</summary>
    public async Task<ArgusStore> OpenAgainAsync() => _schema is null
        ? await ArgusStore.OpenAsync(StorageOptions.Sqlite(Directory.File("argus.db")) with { TimeProvider = Time })
        : await ArgusStore.OpenAsync(StorageOptions.Postgres(Environment.GetEnvironmentVariable(PostgresVariable)!, _schema) with { TimeProvider = Time });

    /// <summary>Runs SQL on the store's database behind Argus's back, as an insider with database access could.</summary>
    public async Task ExecuteAsync(string sql)
    {
        if (_schema is null)
        {
            await using var sqlite = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Directory.File("argus.db")};Pooling=False");
            await sqlite.OpenAsync();
            await using var c = sqlite.CreateCommand();
            c.CommandText = sql;
            await c.ExecuteNonQueryAsync();
            return;
        }

        await using var connection = new NpgsqlConnection(Environment.GetEnvironmentVariable(PostgresVariable));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SET search_path TO \"{_schema}\"; {sql}", connection);
        await command.ExecuteNonQueryAsync();
    }

    public AlertFeed Feed(AlertDeskOptions? options = null) => new(Store, Chain, options, Time);

    public AlertDesk Desk(AlertFeed? feed = null, AlertDeskOptions? options = null) => new(Store, Chain, feed, options, Time);

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        if (_schema is not null)
        {
            await using var connection = new NpgsqlConnection(Environment.GetEnvironmentVariable(PostgresVariable));
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE", connection);
            await command.ExecuteNonQueryAsync();
        }

        Directory.Dispose();
    }

    /// <summary>The enrolled photo stands in for the aligned crop (the test photos are PNG).</summary>
    private static byte[] Png(string path) =>
        path.EndsWith(".png", StringComparison.Ordinal) ? File.ReadAllBytes(path) : throw new ArgumentException("enrol PNG photos in tests", nameof(path));

    private static HashSet<string> Set(string csv) => [.. csv.Split(',', StringSplitOptions.RemoveEmptyEntries)];
}

public sealed class EngineFixture : IDisposable
{
    private readonly Lazy<FaceEngine> _engine = new(() => new FaceEngineBuilder().UseModelDirectory(TestPaths.Models).Build());

    public FaceEngine Engine => _engine.Value;

    public void Dispose()
    {
        if (_engine.IsValueCreated)
        {
            _engine.Value.Dispose();
        }
    }
}
