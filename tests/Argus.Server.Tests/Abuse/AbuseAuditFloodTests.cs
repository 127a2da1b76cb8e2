using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Tests;

namespace Argus.Server.Tests.Abuse;

/// <summary>
/// The audit records, it does not amplify: strangers who flood the server with made-up keys, bad logins, stale
/// cookies or typed passwords cannot grow the log (or fill the disk) faster than a few records per source per minute,
/// and what they typed is never stored. Run against the real server on SQLite and on PostgreSQL.
/// </summary>
[Trait("Category", "Integration")]
public abstract class AbuseAuditFloodTests
{
    protected abstract bool Postgres { get; }

    private async Task<ArgusTestServer> StartAsync(IDictionary<string, string?>? settings = null)
    {
        Skip.If(Postgres && ArgusTestServer.PostgresConnection is null, $"{ArgusTestServer.PostgresVariable} is not set: PostgreSQL server tests skipped.");

        // The production budget of failures per source and minute (the shared test server raises it for the matrix tests).
        var all = new Dictionary<string, string?> { ["ARGUS_AUTH_FAILURES_PER_MINUTE"] = "30" };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            all[k] = v;
        }

        return await ArgusTestServer.StartAsync(Postgres, all);
    }

    /// <summary>A client whose connections come from another loopback address (another source, as far as the server can tell).</summary>
    private static HttpClient From(ArgusTestServer server, string address, string? token = null)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var client = new HttpClient(handler) { BaseAddress = server.Address };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    private static bool FromSource(AuditRecord r, string source) =>
        r.Details.Length > 0 && JsonNode.Parse(r.Details) is JsonObject d && d["source"]?.GetValue<string>() == source;

    private static long Count(AuditRecord r) => JsonNode.Parse(r.Details)!["count"] is { } c ? (long)c : 1;

    [SkippableFact]
    public async Task A_flood_of_made_up_bearer_keys_grows_the_audit_by_a_few_records_and_the_administrator_still_logs_in()
    {
        await using var server = await StartAsync();
        var before = (await server.AuditAsync()).Count;
        const int flood = 2000;
        var tokens = Enumerable.Range(0, flood).Select(i => $"argus_{Guid.NewGuid():N}{i}_{new string('s', 40)}").ToArray();
        var statuses = new System.Collections.Concurrent.ConcurrentBag<HttpStatusCode>();

        // Eight connections from 127.0.0.2, each key different (so no cache or grouping by key text could help).
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async worker =>
        {
            using var client = From(server, "127.0.0.2");
            for (var i = worker; i < flood; i += 8)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/watchlists");
                request.Headers.Authorization = new("Bearer", tokens[i]);
                using var response = await client.SendAsync(request);
                statuses.Add(response.StatusCode);
            }
        }));

        // Past its failure budget the source is answered 429 without its key being looked at.
        Assert.Equal(flood, statuses.Count);
        Assert.True(statuses.Count(s => s == HttpStatusCode.TooManyRequests) >= flood - 40, $"{statuses.Count(s => s == HttpStatusCode.TooManyRequests)} throttled");
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests, s.ToString()));

        // The administrator, from another address, is not affected: logs in and works.
        var (admin, _) = await server.LoginAsync("admin");
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/v1/watchlists")).StatusCode);

        // During the flood the log grew by one record for the source; after the windows close, by one more per kind.
        var during = (await server.AuditAsync()).Skip(before).Where(r => FromSource(r, "127.0.0.2")).ToList();
        Assert.Single(during);
        await server.SweepAuditAsync(all: true);
        var flooded = (await server.AuditAsync()).Skip(before).Where(r => FromSource(r, "127.0.0.2")).ToList();
        Assert.True(flooded.Count <= 3, string.Join("\n", flooded.Select(r => $"{r.Action} {r.Details}")));

        // Every request is accounted for: the failures' group (its summary counts the first too) plus the throttled.
        var failures = flooded.Where(r => r.Action == "auth.login").ToList();
        var throttled = flooded.Where(r => r.Action == "auth.throttled").Sum(Count);
        Assert.Equal(flood, failures.Max(Count) + throttled);

        // Nothing of what the stranger sent is stored: no key text, no prefix; the actor is the fixed marker.
        Assert.All(failures, r => Assert.Equal("unknown-key", r.Actor));
        var all = string.Join('\n', (await server.AuditAsync()).Select(r => r.Actor + r.Target + r.Details));
        Assert.DoesNotContain(tokens[0][6..30], all, StringComparison.Ordinal);
        Assert.DoesNotContain(tokens[^1][6..30], all, StringComparison.Ordinal);
        Assert.True(server.Runtime.AuditChain.Verify(await server.AuditAsync()).Intact);
    }

    [SkippableFact]
    public async Task A_password_typed_as_the_username_is_never_stored_and_a_huge_name_is_capped()
    {
        await using var server = await StartAsync();
        await server.AddUserAsync("ann", [Role.Investigator], Scope.Everything);
        var client = server.Anonymous();
        const string typed = "Tr0ub4dor&3-my-real-password";
        for (var i = 0; i < 3; i++)
        {
            await Problems.ExpectProblemAsync(await client.PostAsJsonAsync("/api/v1/session", new { username = typed, password = "ann" }), HttpStatusCode.Unauthorized, "auth.failed");
        }

        await Problems.ExpectProblemAsync(await client.PostAsJsonAsync("/api/v1/session", new { username = "ann", password = "wrong one" }), HttpStatusCode.Unauthorized, "auth.failed");
        var huge = new string('n', 200_000);
        var response = await client.PostAsJsonAsync("/api/v1/session", new { username = huge, password = "x" });
        Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge, response.StatusCode.ToString());
        await server.SweepAuditAsync(all: true);

        var audit = await server.AuditAsync();
        var text = string.Join('\n', audit.Select(r => r.Actor + r.Target + r.Details));
        Assert.DoesNotContain("Tr0ub4dor", text, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('n', 300), text, StringComparison.Ordinal);

        // The unknown name is a marker and a keyed pseudonym (the same text gives the same pseudonym), grouped by kind
        // and source, not by text: one record at once and one summary counting all four unknown names (the three
        // typed passwords and the huge name); a real user's failure names the user.
        var unknown = audit.Where(r => r.Action == "auth.login" && r.Actor == "unknown-user").ToList();
        var pseudonym = server.Runtime.AuditChain.Pseudonym(typed);
        var mine = unknown.Where(r => JsonNode.Parse(r.Details)!["name_pseudonym"]?.GetValue<string>() == pseudonym).ToList();
        Assert.Equal(2, mine.Count);
        Assert.Equal(4, mine.Max(Count));
        Assert.Contains(audit, r => r.Action == "auth.login" && r.Actor == "ann" && r.Outcome == "refused");
        Assert.All(audit, r => Assert.True(r.Actor.Length <= AuditChain.MaxFieldLength && r.Details.Length <= 4096, $"#{r.Sequence}: {r.Details.Length} characters"));
    }

    [SkippableFact]
    public async Task A_stale_browser_tab_does_not_flood_the_audit_and_the_favicon_is_served_without_an_audit_record()
    {
        await using var server = await StartAsync();
        using var stale = From(server, "127.0.0.3");
        stale.DefaultRequestHeaders.Add("Cookie", "argus_session=a-session-from-before-the-restart");
        var before = (await server.AuditAsync()).Count;

        // A tab polling every few seconds for an hour: at most its failure budget is answered 401, then 429.
        for (var i = 0; i < 60; i++)
        {
            var r = await stale.GetAsync("/api/v1/session");
            Assert.True(r.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests, r.StatusCode.ToString());
        }

        Assert.Equal(1, (await server.AuditAsync()).Count - before);
        await server.SweepAuditAsync(all: true);
        var added = (await server.AuditAsync()).Skip(before).ToList();
        Assert.True(added.Count <= 3, string.Join("\n", added.Select(r => $"{r.Action} {r.Details}")));
        Assert.Contains(added, r => r.Details.Contains("auth.session_expired", StringComparison.Ordinal));

        // Every page load asks for /favicon.ico: served, not refused, not audited.
        var count = (await server.AuditAsync()).Count;
        var icon = await server.Anonymous().GetAsync("/favicon.ico");
        Assert.Equal(HttpStatusCode.OK, icon.StatusCode);
        Assert.Equal(count, (await server.AuditAsync()).Count);
    }

    [SkippableFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Cutting_the_audit_tail_is_caught_by_the_checkpoint_outside_the_database_which_is_kept_as_evidence()
    {
        await using var hook = new WebhookReceiver(200);
        await using var server = await StartAsync(new Dictionary<string, string?>
        {
            ["ARGUS_AUDIT_CHECKPOINT_RECORDS"] = "4",
            ["ARGUS_AUDIT_CHECKPOINT_URL"] = hook.Url.ToString(),
        });
        var admin = server.As("admin");
        for (var i = 0; i < 6; i++)
        {
            await Problems.ExpectAsync(await admin.GetAsync("/api/v1/session"), HttpStatusCode.OK);
        }

        // The checkpoint: 0600 in a 0700 folder, outside ARGUS_HOME, and posted to the webhook.
        var file = server.CheckpointFile;
        Assert.True(File.Exists(file), file);
        Assert.False(file.StartsWith(server.Runtime.Paths.DataDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(file)!));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (hook.Requests.Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.True(hook.Requests.Count > 0, "the checkpoint webhook received nothing within 30 s");
        Assert.Contains("\"sequence\"", hook.Requests[0].Body, StringComparison.Ordinal);
        var intact = await admin.GetFromJsonAsync<JsonElement>("/api/v1/audit/verification");
        Assert.True(intact.GetProperty("intact").GetBoolean(), intact.ToString());
        var recorded = JsonNode.Parse(await File.ReadAllTextAsync(file))!;

        // Someone with the database deletes the last records: the next verification, with no head given, says so.
        await server.ExecuteSqlAsync("DELETE FROM audit_log WHERE seq > (SELECT MAX(seq) - 5 FROM audit_log)");
        var cut = await admin.GetFromJsonAsync<JsonElement>("/api/v1/audit/verification");
        Assert.False(cut.GetProperty("intact").GetBoolean(), cut.ToString());
        Assert.Contains("recorded head", cut.GetProperty("reason").GetString(), StringComparison.Ordinal);

        // New records after the cut never move the checkpoint onto the rewritten history.
        for (var i = 0; i < 10; i++)
        {
            await admin.GetAsync("/api/v1/session");
        }

        Assert.Equal((long)recorded["sequence"]!, (long)JsonNode.Parse(await File.ReadAllTextAsync(file))!["sequence"]!);
        Assert.NotNull(server.Runtime.Checkpoint!.Conflict);

        // An edited checkpoint is refused by its signature, not trusted.
        var forged = JsonNode.Parse(await File.ReadAllTextAsync(file))!;
        forged["sequence"] = 1;
        await File.WriteAllTextAsync(file, forged.ToJsonString());
        await Problems.ExpectProblemAsync(await admin.GetAsync("/api/v1/audit/verification"), HttpStatusCode.BadRequest, "audit.checkpoint_invalid");
    }

    [SkippableFact]
    public async Task Ready_says_not_ready_when_the_store_cannot_take_writes()
    {
        await using var server = await StartAsync(new Dictionary<string, string?> { ["ARGUS_MIN_FREE_MB"] = Postgres ? null : "1000000000" });
        server.Runtime.Engine();
        if (Postgres)
        {
            // PostgreSQL: the database refuses this schema's writes as a read-only transaction would (SQLSTATE 25006).
            await server.ExecuteSqlAsync("CREATE OR REPLACE FUNCTION refuse_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION USING ERRCODE = '25006', MESSAGE = 'read-only'; END $$; CREATE TRIGGER probe_read_only BEFORE INSERT ON store_probe FOR EACH ROW EXECUTE FUNCTION refuse_write();");
        }

        var response = await server.Anonymous().GetAsync("/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var ready = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("not_ready", ready.GetProperty("status").GetString());
        Assert.False(ready.GetProperty("store").GetBoolean());
        Assert.Contains("not writable", ready.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}

public sealed class SqliteAbuseAuditFloodTests : AbuseAuditFloodTests
{
    protected override bool Postgres => false;
}

public sealed class PostgresAbuseAuditFloodTests : AbuseAuditFloodTests
{
    protected override bool Postgres => true;
}
