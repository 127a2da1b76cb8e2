using Argus.Application.Accounts;
using Argus.Core;
using Argus.Core.Access;
using Argus.Server.Hosting;
using Argus.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Argus.Server.Endpoints;

/// <summary>Users, roles, scopes and API keys (administrators; anyone may change their own password).</summary>
internal static class UserApi
{
    public static void MapUserApi(this IEndpointRouteBuilder routes)
    {
        var users = routes.ApiGroup("/api/v1/users", "Users");
        users.MapGet("/", ListAsync).RequireCapability(Capability.ManageUsers);
        users.MapPost("/", CreateAsync).RequireCapability(Capability.ManageUsers);
        users.MapGet("/{username}", GetAsync).RequireCapability(Capability.ManageUsers);
        users.MapPost("/{username}/disable", (string username, HttpContext http, ArgusRuntime runtime, SessionStore sessions, CancellationToken ct) => SetDisabledAsync(username, true, http, runtime, sessions, ct))
            .RequireCapability(Capability.ManageUsers);
        users.MapPost("/{username}/enable", (string username, HttpContext http, ArgusRuntime runtime, SessionStore sessions, CancellationToken ct) => SetDisabledAsync(username, false, http, runtime, sessions, ct))
            .RequireCapability(Capability.ManageUsers);
        users.MapPut("/{username}/roles", ChangeRolesAsync).RequireCapability(Capability.ManageUsers);

        // Your own password needs no role; someone else's needs ManageUsers (checked by the service, audited).
        users.MapPut("/{username}/password", SetPasswordAsync).RequireAuthorization();
        users.MapGet("/{username}/keys", ListKeysAsync).RequireCapability(Capability.ManageUsers);
        users.MapPost("/{username}/keys", CreateKeyAsync).RequireCapability(Capability.ManageUsers);

        var keys = routes.ApiGroup("/api/v1/keys", "Users");
        keys.MapDelete("/{id:long}", RevokeKeyAsync).RequireCapability(Capability.ManageUsers);
    }

    private static UserService Service(ArgusRuntime runtime) => new(runtime.Operations);

    private static async Task<Ok<IReadOnlyList<UserDto>>> ListAsync(HttpContext http, ArgusRuntime runtime, CancellationToken ct) =>
        TypedResults.Ok<IReadOnlyList<UserDto>>([.. (await Service(runtime).ListAsync(http.Actor(), ct)).Select(UserDto.From)]);

    private static async Task<Created<UserDto>> CreateAsync(CreateUserRequest request, HttpContext http, ArgusRuntime runtime, CancellationToken ct)
    {
        var name = request.Username ?? throw new ArgusException("user.invalid_name", "Give the new user's username.");
        var user = await Service(runtime).CreateAsync(
            http.Actor(), name, request.DisplayName, request.Roles ?? [], (request.Scope ?? new ScopeDto(null, null, null)).ToScope(), () => request.Password, ct);
        return TypedResults.Created($"/api/v1/users/{Uri.EscapeDataString(user.Username)}", UserDto.From(user));
    }

    private static async Task<Ok<UserDto>> GetAsync(string username, HttpContext http, ArgusRuntime runtime, CancellationToken ct) =>
        TypedResults.Ok(UserDto.From(await Service(runtime).GetAsync(http.Actor(), username, ct)));

    private static async Task<Ok<UserDto>> SetDisabledAsync(string username, bool disabled, HttpContext http, ArgusRuntime runtime, SessionStore sessions, CancellationToken ct)
    {
        var user = await Service(runtime).SetDisabledAsync(http.Actor(), username, disabled, ct);
        if (disabled)
        {
            sessions.EndAll(username);
        }

        return TypedResults.Ok(UserDto.From(user));
    }

    private static async Task<Ok<UserDto>> ChangeRolesAsync(string username, RolesRequest request, HttpContext http, ArgusRuntime runtime, CancellationToken ct) =>
        TypedResults.Ok(UserDto.From(await Service(runtime).ChangeRolesAsync(http.Actor(), username, request.Add ?? [], request.Remove ?? [], ct)));

    private static async Task<NoContent> SetPasswordAsync(string username, PasswordRequest request, HttpContext http, ArgusRuntime runtime, SessionStore sessions, CancellationToken ct)
    {
        var actor = http.Actor();
        await Service(runtime).SetPasswordAsync(actor, username, () => request.Password, ct);
        if (username != actor.Id)
        {
            sessions.EndAll(username);
        }

        return TypedResults.NoContent();
    }

    private static async Task<Ok<IReadOnlyList<ApiKeyDto>>> ListKeysAsync(string username, HttpContext http, ArgusRuntime runtime, CancellationToken ct) =>
        TypedResults.Ok<IReadOnlyList<ApiKeyDto>>([.. (await Service(runtime).ListKeysAsync(http.Actor(), username, ct)).Select(ApiKeyDto.From)]);

    private static async Task<Created<CreatedKeyDto>> CreateKeyAsync(string username, CreateKeyRequest? request, HttpContext http, ArgusRuntime runtime, CancellationToken ct)
    {
        var created = await Service(runtime).CreateKeyAsync(
            http.Actor(), username, request?.Sites is { } s ? s.ToHashSet() : null, request?.Watchlists is { } w ? w.ToHashSet() : null, ct);
        return TypedResults.Created($"/api/v1/keys/{created.Key.Id}", new CreatedKeyDto(ApiKeyDto.From(created.Key), created.Token));
    }

    private static async Task<Ok<ApiKeyDto>> RevokeKeyAsync(long id, HttpContext http, ArgusRuntime runtime, CancellationToken ct) =>
        TypedResults.Ok(ApiKeyDto.From(await Service(runtime).RevokeKeyAsync(http.Actor(), id, ct)));
}
