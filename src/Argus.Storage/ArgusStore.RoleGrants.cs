using System.Data.Common;
using Argus.Core;
using Argus.Core.Access;
using Argus.Storage.Sql;

namespace Argus.Storage;

public enum RoleGrantState
{
    /// <summary>Requested by one administrator; changes nothing until a second one approves it.</summary>
    Pending,
    Approved,
    Rejected,
}

/// <summary>A request to give <see cref="Username"/> operational <see cref="Roles"/>, and who decided it.</summary>
public sealed record RoleGrant(
    long Id, string Username, IReadOnlySet<Role> Roles, string RequestedBy, DateTimeOffset RequestedAt, RoleGrantState State,
    string? DecidedBy, DateTimeOffset? DecidedAt, string? Reason);

/// <summary>
/// Role grants: an operational role (anything but administrator) is given to an account only when a grant requested by
/// one administrator is approved by another. The rule about who may decide lives in the application
/// (<c>UserService</c>); the store makes the decision and the role change one transaction, so a grant applies once.
/// Refusals: <c>grant.not_found</c>, <c>grant.not_pending</c>, <c>user.not_found</c>.
/// </summary>
public sealed partial class ArgusStore
{
    private const string GrantColumns = "id, username, roles, requested_by, requested_at, state, decided_by, decided_at, reason";

    public Task<RoleGrant> CreateRoleGrantAsync(string username, IReadOnlyCollection<Role> roles, string requestedBy, CancellationToken ct = default)
    {
        var now = _time.GetUtcNow();
        return WriteAsync(
            async (connection, transaction, _) =>
            {
                if (await FindUserAsync(connection, transaction, username, ct) is null)
                {
                    throw UserNotFound(username);
                }

                await using var insert = connection.Command(
                    transaction, $"INSERT INTO role_grants ({GrantColumns[4..]}) VALUES (@u, @r, @by, @t, @s, NULL, NULL, NULL) RETURNING id");
                insert.Add("u", username).Add("r", AccessCodec.Roles(roles)).Add("by", requestedBy).Add("t", now).Add("s", nameof(RoleGrantState.Pending));
                var id = await insert.ScalarInt64Async(ct);
                return new RoleGrant(id, username, roles.ToHashSet(), requestedBy, now, RoleGrantState.Pending, null, null, null);
            },
            ct);
    }

    public Task<RoleGrant?> GetRoleGrantAsync(long id, CancellationToken ct = default) =>
        ReadAsync((connection, transaction, ct) => FindGrantAsync(connection, transaction, id, ct), ct);

    /// <summary>Grants in id order, only those in <paramref name="state"/> when given.</summary>
    public Task<IReadOnlyList<RoleGrant>> ListRoleGrantsAsync(RoleGrantState? state = null, CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<RoleGrant>>(
            async (connection, transaction, ct) =>
            {
                await using var command = connection.Command(transaction, $"SELECT {GrantColumns} FROM role_grants {(state is null ? "" : "WHERE state = @s")} ORDER BY id");
                if (state is { } s)
                {
                    command.Add("s", s.ToString());
                }

                await using var reader = await command.ExecuteReaderAsync(ct);
                var grants = new List<RoleGrant>();
                while (await reader.ReadAsync(ct))
                {
                    grants.Add(ReadGrant(reader));
                }

                return grants;
            },
            ct);

    /// <summary>
    /// Decides a pending grant: <paramref name="check"/> sees it inside the transaction and may refuse (nothing is
    /// written); an approval adds the roles to the user in the same transaction (roles are read on every request, so they apply at once; sessions go on).
    /// </summary>
    public Task<(RoleGrant Grant, User User)> DecideRoleGrantAsync(long id, bool approve, string decidedBy, string? reason, Action<RoleGrant, User> check, CancellationToken ct = default)
    {
        var now = _time.GetUtcNow();
        return WriteAsync(
            async (connection, transaction, _) =>
            {
                var grant = await FindGrantAsync(connection, transaction, id, ct) ?? throw new ArgusException("grant.not_found", $"There is no role grant with id {id}.");
                var user = await FindUserAsync(connection, transaction, grant.Username, ct) ?? throw UserNotFound(grant.Username);
                if (grant.State != RoleGrantState.Pending)
                {
                    throw new ArgusException("grant.not_pending", $"Role grant {id} is already {grant.State.ToString().ToLowerInvariant()}.");
                }

                check(grant, user);
                var state = approve ? RoleGrantState.Approved : RoleGrantState.Rejected;
                await using (var update = connection.Command(
                    transaction, "UPDATE role_grants SET state = @s, decided_by = @by, decided_at = @t, reason = @r WHERE id = @id AND state = @pending"))
                {
                    update.Add("s", state.ToString()).Add("by", decidedBy).Add("t", now).Add("r", reason).Add("id", id).Add("pending", nameof(RoleGrantState.Pending));
                    if (await update.ExecuteNonQueryAsync(ct) != 1)
                    {
                        throw new ArgusException("grant.not_pending", $"Role grant {id} was decided at the same time by someone else.");
                    }
                }

                if (approve)
                {
                    var roles = user.Roles.ToHashSet();
                    roles.UnionWith(grant.Roles);
                    await using var setRoles = connection.Command(
                        transaction, "UPDATE users SET roles = @r, updated_at = @t WHERE id = @id");
                    setRoles.Add("r", AccessCodec.Roles(roles)).Add("t", now).Add("id", user.Id);
                    await setRoles.ExecuteNonQueryAsync(ct);
                    user = (await FindUserAsync(connection, transaction, grant.Username, ct))!;
                }

                return (grant with { State = state, DecidedBy = decidedBy, DecidedAt = now, Reason = reason }, user);
            },
            ct);
    }

    private static async Task<RoleGrant?> FindGrantAsync(DbConnection connection, DbTransaction transaction, long id, CancellationToken ct)
    {
        await using var command = connection.Command(transaction, $"SELECT {GrantColumns} FROM role_grants WHERE id = @id");
        command.Add("id", id);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadGrant(reader) : null;
    }

    private static RoleGrant ReadGrant(DbDataReader r) => new(
        r.GetInt64(0),
        r.GetString(1),
        AccessCodec.ParseStoredRoles(r.GetString(2)),
        r.GetString(3),
        r.GetTimestamp(4),
        Enum.Parse<RoleGrantState>(r.GetString(5)),
        r.GetNullableString(6),
        r.IsDBNull(7) ? null : r.GetTimestamp(7),
        r.GetNullableString(8));
}
