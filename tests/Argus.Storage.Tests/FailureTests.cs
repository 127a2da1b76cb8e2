using System.Diagnostics;
using Argus.Core;
using Argus.Tests;
using Microsoft.Data.Sqlite;

namespace Argus.Storage.Tests;

/// <summary>Each storage failure is a clear error with a stable code, and nothing acknowledged before it is lost.</summary>
public sealed class FailureTests : IDisposable
{
    private readonly TempDirectory _directory = TestPaths.TempDirectory();

    private string DbPath => _directory.File("argus.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task A_database_locked_by_another_writer_beyond_the_busy_timeout_is_storage_busy()
    {
        var (galleryId, subjectId) = await SeedAsync();
        await using var store = await ArgusStore.OpenAsync(StorageOptions.Sqlite(DbPath) with { BusyTimeout = TimeSpan.FromMilliseconds(200) });

        await using (var other = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            other.Open();
            using var hold = other.BeginTransaction(deferred: false); // BEGIN IMMEDIATE: the write lock, held
            var clock = Stopwatch.StartNew();
            var e = await Assert.ThrowsAsync<ArgusException>(() => store.AddTemplateAsync(galleryId, TestData.Template(subjectId, 10)));
            Assert.Equal("storage.busy", e.Code);
            Assert.Contains("busy timeout", e.Message);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");

            // Readers are not blocked by a writer in WAL mode.
            Assert.Equal(1, (await store.GetFingerprintAsync(galleryId)).TemplateCount);
        }

        await store.AddTemplateAsync(galleryId, TestData.Template(subjectId, 11));
        Assert.Equal(2, (await store.GetFingerprintAsync(galleryId)).TemplateCount);
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task A_read_only_database_file_is_storage_read_only_and_keeps_its_data()
    {
        var (galleryId, subjectId) = await SeedAsync();
        using (ReadOnly.Make(DbPath))
        {
            // SQLite opens a file it cannot write read-only: reads work, and every write is refused with a clear code.
            await using var readOnly = await ArgusStore.OpenAsync(StorageOptions.Sqlite(DbPath));
            Assert.Equal(1, (await readOnly.GetFingerprintAsync(galleryId)).TemplateCount);
            var e = await Assert.ThrowsAsync<ArgusException>(() => readOnly.AddTemplateAsync(galleryId, TestData.Template(subjectId, 2)));
            Assert.Equal("storage.read_only", e.Code);
            Assert.Equal("storage.read_only", (await Assert.ThrowsAsync<ArgusException>(() => readOnly.CreateSubjectAsync(new NewSubject("Bob")))).Code);
        }

        await using var store = await ArgusStore.OpenAsync(StorageOptions.Sqlite(DbPath));
        Assert.Equal(1, (await store.GetFingerprintAsync(galleryId)).TemplateCount);
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task A_read_only_directory_is_storage_read_only()
    {
        var (galleryId, _) = await SeedAsync();
        using (ReadOnly.Make(_directory.Path))
        {
            var e = await Assert.ThrowsAsync<ArgusException>(() => ArgusStore.OpenAsync(StorageOptions.Sqlite(DbPath)));
            Assert.Equal("storage.read_only", e.Code);
            var fresh = await Assert.ThrowsAsync<ArgusException>(() => ArgusStore.OpenAsync(StorageOptions.Sqlite(_directory.File("new.db"))));
            Assert.Equal("storage.read_only", fresh.Code);
        }

        await using var store = await ArgusStore.OpenAsync(StorageOptions.Sqlite(DbPath));
        Assert.Equal(1, (await store.GetFingerprintAsync(galleryId)).TemplateCount);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task A_file_of_garbage_is_storage_corrupt()
    {
        var garbage = new byte[64 * 1024];
        new Random(7).NextBytes(garbage);
        await File.WriteAllBytesAsync(DbPath, garbage);

        var e = await Assert.ThrowsAsync<ArgusException>(() => ArgusStore.OpenAsync(StorageOptions.Sqlite(DbPath)));
        Assert.Equal("storage.corrupt", e.Code);
        Assert.Equal(garbage, await File.ReadAllBytesAsync(DbPath)); // left as it was for forensics and restore
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task Garbage_written_over_the_pages_of_a_database_is_storage_corrupt()
    {
        var (galleryId, subjectId) = await SeedAsync();
        await using (var store = await ArgusStore.OpenAsync(StorageOptions.Sqlite(DbPath)))
        {
            await store.AddTemplatesAsync(galleryId, [.. Enumerable.Range(100, 200).Select(i => TestData.Template(subjectId, i))]);
        }

        SqliteConnection.ClearAllPools();

        // Keep the 100-byte header so that SQLite recognises the file, then overwrite everything after it.
        var bytes = await File.ReadAllBytesAsync(DbPath);
        var random = new Random(11);
        random.NextBytes(bytes.AsSpan(100));
        await File.WriteAllBytesAsync(DbPath, bytes);

        var e = await Assert.ThrowsAsync<ArgusException>(async () =>
        {
            await using var store = await ArgusStore.OpenAsync(StorageOptions.Sqlite(DbPath));
            await foreach (var _ in store.StreamTemplatesAsync(galleryId))
            {
            }
        });
        Assert.Equal("storage.corrupt", e.Code);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task A_damaged_page_is_found_by_the_integrity_check()
    {
        var (galleryId, subjectId) = await SeedAsync();
        await using (var store = await ArgusStore.OpenAsync(StorageOptions.Sqlite(DbPath)))
        {
            await store.AddTemplatesAsync(galleryId, [.. Enumerable.Range(100, 300).Select(i => TestData.Template(subjectId, i))]);
            Assert.Empty(await store.CheckIntegrityAsync());
        }

        SqliteConnection.ClearAllPools();

        // Overwrite one page in the middle of the file (16 KiB pages), leaving the rest intact.
        var bytes = await File.ReadAllBytesAsync(DbPath);
        var page = bytes.Length / 16384 / 2;
        new Random(3).NextBytes(bytes.AsSpan(page * 16384, 16384));
        await File.WriteAllBytesAsync(DbPath, bytes);

        await using var damaged = await ArgusStore.OpenAsync(StorageOptions.Sqlite(DbPath));
        try
        {
            Assert.NotEmpty(await damaged.CheckIntegrityAsync());
        }
        catch (ArgusException e)
        {
            Assert.Equal("storage.corrupt", e.Code);
        }
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task An_embedding_of_the_wrong_size_is_storage_corrupt_when_streamed_and_named_by_the_check()
    {
        var (galleryId, _) = await SeedAsync();
        await using (var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE templates SET embedding = zeroblob(12)";
            command.ExecuteNonQuery();
        }

        await using var store = await ArgusStore.OpenAsync(StorageOptions.Sqlite(DbPath));
        var e = await Assert.ThrowsAsync<ArgusException>(async () =>
        {
            await foreach (var _ in store.StreamTemplatesAsync(galleryId))
            {
            }
        });
        Assert.Equal("storage.corrupt", e.Code);
        Assert.Contains("embedding of 12 bytes", Assert.Single(await store.CheckIntegrityAsync()));
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task A_full_disk_is_storage_full_and_the_transaction_rolls_back()
    {
        var (galleryId, subjectId) = await SeedAsync();
        long pages;
        await using (var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA page_count";
            pages = (long)command.ExecuteScalar()!;
        }

        await using (var capped = await ArgusStore.OpenAsync(StorageOptions.Sqlite(DbPath) with { SqliteMaxPageCount = pages + 2 }))
        {
            var before = await capped.GetFingerprintAsync();
            var many = Enumerable.Range(1000, 500).Select(i => TestData.Template(subjectId, i, TestData.Contract) with
            {
                FaceCropPng = TestData.Png.Concat(new byte[4000]).ToArray(),
            }).ToArray();

            var e = await Assert.ThrowsAsync<ArgusException>(() => capped.AddTemplatesAsync(galleryId, many));
            Assert.Equal("storage.full", e.Code);
            Assert.Equal(before, await capped.GetFingerprintAsync());
            Assert.Single(await capped.ListTemplatesAsync(subjectId));
        }

        // With room again, the same batch goes in whole.
        await using var store = await ArgusStore.OpenAsync(StorageOptions.Sqlite(DbPath));
        await store.AddTemplatesAsync(galleryId, [.. Enumerable.Range(1000, 500).Select(i => TestData.Template(subjectId, i))]);
        Assert.Equal(501, (await store.GetFingerprintAsync(galleryId)).TemplateCount);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task An_unreachable_postgres_is_storage_unavailable()
    {
        // Nothing listens on port 1 of the loopback address: the connection is refused at once.
        var options = StorageOptions.Postgres("Host=127.0.0.1;Port=1;Username=argus;Password=argus;Database=argus;Timeout=3");
        var e = await Assert.ThrowsAsync<ArgusException>(() => ArgusStore.OpenAsync(options));
        Assert.Equal("storage.unavailable", e.Code);
        Assert.Contains("127.0.0.1:1", e.Message);
        Assert.DoesNotContain("Password", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    [Trait("Category", "Unit")]
    public async Task A_newer_schema_is_refused()
    {
        await SeedAsync();
        await using (var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', '2030-01-01')";
            command.ExecuteNonQuery();
        }

        var e = await Assert.ThrowsAsync<ArgusException>(() => ArgusStore.OpenAsync(StorageOptions.Sqlite(DbPath)));
        Assert.Equal("storage.schema_too_new", e.Code);
    }

    private async Task<(long Gallery, long Subject)> SeedAsync()
    {
        await using var store = await ArgusStore.OpenAsync(StorageOptions.Sqlite(DbPath));
        var gallery = await store.CreateGalleryAsync("g", TestData.Contract);
        var subject = await store.CreateSubjectAsync(new NewSubject("Ann"));
        await store.AddTemplateAsync(gallery.Id, TestData.Template(subject.Id, 1));
        return (gallery.Id, subject.Id);
    }

    /// <summary>
    /// Makes a file or directory read-only for the duration. As root, permission bits do not stop writes, so the
    /// immutable attribute (chattr +i) is used instead; the test is skipped where neither works.
    /// </summary>
    private sealed class ReadOnly : IDisposable
    {
        private readonly string _path;
        private readonly bool _immutable;
        private readonly UnixFileMode _mode;

        private ReadOnly(string path, bool immutable, UnixFileMode mode)
        {
            _path = path;
            _immutable = immutable;
            _mode = mode;
        }

        public static ReadOnly Make(string path)
        {
            SqliteConnection.ClearAllPools();
            if (!OperatingSystem.IsWindows() && Environment.UserName != "root")
            {
                var mode = File.GetUnixFileMode(path);
                File.SetUnixFileMode(path, mode & ~(UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite));
                return new ReadOnly(path, false, mode);
            }

            Skip.IfNot(Chattr("+i", path), "running as root and chattr +i is unavailable: cannot make a file read-only for root");
            return new ReadOnly(path, true, default);
        }

        public void Dispose()
        {
            if (_immutable)
            {
                Chattr("-i", _path);
            }
            else if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(_path, _mode);
            }
        }

        private static bool Chattr(string flag, string path)
        {
            try
            {
                using var process = Process.Start(new ProcessStartInfo("chattr", [flag, path]) { RedirectStandardError = true })!;
                process.WaitForExit();
                return process.ExitCode == 0;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return false;
            }
        }
    }
}
