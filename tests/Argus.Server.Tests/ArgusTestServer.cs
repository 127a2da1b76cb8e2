using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Argus.Core.Access;
using Argus.Server.Hosting;
using Argus.Storage;
using Argus.Tests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Argus.Server.Tests;

/// <summary>
/// The real server (Kestrel, the real pipeline, the real store) on 127.0.0.1 port 0, in a fresh data directory and,
/// for PostgreSQL, a schema of its own that is dropped at the end. Users are created in the store with an API key
/// each; tests talk to it over HTTP only.
/// </summary>
public sealed class ArgusTestServer : IAsyncDisposable
{
    public const string Password = "correct horse battery staple";
    public const string PostgresVariable = "ARGUS_TEST_POSTGRES";

    private readonly TempDirectory _home;
    private readonly string? _schema;
    private readonly Dictionary<string, string> _tokens = new(StringComparer.Ordinal);
    private readonly List<HttpClient> _clients = [];

    private readonly Dictionary<string, string?> _config;
    private readonly TimeProvider? _time;

    private ArgusTestServer(WebApplication app, TempDirectory home, string? schema, Uri address, Dictionary<string, string?> config, TimeProvider? time)
    {
        App = app;
        _home = home;
        _schema = schema;
        Address = address;
        _config = config;
        _time = time;
    }

    public static string? PostgresConnection => Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } cs ? cs : null;

    public WebApplication App { get; private set; }

    public Uri Address { get; }

    internal ArgusRuntime Runtime => App.Services.GetRequiredService<ArgusRuntime>();

    /// <summary>The audit head checkpoint: beside the data directory, not in it (deleted with the server).</summary>
    public string CheckpointFile => Runtime.Checkpoint?.Path ?? CheckpointFileOf(_home.Path);

    private static string CheckpointFileOf(string home) => home + ".checkpoint/head.json";

    /// <summary>One pass of the audit sweep now (<paramref name="all"/>: as at shutdown), instead of waiting for its timer.</summary>
    internal Task SweepAuditAsync(bool all = false) => App.Services.GetRequiredService<AuditSweep>().SweepAsync(all, CancellationToken.None);

    /// <summary>Runs SQL on the server's database behind its back, as someone with access to the database would.</summary>
    public async Task ExecuteSqlAsync(string sql)
    {
        if (_schema is not null)
        {
            await using var connection = new NpgsqlConnection(PostgresConnection);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"SET search_path TO \"{_schema}\"; {sql}", connection);
            await command.ExecuteNonQueryAsync();
        }
        else
        {
            await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(Runtime.Paths.DataDirectory, StorageOptions.SqliteFileName)};Pooling=False");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync();
        }
    }

    public ArgusStore Store => Runtime.Store;

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Starts a server on SQLite, or on PostgreSQL when <paramref name="postgres"/> (the caller skips without a server); <paramref name="time"/> replaces the clock.</summary>
    public static async Task<ArgusTestServer> StartAsync(bool postgres, IDictionary<string, string?>? settings = null, TimeProvider? time = null)
    {
        var home = TestPaths.TempDirectory();
        var schema = postgres ? "argus_srv_" + Guid.NewGuid().ToString("N")[..16] : null;
        var config = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["ARGUS_HOME"] = home.Path,
            ["ARGUS_AUDIT_CHECKPOINT_FILE"] = CheckpointFileOf(home.Path),
            ["ARGUS_MODELS"] = TestPaths.Models,
            ["ARGUS_AUDIT_KEY"] = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["ARGUS_DB"] = postgres ? "postgres" : "sqlite",
            ["ARGUS_DB_CONNECTION"] = postgres ? PostgresConnection : null,
            ["ARGUS_DB_SCHEMA"] = schema,
            ["ARGUS_SEARCH_LIMIT_PER_HOUR"] = "1000",
            ["Argus:Bootstrap"] = "false",
            ["Argus:WarmUpModels"] = "false",
            ["Argus:Cameras"] = "false",
            ["Argus:RequestsPerMinute"] = "100000",
            ["Argus:LoginsPerMinute"] = "1000",

            // The matrix tests send hundreds of refused requests from one address; the abuse tests set the real budget.
            ["ARGUS_AUTH_FAILURES_PER_MINUTE"] = "100000",
            ["Argus:MaxUploadMegabytes"] = "2",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            config[k] = v;
        }

        var app = await BuildAndStartAsync(config, time);

        // Port 0: the real port is known only once Kestrel listens.
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        var server = new ArgusTestServer(app, home, schema, new Uri(address), config, time);
        await server.AddUserAsync("admin", [Role.Administrator], Scope.Everything);
        return server;
    }

    /// <summary>
    /// Stops the server and starts it again on the same address, store and audit key, as an operator's restart would:
    /// sessions (held in memory) are gone, open streams end, users, keys and data remain.
    /// </summary>
    public async Task RestartAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        var config = new Dictionary<string, string?>(_config) { ["urls"] = Address.GetLeftPart(UriPartial.Authority) };
        App = await BuildAndStartAsync(config, _time);
    }

    private static async Task<WebApplication> BuildAndStartAsync(Dictionary<string, string?> config, TimeProvider? time)
    {
        var app = ArgusServer.Build([], b =>
        {
            b.Configuration.AddInMemoryCollection(config);
            if (time is not null)
            {
                b.Services.AddSingleton(time);
            }
        });
        await app.StartAsync();
        return app;
    }

    /// <summary>Creates a user (password <see cref="Password"/>) and an API key for it.</summary>
    public async Task AddUserAsync(string name, IReadOnlyCollection<Role> roles, Scope scope)
    {
        await Store.CreateUserAsync(new NewUser(name, name, roles, scope), Password);
        _tokens[name] = (await Store.CreateApiKeyAsync(name)).Token;
    }

    public static Scope Sites(params string[] sites) => new(sites.ToHashSet(), new HashSet<string> { Scope.All }, new HashSet<string> { Scope.All });

    public static Scope Watchlists(params string[] watchlists) => new(new HashSet<string> { Scope.All }, new HashSet<string> { Scope.All }, watchlists.ToHashSet());

    public string Token(string user) => _tokens[user];

    public HttpClient Anonymous() => Track(new HttpClient { BaseAddress = Address });

    /// <summary>A client acting as <paramref name="user"/> with its API key.</summary>
    public HttpClient As(string user) => WithToken(_tokens[user]);

    public HttpClient WithToken(string token)
    {
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A console session: the cookie in the client, the anti-forgery token returned.</summary>
    public async Task<(HttpClient Client, string Csrf)> LoginAsync(string user, string password = Password)
    {
        var client = Track(new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), UseCookies = true }) { BaseAddress = Address });
        var response = await client.PostAsJsonAsync("/api/v1/session", new { username = user, password });
        await Problems.ExpectAsync(response, HttpStatusCode.OK);
        var session = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (client, session.GetProperty("csrf_token").GetString()!);
    }

    /// <summary>The audit log as the store has it.</summary>
    public async Task<List<Core.Audit.AuditRecord>> AuditAsync()
    {
        var records = new List<Core.Audit.AuditRecord>();
        await foreach (var r in Store.ReadAuditAsync())
        {
            records.Add(r);
        }

        return records;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var c in _clients)
        {
            c.Dispose();
        }

        await App.StopAsync();
        await App.DisposeAsync();
        if (_schema is not null && PostgresConnection is { } cs)
        {
            await using var connection = new NpgsqlConnection(cs);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }

        _home.Dispose();
        try
        {
            Directory.Delete(Path.GetDirectoryName(CheckpointFileOf(_home.Path))!, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private HttpClient Track(HttpClient client)
    {
        _clients.Add(client);
        return client;
    }
}

/// <summary>Assertions on problem documents.</summary>
public static class Problems
{
    /// <summary>
    /// Sends a body the server must refuse for its size the way a careful client does, with <c>Expect: 100-continue</c>:
    /// the server answers 413 from the declared length without reading the body. Without it the server may answer and
    /// close while the client is still writing, and the client sees a broken pipe instead of the 413.
    /// </summary>
    public static Task<HttpResponseMessage> PostOversizedAsync(HttpClient client, string url, HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        request.Headers.ExpectContinue = true;
        return client.SendAsync(request);
    }

    /// <summary>Asserts the status; on a mismatch the message carries the body, so a failure says what the server said.</summary>
    public static async Task ExpectAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        if (response.StatusCode != status)
        {
            Assert.Fail($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: expected {(int)status}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>Asserts an RFC 9457 problem with <paramref name="status"/> and the Argus <paramref name="code"/> (null: any code).</summary>
    public static async Task<JsonElement> ExpectProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? code)
    {
        await ExpectAsync(response, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        var actual = problem.GetProperty("code").GetString();
        Assert.False(string.IsNullOrEmpty(actual));
        if (code is not null)
        {
            Assert.True(code == actual, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: expected code {code}, got {actual}: {problem}");
        }

        return problem;
    }
}
