using Argus.Tests;

namespace Argus.Storage.Tests;

public sealed class SqliteStoreTests : StoreContractTests
{
    private readonly TempDirectory _directory = TestPaths.TempDirectory();

    protected override Task<ArgusStore> OpenStoreAsync() => ArgusStore.OpenAsync(StorageOptions.Sqlite(_directory.File("argus.db")) with { TimeProvider = Time });

    /// <summary>The database, its WAL and shared-memory files: readable and writable by their owner only.</summary>
    [Fact]
    [Trait("Category", "Integration")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task The_database_and_its_wal_and_shm_are_0600_in_a_0700_folder_and_an_old_0644_file_is_tightened()
    {
        var home = _directory.File("home");
        var path = Path.Combine(home, "argus.db");
        await using (var store = await ArgusStore.OpenAsync(StorageOptions.Sqlite(path)))
        {
            await store.CreateGalleryAsync("g", TestData.Contract);
            foreach (var file in new[] { path, path + "-wal", path + "-shm" })
            {
                Assert.True(File.Exists(file), file);
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            }

            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(home));
        }

        // A database left world-readable by an older version is tightened when opened.
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        await using (var again = await ArgusStore.OpenAsync(StorageOptions.Sqlite(path)))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    /// <summary>A store whose page budget is spent answers reads but not writes: CheckWritableAsync (behind /ready) says so.</summary>
    [Fact]
    [Trait("Category", "Integration")]
    public async Task A_full_store_is_reported_not_writable_and_a_healthy_one_writable()
    {
        var path = _directory.File("full.db");
        await using (var store = await ArgusStore.OpenAsync(StorageOptions.Sqlite(path)))
        {
            Assert.Null(await store.CheckWritableAsync(0));

            // Less free space than asked for is "full", whatever SQLite would still accept.
            Assert.Equal("storage.full", await store.CheckWritableAsync(long.MaxValue));
        }

        long pages;
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA page_count;";
            pages = (long)(await command.ExecuteScalarAsync())!;
        }

        await using var capped = await ArgusStore.OpenAsync(StorageOptions.Sqlite(path) with { SqliteMaxPageCount = pages + 1, TimeProvider = new Microsoft.Extensions.Time.Testing.FakeTimeProvider() });
        Assert.Equal("storage.full", await capped.CheckWritableAsync(0));
    }

    public override Task DisposeAsync()
    {
        _directory.Dispose();
        return Task.CompletedTask;
    }
}
