using Argus.Application.Accounts;
using Argus.Application.Contracts;
using Argus.Core;
using Argus.Core.Access;
using Argus.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Argus.Server.Endpoints;

/// <summary>
/// Users, roles, scopes, role grants and API keys, under separation of duties (see <see cref="UserService"/>):
/// administrators manage accounts; operational roles they request apply only once a second administrator approves
/// the grant (<c>/api/v1/role-grants</c>); keys are created by their own user, or prepared (pending, no token) by an
/// administrator and claimed by their user with their password. Anyone may change their own password (with the
/// current one) and list, create or revoke their own keys. Whatever takes something away from a user ends their
/// sessions and open alert streams at once.
/// </summary>
internal static class UserApi
{
    public static void MapUserApi(this IEndpointRouteBuilder routes)
    {
        var users = routes.ApiGroup("/api/v1/users", "Users");
        users.MapGet("/", ListAsync).RequireCapability(Capability.ManageUsers);
        users.MapPost("/", CreateAsync).RequireCapability(Capability.ManageUsers);
        users.MapGet("/{username}", GetAsync).RequireCapability(Capability.ManageUsers);
        users.MapPost("/{username}/disable", (string username, HttpContext http, UserService service, SessionStore sessions, CancellationToken ct) => SetDisabledAsync(username, true, http, service, sessions, ct))
            .RequireCapability(Capability.ManageUsers);
        users.MapPost("/{username}/enable", (string username, HttpContext http, UserService service, SessionStore sessions, CancellationToken ct) => SetDisabledAsync(username, false, http, service, sessions, ct))
            .RequireCapability(Capability.ManageUsers);
        users.MapPut("/{username}/roles", ChangeRolesAsync).RequireCapability(Capability.ManageUsers);
        users.MapPut("/{username}/scope", SetScopeAsync).RequireCapability(Capability.ManageUsers);

        // Your own password and keys need no role; someone else's need ManageUsers (checked by the service, audited).
        users.MapPut("/{username}/password", SetPasswordAsync).RequireAuthorization();
        users.MapGet("/{username}/keys", ListKeysAsync).RequireAuthorization();
        users.MapPost("/{username}/keys", CreateKeyAsync).RequireAuthorization();

        var keys = routes.ApiGroup("/api/v1/keys", "Users");
        keys.MapDelete("/{id:long}", RevokeKeyAsync).RequireAuthorization();
        keys.MapPost("/{id:long}/claim", ClaimKeyAsync).RequireAuthorization();

        var grants = routes.ApiGroup("/api/v1/role-grants", "Users");
        grants.MapGet("/", ListGrantsAsync).RequireCapability(Capability.ManageUsers);
        grants.MapPost("/{id:long}/approve", (long id, GrantDecisionRequest? request, HttpContext http, UserService service, CancellationToken ct) => DecideAsync(id, true, request, http, service, ct))
            .RequireCapability(Capability.ManageUsers);
        grants.MapPost("/{id:long}/reject", (long id, GrantDecisionRequest? request, HttpContext http, UserService service, CancellationToken ct) => DecideAsync(id, false, request, http, service, ct))
            .RequireCapability(Capability.ManageUsers);
    }

    private static async Task<Ok<IReadOnlyList<UserDto>>> ListAsync(HttpContext http, UserService users, CancellationToken ct) =>
        TypedResults.Ok<IReadOnlyList<UserDto>>([.. (await users.ListAsync(http.Actor(), ct)).Select(UserDto.From)]);

    /// <summary>201 with the user; operational roles asked for are not held yet: <c>pending_grant</c> names the grant a second administrator must approve.</summary>
    private static async Task<Created<UserDto>> CreateAsync(CreateUserRequest request, HttpContext http, UserService users, CancellationToken ct)
    {
        var name = request.Username ?? throw new ArgusException("user.invalid_name", "Give the new user's username.");
        var change = await users.CreateAsync(
            http.Actor(), name, request.DisplayName, request.Roles ?? [], (request.Scope ?? new ScopeDto(null, null, null)).ToScope(), () => request.Password, ct);
        return TypedResults.Created($"/api/v1/users/{Uri.EscapeDataString(change.User.Username)}", UserDto.From(change));
    }

    private static async Task<Ok<UserDto>> GetAsync(string username, HttpContext http, UserService users, CancellationToken ct) =>
        TypedResults.Ok(UserDto.From(await users.GetAsync(http.Actor(), username, ct)));

    private static async Task<Ok<UserDto>> SetDisabledAsync(string username, bool disabled, HttpContext http, UserService users, SessionStore sessions, CancellationToken ct)
    {
        var user = await users.SetDisabledAsync(http.Actor(), username, disabled, ct);
        sessions.EndAll(username);
        return TypedResults.Ok(UserDto.From(user));
    }

    /// <summary>Removals apply at once (and end the user's sessions); operational additions come back as <c>pending_grant</c>.</summary>
    private static async Task<Ok<UserDto>> ChangeRolesAsync(string username, RolesRequest request, HttpContext http, UserService users, SessionStore sessions, CancellationToken ct)
    {
        var change = await users.ChangeRolesAsync(http.Actor(), username, request.Add ?? [], request.Remove ?? [], ct);
        if (request.Remove is { Count: > 0 })
        {
            sessions.EndAll(username);
        }

        return TypedResults.Ok(UserDto.From(change));
    }

    private static async Task<Ok<UserDto>> SetScopeAsync(string username, ScopeDto request, HttpContext http, UserService users, SessionStore sessions, CancellationToken ct)
    {
        var user = await users.SetScopeAsync(http.Actor(), username, request.ToScope(), ct);
        sessions.EndAll(username);
        return TypedResults.Ok(UserDto.From(user));
    }

    /// <summary>
    /// Every session and open stream of the user ends, except the caller's own session when they changed their own
    /// password; API keys are revoked unless <c>revoke_keys</c> is false.
    /// </summary>
    private static async Task<NoContent> SetPasswordAsync(string username, PasswordRequest request, HttpContext http, UserService users, SessionStore sessions, CancellationToken ct)
    {
        var actor = http.Actor();
        var user = await users.SetPasswordAsync(actor, username, request.CurrentPassword, () => request.Password, request.RevokeKeys ?? true, ct);
        sessions.EndAll(username, keep: username == actor.Id ? http.ArgusSession()?.Id : null, keepStamp: user.SecurityStamp);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<IReadOnlyList<ApiKeyDto>>> ListKeysAsync(string username, HttpContext http, UserService users, CancellationToken ct) =>
        TypedResults.Ok<IReadOnlyList<ApiKeyDto>>([.. (await users.ListKeysAsync(http.Actor(), username, ct)).Select(ApiKeyDto.From)]);

    /// <summary>Your own key: 201 with its token, once. Someone else's (administrators): 201 with a pending key and no token.</summary>
    private static async Task<Created<CreatedKeyDto>> CreateKeyAsync(string username, CreateKeyRequest? request, HttpContext http, UserService users, CancellationToken ct)
    {
        var created = await users.CreateKeyAsync(
            http.Actor(), username, request?.Sites is { } s ? s.ToHashSet() : null, request?.Watchlists is { } w ? w.ToHashSet() : null, ct);
        return TypedResults.Created($"/api/v1/keys/{created.Key.Id}", new CreatedKeyDto(ApiKeyDto.From(created.Key), created.Key.Pending ? null : created.Token));
    }

    /// <summary>Claims a pending key prepared for the caller: their password again; the token is in this answer only.</summary>
    private static async Task<Ok<CreatedKeyDto>> ClaimKeyAsync(long id, ClaimKeyRequest request, HttpContext http, UserService users, CancellationToken ct)
    {
        var claimed = await users.ClaimKeyAsync(http.Actor(), id, request.Password, ct);
        return TypedResults.Ok(new CreatedKeyDto(ApiKeyDto.From(claimed.Key), claimed.Token));
    }

    private static async Task<Ok<ApiKeyDto>> RevokeKeyAsync(long id, HttpContext http, UserService users, CancellationToken ct) =>
        TypedResults.Ok(ApiKeyDto.From(await users.RevokeKeyAsync(http.Actor(), id, ct)));

    /// <summary><c>?state=pending</c> lists only the grants waiting for a decision.</summary>
    private static async Task<Ok<IReadOnlyList<RoleGrantDto>>> ListGrantsAsync(string? state, HttpContext http, UserService users, CancellationToken ct)
    {
        if (state is not null and not "pending")
        {
            throw new ArgusException("argument.invalid", "state may only be 'pending' (or left out for every grant).");
        }

        return TypedResults.Ok<IReadOnlyList<RoleGrantDto>>([.. (await users.ListGrantsAsync(http.Actor(), state is not null, ct)).Select(RoleGrantDto.From)]);
    }

    private static async Task<Ok<GrantDecisionDto>> DecideAsync(long id, bool approve, GrantDecisionRequest? request, HttpContext http, UserService users, CancellationToken ct)
    {
        var decided = await users.DecideGrantAsync(http.Actor(), id, approve, request?.Reason, ct);
        return TypedResults.Ok(new GrantDecisionDto(RoleGrantDto.From(decided.PendingGrant!), UserDto.From(decided.User)));
    }
}
