using Argus.Core.Audit;
using Argus.Storage.Sql;

namespace Argus.Storage;

/// <summary>
/// The verification mark: how far the audit chain has been checked record by record (one row, signed by whoever
/// moved it). The store keeps it; <c>AuditVerifier</c> decides what it says and checks its MAC when it reads it.
/// </summary>
public sealed partial class ArgusStore
{
    /// <summary>The stored verification mark, or null when the chain has never been verified here.</summary>
    public Task<AuditVerificationMark?> GetAuditVerificationAsync(CancellationToken ct = default) =>
        ReadAsync<AuditVerificationMark?>(
            async (connection, transaction, ct) =>
            {
                await using var command = connection.Command(
                    transaction,
                    "SELECT verified_seq, verified_hash, checked_at_ticks, full_pass_at_ticks, broken_seq, broken_reason, mac FROM audit_verification WHERE id = 1");
                await using var reader = await command.ExecuteReaderAsync(ct);
                if (!await reader.ReadAsync(ct))
                {
                    return null;
                }

                return new AuditVerificationMark(
                    reader.GetInt64(0), reader.GetString(1), new DateTimeOffset(reader.GetInt64(2), TimeSpan.Zero),
                    reader.IsDBNull(3) ? null : new DateTimeOffset(reader.GetInt64(3), TimeSpan.Zero),
                    reader.IsDBNull(4) ? null : reader.GetInt64(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetString(6));
            },
            ct);

    /// <summary>Stores <paramref name="mark"/> in place of the previous one.</summary>
    public Task SaveAuditVerificationAsync(AuditVerificationMark mark, CancellationToken ct = default) =>
        WriteAsync<bool>(
            async (connection, transaction, _) =>
            {
                await using var command = connection.Command(
                    transaction,
                    """
                    INSERT INTO audit_verification (id, verified_seq, verified_hash, checked_at_ticks, full_pass_at_ticks, broken_seq, broken_reason, mac)
                    VALUES (1, @s, @h, @c, @f, @b, @r, @m)
                    ON CONFLICT (id) DO UPDATE SET verified_seq = excluded.verified_seq, verified_hash = excluded.verified_hash,
                      checked_at_ticks = excluded.checked_at_ticks, full_pass_at_ticks = excluded.full_pass_at_ticks,
                      broken_seq = excluded.broken_seq, broken_reason = excluded.broken_reason, mac = excluded.mac
                    """);
                command.Add("s", mark.Sequence).Add("h", mark.Hash).Add("c", mark.CheckedAt.UtcTicks).Add("f", mark.FullPassAt?.UtcTicks)
                    .Add("b", mark.BrokenSequence).Add("r", mark.BrokenReason).Add("m", mark.Mac);
                await command.ExecuteNonQueryAsync(ct);
                return true;
            },
            ct);
}
