using Argus.Core;
using Npgsql;

namespace Argus.Storage.Tests;

/// <summary>
/// The same contract against PostgreSQL. Needs <c>ARGUS_TEST_POSTGRES</c> (./test.sh starts a local server and sets it);
/// each test uses a schema of its own, dropped afterwards, so runs never collide.
/// </summary>
public sealed class PostgresStoreTests : StoreContractTests
{
    public const string Variable = "ARGUS_TEST_POSTGRES";

    private readonly string _schema = "argus_test_" + Guid.NewGuid().ToString("N")[..16];

    public static string? ConnectionString => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } cs ? cs : null;

    public static string RequireConnectionString()
    {
        Skip.If(ConnectionString is null, $"{Variable} is not set: PostgreSQL tests skipped (./test.sh starts a local PostgreSQL and sets it).");
        return ConnectionString!;
    }

    protected override Task<ArgusStore> OpenStoreAsync() =>
        ArgusStore.OpenAsync(StorageOptions.Postgres(RequireConnectionString(), _schema) with { TimeProvider = Time });

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task A_row_lock_held_by_another_writer_beyond_the_busy_timeout_is_storage_busy()
    {
        var connectionString = RequireConnectionString();
        long galleryId, subjectId;
        await using (var setup = await OpenStoreAsync())
        {
            galleryId = (await setup.CreateGalleryAsync("g", TestData.Contract)).Id;
            subjectId = (await setup.CreateSubjectAsync(new NewSubject("Ann"))).Id;
        }

        await using var store = await ArgusStore.OpenAsync(StorageOptions.Postgres(connectionString, _schema) with { BusyTimeout = TimeSpan.FromMilliseconds(200) });
        await using (var other = new NpgsqlConnection(connectionString))
        {
            await other.OpenAsync();
            await using var hold = await other.BeginTransactionAsync();
            await using (var lockRow = new NpgsqlCommand($"SELECT value FROM \"{_schema}\".change_counter FOR UPDATE", other, hold))
            {
                await lockRow.ExecuteScalarAsync();
            }

            var e = await Assert.ThrowsAsync<ArgusException>(() => store.AddTemplateAsync(galleryId, TestData.Template(subjectId, 1)));
            Assert.Equal("storage.busy", e.Code);
            Assert.Equal(0, (await store.GetFingerprintAsync(galleryId)).TemplateCount); // readers are not blocked
        }

        await store.AddTemplateAsync(galleryId, TestData.Template(subjectId, 1));
        Assert.Equal(1, (await store.GetFingerprintAsync(galleryId)).TemplateCount);
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task A_read_only_database_is_storage_read_only()
    {
        var connectionString = RequireConnectionString();
        long galleryId, subjectId;
        await using (var setup = await OpenStoreAsync())
        {
            galleryId = (await setup.CreateGalleryAsync("g", TestData.Contract)).Id;
            subjectId = (await setup.CreateSubjectAsync(new NewSubject("Ann"))).Id;
            await setup.AddTemplateAsync(galleryId, TestData.Template(subjectId, 1));
        }

        // A hot standby or a read-only role behaves the same: every transaction is read-only.
        var readOnly = connectionString + ";Options=-c default_transaction_read_only=on";
        Assert.Equal("storage.read_only", (await Assert.ThrowsAsync<ArgusException>(() => ArgusStore.OpenAsync(StorageOptions.Postgres(readOnly, _schema)))).Code);
        await using var store = await ArgusStore.OpenAsync(StorageOptions.Postgres(readOnly, _schema) with { MigrateOnOpen = false });
        Assert.Equal(1, (await store.GetFingerprintAsync(galleryId)).TemplateCount);
        var e = await Assert.ThrowsAsync<ArgusException>(() => store.AddTemplateAsync(galleryId, TestData.Template(subjectId, 2)));
        Assert.Equal("storage.read_only", e.Code);
    }

    public override Task DisposeAsync() => DropSchemaAsync(_schema);

    /// <summary>Drops a test's own schema (nothing to do when PostgreSQL tests are skipped).</summary>
    public static async Task DropSchemaAsync(string schema)
    {
        if (ConnectionString is null)
        {
            return;
        }

        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
        await command.ExecuteNonQueryAsync();
    }
}
