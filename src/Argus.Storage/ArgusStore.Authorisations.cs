using System.Data.Common;
using Argus.Core;
using Argus.Core.Purposes;
using Argus.Storage.Sql;

namespace Argus.Storage;

/// <summary>
/// Authorisations recorded by authorising officials, referenced by searches and deployments by id. Never deleted:
/// revoking one keeps it (with who, when and why) and ends the deployments that rely on it in the same transaction.
/// Refusals: <c>authorisation.not_found</c>, <c>authorisation.revoked</c>.
/// </summary>
public sealed partial class ArgusStore
{
    private const string AuthorisationColumns =
        "SELECT id, reference, case_reference, watchlists, valid_from_ticks, valid_until_ticks, recorded_by, recorded_at_ticks, revoked_at_ticks, revoked_by, revoke_reason FROM authorisations";

    /// <summary>Stores an authorisation (validated by the caller) recorded by <paramref name="by"/> and returns it with its id.</summary>
    public Task<Authorisation> RecordAuthorisationAsync(AuthorisationRequest request, string by, CancellationToken ct = default)
    {
        var now = _time.GetUtcNow();
        var watchlists = request.Watchlists.Select(w => w.Trim()).Distinct(StringComparer.Ordinal).ToArray();
        return WriteAsync(
            async (connection, transaction, _) =>
            {
                await using var insert = connection.Command(
                    transaction,
                    """
                    INSERT INTO authorisations (reference, case_reference, watchlists, valid_from_ticks, valid_until_ticks, recorded_by, recorded_at_ticks)
                    VALUES (@r, @c, @w, @f, @u, @b, @t) RETURNING id
                    """);
                insert.Add("r", request.Reference!.Trim()).Add("c", request.CaseReference!.Trim()).Add("w", string.Join(',', watchlists))
                    .Add("f", request.ValidFrom.UtcTicks).Add("u", request.ValidUntil.UtcTicks).Add("b", by).Add("t", now.UtcTicks);
                var id = await insert.ScalarInt64Async(ct);
                return new Authorisation(id, request.Reference.Trim(), request.CaseReference.Trim(), watchlists, request.ValidFrom.ToUniversalTime(), request.ValidUntil.ToUniversalTime(), by, now);
            },
            ct);
    }

    public Task<Authorisation?> GetAuthorisationAsync(long id, CancellationToken ct = default) =>
        ReadAsync((connection, transaction, ct) => FindAuthorisationAsync(connection, transaction, id, ct), ct);

    /// <summary>Every authorisation, newest first; with <paramref name="validAt"/>, only those unrevoked and valid then.</summary>
    public Task<IReadOnlyList<Authorisation>> ListAuthorisationsAsync(DateTimeOffset? validAt = null, CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<Authorisation>>(
            async (connection, transaction, ct) =>
            {
                await using var command = connection.Command(
                    transaction,
                    AuthorisationColumns + (validAt is null ? "" : " WHERE revoked_at_ticks IS NULL AND valid_from_ticks <= @now AND valid_until_ticks > @now") + " ORDER BY id DESC");
                if (validAt is { } now)
                {
                    command.Add("now", now.UtcTicks);
                }

                await using var reader = await command.ExecuteReaderAsync(ct);
                var list = new List<Authorisation>();
                while (await reader.ReadAsync(ct))
                {
                    list.Add(ReadAuthorisation(reader));
                }

                return list;
            },
            ct);

    /// <summary>
    /// Revokes an authorisation and ends, in the same transaction, every deployment relying on it that has not ended;
    /// returns it as revoked with the ids of the deployments ended.
    /// </summary>
    public Task<(Authorisation Authorisation, IReadOnlyList<long> EndedDeployments)> RevokeAuthorisationAsync(long id, string by, string reason, CancellationToken ct = default) =>
        WriteAsync<(Authorisation, IReadOnlyList<long>)>(
            async (connection, transaction, _) =>
            {
                var found = await FindAuthorisationAsync(connection, transaction, id, ct)
                    ?? throw new ArgusException("authorisation.not_found", $"There is no authorisation with id {id}.");
                if (found.Revoked)
                {
                    throw new ArgusException("authorisation.revoked", $"Authorisation {id} was already revoked on {found.RevokedAt:yyyy-MM-dd HH:mm} UTC.");
                }

                var now = _time.GetUtcNow();
                await using (var update = connection.Command(transaction, "UPDATE authorisations SET revoked_at_ticks = @t, revoked_by = @b, revoke_reason = @r WHERE id = @i"))
                {
                    update.Add("t", now.UtcTicks).Add("b", by).Add("r", reason).Add("i", id);
                    await update.ExecuteNonQueryAsync(ct);
                }

                var ended = new List<long>();
                await using (var select = connection.Command(transaction, "SELECT id FROM deployments WHERE authorisation_id = @i AND ended_at_ticks IS NULL AND end_ticks > @t ORDER BY id"))
                {
                    select.Add("i", id).Add("t", now.UtcTicks);
                    await using var reader = await select.ExecuteReaderAsync(ct);
                    while (await reader.ReadAsync(ct))
                    {
                        ended.Add(reader.GetInt64(0));
                    }
                }

                foreach (var d in ended)
                {
                    await using var end = connection.Command(transaction, "UPDATE deployments SET ended_at_ticks = @t, ended_by = @b, end_reason = @r WHERE id = @i");
                    end.Add("t", now.UtcTicks).Add("b", by).Add("r", $"authorisation {id} revoked").Add("i", d);
                    await end.ExecuteNonQueryAsync(ct);
                }

                return (found with { RevokedAt = now, RevokedBy = by, RevokeReason = reason }, ended);
            },
            ct);

    private static async Task<Authorisation?> FindAuthorisationAsync(DbConnection connection, DbTransaction transaction, long id, CancellationToken ct)
    {
        await using var command = connection.Command(transaction, $"{AuthorisationColumns} WHERE id = @id");
        command.Add("id", id);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadAuthorisation(reader) : null;
    }

    private static Authorisation ReadAuthorisation(DbDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3).Split(',', StringSplitOptions.RemoveEmptyEntries),
        Ticks(r.GetInt64(4)), Ticks(r.GetInt64(5)), r.GetString(6), Ticks(r.GetInt64(7)),
        r.IsDBNull(8) ? null : Ticks(r.GetInt64(8)), r.GetNullableString(9), r.GetNullableString(10));
}
