using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Storage;
using Argus.Storage.Security;

namespace Argus.Application.Accounts;

/// <summary>
/// People, roles, scopes and API keys. Everything needs an administrator (<see cref="Capability.ManageUsers"/>), but a
/// user may change their own password; every change is audited.
/// </summary>
public sealed class UserService(OperationContext context)
{
    /// <summary>
    /// Creates a user with the named roles (<c>user.role_invalid</c>); <paramref name="password"/> is asked for only once
    /// the actor is allowed (<c>user.password_weak</c>).
    /// </summary>
    public async Task<User> CreateAsync(Principal actor, string username, string? displayName, IEnumerable<string> roles, Scope scope, Func<string?> password, CancellationToken ct)
    {
        var created = await context.AuditedAsync(actor.Id, "user.create", $"user:{username}", async () =>
        {
            AccessPolicy.Demand(actor, Capability.ManageUsers);
            var user = new NewUser(username, displayName ?? username, [.. roles.SelectMany(r => r.Split(',')).Select(AccessCodec.ParseRole)], scope);
            Core.Purposes.Authorisation.DemandRoleGrant(actor, username, new HashSet<Role>(), user.Roles.ToHashSet());
            return await context.AuditedStore<User>(u => AuditEvent.Ok(actor.Id, "user.created", $"user:{username}", Details(u)))
                .CreateUserAsync(user, Strong(password()), ct: ct);
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

    /// <summary>Grants <paramref name="add"/> and takes away <paramref name="remove"/> (role names as in <see cref="AccessCodec"/>).</summary>
    public async Task<User> ChangeRolesAsync(Principal actor, string username, IEnumerable<string> add, IEnumerable<string> remove, CancellationToken ct)
    {
        var changed = await context.AuditedAsync(actor.Id, "user.role", $"user:{username}", async () =>
        {
            AccessPolicy.Demand(actor, Capability.ManageUsers);
            var current = await context.Store.GetUserAsync(username, ct) ?? throw new ArgusException("user.not_found", $"There is no user named '{username}'.");
            var set = current.Roles.ToHashSet();
            set.UnionWith(add.Select(AccessCodec.ParseRole));
            set.ExceptWith(remove.Select(AccessCodec.ParseRole));
            Core.Purposes.Authorisation.DemandRoleGrant(actor, username, current.Roles, set);
            if (!set.Contains(Role.Administrator))
            {
                await KeepAnAdministratorAsync(username, ct);
            }

            return await context.AuditedStore<User>(u => AuditEvent.Ok(actor.Id, "user.roles_changed", $"user:{username}", AuditDetails.Of(("roles", u.Roles.Select(AccessCodec.Name)))))
                .SetUserRolesAsync(username, set, ct);
        });
        return changed;
    }

    /// <summary>Sets a password (your own, or anyone's for administrators); clears a lockout.</summary>
    public async Task SetPasswordAsync(Principal actor, string username, Func<string?> password, CancellationToken ct)
    {
        await context.AuditedAsync(actor.Id, "user.passwd", $"user:{username}", async () =>
        {
            if (username != actor.Id)
            {
                AccessPolicy.Demand(actor, Capability.ManageUsers);
            }

            return await context.AuditedStore(AuditEvent.Ok(actor.Id, "user.password_changed", $"user:{username}")).SetUserPasswordAsync(username, Strong(password()), ct: ct);
        });
    }

    /// <summary>A key acting for <paramref name="username"/>, optionally narrowed to sites and watchlists; the token is returned once.</summary>
    public async Task<CreatedApiKey> CreateKeyAsync(Principal actor, string username, IReadOnlySet<string>? sites, IReadOnlySet<string>? watchlists, CancellationToken ct)
    {
        var created = await context.AuditedAsync(actor.Id, "key.create", $"user:{username}", async () =>
        {
            AccessPolicy.Demand(actor, Capability.ManageUsers);
            Scope? scope = watchlists is null && sites is null
                ? null
                : new Scope(sites ?? new HashSet<string> { Scope.All }, new HashSet<string> { Scope.All }, watchlists ?? new HashSet<string> { Scope.All });
            return await context.AuditedStore<CreatedApiKey>(created => AuditEvent.Ok(actor.Id, "key.created", $"key:{created.Key.Id}", AuditDetails.Of(
                ("user", username), ("prefix", created.Key.Prefix), ("scope", created.Key.Scope is { } sc ? AccessCodec.ScopeJson(sc) : null))))
                .CreateApiKeyAsync(username, scope, ct);
        });
        return created;
    }

    public async Task<ApiKey> RevokeKeyAsync(Principal actor, long keyId, CancellationToken ct)
    {
        var revoked = await context.AuditedAsync(actor.Id, "key.revoke", $"key:{keyId}", async () =>
        {
            AccessPolicy.Demand(actor, Capability.ManageUsers);
            return await context.AuditedStore<ApiKey>(revoked => AuditEvent.Ok(actor.Id, "key.revoked", $"key:{keyId}", AuditDetails.Of(("user", revoked.Username))))
                .RevokeApiKeyAsync(keyId, ct);
        });
        return revoked;
    }

    public async Task<IReadOnlyList<ApiKey>> ListKeysAsync(Principal actor, string username, CancellationToken ct)
    {
        await context.AuditedAsync(actor.Id, "key.list", $"user:{username}", () => AccessPolicy.Demand(actor, Capability.ManageUsers));
        var keys = await context.Store.ListApiKeysAsync(username, ct);
        await context.AuditAsync(AuditEvent.Ok(actor.Id, "key.list", $"user:{username}", AuditDetails.Of(("keys", keys.Count))), ct);
        return keys;
    }

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
