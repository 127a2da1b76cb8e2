using System.Text.Json;
using Argus.Tests;
using Microsoft.Data.Sqlite;

namespace Argus.Cli.Tests;

/// <summary>
/// `argus audit verify` against the head checkpoint kept outside the database: a cut tail, a truncated log and a wiped
/// database are caught with no head given by hand; a missing audit key is said to be missing, never replaced.
/// </summary>
public sealed class AuditCheckpointCliTests : IDisposable
{
    private readonly AccountabilityCli _cli = new();
    private readonly TempDirectory _outside = TestPaths.TempDirectory();

    public AuditCheckpointCliTests() => _cli.Database = new Dictionary<string, string?>
    {
        ["ARGUS_AUDIT_CHECKPOINT_FILE"] = _outside.File("head.json"),
        ["ARGUS_AUDIT_CHECKPOINT_RECORDS"] = "3",
    };

    public void Dispose()
    {
        _cli.Dispose();
        _outside.Dispose();
    }

    private string Database => Path.Combine(_cli.Data.Path, "argus.db");

    private async Task<JsonElement> VerifyAsync()
    {
        var (_, stdout, stderr) = await _cli.RunAsync(null, "audit", "verify", "--json");
        Assert.True(stdout.Length > 0, stderr);
        return JsonDocument.Parse(stdout).RootElement;
    }

    private void Sql(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Database};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Deleting_the_tail_or_truncating_the_log_is_caught_without_a_hand_kept_head()
    {
        await _cli.SetUpAsync(("ann", "investigator", "*"));
        Assert.True((await VerifyAsync()).GetProperty("intact").GetBoolean());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_outside.File("head.json")));

        Sql("DELETE FROM audit_log WHERE seq > (SELECT MAX(seq) - 3 FROM audit_log)");
        var cut = await VerifyAsync();
        Assert.False(cut.GetProperty("intact").GetBoolean());
        Assert.Contains("recorded head", cut.GetProperty("reason").GetString(), StringComparison.Ordinal);

        Sql("DELETE FROM audit_log");
        var truncated = await VerifyAsync();
        Assert.False(truncated.GetProperty("intact").GetBoolean());
        Assert.Contains("deleted at the end", truncated.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wiping_the_database_is_caught_and_the_checkpoint_is_not_replaced_by_the_new_empty_history()
    {
        await _cli.SetUpAsync(("ann", "investigator", "*"));
        var before = await File.ReadAllTextAsync(_outside.File("head.json"));
        foreach (var f in new[] { Database, Database + "-wal", Database + "-shm" })
        {
            File.Delete(f);
        }

        // A new administrator on the new, empty database writes records of its own…
        Assert.Equal(0, (await _cli.RunAsync(null, "user", "bootstrap")).Code);
        var wiped = await VerifyAsync();
        Assert.False(wiped.GetProperty("intact").GetBoolean());

        // …but the checkpoint of the old history stays as evidence.
        Assert.Equal(before, await File.ReadAllTextAsync(_outside.File("head.json")));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Verify_with_the_audit_key_missing_says_so_and_makes_no_new_key()
    {
        await _cli.SetUpAsync();
        var key = Path.Combine(_cli.Data.Path, "secrets", "audit.key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(key)!));
        File.Delete(key);

        var (code, stdout, stderr) = await _cli.RunAsync(null, "audit", "verify");
        Assert.Equal(ArgusCli.BadInput, code);
        Assert.Contains("audit key", stderr, StringComparison.Ordinal);
        Assert.Contains("missing", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("edited", stdout + stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(key), "a new audit key was made over an existing log");
    }
}
