namespace Argus.Cli.Tests;

/// <summary>Users, logins, lockout and API keys through the CLI, each refusal with its code and its audit record.</summary>
public sealed class UserCliTests : IDisposable
{
    private readonly AccountabilityCli _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Bootstrap_runs_once_and_the_administrator_adds_and_lists_users()
    {
        await _cli.SetUpAsync(("ann", "investigator", "wanted"), ("sam", "approver,investigator", "*"));
        var again = await _cli.RunAsync(null, "user", "bootstrap");
        Assert.Equal(ArgusCli.BadInput, again.Code);
        Assert.Contains("bootstrap runs only on an empty store", again.Stderr, StringComparison.Ordinal);

        var users = (await _cli.JsonAsync("admin", "user", "list", "--json")).GetProperty("users").EnumerateArray().ToArray();
        Assert.Equal(["admin", "admin2", "ann", "auditor", "sam"], users.Select(u => u.GetProperty("username").GetString()));
        Assert.Equal("wanted", users[2].GetProperty("scope").GetProperty("watchlists")[0].GetString());

        // The removal applies at once; the operational role waits for the second administrator.
        var role = await _cli.AsAdminAsync("user", "role", "ann", "--add", "approver", "--remove", "investigator");
        Assert.Equal(0, role.Code);
        Assert.Contains("user 'ann': no roles", role.Stdout, StringComparison.Ordinal);
        var grant = role.Stdout.Split('\n').Single(l => l.StartsWith("role grant #", StringComparison.Ordinal))["role grant #".Length..].Split(' ')[0];
        Assert.Contains("A role grant needs a second administrator", (await _cli.AsAdminAsync("user", "grant", "approve", grant)).Stderr, StringComparison.Ordinal);
        Assert.Contains($"#{grant}", (await _cli.AsAsync("admin2", "user", "grant", "list")).Stdout, StringComparison.Ordinal);
        Assert.Equal(0, (await _cli.AsAsync("admin2", "user", "grant", "approve", grant, "--reason", "promoted")).Code);
        users = (await _cli.JsonAsync("admin", "user", "list", "--json")).GetProperty("users").EnumerateArray().ToArray();
        Assert.Equal("approver", users[2].GetProperty("roles")[0].GetString());
        Assert.Contains("may not also hold", (await _cli.AsAdminAsync("user", "role", "admin", "--add", "auditor")).Stderr, StringComparison.Ordinal);

        var audit = await _cli.AuditAsync();
        var actions = audit.Where(r => r.GetProperty("outcome").GetString() == "ok").Select(r => r.GetProperty("action").GetString()).ToArray();
        Assert.Contains("user.bootstrapped", actions);
        Assert.Equal(4, actions.Count(a => a == "user.created")); // with the tests' auditor and second administrator
        Assert.Contains("grant.approved", actions);
        Assert.Contains("user.roles_changed", actions);
        Assert.Contains(audit, r => r.GetProperty("action").GetString() == "user.bootstrap" && r.GetProperty("outcome").GetString() == "refused");
        Assert.DoesNotContain(AccountabilityCli.Password, string.Join("", audit.Select(r => r.ToString())), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commands_refuse_without_a_user_and_a_role_outside_its_capabilities_is_refused_and_audited()
    {
        await _cli.SetUpAsync(("ann", "investigator", "*"));
        var none = await _cli.RunAsync(null, "user", "list");
        Assert.Equal(ArgusCli.BadInput, none.Code);
        Assert.Contains("acts as a user", none.Stderr, StringComparison.Ordinal);

        var denied = await _cli.AsAsync("ann", "user", "add", "eve", "--role", "administrator");
        Assert.Equal(ArgusCli.BadInput, denied.Code);
        Assert.Contains("may not manage users", denied.Stderr, StringComparison.Ordinal);

        var badRole = await _cli.AsAdminAsync("user", "add", "eve", "--role", "superuser");
        Assert.Contains("Unknown role 'superuser'", badRole.Stderr, StringComparison.Ordinal);

        var audit = await _cli.AuditAsync();
        var refusal = audit.Single(r => r.GetProperty("action").GetString() == "user.create" && r.GetProperty("actor").GetString() == "ann");
        Assert.Equal("refused", refusal.GetProperty("outcome").GetString());
        Assert.Equal("access.denied", refusal.GetProperty("details").GetProperty("code").GetString());
        Assert.Contains(audit, r => r.GetProperty("action").GetString() == "auth.login" && r.GetProperty("details").TryGetProperty("code", out var c) && c.GetString() == "auth.required");
        Assert.Contains(audit, r => r.GetProperty("details").TryGetProperty("code", out var c) && c.GetString() == "user.role_invalid");
    }

    [Fact]
    public async Task Wrong_passwords_are_audited_and_lock_the_account_and_disabled_users_cannot_log_in()
    {
        await _cli.SetUpAsync(("ann", "investigator", "*"));
        var wrong = new Dictionary<string, string?> { ["ARGUS_PASSWORD"] = "not the password" };
        for (var i = 0; i < 4; i++)
        {
            var r = await _cli.RunAsync(wrong, "--user", "ann", "user", "list");
            Assert.Equal(ArgusCli.BadInput, r.Code);
            Assert.Contains("Wrong username or password", r.Stderr, StringComparison.Ordinal);
        }

        // Locked: the same answer as a wrong password (no account enumeration); the audit says "Locked".
        var fifth = await _cli.RunAsync(wrong, "--user", "ann", "user", "list");
        Assert.Contains("Wrong username or password", fifth.Stderr, StringComparison.Ordinal);
        var locked = await _cli.AsAsync("ann", "user", "list");
        Assert.Contains("Wrong username or password", locked.Stderr, StringComparison.Ordinal);

        // Repeated identical failures are grouped (issue 11): the first of each kind is recorded at once, the repeats
        // become one record with their count when the group's window (60 s) closes.
        var logins = (await _cli.AuditAsync()).Where(r => r.GetProperty("action").GetString() == "auth.login" && r.GetProperty("actor").GetString() == "ann").ToArray();
        Assert.Equal(["WrongPassword", "Locked"], logins.Select(r => r.GetProperty("details").GetProperty("status").GetString()));
        Assert.All(logins, r => Assert.Equal("refused", r.GetProperty("outcome").GetString()));
        _cli.Time.Advance(TimeSpan.FromMinutes(1));
        var grouped = (await _cli.AuditAsync()).Where(r => r.GetProperty("action").GetString() == "auth.login" && r.GetProperty("actor").GetString() == "ann"
            && r.GetProperty("details").TryGetProperty("count", out _)).ToArray();
        Assert.Equal([("Locked", 2L), ("WrongPassword", 4L)], grouped.Select(r => (r.GetProperty("details").GetProperty("status").GetString(), r.GetProperty("details").GetProperty("count").GetInt64())).OrderBy(g => g.Item1, StringComparer.Ordinal));

        // The lockout ends on its own after 15 minutes (one has passed above).
        _cli.Time.Advance(TimeSpan.FromMinutes(13));
        Assert.Contains("Wrong username or password", (await _cli.AsAsync("ann", "user", "list")).Stderr, StringComparison.Ordinal);
        _cli.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Contains("may not manage users", (await _cli.AsAsync("ann", "user", "list")).Stderr, StringComparison.Ordinal); // logged in

        Assert.Contains("no user named 'nobody'", (await _cli.AsAdminAsync("user", "disable", "nobody")).Stderr, StringComparison.Ordinal);
        Assert.Equal(0, (await _cli.AsAdminAsync("user", "add", "bob", "--role", "auditor")).Code);
        Assert.Equal(0, (await _cli.AsAdminAsync("user", "disable", "bob")).Code);
        Assert.Contains("Wrong username or password", (await _cli.AsAsync("bob", "user", "list")).Stderr, StringComparison.Ordinal); // disabled, not said

        // An administrator resets ann's password, which also lifts her lockout.
        var reset = new Dictionary<string, string?> { ["ARGUS_PASSWORD"] = _cli.AdminPassword, ["ARGUS_NEW_PASSWORD"] = "a brand new passphrase" };
        Assert.Equal(0, (await _cli.RunAsync(reset, "--user", "admin", "user", "passwd", "ann")).Code);
        var fresh = new Dictionary<string, string?> { ["ARGUS_PASSWORD"] = "a brand new passphrase" };
        Assert.Contains("may not manage users", (await _cli.RunAsync(fresh, "--user", "ann", "user", "list")).Stderr, StringComparison.Ordinal);
        Assert.Contains("may not manage users", (await _cli.RunAsync(fresh, "--user", "ann", "user", "passwd", "auditor")).Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_keys_act_for_their_user_until_revoked_and_the_token_is_shown_once()
    {
        await _cli.SetUpAsync(("ops", "administrator", "*"));
        // An administrator prepares a key for ops: no token for the administrator; ops claims it with their own password.
        var prepared = await _cli.AsAdminAsync("user", "key", "create", "ops");
        Assert.Equal(0, prepared.Code);
        Assert.DoesNotContain("token:", prepared.Stdout, StringComparison.Ordinal);
        Assert.Contains("pending", (await _cli.AsAdminAsync("user", "key", "list", "ops")).Stdout, StringComparison.Ordinal);
        Assert.Contains("You have no API key with id 1", (await _cli.AsAdminAsync("user", "key", "claim", "1")).Stderr, StringComparison.Ordinal);
        var created = await _cli.AsAsync("ops", "user", "key", "claim", "1");
        Assert.True(created.Code == 0, created.Stderr);
        var token = created.Stdout.Split('\n').Single(l => l.StartsWith("token: ", StringComparison.Ordinal))["token: ".Length..].Trim();
        var withKey = new Dictionary<string, string?> { ["ARGUS_API_KEY"] = token };
        Assert.Equal(0, (await _cli.RunAsync(withKey, "user", "list")).Code);

        var keys = await _cli.AsAdminAsync("user", "key", "list", "ops");
        Assert.DoesNotContain(token, keys.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, (await _cli.AsAdminAsync("user", "key", "revoke", "1")).Code);
        var revoked = await _cli.RunAsync(withKey, "user", "list");
        Assert.Equal(ArgusCli.BadInput, revoked.Code);
        Assert.Contains("revoked", revoked.Stderr, StringComparison.Ordinal);
        Assert.Contains("Unknown API key", (await _cli.RunAsync(new Dictionary<string, string?> { ["ARGUS_API_KEY"] = "argus_0000_x" }, "user", "list")).Stderr, StringComparison.Ordinal);
        Assert.Contains("no API key with id 9", (await _cli.AsAdminAsync("user", "key", "revoke", "9")).Stderr, StringComparison.Ordinal);

        Assert.Equal(0, (await _cli.AsAdminAsync("user", "disable", "ops")).Code);
        Assert.Equal(0, (await _cli.AsAdminAsync("user", "disable", "admin2")).Code);
        Assert.Contains("last enabled administrator", (await _cli.AsAdminAsync("user", "disable", "admin")).Stderr, StringComparison.Ordinal);
        Assert.Contains("last enabled administrator", (await _cli.AsAdminAsync("user", "role", "admin", "--remove", "administrator")).Stderr, StringComparison.Ordinal);
        var audit = await _cli.AuditAsync();
        Assert.Contains(audit, r => r.GetProperty("action").GetString() == "key.prepared");
        Assert.Contains(audit, r => r.GetProperty("action").GetString() == "key.claimed");
        Assert.Contains(audit, r => r.GetProperty("action").GetString() == "key.revoked");
        Assert.Contains(audit, r => r.GetProperty("action").GetString() == "user.disabled");
        Assert.Contains(audit, r => r.GetProperty("details").TryGetProperty("status", out var s) && s.GetString() == "RevokedKey");
        Assert.DoesNotContain(token, string.Join("", audit.Select(r => r.ToString())), StringComparison.Ordinal);
    }
}
