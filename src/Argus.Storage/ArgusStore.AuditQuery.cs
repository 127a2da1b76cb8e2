using System.Globalization;
using Argus.Core.Audit;
using Argus.Storage.Sql;

namespace Argus.Storage;

/// <summary>
/// What an auditor asks of the log. Every filter is optional; <see cref="Action"/> and <see cref="Target"/> match a
/// prefix (<c>alert.</c> finds every alert action, <c>alert:12</c> one alert), the others exactly. Newest first;
/// <see cref="BeforeSequence"/> pages backwards from the last sequence of the previous page.
/// </summary>
public sealed record AuditQuery
{
    public string? Actor { get; init; }

    public string? Action { get; init; }

    public string? Outcome { get; init; }

    public string? Target { get; init; }

    public DateTimeOffset? From { get; init; }

    /// <summary>Strictly before this time.</summary>
    public DateTimeOffset? To { get; init; }

    public long? BeforeSequence { get; init; }

    public int Limit { get; init; } = 100;
}

public sealed partial class ArgusStore
{
    /// <summary>The records matching <paramref name="query"/>, newest first, at most its limit (1-10,000).</summary>
    public Task<IReadOnlyList<AuditRecord>> QueryAuditAsync(AuditQuery query, CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<AuditRecord>>(
            async (connection, transaction, ct) =>
            {
                var where = new List<string> { "1 = 1" };
                await using var command = connection.Command(transaction, "");
                void Exact(string column, string? value)
                {
                    if (value is not null)
                    {
                        where.Add($"{column} = @{column}");
                        command.Add(column, value);
                    }
                }

                // A prefix compared with substr, not LIKE: '%' and '_' in a filter are plain characters.
                void Prefix(string column, string? value)
                {
                    if (value is not null)
                    {
                        where.Add($"substr({column}, 1, {value.Length.ToString(CultureInfo.InvariantCulture)}) = @{column}");
                        command.Add(column, value);
                    }
                }

                Exact("actor", query.Actor);
                Exact("outcome", query.Outcome);
                Prefix("action", query.Action);
                Prefix("target", query.Target);
                if (query.From is { } from)
                {
                    where.Add("occurred_at_ticks >= @from");
                    command.Add("from", from.UtcTicks);
                }

                if (query.To is { } to)
                {
                    where.Add("occurred_at_ticks < @to");
                    command.Add("to", to.UtcTicks);
                }

                if (query.BeforeSequence is { } before)
                {
                    where.Add("seq < @before");
                    command.Add("before", before);
                }

#pragma warning disable CA2100 // built from constants; values are parameters
                command.CommandText = $"{AuditColumns} WHERE {string.Join(" AND ", where)} ORDER BY seq DESC LIMIT {Math.Clamp(query.Limit, 1, 10_000)}";
#pragma warning restore CA2100
                var list = new List<AuditRecord>();
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    list.Add(ReadAudit(reader));
                }

                return list;
            },
            ct);
}
