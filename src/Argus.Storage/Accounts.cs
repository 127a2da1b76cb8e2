using System.Text.Json;
using System.Text.Json.Nodes;
using Argus.Core;
using Argus.Core.Access;

namespace Argus.Storage;

/// <summary>A person who uses Argus. The password hash never leaves the store.</summary>
public sealed record User(
    long Id,
    string Username,
    string DisplayName,
    IReadOnlySet<Role> Roles,
    Scope Scope,
    bool Disabled,
    int FailedAttempts,
    DateTimeOffset? LockedUntil,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long SecurityStamp = 0)
{
    /// <summary>The acting identity; the username is the id recorded in entry versions and the audit log.</summary>
    public Principal ToPrincipal() => new(Username, Username, Roles, Scope, Disabled);
}

public sealed record NewUser(string Username, string DisplayName, IReadOnlyCollection<Role> Roles, Scope Scope);

/// <summary>
/// An API key for an integration, acting for its user within the key's scope (never wider than the user's). A
/// <see cref="Pending"/> key was prepared by an administrator (<see cref="CreatedBy"/>) and acts for nobody until its
/// own user claims it with their password.
/// </summary>
public sealed record ApiKey(
    long Id, long UserId, string Username, string Prefix, Scope? Scope, bool Revoked, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt,
    bool Pending = false, string? CreatedBy = null);

/// <summary>A new key with its secret token, shown once and stored only as its SHA-256 (empty for a pending key: it has none yet).</summary>
public sealed record CreatedApiKey(ApiKey Key, string Token);

public enum LoginStatus
{
    Ok,
    UnknownUser,
    WrongPassword,

    /// <summary>Too many failures: refused until <see cref="LoginOutcome.LockedUntil"/> without checking the password.</summary>
    Locked,
    Disabled,
    RevokedKey,
}

/// <summary>The result of a password or API-key check; <see cref="Principal"/> is set only for <see cref="LoginStatus.Ok"/>.</summary>
public sealed record LoginOutcome(
    LoginStatus Status, string Username, Principal? Principal, int FailedAttempts = 0, DateTimeOffset? LockedUntil = null, long? KeyId = null, long SecurityStamp = 0);

/// <summary>Lockout after repeated failures: <see cref="MaxFailures"/> wrong passwords lock the account for <see cref="Duration"/>.</summary>
public sealed record LockoutPolicy(int MaxFailures, TimeSpan Duration)
{
    public static LockoutPolicy Default { get; } = new(5, TimeSpan.FromMinutes(15));
}

/// <summary>Roles by their CLI names and scopes as stored JSON.</summary>
public static class AccessCodec
{
    public static string Name(Role role) => role switch
    {
        Role.EnrolmentClerk => "enrolment-clerk",
        Role.ServiceTerminal => "service-terminal",
        Role.AuthorisingOfficial => "authorising-official",
        _ => role.ToString().ToLowerInvariant(),
    };

    public static Role ParseRole(string name) =>
        Enum.GetValues<Role>().FirstOrDefault(r => string.Equals(Name(r), name.Trim(), StringComparison.OrdinalIgnoreCase), (Role)(-1)) is var role && Enum.IsDefined(role)
            ? role
            : throw new ArgusException("user.role_invalid", $"Unknown role '{name}'; use one of: {string.Join(", ", Enum.GetValues<Role>().Select(Name))}.");

    public static string Roles(IEnumerable<Role> roles) => string.Join(',', roles.Distinct().Order().Select(r => r.ToString()));

    public static IReadOnlySet<Role> ParseStoredRoles(string stored) =>
        stored.Length == 0 ? new HashSet<Role>() : stored.Split(',').Select(Enum.Parse<Role>).ToHashSet();

    public static string ScopeJson(Scope scope) => new JsonObject
    {
        ["cameras"] = new JsonArray([.. scope.Cameras.Order(StringComparer.Ordinal).Select(x => (JsonNode)x)]),
        ["sites"] = new JsonArray([.. scope.Sites.Order(StringComparer.Ordinal).Select(x => (JsonNode)x)]),
        ["watchlists"] = new JsonArray([.. scope.Watchlists.Order(StringComparer.Ordinal).Select(x => (JsonNode)x)]),
    }.ToJsonString();

    public static Scope ParseScope(string json)
    {
        using var doc = JsonDocument.Parse(json);
        HashSet<string> Set(string name) => doc.RootElement.TryGetProperty(name, out var a) ? [.. a.EnumerateArray().Select(e => e.GetString()!)] : [];
        return new Scope(Set("sites"), Set("cameras"), Set("watchlists"));
    }

    /// <summary>What both scopes allow (<c>*</c> is everything).</summary>
    public static Scope Intersect(Scope a, Scope b)
    {
        static HashSet<string> Both(IReadOnlySet<string> x, IReadOnlySet<string> y) =>
            x.Contains(Scope.All) ? [.. y] : y.Contains(Scope.All) ? [.. x] : [.. x.Where(y.Contains)];
        return new Scope(Both(a.Sites, b.Sites), Both(a.Cameras, b.Cameras), Both(a.Watchlists, b.Watchlists));
    }
}
