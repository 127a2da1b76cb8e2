using System.Text.Json.Nodes;
using Argus.Tests;

namespace Argus.Cli.Tests;

public sealed class DbCommandsTests
{
    [Fact]
    [Trait("Category", "Integration")]
    public async Task Db_migrate_applies_once_and_status_and_check_report_the_store()
    {
        using var data = TestPaths.TempDirectory();

        var (code, output, error) = await RunAsync("db", "migrate", "--data", data.Path);
        Assert.True(code == 0, error);
        Assert.Contains("applied 0001", output);
        Assert.True(File.Exists(data.File("argus.db")));

        (code, output, _) = await RunAsync("db", "migrate", "--data", data.Path);
        Assert.Equal(0, code);
        Assert.Contains("schema is current", output);

        (code, output, _) = await RunAsync("db", "status", "--json", "--data", data.Path);
        Assert.Equal(0, code);
        var status = JsonNode.Parse(output)!;
        Assert.Equal("sqlite", (string?)status["provider"]);
        Assert.Equal(Argus.Storage.ArgusStore.LatestSchemaVersion, (int)status["schema_version"]!);
        Assert.Equal(0, (long)status["templates"]!);

        (code, output, _) = await RunAsync("db", "check", "--data", data.Path);
        Assert.Equal(0, code);
        Assert.StartsWith("ok:", output);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task A_corrupt_database_is_one_line_and_exit_2()
    {
        using var data = TestPaths.TempDirectory();
        await File.WriteAllTextAsync(data.File("argus.db"), "this is not a database, just text that fills the header area of the file....");

        var (code, _, error) = await RunAsync("db", "status", "--data", data.Path);
        Assert.Equal(2, code);
        Assert.Contains("corrupt", error);
        Assert.Single(error.Trim().Split('\n'));
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await ArgusCli.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
