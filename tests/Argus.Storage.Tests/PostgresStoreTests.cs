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
        ArgusStore.OpenAsync(StorageOptions.Postgres(RequireConnectionString(), _schema));

    public override async Task DisposeAsync()
    {
        if (ConnectionString is null)
        {
            return;
        }

        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE", connection);
        await command.ExecuteNonQueryAsync();
    }
}
