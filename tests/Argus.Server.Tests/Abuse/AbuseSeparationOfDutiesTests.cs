using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Argus.Core.Access;
using Argus.Core.Watchlists;
using Argus.Storage;
using Argus.Tests;

namespace Argus.Server.Tests.Abuse;

/// <summary>
/// Issue 11, separation of duties, tried as a hostile insider would: an administrator minting a key for someone else,
/// giving itself or an accomplice operational roles, an amendment that launders a self-approval, and erasing a
/// wanted person's subject underneath an active entry. Each refusal: status and stable code, nothing changed in the
/// store, one audit record.
/// </summary>
public abstract class AbuseSeparationOfDutiesTests : AbuseTestBase
{
    [SkippableFact]
    public async Task An_administrator_gets_no_working_key_for_another_user_only_a_pending_one_its_user_claims_with_their_password()
    {
        await using var server = await StartAsync();
        await server.AddUserAsync("inv", [Role.Investigator], Scope.Everything);
        var admin = server.As("admin");

        // The attack of the issue: a key for someone else. The answer has no token, and the key acts for nobody.
        var prepared = await admin.PostAsJsonAsync("/api/v1/users/inv/keys", new { });
        await Problems.ExpectAsync(prepared, HttpStatusCode.Created);
        var body = await prepared.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(JsonValueKind.Null, body.GetProperty("token").ValueKind);
        Assert.True(body.GetProperty("key").GetProperty("pending").GetBoolean());
        var id = body.GetProperty("key").GetProperty("id").GetInt64();
        var stored = (await server.Store.GetApiKeyAsync(id))!;
        Assert.True(stored.Pending);
        Assert.Equal("admin", stored.CreatedBy);
        var prefix = stored.Prefix;
        await Problems.ExpectProblemAsync(await server.WithToken($"argus_{prefix}_guess").GetAsync("/api/v1/session"), HttpStatusCode.Unauthorized, "auth.failed");

        // The administrator cannot claim it (it is not theirs), nor can its user without their password.
        await RefusedAsync(await admin.PostAsJsonAsync($"/api/v1/keys/{id}/claim", new { password = ArgusTestServer.Password }), HttpStatusCode.NotFound, "key.not_found");
        await AuditedOnceAsync(server, "admin", "key.claim", "key.not_found");
        var inv = server.As("inv");
        await RefusedAsync(await inv.PostAsJsonAsync($"/api/v1/keys/{id}/claim", new { password = "not my password at all" }), HttpStatusCode.Forbidden, "user.current_password_invalid");
        await AuditedOnceAsync(server, "inv", "key.claim", "user.current_password_invalid");
        Assert.True((await server.Store.GetApiKeyAsync(id))!.Pending);

        // Its user claims it: the token is in that answer only, and works.
        var claimed = await inv.PostAsJsonAsync($"/api/v1/keys/{id}/claim", new { password = ArgusTestServer.Password });
        await Problems.ExpectAsync(claimed, HttpStatusCode.OK);
        var token = (await claimed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        Assert.Equal("inv", (await server.WithToken(token).GetFromJsonAsync<JsonElement>("/api/v1/session")).GetProperty("username").GetString());
        await RefusedAsync(await inv.PostAsJsonAsync($"/api/v1/keys/{id}/claim", new { password = ArgusTestServer.Password }), HttpStatusCode.Conflict, "key.not_pending");
        Assert.DoesNotContain(token, string.Join("", (await server.AuditAsync()).Select(r => r.Details)), StringComparison.Ordinal);

        // A user makes their own keys (token at once) and sees only their own; someone else's list is refused.
        var own = await inv.PostAsJsonAsync("/api/v1/users/inv/keys", new { });
        await Problems.ExpectAsync(own, HttpStatusCode.Created);
        Assert.StartsWith("argus_", (await own.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString(), StringComparison.Ordinal);
        await RefusedAsync(await inv.PostAsJsonAsync("/api/v1/users/admin/keys", new { }), HttpStatusCode.Forbidden, "access.denied");
        Assert.Single(await server.Store.ListApiKeysAsync("admin"));
        await AuditedOnceAsync(server, "inv", "key.create", "access.denied");
    }

    [SkippableFact]
    public async Task An_administrator_cannot_hold_or_grant_itself_operational_roles_and_a_grant_needs_a_second_administrator()
    {
        await using var server = await StartAsync();
        await server.AddUserAsync("admin2", [Role.Administrator], Scope.Everything);
        var admin = server.As("admin");

        // The attack of the issue: every role for the administrator itself.
        await RefusedAsync(await admin.PutAsJsonAsync("/api/v1/users/admin/roles", new { add = new[] { "approver", "investigator", "auditor" } }), HttpStatusCode.Conflict, "user.role_conflict");
        Assert.Equal([Role.Administrator], (await server.Store.GetUserAsync("admin"))!.Roles);
        Assert.Empty(await server.Store.ListRoleGrantsAsync());
        await AuditedOnceAsync(server, "admin", "user.role", "user.role_conflict");

        // An accomplice account: created without the role, which waits as a grant.
        var created = await admin.PostAsJsonAsync("/api/v1/users", new { username = "eve", roles = new[] { "approver" }, scope = new { watchlists = new[] { "*" } }, password = "eve's long password 1" });
        await Problems.ExpectAsync(created, HttpStatusCode.Created);
        var user = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(0, user.GetProperty("roles").GetArrayLength());
        var grant = user.GetProperty("pending_grant").GetProperty("id").GetInt64();
        Assert.Empty((await server.Store.GetUserAsync("eve"))!.Roles);

        // The requesting administrator cannot approve it; nothing changes.
        await RefusedAsync(await admin.PostAsJsonAsync($"/api/v1/role-grants/{grant}/approve", new { reason = "trust me" }), HttpStatusCode.Forbidden, "grant.self_approval");
        Assert.Equal(RoleGrantState.Pending, (await server.Store.GetRoleGrantAsync(grant))!.State);
        Assert.Empty((await server.Store.GetUserAsync("eve"))!.Roles);
        await AuditedOnceAsync(server, "admin", "grant.approve", "grant.self_approval");

        // A second administrator approves: eve holds the role, once.
        var approved = await server.As("admin2").PostAsJsonAsync($"/api/v1/role-grants/{grant}/approve", new { reason = "checked with her line manager" });
        await Problems.ExpectAsync(approved, HttpStatusCode.OK);
        Assert.Equal([Role.Approver], (await server.Store.GetUserAsync("eve"))!.Roles);
        await RefusedAsync(await server.As("admin2").PostAsJsonAsync($"/api/v1/role-grants/{grant}/approve", new { }), HttpStatusCode.Conflict, "grant.not_pending");
        Assert.Contains(await server.AuditAsync(), r => r.Action == "grant.approved" && r.Actor == "admin2" && r.Details.Contains("\"requested_by\":\"admin\"", StringComparison.Ordinal));

        // An administrator account cannot be given an operational role through a grant either, nor an approver administration.
        await RefusedAsync(await admin.PutAsJsonAsync("/api/v1/users/admin2/roles", new { add = new[] { "auditor" } }), HttpStatusCode.Conflict, "user.role_conflict");
        await RefusedAsync(await admin.PutAsJsonAsync("/api/v1/users/eve/roles", new { add = new[] { "administrator" } }), HttpStatusCode.Conflict, "user.role_conflict");
        Assert.Equal([Role.Approver], (await server.Store.GetUserAsync("eve"))!.Roles);
        Assert.Equal([Role.Administrator], (await server.Store.GetUserAsync("admin2"))!.Roles);

        // Only administrators see and decide grants; none is left pending.
        var (eve, eveCsrf) = await server.LoginAsync("eve", "eve's long password 1");
        await RefusedAsync(await eve.GetAsync("/api/v1/role-grants"), HttpStatusCode.Forbidden, "access.denied");
        Assert.Equal(0, (await admin.GetFromJsonAsync<JsonElement>("/api/v1/role-grants?state=pending")).GetArrayLength());
        await RefusedAsync(await eve.SendAsync(WithCsrf(HttpMethod.Post, $"/api/v1/role-grants/{grant}/reject", eveCsrf, new { })), HttpStatusCode.Forbidden, "access.denied");
    }

    [SkippableFact]
    public async Task Whoever_proposed_or_amended_the_pending_version_may_not_approve_it()
    {
        TestPaths.RequireFacesDev();
        await using var server = await StartAsync();
        foreach (var name in (string[])["ann", "bob", "cat"])
        {
            await server.AddUserAsync(name, [Role.Approver], Scope.Everything);
        }

        await Problems.ExpectAsync(await server.As("admin").PostAsJsonAsync("/api/v1/watchlists", new { name = "wanted", category = "wanted" }), HttpStatusCode.Created);
        var entry = await ProposeAsync(server.As("ann"), "wanted", "obama", "fr_obama/obama.jpg");

        // B amends without changing anything; then A (the proposer) and B (the amender) each try to approve.
        await Problems.ExpectAsync(await server.As("bob").PostAsJsonAsync($"/api/v1/entries/{entry}/amend", new { reason = "looked at it" }), HttpStatusCode.OK);
        await RefusedAsync(await server.As("ann").PostAsJsonAsync($"/api/v1/entries/{entry}/approve", new { reason = "mine, but amended by bob" }), HttpStatusCode.Forbidden, "entry.self_approval");
        await RefusedAsync(await server.As("bob").PostAsJsonAsync($"/api/v1/entries/{entry}/approve", new { reason = "I only amended it" }), HttpStatusCode.Forbidden, "entry.self_approval");
        var pending = (await server.Store.GetEntryAsync(entry))!.Entry;
        Assert.Equal(EntryState.Proposed, pending.State);
        Assert.Equal(2, pending.Versions.Count);
        await AuditedOnceAsync(server, "ann", "entry.approve", "entry.self_approval");
        await AuditedOnceAsync(server, "bob", "entry.approve", "entry.self_approval");

        // A third approver, who did neither, may.
        await Problems.ExpectAsync(await server.As("cat").PostAsJsonAsync($"/api/v1/entries/{entry}/approve", new { reason = "warrant checked" }), HttpStatusCode.OK);
        Assert.Equal(EntryState.Active, (await server.Store.GetEntryAsync(entry))!.Entry.State);
    }

    [SkippableFact]
    public async Task A_subject_on_an_active_or_proposed_entry_is_erased_only_after_the_entry_is_removed_and_a_reference_cannot_reach_across_scopes()
    {
        TestPaths.RequireFacesDev();
        await using var server = await StartAsync();
        await server.AddUserAsync("inv", [Role.Investigator], ArgusTestServer.Watchlists("wanted"));
        await server.AddUserAsync("inv-missing", [Role.Investigator], ArgusTestServer.Watchlists("missing"));
        await server.AddUserAsync("appr", [Role.Approver], Scope.Everything);
        await server.AddUserAsync("clerk", [Role.EnrolmentClerk], Scope.Everything);
        var admin = server.As("admin");
        await Problems.ExpectAsync(await admin.PostAsJsonAsync("/api/v1/watchlists", new { name = "wanted", category = "wanted" }), HttpStatusCode.Created);
        await Problems.ExpectAsync(await admin.PostAsJsonAsync("/api/v1/watchlists", new { name = "missing", category = "missing" }), HttpStatusCode.Created);
        var entry = await ProposeAsync(server.As("inv"), "wanted", "wanted-17", "fr_obama/obama.jpg");
        var subject = await SubjectOfAsync(server.As("appr"), entry);
        var gallery = (await server.Store.GetGalleryAsync(Watchlist.GalleryName("wanted")))!;

        // Proposed: the clerk (the attack of the issue) and the administrator are both refused; nothing is erased.
        await RefusedAsync(await server.As("clerk").DeleteAsync($"/api/v1/subjects/{subject}"), HttpStatusCode.Conflict, "subject.in_watchlist");
        await Problems.ExpectAsync(await server.As("appr").PostAsJsonAsync($"/api/v1/entries/{entry}/approve", new { reason = "warrant checked" }), HttpStatusCode.OK);
        await RefusedAsync(await admin.DeleteAsync($"/api/v1/subjects/{subject}"), HttpStatusCode.Conflict, "subject.in_watchlist");
        Assert.NotNull(await server.Store.GetSubjectAsync(subject));
        Assert.Equal(EntryState.Active, (await server.Store.GetEntryAsync(entry))!.Entry.State);
        Assert.Equal(1, (await server.Store.GetGalleryAsync(gallery.Id))!.TemplateCount);
        await AuditedOnceAsync(server, "clerk", "subject.erase", "subject.in_watchlist");
        await AuditedOnceAsync(server, "admin", "subject.erase", "subject.in_watchlist");

        // Another watchlist's investigator cannot attach a photo to this person through its reference.
        var form = EntryForm("wanted-17");
        form.Add(new ByteArrayContent(await File.ReadAllBytesAsync(TestPaths.FacesDevFile(Path.Combine("images", "fr_obama/obama1.jpg")))), "photos", "obama1.jpg");
        await RefusedAsync(await server.As("inv-missing").PostAsync("/api/v1/watchlists/missing/entries", form), HttpStatusCode.Forbidden, "subject.out_of_scope");
        Assert.Equal(1, (await server.Store.GetGalleryAsync(gallery.Id))!.TemplateCount);
        Assert.Empty(await server.Store.ListEntriesAsync((await server.Store.GetWatchlistAsync("missing")).Id));
        var probe = await AuditedOnceAsync(server, "inv-missing", "entry.propose", "subject.out_of_scope");

        // It counts as an attempt outside the investigator's scope, as the abuse detector reads the log.
        Assert.Contains($"\"reason\":\"{Argus.Core.Audit.AbuseDetector.ScopeReason}\"", probe.Details, StringComparison.Ordinal);

        // The entry's own removal path (an approver, a reason, audited); then the subject may be erased.
        await Problems.ExpectAsync(await server.As("appr").PostAsJsonAsync($"/api/v1/entries/{entry}/remove", new { reason = "warrant withdrawn" }), HttpStatusCode.OK);
        await Problems.ExpectAsync(await server.As("clerk").DeleteAsync($"/api/v1/subjects/{subject}"), HttpStatusCode.OK);
        Assert.Null(await server.Store.GetSubjectAsync(subject));
    }
}

public sealed class SqliteAbuseSeparationOfDutiesTests : AbuseSeparationOfDutiesTests
{
    protected override bool Postgres => false;
}

public sealed class PostgresAbuseSeparationOfDutiesTests : AbuseSeparationOfDutiesTests
{
    protected override bool Postgres => true;
}
