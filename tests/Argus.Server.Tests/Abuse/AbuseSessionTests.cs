using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Argus.Core.Access;
using Argus.Video;
using Argus.Video.Delivery;
using Microsoft.Extensions.DependencyInjection;

namespace Argus.Server.Tests.Abuse;

/// <summary>
/// Issue 11, sessions and accounts: a credential outlives the account change that should have ended it (a disabled
/// user still receiving live alerts, an old session after a password change), your own password changed without the
/// current one, and account enumeration through the lockout and disabled answers.
/// </summary>
public abstract class AbuseSessionTests : AbuseTestBase
{
    [SkippableFact]
    public async Task Disabling_a_user_ends_their_session_and_their_open_alert_stream_at_once()
    {
        await using var server = await StartAsync();
        await server.AddUserAsync("op", [Role.Operator], Scope.Everything);
        var (session, _) = await server.LoginAsync("op");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var stream = await OpenStreamAsync(session, timeout.Token);

        await Problems.ExpectAsync(await server.As("admin").PostAsync("/api/v1/users/op/disable", null), HttpStatusCode.OK);
        await EndsWithoutAlertsAsync(stream, timeout);
        await Problems.ExpectProblemAsync(await session.GetAsync("/api/v1/session"), HttpStatusCode.Unauthorized, "auth.session_expired");
        await Problems.ExpectProblemAsync(await server.As("op").GetAsync("/api/v1/session"), HttpStatusCode.Unauthorized, "auth.failed");
        await StreamClosedAsync(server, "op", "account_changed");
    }

    [SkippableFact]
    public async Task Taking_a_role_away_ends_streams_and_sessions_even_when_another_process_changed_the_store()
    {
        await using var server = await StartAsync();
        await server.AddUserAsync("op", [Role.Operator, Role.Investigator], Scope.Everything);
        await server.AddUserAsync("op2", [Role.Operator], Scope.Everything);
        var (session, _) = await server.LoginAsync("op");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        // Through the API: the role goes, the key's stream ends at once, the session is over.
        using (var keyStream = await OpenStreamAsync(server.As("op"), timeout.Token))
        {
            await Problems.ExpectAsync(await server.As("admin").PutAsJsonAsync("/api/v1/users/op/roles", new { remove = new[] { "operator" } }), HttpStatusCode.OK);
            await EndsWithoutAlertsAsync(keyStream, timeout);
        }

        await Problems.ExpectProblemAsync(await session.GetAsync("/api/v1/session"), HttpStatusCode.Unauthorized, "auth.session_expired");

        // As the CLI would: the store changes behind the server's back. The next alert is not delivered; the stream ends.
        var (session2, _) = await server.LoginAsync("op2");
        using var stream2 = await OpenStreamAsync(session2, timeout.Token);
        await server.Store.SetUserScopeAsync("op2", ArgusTestServer.Sites("elsewhere"));
        server.App.Services.GetRequiredService<AlertStream>().Publish(
            new AlertEvent("a-1", "cam-north", "north", 7, new FaceMatch(42, 420, "entry:1", 0.71f), 2, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, [0x89], false));
        await EndsWithoutAlertsAsync(stream2, timeout);
        await Problems.ExpectProblemAsync(await session2.GetAsync("/api/v1/session"), HttpStatusCode.Unauthorized, "auth.session_expired");
    }

    [SkippableFact]
    public async Task Changing_a_password_needs_the_current_one_ends_other_sessions_and_revokes_keys_unless_kept()
    {
        await using var server = await StartAsync();
        await server.AddUserAsync("ann", [Role.Investigator], Scope.Everything);
        var (mine, csrf) = await server.LoginAsync("ann");
        var (other, _) = await server.LoginAsync("ann");
        var key = server.As("ann");

        // Without (or with a wrong) current password: refused, nothing changed.
        await RefusedAsync(await mine.SendAsync(WithCsrf(HttpMethod.Put, "/api/v1/users/ann/password", csrf, new { password = "a stolen session's choice" })), HttpStatusCode.Forbidden, "user.current_password_invalid");
        await AuditedOnceAsync(server, "ann", "user.passwd", "user.current_password_invalid");
        await Problems.ExpectAsync(await other.GetAsync("/api/v1/session"), HttpStatusCode.OK);
        await Problems.ExpectAsync(await key.GetAsync("/api/v1/session"), HttpStatusCode.OK);
        await server.LoginAsync("ann");

        // With it: this session goes on, the other ends, the key is revoked (the default).
        await Problems.ExpectAsync(
            await mine.SendAsync(WithCsrf(HttpMethod.Put, "/api/v1/users/ann/password", csrf, new { password = "ann's new long password", current_password = ArgusTestServer.Password })),
            HttpStatusCode.NoContent);
        await Problems.ExpectAsync(await mine.GetAsync("/api/v1/session"), HttpStatusCode.OK);
        await Problems.ExpectProblemAsync(await other.GetAsync("/api/v1/session"), HttpStatusCode.Unauthorized, "auth.session_expired");
        await Problems.ExpectProblemAsync(await key.GetAsync("/api/v1/session"), HttpStatusCode.Unauthorized, "auth.key_revoked");

        // An administrator's reset may keep the keys; it still ends every session.
        await server.AddUserAsync("bob", [Role.Auditor], Scope.Everything);
        var (bobSession, _) = await server.LoginAsync("bob");
        await Problems.ExpectAsync(await server.As("admin").PutAsJsonAsync("/api/v1/users/bob/password", new { password = "bob's brand new password", revoke_keys = false }), HttpStatusCode.NoContent);
        await Problems.ExpectProblemAsync(await bobSession.GetAsync("/api/v1/session"), HttpStatusCode.Unauthorized, "auth.session_expired");
        await Problems.ExpectAsync(await server.As("bob").GetAsync("/api/v1/session"), HttpStatusCode.OK);
    }

    [SkippableFact]
    public async Task Locked_disabled_and_unknown_accounts_answer_exactly_as_a_wrong_password_and_the_audit_keeps_the_truth()
    {
        await using var server = await StartAsync();
        await server.AddUserAsync("ann", [Role.Investigator], Scope.Everything);
        await server.AddUserAsync("bob", [Role.Investigator], Scope.Everything);
        await Problems.ExpectAsync(await server.As("admin").PostAsync("/api/v1/users/bob/disable", null), HttpStatusCode.OK);
        var client = server.Anonymous();
        async Task<string> AnswerAsync(string user, string password)
        {
            var problem = await Problems.ExpectProblemAsync(await client.PostAsJsonAsync("/api/v1/session", new { username = user, password }), HttpStatusCode.Unauthorized, "auth.failed");
            return problem.GetProperty("title").GetString() + "|" + problem.GetProperty("detail").GetString();
        }

        var wrong = await AnswerAsync("ann", "wrong password 0");
        for (var i = 1; i < 5; i++)
        {
            Assert.Equal(wrong, await AnswerAsync("ann", $"wrong password {i}"));
        }

        Assert.Equal(wrong, await AnswerAsync("ann", ArgusTestServer.Password)); // locked: even the right password
        Assert.Equal(wrong, await AnswerAsync("bob", ArgusTestServer.Password)); // disabled
        Assert.Equal(wrong, await AnswerAsync("nobody", "any password at all"));

        var statuses = (await server.AuditAsync()).Where(r => r.Action == "auth.login" && r.Outcome == "refused").Select(r => JsonDocument.Parse(r.Details).RootElement.GetProperty("status").GetString()).ToList();
        Assert.Contains("Locked", statuses);
        Assert.Contains("Disabled", statuses);
        Assert.Contains("UnknownUser", statuses);
    }

    [SkippableFact]
    public async Task The_first_administrators_password_goes_to_a_private_file_not_to_the_log_stream()
    {
        // As under systemd or a container (standard output is the log): the password goes to a file only.
        await using var server = await StartAsync(new Dictionary<string, string?>
        {
            ["Argus:Bootstrap"] = "true",
            ["Argus:BootstrapUsername"] = "root",
            ["Argus:BootstrapPasswordTo"] = "file",
        });
        var file = server.Runtime.BootstrapPasswordFile;
        Assert.True(File.Exists(file), "no password file");
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        var password = File.ReadAllLines(file).Single(l => l.StartsWith("password: ", StringComparison.Ordinal))["password: ".Length..];
        await server.LoginAsync("root", password);
        Assert.DoesNotContain(password, string.Join("", (await server.AuditAsync()).Select(r => r.Details)), StringComparison.Ordinal);
    }

    private static async Task<StreamReader> OpenStreamAsync(HttpClient client, CancellationToken ct)
    {
        var response = await client.GetAsync("/api/v1/alerts/stream", HttpCompletionOption.ResponseHeadersRead, ct);
        await Problems.ExpectAsync(response, HttpStatusCode.OK);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        Assert.StartsWith(":", await reader.ReadLineAsync(ct), StringComparison.Ordinal);
        return reader;
    }

    /// <summary>The stream ends (the server closed it) before the timeout, without having sent an alert.</summary>
    private static async Task EndsWithoutAlertsAsync(StreamReader stream, CancellationTokenSource timeout)
    {
        var lines = new List<string>();
        try
        {
            while (await stream.ReadLineAsync(timeout.Token) is { } line)
            {
                lines.Add(line);
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail("the alert stream stayed open after the account changed");
        }
        catch (HttpRequestException)
        {
            // The server ended the response: that is the point.
        }
        catch (IOException)
        {
            // Likewise, seen as a closed connection.
        }

        Assert.DoesNotContain("event: alert", lines);
    }

    private static async Task StreamClosedAsync(ArgusTestServer server, string actor, string endedBy)
    {
        // The close is audited in the stream's own finally, just after the response ends.
        for (var i = 0; i < 100; i++)
        {
            if ((await server.AuditAsync()).Any(r => r.Action == "alerts.stream_closed" && r.Actor == actor && r.Details.Contains($"\"ended_by\":\"{endedBy}\"", StringComparison.Ordinal)))
            {
                return;
            }

            await Task.Delay(50);
        }

        var seen = (await server.AuditAsync()).Where(r => r.Action.StartsWith("alerts.stream", StringComparison.Ordinal)).Select(r => $"{r.Actor} {r.Action} {r.Details}");
        Assert.Fail($"no alerts.stream_closed record for {actor} ended by {endedBy}; stream records: {string.Join("; ", seen)}");
    }
}

public sealed class SqliteAbuseSessionTests : AbuseSessionTests
{
    protected override bool Postgres => false;
}

public sealed class PostgresAbuseSessionTests : AbuseSessionTests
{
    protected override bool Postgres => true;
}
