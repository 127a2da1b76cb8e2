using Argus.Core;
using Argus.Core.Access;
using Argus.Storage.Security;
using Argus.Tests;
using Microsoft.Extensions.Time.Testing;

namespace Argus.Storage.Tests;

/// <summary>Users, keys, watchlists and entries in a real database, once per provider, with time under the test's control.</summary>
public abstract partial class AccountabilityStoreTests : IAsyncLifetime
{
    /// <summary>Cheap Argon2id cost for tests; the default cost is exercised by <see cref="PasswordHasherTests"/>.</summary>
    internal static readonly Argon2Parameters Cheap = new(1024, 1, 1);

    protected const string Password = "correct horse battery";

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.Zero));

    protected abstract Task<ArgusStore> OpenStoreAsync();

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    protected static NewUser Investigator(string name, params string[] watchlists) =>
        new(name, name, [Role.Investigator], new Scope(new HashSet<string> { "*" }, new HashSet<string> { "*" }, watchlists.ToHashSet()));

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Users_are_created_once_listed_and_changed()
    {
        await using var store = await OpenStoreAsync();
        var ann = await store.CreateUserAsync(Investigator("ann", "wanted"), Password, Cheap);
        Assert.Equal("ann", ann.Username);
        var dup = await Assert.ThrowsAsync<ArgusException>(() => store.CreateUserAsync(Investigator("ann"), Password, Cheap));
        Assert.Equal("user.exists", dup.Code);
        Assert.Equal("user.invalid_name", (await Assert.ThrowsAsync<ArgusException>(() => store.CreateUserAsync(Investigator("Ann Smith"), Password, Cheap))).Code);
        Assert.Equal("user.password_weak", (await Assert.ThrowsAsync<ArgusException>(() => store.CreateUserAsync(Investigator("bob"), "short", Cheap))).Code);

        var changed = await store.SetUserRolesAsync("ann", [Role.Investigator, Role.Approver]);
        Assert.True(changed.Roles.SetEquals([Role.Investigator, Role.Approver]));
        Assert.True((await store.SetUserDisabledAsync("ann", true)).Disabled);
        var listed = Assert.Single(await store.ListUsersAsync());
        Assert.True(listed.Disabled);
        Assert.True(listed.Scope.CoversWatchlist("wanted"));
        Assert.False(listed.Scope.CoversWatchlist("missing"));
        Assert.Equal("user.not_found", (await Assert.ThrowsAsync<ArgusException>(() => store.SetUserDisabledAsync("nobody", true))).Code);
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Bootstrap_creates_the_first_administrator_only()
    {
        await using var store = await OpenStoreAsync();
        var admin = await store.TryBootstrapAdministratorAsync("admin", Password, Cheap);
        Assert.NotNull(admin);
        Assert.Contains(Role.Administrator, admin.Roles);
        Assert.Null(await store.TryBootstrapAdministratorAsync("admin2", Password, Cheap));
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Wrong_passwords_lock_the_account_for_the_lockout_time()
    {
        await using var store = await OpenStoreAsync();
        await store.CreateUserAsync(Investigator("ann"), Password, Cheap);
        var ok = await store.LoginAsync("ann", Password);
        Assert.Equal(LoginStatus.Ok, ok.Status);
        Assert.Equal("ann", ok.Principal!.Id);
        Assert.Equal(LoginStatus.UnknownUser, (await store.LoginAsync("nobody", Password)).Status);

        var policy = new LockoutPolicy(3, TimeSpan.FromMinutes(15));
        Assert.Equal(LoginStatus.WrongPassword, (await store.LoginAsync("ann", "wrong password!", policy)).Status);
        Assert.Equal(LoginStatus.WrongPassword, (await store.LoginAsync("ann", "wrong password!", policy)).Status);
        var locked = await store.LoginAsync("ann", "wrong password!", policy);
        Assert.Equal(LoginStatus.Locked, locked.Status);
        Assert.Equal(Time.GetUtcNow().AddMinutes(15), locked.LockedUntil);

        // Locked: even the right password is refused until the time is up.
        Assert.Equal(LoginStatus.Locked, (await store.LoginAsync("ann", Password, policy)).Status);
        Time.Advance(TimeSpan.FromMinutes(15));
        Assert.Equal(LoginStatus.Ok, (await store.LoginAsync("ann", Password, policy)).Status);

        await store.SetUserDisabledAsync("ann", true);
        Assert.Equal(LoginStatus.Disabled, (await store.LoginAsync("ann", Password, policy)).Status);
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Api_keys_are_stored_hashed_scoped_and_revocable()
    {
        await using var store = await OpenStoreAsync();
        await store.CreateUserAsync(Investigator("svc", "*"), Password, Cheap);
        var narrow = new Scope(new HashSet<string> { "*" }, new HashSet<string> { "*" }, new HashSet<string> { "missing" });
        var created = await store.CreateApiKeyAsync("svc", narrow);
        Assert.StartsWith("argus_" + created.Key.Prefix + "_", created.Token, StringComparison.Ordinal);

        var ok = await store.AuthenticateApiKeyAsync(created.Token);
        Assert.Equal(LoginStatus.Ok, ok.Status);
        Assert.True(ok.Principal!.Scope.CoversWatchlist("missing"));
        Assert.False(ok.Principal.Scope.CoversWatchlist("wanted"));
        Assert.NotNull((await store.ListApiKeysAsync("svc"))[0].LastUsedAt);

        Assert.Equal(LoginStatus.UnknownUser, (await store.AuthenticateApiKeyAsync(created.Token[..^2] + "xx")).Status);
        Assert.Equal(LoginStatus.UnknownUser, (await store.AuthenticateApiKeyAsync("garbage")).Status);
        Assert.True((await store.RevokeApiKeyAsync(created.Key.Id)).Revoked);
        Assert.Equal(LoginStatus.RevokedKey, (await store.AuthenticateApiKeyAsync(created.Token)).Status);
        Assert.Equal("key.not_found", (await Assert.ThrowsAsync<ArgusException>(() => store.RevokeApiKeyAsync(999))).Code);

        // A key without a scope of its own acts with its user's.
        var plain = await store.CreateApiKeyAsync("svc");
        var asUser = await store.AuthenticateApiKeyAsync(plain.Token);
        Assert.Null(plain.Key.Scope);
        Assert.True(asUser.Principal!.Scope.CoversWatchlist("wanted"));
        Assert.Equal(2, (await store.ListApiKeysAsync("svc")).Count);
        Assert.Equal("user.not_found", (await Assert.ThrowsAsync<ArgusException>(() => store.CreateApiKeyAsync("nobody"))).Code);
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Pending_keys_act_for_nobody_until_claimed_and_account_changes_move_the_stamp_and_can_revoke_keys()
    {
        await using var store = await OpenStoreAsync();
        await store.CreateUserAsync(Investigator("svc", "*"), Password, Cheap);
        await store.CreateUserAsync(Investigator("eve", "*"), Password, Cheap);
        var pending = await store.CreatePendingApiKeyAsync("svc", null, "admin");
        Assert.True(pending.Pending);
        Assert.Equal("admin", (await store.GetApiKeyAsync(pending.Id))!.CreatedBy);
        Assert.Equal("key.not_found", (await Assert.ThrowsAsync<ArgusException>(() => store.ClaimApiKeyAsync(pending.Id, "eve"))).Code);
        var claimed = await store.ClaimApiKeyAsync(pending.Id, "svc");
        Assert.False(claimed.Key.Pending);
        Assert.Equal(LoginStatus.Ok, (await store.AuthenticateApiKeyAsync(claimed.Token)).Status);
        Assert.Equal("key.not_pending", (await Assert.ThrowsAsync<ArgusException>(() => store.ClaimApiKeyAsync(pending.Id, "svc"))).Code);

        var stamp = (await store.GetUserAsync("svc"))!.SecurityStamp;
        Assert.True((await store.SetUserScopeAsync("svc", Scope.Nothing)).SecurityStamp > stamp);
        var changed = await store.SetUserPasswordAsync("svc", "another long password", Cheap, revokeKeys: true);
        Assert.True(changed.SecurityStamp > stamp + 1);
        Assert.Equal(LoginStatus.RevokedKey, (await store.AuthenticateApiKeyAsync(claimed.Token)).Status);

        // A role grant changes nothing until decided, and only once.
        var grant = await store.CreateRoleGrantAsync("eve", [Role.Approver], "admin");
        Assert.Equal([Role.Investigator], (await store.GetUserAsync("eve"))!.Roles);
        var (decided, eve) = await store.DecideRoleGrantAsync(grant.Id, approve: true, "admin2", "ok", (_, _) => { });
        Assert.Equal(RoleGrantState.Approved, decided.State);
        Assert.Contains(Role.Approver, eve.Roles);
        Assert.Equal("grant.not_pending", (await Assert.ThrowsAsync<ArgusException>(() => store.DecideRoleGrantAsync(grant.Id, true, "admin2", null, (_, _) => { }))).Code);
    }
}

public sealed class PasswordHasherTests
{
    [Fact]
    public void Default_argon2id_hashes_verify_and_carry_their_parameters_and_salt()
    {
        var a = PasswordHasher.Hash("correct horse battery");
        var b = PasswordHasher.Hash("correct horse battery");
        Assert.StartsWith("argon2id$m=19456,t=2,p=1$", a, StringComparison.Ordinal);
        Assert.NotEqual(a, b); // per-user salt
        Assert.True(PasswordHasher.Verify("correct horse battery", a));
        Assert.False(PasswordHasher.Verify("correct horse batterY", a));
        Assert.False(PasswordHasher.Verify("x", "not a hash"));
        Assert.False(PasswordHasher.Verify("x", "argus2id$m=1$$"));
        Assert.False(PasswordHasher.Verify("x", "argon2id$m=x,t=1$AAAA$AAAA"));
        Assert.False(PasswordHasher.Verify("x", "argon2id$m=1024,t=1,p=1$!!$AAAA"));
    }
}

public sealed class SqliteAccountabilityStoreTests : AccountabilityStoreTests
{
    private readonly TempDirectory _directory = TestPaths.TempDirectory();

    protected override Task<ArgusStore> OpenStoreAsync() =>
        ArgusStore.OpenAsync(StorageOptions.Sqlite(_directory.File("argus.db")) with { TimeProvider = Time });

    public override Task DisposeAsync()
    {
        _directory.Dispose();
        return Task.CompletedTask;
    }
}

public sealed class PostgresAccountabilityStoreTests : AccountabilityStoreTests
{
    private readonly string _schema = "argus_acct_" + Guid.NewGuid().ToString("N")[..16];

    protected override Task<ArgusStore> OpenStoreAsync() =>
        ArgusStore.OpenAsync(StorageOptions.Postgres(PostgresStoreTests.RequireConnectionString(), _schema) with { TimeProvider = Time });

    public override Task DisposeAsync() => PostgresStoreTests.DropSchemaAsync(_schema);
}
