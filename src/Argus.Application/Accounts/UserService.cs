using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Storage;
using Argus.Storage.Security;

namespace Argus.Application.Accounts;

/// <summary>What a change to a user did: the user as stored now, and the role grant it requested (or, for a decision, decided).</summary>
public sealed record UserChange(User User, RoleGrant? PendingGrant);

/// <summary>
/// People, roles, scopes and API keys, under separation of duties. Administrators (<see cref="Capability.ManageUsers"/>)
/// manage accounts but never act as anyone: an administrator holds no operational role (<c>user.role_conflict</c>);
/// an operational role is only requested (a pending <see cref="RoleGrant"/>) and applies once a second, different
/// administrator approves it (<c>grant.self_approval</c>); an API key for someone else is created pending, with no
/// token, and only its own user can claim it with their password. Taking something away (a role, scope, the account,
/// a password) applies at once and moves the user's security stamp, which ends their sessions. Everyone may change
/// their own password (with the current one) and manage their own keys. Every change and every refusal is audited.
/// </summary>
public sealed class UserService(OperationContext context)
{
    /// <summary>
    /// Creates a user; the administrator role (if asked) applies at once, operational roles become a pending grant
    /// (<c>user.role_invalid</c>, <c>user.role_conflict</c>). <paramref name="password"/> is asked for only once the
    /// actor is allowed (<c>user.password_weak</c>).
    /// </summary>
    public async Task<UserChange> CreateAsync(Principal actor, string username, string? displayName, IEnumerable<string> roles, Scope scope, Func<string?> password, CancellationToken ct)
    {
        var created = await context.AuditedAsync(actor.Id, "user.create", $"user:{username}", async () =>
        {
            AccessPolicy.Demand(actor, Capability.ManageUsers);
            var asked = ParseRoles(roles);
            RequireNoConflict(asked);
            Core.Purposes.Authorisation.DemandRoleGrant(actor, username, new HashSet<Role>(), asked.ToHashSet());
            var immediate = asked.Where(r => !RoleCapabilities.IsOperational(r)).ToList();
            var operational = asked.Where(RoleCapabilities.IsOperational).ToList();
            var user = await context.AuditedStore<User>(u => AuditEvent.Ok(actor.Id, "user.created", $"user:{username}", Details(u)))
                .CreateUserAsync(new NewUser(username, displayName ?? username, immediate, scope), Strong(password()), ct: ct);
            var grant = operational.Count == 0 ? null : await RequestGrantAsync(actor, username, operational, ct);
            return new UserChange(user, grant);
        });
        return created;
    }

    public async Task<IReadOnlyList<User>> ListAsync(Principal actor, CancellationToken ct)
    {
        await context.AuditedAsync(actor.Id, "user.list", "users", () => AccessPolicy.Demand(actor, Capability.ManageUsers));
        var users = await context.Store.ListUsersAsync(ct);
        await context.AuditAsync(AuditEvent.Ok(actor.Id, "user.list", "users", AuditDetails.Of(("users", users.Count))), ct);
        return users;
    }

    public async Task<User> GetAsync(Principal actor, string username, CancellationToken ct)
    {
        var user = await context.AuditedAsync(actor.Id, "user.get", $"user:{username}", async () =>
        {
            AccessPolicy.Demand(actor, Capability.ManageUsers);
            return await context.Store.GetUserAsync(username, ct) ?? throw new ArgusException("user.not_found", $"There is no user named '{username}'.");
        });
        await context.AuditAsync(AuditEvent.Ok(actor.Id, "user.get", $"user:{username}"), ct);
        return user;
    }

    /// <summary>Disables or enables a user; the last enabled administrator cannot be disabled (<c>user.last_administrator</c>).</summary>
    public async Task<User> SetDisabledAsync(Principal actor, string username, bool disabled, CancellationToken ct)
    {
        var verb = disabled ? "disable" : "enable";
        var user = await context.AuditedAsync(actor.Id, $"user.{verb}", $"user:{username}", async () =>
        {
            AccessPolicy.Demand(actor, Capability.ManageUsers);
            if (disabled)
            {
                await KeepAnAdministratorAsync(username, ct);
            }

            return await context.AuditedStore(AuditEvent.Ok(actor.Id, $"user.{verb}d", $"user:{username}")).SetUserDisabledAsync(username, disabled, ct);
        });
        return user;
    }

    /// <summary>
    /// Takes away <paramref name="remove"/> at once; of <paramref name="add"/>, the administrator role applies at once
    /// and operational roles become a pending grant for a second administrator. An account never holds administrator
    /// and an operational role together (<c>user.role_conflict</c>).
    /// </summary>
    public async Task<UserChange> ChangeRolesAsync(Principal actor, string username, IEnumerable<string> add, IEnumerable<string> remove, CancellationToken ct)
    {
        var changed = await context.AuditedAsync(actor.Id, "user.role", $"user:{username}", async () =>
        {
            AccessPolicy.Demand(actor, Capability.ManageUsers);
            var current = await context.Store.GetUserAsync(username, ct) ?? throw new ArgusException("user.not_found", $"There is no user named '{username}'.");
            var adding = ParseRoles(add);
            var removing = ParseRoles(remove);
            var now = current.Roles.ToHashSet();
            now.ExceptWith(removing);
            var operational = adding.Where(RoleCapabilities.IsOperational).Where(r => !now.Contains(r)).ToList();
            now.UnionWith(adding.Where(r => !RoleCapabilities.IsOperational(r)));
            RequireNoConflict([.. now, .. operational]);
            Core.Purposes.Authorisation.DemandRoleGrant(actor, username, current.Roles, new HashSet<Role>([.. now, .. operational]));
            if (!now.Contains(Role.Administrator))
            {
                await KeepAnAdministratorAsync(username, ct);
            }

            var user = current;
            if (!now.SetEquals(current.Roles))
            {
                user = await context.AuditedStore<User>(u => AuditEvent.Ok(actor.Id, "user.roles_changed", $"user:{username}", AuditDetails.Of(("roles", u.Roles.Select(AccessCodec.Name)))))
                    .SetUserRolesAsync(username, now, ct);
            }

            var grant = operational.Count == 0 ? null : await RequestGrantAsync(actor, username, operational, ct);
            return new UserChange(user, grant);
        });
        return changed;
    }

    /// <summary>Replaces a user's scope (sites, cameras, watchlists); their sessions end, so a narrowed scope applies at once.</summary>
    public async Task<User> SetScopeAsync(Principal actor, string username, Scope scope, CancellationToken ct)
    {
        var user = await context.AuditedAsync(actor.Id, "user.scope", $"user:{username}", async () =>
        {
            AccessPolicy.Demand(actor, Capability.ManageUsers);
            return await context.AuditedStore(AuditEvent.Ok(actor.Id, "user.scope_changed", $"user:{username}", AuditDetails.Of(("scope", AccessCodec.ScopeJson(scope)))))
                .SetUserScopeAsync(username, scope, ct);
        });
        return user;
    }

    /// <summary>Role grants, pending ones only when <paramref name="pendingOnly"/> (administrators).</summary>
    public async Task<IReadOnlyList<RoleGrant>> ListGrantsAsync(Principal actor, bool pendingOnly, CancellationToken ct)
    {
        await context.AuditedAsync(actor.Id, "grant.list", "role_grants", () => AccessPolicy.Demand(actor, Capability.ManageUsers));
        var grants = await context.Store.ListRoleGrantsAsync(pendingOnly ? RoleGrantState.Pending : null, ct);
        await context.AuditAsync(AuditEvent.Ok(actor.Id, "grant.list", "role_grants", AuditDetails.Of(("grants", grants.Count))), ct);
        return grants;
    }

    /// <summary>
    /// Approves or rejects a pending grant. Approval needs an administrator other than the one who requested it and
    /// other than the grantee (<c>grant.self_approval</c>), and a grantee that is not an administrator
    /// (<c>user.role_conflict</c>); the requester may withdraw (reject) their own request.
    /// </summary>
    public async Task<UserChange> DecideGrantAsync(Principal actor, long grantId, bool approve, string? reason, CancellationToken ct)
    {
        var verb = approve ? "approve" : "reject";
        var decided = await context.AuditedAsync(actor.Id, $"grant.{verb}", $"grant:{grantId}", async () =>
        {
            AccessPolicy.Demand(actor, Capability.ManageUsers);
            var (grant, user) = await context.AuditedStore<(RoleGrant Grant, User User)>(r => AuditEvent.Ok(actor.Id, $"grant.{verb}d", $"grant:{grantId}", AuditDetails.Of(
                    ("user", r.Grant.Username), ("roles", r.Grant.Roles.Select(AccessCodec.Name)), ("requested_by", r.Grant.RequestedBy), ("reason", reason))))
                .DecideRoleGrantAsync(grantId, approve, actor.Id, reason, (g, u) =>
                {
                    if (!approve)
                    {
                        return;
                    }

                    if (g.RequestedBy == actor.Id || g.Username == actor.Id)
                    {
                        throw new ArgusException(
                            "grant.self_approval",
                            "A role grant needs a second administrator: the one who requested it, or the person it is for, may not approve it.");
                    }

                    RequireNoConflict([.. u.Roles, .. g.Roles]);
                }, ct);
            return new UserChange(user, grant);
        });
        return decided;
    }

    /// <summary>
    /// Sets a password. Your own needs your current password (<c>user.current_password_invalid</c>, counted like a
    /// failed login); someone else's needs an administrator. Either way the user's sessions end (the caller keeps
    /// its own session) and, unless <paramref name="revokeKeys"/> is false, every API key of the user is revoked.
    /// </summary>
    public async Task<User> SetPasswordAsync(Principal actor, string username, string? currentPassword, Func<string?> password, bool revokeKeys, CancellationToken ct)
    {
        var user = await context.AuditedAsync(actor.Id, "user.passwd", $"user:{username}", async () =>
        {
            if (username != actor.Id)
            {
                AccessPolicy.Demand(actor, Capability.ManageUsers);
            }
            else
            {
                await RequirePasswordAsync(actor, currentPassword, ct);
            }

            return await context.AuditedStore(AuditEvent.Ok(actor.Id, "user.password_changed", $"user:{username}", AuditDetails.Of(("keys_revoked", revokeKeys))))
                .SetUserPasswordAsync(username, Strong(password()), revokeKeys: revokeKeys, ct: ct);
        });
        return user;
    }

    /// <summary>
    /// A key acting for <paramref name="username"/>, optionally narrowed to sites and watchlists. Your own key is
    /// working at once and its token is returned once. A key for someone else (administrators only) is pending: no
    /// token exists until its user claims it (<see cref="ClaimKeyAsync"/>), so nobody but them ever holds it.
    /// </summary>
    public async Task<CreatedApiKey> CreateKeyAsync(Principal actor, string username, IReadOnlySet<string>? sites, IReadOnlySet<string>? watchlists, CancellationToken ct)
    {
        var created = await context.AuditedAsync(actor.Id, "key.create", $"user:{username}", async () =>
        {
            var own = username == actor.Id;
            if (!own)
            {
                AccessPolicy.Demand(actor, Capability.ManageUsers);
            }
            else if (actor.Disabled)
            {
                throw ArgusException.RoleDenied($"User {actor.Name} is disabled.");
            }

            Scope? scope = watchlists is null && sites is null
                ? null
                : new Scope(sites ?? new HashSet<string> { Scope.All }, new HashSet<string> { Scope.All }, watchlists ?? new HashSet<string> { Scope.All });
            var audited = context.AuditedStore<CreatedApiKey>(created => AuditEvent.Ok(actor.Id, own ? "key.created" : "key.prepared", $"key:{created.Key.Id}", AuditDetails.Of(
                ("user", username), ("prefix", own ? created.Key.Prefix : null), ("pending", !own), ("scope", created.Key.Scope is { } sc ? AccessCodec.ScopeJson(sc) : null))));
            if (own)
            {
                return await audited.CreateApiKeyAsync(username, scope, ct);
            }

            return new CreatedApiKey(await audited.CreatePendingApiKeyAsync(username, scope, actor.Id, ct), "");
        });
        return created;
    }

    /// <summary>
    /// Claims a pending key prepared for the actor: the actor's own password is checked again (a stolen session alone
    /// is not enough; <c>user.current_password_invalid</c>), and the token is returned to them, once.
    /// </summary>
    public async Task<CreatedApiKey> ClaimKeyAsync(Principal actor, long keyId, string? password, CancellationToken ct)
    {
        var claimed = await context.AuditedAsync(actor.Id, "key.claim", $"key:{keyId}", async () =>
        {
            await RequirePasswordAsync(actor, password, ct);
            return await context.AuditedStore<CreatedApiKey>(c => AuditEvent.Ok(actor.Id, "key.claimed", $"key:{keyId}", AuditDetails.Of(
                    ("user", actor.Id), ("prefix", c.Key.Prefix), ("prepared_by", c.Key.CreatedBy))))
                .ClaimApiKeyAsync(keyId, actor.Id, ct);
        });
        return claimed;
    }

    /// <summary>Revokes a key: your own, or anyone's for administrators.</summary>
    public async Task<ApiKey> RevokeKeyAsync(Principal actor, long keyId, CancellationToken ct)
    {
        var revoked = await context.AuditedAsync(actor.Id, "key.revoke", $"key:{keyId}", async () =>
        {
            if ((await context.Store.GetApiKeyAsync(keyId, ct))?.Username != actor.Id)
            {
                AccessPolicy.Demand(actor, Capability.ManageUsers);
            }

            return await context.AuditedStore<ApiKey>(revoked => AuditEvent.Ok(actor.Id, "key.revoked", $"key:{keyId}", AuditDetails.Of(("user", revoked.Username))))
                .RevokeApiKeyAsync(keyId, ct);
        });
        return revoked;
    }

    /// <summary>A user's keys (never their tokens): your own, or anyone's for administrators.</summary>
    public async Task<IReadOnlyList<ApiKey>> ListKeysAsync(Principal actor, string username, CancellationToken ct)
    {
        await context.AuditedAsync(actor.Id, "key.list", $"user:{username}", () =>
        {
            if (username != actor.Id)
            {
                AccessPolicy.Demand(actor, Capability.ManageUsers);
            }
        });
        var keys = await context.Store.ListApiKeysAsync(username, ct);
        await context.AuditAsync(AuditEvent.Ok(actor.Id, "key.list", $"user:{username}", AuditDetails.Of(("keys", keys.Count))), ct);
        return keys;
    }

    private async Task<RoleGrant> RequestGrantAsync(Principal actor, string username, IReadOnlyCollection<Role> roles, CancellationToken ct) =>
        await context.AuditedStore<RoleGrant>(g => AuditEvent.Ok(actor.Id, "grant.requested", $"grant:{g.Id}", AuditDetails.Of(
                ("user", username), ("roles", g.Roles.Select(AccessCodec.Name)))))
            .CreateRoleGrantAsync(username, roles, actor.Id, ct);

    /// <summary>The step-up check: the actor's own password again, counted as a login attempt (so it cannot be guessed through here).</summary>
    private async Task RequirePasswordAsync(Principal actor, string? password, CancellationToken ct)
    {
        var ok = !string.IsNullOrEmpty(password)
            && (await context.Store.LoginAsync(actor.Id, password, new AuthenticationService(context).Lockout(), ct)).Status == LoginStatus.Ok;
        if (!ok)
        {
            throw new ArgusException("user.current_password_invalid", "Give your current password (current_password) to do this.");
        }
    }

    /// <summary>An account is either an administrator or operational, never both (<c>user.role_conflict</c>).</summary>
    private static void RequireNoConflict(IReadOnlyCollection<Role> roles)
    {
        if (roles.Contains(Role.Administrator) && roles.Any(RoleCapabilities.IsOperational))
        {
            throw new ArgusException(
                "user.role_conflict",
                $"An administrator may not also hold {string.Join(", ", roles.Where(RoleCapabilities.IsOperational).Select(AccessCodec.Name))}: use a separate account for operational work.");
        }
    }

    private static List<Role> ParseRoles(IEnumerable<string> roles) =>
        [.. roles.SelectMany(r => r.Split(',', StringSplitOptions.RemoveEmptyEntries)).Select(AccessCodec.ParseRole).Distinct()];

    /// <summary>A comma-separated list as a set (null stays null: "not given").</summary>
    public static HashSet<string> List(string? csv) =>
        csv is null ? [] : [.. csv.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    private static string Strong(string? password)
    {
        PasswordHasher.RequireStrong(password);
        return password!;
    }

    /// <summary>Refuses (<c>user.last_administrator</c>) a change that would leave no enabled administrator to manage users.</summary>
    private async Task KeepAnAdministratorAsync(string losing, CancellationToken ct)
    {
        var others = (await context.Store.ListUsersAsync(ct)).Count(u => u.Username != losing && !u.Disabled && u.Roles.Contains(Role.Administrator));
        if (others == 0 && (await context.Store.GetUserAsync(losing, ct))?.Roles.Contains(Role.Administrator) == true)
        {
            throw new ArgusException("user.last_administrator", $"'{losing}' is the last enabled administrator: add another administrator first.");
        }
    }

    private static string Details(User u) => AuditDetails.Of(("roles", u.Roles.Select(AccessCodec.Name)), ("scope", AccessCodec.ScopeJson(u.Scope)));
}
