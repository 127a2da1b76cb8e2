using System.Data.Common;
using System.Globalization;
using Argus.Core;
using Argus.Storage.Sql;

namespace Argus.Storage;

/// <summary>
/// An outgoing webhook: where alerts go, the name of the environment variable that holds the signing secret (never
/// the secret itself), which event kinds and which sites (<c>*</c> = all) it receives.
/// </summary>
public sealed record WebhookSubscription(
    long Id, string Url, string SecretVariable, IReadOnlyList<string> Events, IReadOnlyList<string> Sites, string CreatedBy, DateTimeOffset CreatedAt);

/// <summary>A delivery to a webhook that kept failing, kept for an administrator to inspect (deleted by alert retention).</summary>
public sealed record StoredDeadLetter(long Id, long WebhookId, string DeliveryId, string Body, int Attempts, string LastError, DateTimeOffset At);

public sealed partial class ArgusStore
{
    public Task<WebhookSubscription> AddWebhookAsync(string url, string secretVariable, IReadOnlyList<string> events, IReadOnlyList<string> sites, string createdBy, CancellationToken ct = default)
    {
        var now = _time.GetUtcNow();
        return WriteAsync(
            async (connection, transaction, _) =>
            {
                await using var insert = connection.Command(
                    transaction,
                    "INSERT INTO webhooks (url, secret_variable, events, sites, created_by, created_at_ticks) VALUES (@u, @s, @e, @w, @b, @t) RETURNING id");
                insert.Add("u", url).Add("s", secretVariable).Add("e", string.Join(',', events)).Add("w", string.Join(',', sites)).Add("b", createdBy).Add("t", now.UtcTicks);
                return new WebhookSubscription(await insert.ScalarInt64Async(ct), url, secretVariable, events, sites, createdBy, now);
            },
            ct);
    }

    public Task<IReadOnlyList<WebhookSubscription>> ListWebhooksAsync(CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<WebhookSubscription>>(
            async (connection, transaction, ct) =>
            {
                await using var command = connection.Command(transaction, "SELECT id, url, secret_variable, events, sites, created_by, created_at_ticks FROM webhooks ORDER BY id");
                await using var reader = await command.ExecuteReaderAsync(ct);
                var list = new List<WebhookSubscription>();
                while (await reader.ReadAsync(ct))
                {
                    list.Add(new WebhookSubscription(
                        reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3).Split(',', StringSplitOptions.RemoveEmptyEntries),
                        reader.GetString(4).Split(',', StringSplitOptions.RemoveEmptyEntries), reader.GetString(5), Ticks(reader.GetInt64(6))));
                }

                return list;
            },
            ct);

    /// <summary>Removes a webhook (<c>webhook.not_found</c>); its dead letters stay until retention deletes them.</summary>
    public Task RemoveWebhookAsync(long id, CancellationToken ct = default) =>
        WriteAsync(
            async (connection, transaction, _) =>
            {
                await using var delete = connection.Command(transaction, "DELETE FROM webhooks WHERE id = @i");
                delete.Add("i", id);
                return await delete.ExecuteNonQueryAsync(ct) == 1
                    ? 0
                    : throw new ArgusException("webhook.not_found", $"There is no webhook with id {id.ToString(CultureInfo.InvariantCulture)} (see argus webhook list).");
            },
            ct);

    public Task<StoredDeadLetter> AddDeadLetterAsync(long webhookId, string deliveryId, string body, int attempts, string lastError, DateTimeOffset at, CancellationToken ct = default) =>
        WriteAsync(
            async (connection, transaction, _) =>
            {
                await using var insert = connection.Command(
                    transaction,
                    "INSERT INTO webhook_dead_letters (webhook_id, delivery_id, body, attempts, last_error, at_ticks) VALUES (@w, @d, @b, @n, @e, @t) RETURNING id");
                insert.Add("w", webhookId).Add("d", deliveryId).Add("b", body).Add("n", attempts).Add("e", lastError).Add("t", at.UtcTicks);
                return new StoredDeadLetter(await insert.ScalarInt64Async(ct), webhookId, deliveryId, body, attempts, lastError, at);
            },
            ct);

    public Task<IReadOnlyList<StoredDeadLetter>> ListDeadLettersAsync(long? webhookId = null, CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<StoredDeadLetter>>(
            async (connection, transaction, ct) =>
            {
                await using var command = connection.Command(
                    transaction,
                    "SELECT id, webhook_id, delivery_id, body, attempts, last_error, at_ticks FROM webhook_dead_letters" + (webhookId is null ? "" : " WHERE webhook_id = @w") + " ORDER BY id");
                if (webhookId is { } w)
                {
                    command.Add("w", w);
                }

                await using var reader = await command.ExecuteReaderAsync(ct);
                var list = new List<StoredDeadLetter>();
                while (await reader.ReadAsync(ct))
                {
                    list.Add(ReadDeadLetter(reader));
                }

                return list;
            },
            ct);

    private static StoredDeadLetter ReadDeadLetter(DbDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetString(3), Convert.ToInt32(r.GetValue(4), CultureInfo.InvariantCulture), r.GetString(5), Ticks(r.GetInt64(6)));
}
