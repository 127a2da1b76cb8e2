namespace Argus.Cli.Tests;

/// <summary><c>argus demo --load</c>: the demonstration for the server loads only into an empty store, once.</summary>
[Trait("Category", "Integration")]
public sealed class DemoCliTests : IDisposable
{
    private readonly AccountabilityCli _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task The_demonstration_refuses_a_store_that_has_users()
    {
        await _cli.SetUpAsync();
        var (code, _, stderr) = await _cli.RunAsync(null, "demo", "--load");
        Assert.Equal(2, code);
        Assert.Contains("loads only into an empty data directory", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(await _cli.AuditAsync(), r => r.GetProperty("action").GetString() == "entry.proposed");
    }

    [Fact]
    public async Task The_demonstration_loads_people_a_camera_and_a_deployment_once()
    {
        var (code, stdout, stderr) = await _cli.RunAsync(new Dictionary<string, string?> { ["ASPNETCORE_URLS"] = "http://127.0.0.1:5999" }, "demo", "--load");
        Assert.True(code == 0, stderr);
        Assert.Contains("console: http://127.0.0.1:5999/", stdout, StringComparison.Ordinal);
        Assert.Contains("approved by alex", stdout, StringComparison.Ordinal);
        Assert.Matches(@"\n\s+alex\s+\S{20,}\s+approver", stdout);
        Assert.Contains("deployment: 1, site 'demo'", stdout, StringComparison.Ordinal);

        // A second run changes nothing and prints no password.
        var again = await _cli.RunAsync(null, "demo", "--load");
        Assert.Equal(0, again.Code);
        Assert.Contains("already loaded", again.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("approver:", again.Stdout, StringComparison.Ordinal);
    }
}
