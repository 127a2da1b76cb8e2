using System.Text.Json;
using Argus.Tests;
using Microsoft.Extensions.Time.Testing;

namespace Argus.Cli.Tests;

/// <summary>
/// Runs commands in-process against a fresh data directory, acting as users. Passwords and keys go through the
/// invocation's own environment, so parallel tests never see each other's credentials.
/// </summary>
internal sealed class AccountabilityCli : IDisposable
{
    public const string Password = "correct horse battery staple";

    public TempDirectory Data { get; } = TestPaths.TempDirectory();

    public string AdminPassword { get; private set; } = "";

    /// <summary>Store settings for every command (e.g. PostgreSQL); SQLite in the data directory when empty.</summary>
    public IReadOnlyDictionary<string, string?> Database { get; set; } = new Dictionary<string, string?>();

    /// <summary>The clock of every command: today 10:00 UTC (working hours), advanced by tests instead of sleeping.</summary>
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(DateTime.UtcNow.Date.AddHours(10), TimeSpan.Zero));

    public void Dispose() => Data.Dispose();

    /// <summary>
    /// Bootstraps the administrator, adds a second administrator <c>admin2</c> (operational roles need two), and adds
    /// users (username, roles, watchlists) with <see cref="Password"/>, their role grants approved by <c>admin2</c>.
    /// </summary>
    public async Task SetUpAsync(params (string Name, string Roles, string Watchlists)[] users)
    {
        var (code, stdout, stderr) = await RunAsync(null, "user", "bootstrap");
        Assert.True(code == 0, stderr);
        AdminPassword = stdout.Split('\n').Single(l => l.StartsWith("password: ", StringComparison.Ordinal))["password: ".Length..].Trim();
        var second = await AsAdminAsync("user", "add", "admin2", "--role", "administrator", "--sites", "*", "--watchlists", "*");
        Assert.True(second.Code == 0, second.Stderr);

        // The tests read the audit log as this auditor: reading it is the auditor's alone.
        foreach (var (name, roles, watchlists) in users.Prepend(("auditor", "auditor", "*")))
        {
            var args = new List<string> { "user", "add", name, "--watchlists", watchlists, "--sites", "*" };
            foreach (var role in roles.Split(','))
            {
                args.Add("--role");
                args.Add(role);
            }

            await AddUserAsync([.. args]);
        }
    }

    /// <summary>Runs <c>user add</c> (or <c>user role</c>) as admin and has admin2 approve the role grant it requested, if any.</summary>
    public async Task AddUserAsync(params string[] args)
    {
        var added = await AsAdminAsync(args);
        Assert.True(added.Code == 0, added.Stderr);
        if (added.Stdout.Split('\n').FirstOrDefault(l => l.StartsWith("role grant #", StringComparison.Ordinal)) is { } line)
        {
            var id = line["role grant #".Length..].Split(' ')[0];
            var approved = await AsAsync("admin2", "user", "grant", "approve", id, "--reason", "test set-up");
            Assert.True(approved.Code == 0, approved.Stderr);
        }
    }

    public Task<(int Code, string Stdout, string Stderr)> AsAdminAsync(params string[] args) =>
        RunAsync(new Dictionary<string, string?> { ["ARGUS_PASSWORD"] = AdminPassword, ["ARGUS_NEW_PASSWORD"] = Password }, ["--user", "admin", .. args]);

    public Task<(int Code, string Stdout, string Stderr)> AsAsync(string user, params string[] args) =>
        RunAsync(new Dictionary<string, string?> { ["ARGUS_PASSWORD"] = Password }, ["--user", user, .. args]);

    public async Task<JsonElement> JsonAsync(string user, params string[] args)
    {
        var (code, stdout, stderr) = user == "admin" ? await AsAdminAsync(args) : await AsAsync(user, args);
        Assert.True(code == 0, $"exit {code}: {stderr}");
        return JsonDocument.Parse(stdout).RootElement;
    }

    /// <summary>The audit log's records, read by the auditor.</summary>
    public async Task<JsonElement[]> AuditAsync()
    {
        var (code, stdout, stderr) = await AsAsync("auditor", "audit", "list", "--last", "100000", "--json");
        Assert.True(code == 0, stderr);
        return [.. JsonDocument.Parse(stdout).RootElement.GetProperty("records").EnumerateArray()];
    }

    public async Task<(int Code, string Stdout, string Stderr)> RunAsync(IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var env = new Dictionary<string, string?> { ["ARGUS_PASSWORD"] = null, ["ARGUS_API_KEY"] = null, ["ARGUS_NEW_PASSWORD"] = null, ["ARGUS_DB"] = null, ["ARGUS_DB_CONNECTION"] = null, ["ARGUS_DB_SCHEMA"] = null };
        foreach (var (k, v) in Database.Concat(environment ?? new Dictionary<string, string?>()))
        {
            env[k] = v;
        }

        var code = await ArgusCli.RunAsync([.. args, "--data", Data.Path, "--models", TestPaths.Models], stdout, stderr, env, new StringReader(""), Time);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
