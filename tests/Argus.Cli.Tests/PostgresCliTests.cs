using Npgsql;

namespace Argus.Cli.Tests;

/// <summary>
/// The user commands against PostgreSQL (<c>ARGUS_DB=postgres</c>), in a schema of their own. Needs
/// <c>ARGUS_TEST_POSTGRES</c> (./test.sh sets it); skipped without it.
/// </summary>
public sealed class PostgresCliTests : IAsyncLifetime, IDisposable
{
    private readonly AccountabilityCli _cli = new();
    private readonly string _schema = "argus_cli_" + Guid.NewGuid().ToString("N")[..16];

    private static string? ConnectionString => Environment.GetEnvironmentVariable("ARGUS_TEST_POSTGRES") is { Length: > 0 } cs ? cs : null;

    public Task InitializeAsync() => Task.CompletedTask;

    public void Dispose() => _cli.Dispose();

    public async Task DisposeAsync()
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

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Users_logins_lockout_and_keys_work_on_postgresql()
    {
        Skip.If(ConnectionString is null, "ARGUS_TEST_POSTGRES is not set: PostgreSQL CLI tests skipped.");
        _cli.Database = new Dictionary<string, string?> { ["ARGUS_DB"] = "postgres", ["ARGUS_DB_CONNECTION"] = ConnectionString, ["ARGUS_DB_SCHEMA"] = _schema };
        await _cli.SetUpAsync(("ann", "investigator", "wanted"));
        var wrong = new Dictionary<string, string?> { ["ARGUS_PASSWORD"] = "not the password" };
        for (var i = 0; i < 5; i++)
        {
            await _cli.RunAsync(wrong, "--user", "ann", "user", "list");
        }

        Assert.Contains("Wrong username or password", (await _cli.AsAsync("ann", "user", "list")).Stderr, StringComparison.Ordinal); // locked, not said
        var created = await _cli.AsAdminAsync("user", "key", "create", "admin");
        var token = created.Stdout.Split('\n').Single(l => l.StartsWith("token: ", StringComparison.Ordinal))["token: ".Length..].Trim();
        Assert.Equal(0, (await _cli.RunAsync(new Dictionary<string, string?> { ["ARGUS_API_KEY"] = token }, "user", "list")).Code);
        Assert.Equal(0, (await _cli.AsAdminAsync("user", "key", "revoke", "1")).Code);
        Assert.Contains("revoked", (await _cli.RunAsync(new Dictionary<string, string?> { ["ARGUS_API_KEY"] = token }, "user", "list")).Stderr, StringComparison.Ordinal);
        var (code, stdout, stderr) = await _cli.RunAsync(null, "audit", "verify", "--json");
        Assert.True(code == 0, stderr);
        Assert.Contains("\"intact\": true", stdout, StringComparison.Ordinal);
    }
}
