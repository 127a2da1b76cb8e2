using System.Data.Common;
using Argus.Core;
using Argus.Core.Deployments;
using Argus.Storage.Sql;

namespace Argus.Storage;

/// <summary>
/// A stored deployment: the rule (<see cref="Deployment"/>, its <c>Id</c> is this row's id in decimal) and who created
/// and ended it. An ended deployment stays stored (it is the record of what was authorised); it no longer matches.
/// </summary>
public sealed record StoredDeployment(long Id, Deployment Deployment, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? EndedAt, string? EndedBy, string? EndReason)
{
    /// <summary>Between its start and end, and not ended early.</summary>
    public bool IsActiveAt(DateTimeOffset now) => EndedAt is null && Deployment.IsActiveAt(now);
}

public sealed partial class ArgusStore
{
    private const string DeploymentColumns =
        "SELECT id, name, cameras, site, watchlists, authorisation_ref, start_ticks, end_ticks, created_by, created_at_ticks, ended_at_ticks, ended_by, end_reason FROM deployments";

    /// <summary>Stores a deployment (validated by <see cref="Deployment.Validate"/>; its id is ignored) and returns it with its new id.</summary>
    public Task<StoredDeployment> AddDeploymentAsync(Deployment deployment, string createdBy, CancellationToken ct = default) => AddDeploymentAsync(deployment, createdBy, null, ct);

    /// <summary>As <see cref="AddDeploymentAsync(Deployment, string, CancellationToken)"/>, relying on the recorded authorisation <paramref name="authorisationId"/> (revoking it ends the deployment).</summary>
    public Task<StoredDeployment> AddDeploymentAsync(Deployment deployment, string createdBy, long? authorisationId, CancellationToken ct = default)
    {
        deployment.Validate();
        var now = _time.GetUtcNow();
        return WriteAsync(
            async (connection, transaction, _) =>
            {
                await using var insert = connection.Command(
                    transaction,
                    """
                    INSERT INTO deployments (name, cameras, site, watchlists, authorisation_ref, start_ticks, end_ticks, created_by, created_at_ticks, authorisation_id)
                    VALUES (@n, @c, @s, @w, @a, @from, @to, @b, @t, @ai) RETURNING id
                    """);
                insert.Add("n", deployment.Name).Add("c", string.Join(',', deployment.Cameras)).Add("s", deployment.Site).Add("w", string.Join(',', deployment.Watchlists))
                    .Add("a", deployment.AuthorisationReference).Add("from", deployment.Start.UtcTicks).Add("to", deployment.End.UtcTicks).Add("b", createdBy).Add("t", now.UtcTicks).Add("ai", authorisationId);
                var id = await insert.ScalarInt64Async(ct);
                return new StoredDeployment(id, deployment with { Id = Id(id) }, createdBy, now, null, null, null);
            },
            ct);
    }

    public Task<StoredDeployment?> GetDeploymentAsync(long id, CancellationToken ct = default) =>
        ReadAsync(
            async (connection, transaction, ct) =>
            {
                await using var command = connection.Command(transaction, $"{DeploymentColumns} WHERE id = @i");
                command.Add("i", id);
                await using var reader = await command.ExecuteReaderAsync(ct);
                return await reader.ReadAsync(ct) ? ReadDeployment(reader) : null;
            },
            ct);

    /// <summary>Deployments in id order; with <paramref name="activeAt"/>, only those active then (started, not over, not ended).</summary>
    public Task<IReadOnlyList<StoredDeployment>> ListDeploymentsAsync(DateTimeOffset? activeAt = null, CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<StoredDeployment>>(
            async (connection, transaction, ct) =>
            {
                await using var command = connection.Command(
                    transaction,
                    DeploymentColumns + (activeAt is null ? "" : " WHERE ended_at_ticks IS NULL AND start_ticks <= @now AND end_ticks > @now") + " ORDER BY id");
                if (activeAt is { } now)
                {
                    command.Add("now", now.UtcTicks);
                }

                await using var reader = await command.ExecuteReaderAsync(ct);
                var list = new List<StoredDeployment>();
                while (await reader.ReadAsync(ct))
                {
                    list.Add(ReadDeployment(reader));
                }

                return list;
            },
            ct);

    /// <summary>
    /// Ends a deployment now: <c>deployment.not_found</c>, <c>deployment.already_ended</c> (ended before, or its end
    /// time has passed). Returns it as ended.
    /// </summary>
    public Task<StoredDeployment> EndDeploymentAsync(long id, string by, string reason, CancellationToken ct = default) =>
        WriteAsync(
            async (connection, transaction, _) =>
            {
                StoredDeployment stored;
                await using (var read = connection.Command(transaction, $"{DeploymentColumns} WHERE id = @i"))
                {
                    read.Add("i", id);
                    await using var reader = await read.ExecuteReaderAsync(ct);
                    stored = await reader.ReadAsync(ct) ? ReadDeployment(reader) : throw DeploymentNotFound(id);
                }

                var now = _time.GetUtcNow();
                if (stored.EndedAt is not null || stored.Deployment.End <= now)
                {
                    throw new ArgusException("deployment.already_ended", $"Deployment {id} has already ended ({(stored.EndedAt ?? stored.Deployment.End):yyyy-MM-dd HH:mm} UTC).");
                }

                await using var update = connection.Command(transaction, "UPDATE deployments SET ended_at_ticks = @t, ended_by = @b, end_reason = @r WHERE id = @i");
                update.Add("t", now.UtcTicks).Add("b", by).Add("r", reason).Add("i", id);
                await update.ExecuteNonQueryAsync(ct);
                return stored with { EndedAt = now, EndedBy = by, EndReason = reason };
            },
            ct);

    private static StoredDeployment ReadDeployment(DbDataReader r)
    {
        var id = r.GetInt64(0);
        var deployment = new Deployment(
            Id(id), r.GetString(1), r.GetString(2).Split(',', StringSplitOptions.RemoveEmptyEntries), r.GetNullableString(3),
            r.GetString(4).Split(',', StringSplitOptions.RemoveEmptyEntries), r.GetString(5), Ticks(r.GetInt64(6)), Ticks(r.GetInt64(7)));
        return new StoredDeployment(
            id, deployment, r.GetString(8), Ticks(r.GetInt64(9)), r.IsDBNull(10) ? null : Ticks(r.GetInt64(10)), r.GetNullableString(11), r.GetNullableString(12));
    }

    private static DateTimeOffset Ticks(long ticks) => new(ticks, TimeSpan.Zero);

    private static ArgusException DeploymentNotFound(long id) => new("deployment.not_found", $"There is no deployment with id {id} (see argus deployment list).");
}
