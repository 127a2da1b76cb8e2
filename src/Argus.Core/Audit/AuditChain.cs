using System.Security.Cryptography;
using System.Text;

namespace Argus.Core.Audit;

/// <summary>The first record that fails verification, and why.</summary>
public sealed record AuditBreak(long Position, long Sequence, string Reason);

/// <summary>Outcome of verifying a stored audit log.</summary>
public sealed record AuditVerification(bool Intact, long RecordsChecked, AuditBreak? FirstBreak, string? HeadHash)
{
    public override string ToString() => Intact
        ? $"audit chain intact: {RecordsChecked} record(s), head {HeadHash?[..16]}"
        : $"audit chain BROKEN at record #{FirstBreak!.Sequence} (position {FirstBreak.Position}): {FirstBreak.Reason}";
}

/// <summary>
/// Hash-chains audit records with a keyed MAC: hash_n = HMAC-SHA256(key, hash_{n-1} ‖ canonical(record_n)). Without
/// the server key nobody can recompute a chain after editing it, so an edited, deleted, inserted or reordered record
/// breaks verification at the first affected position. Deleting records at the end is caught by comparing with a
/// head (sequence and hash) kept outside the database, e.g. in each transparency report.
/// </summary>
public sealed class AuditChain
{
    /// <summary>The previous hash of the very first record.</summary>
    public static readonly string GenesisHash = new('0', 64);

    /// <summary>Minimum key length: a 256-bit secret.</summary>
    public const int MinimumKeyBytes = 32;

    private readonly byte[] _key;

    public AuditChain(ReadOnlySpan<byte> key)
    {
        if (key.Length < MinimumKeyBytes)
        {
            throw new ArgusException("audit.key_too_short", $"The audit key must be at least {MinimumKeyBytes} bytes (set ARGUS_AUDIT_KEY to 64 hex characters or more).");
        }

        _key = key.ToArray();
    }

    /// <summary>Reads the key from an environment value: hex (64+ characters) or base64 (44+ characters).</summary>
    public static AuditChain FromSecret(string? secret)
    {
        if (string.IsNullOrWhiteSpace(secret))
        {
            throw new ArgusException("audit.key_missing", "ARGUS_AUDIT_KEY is not set: the audit log cannot be written or verified without its key.");
        }

        byte[] key;
        try
        {
            key = secret.Length % 2 == 0 && secret.All(Uri.IsHexDigit) ? Convert.FromHexString(secret) : Convert.FromBase64String(secret);
        }
        catch (FormatException e)
        {
            throw new ArgusException("audit.key_invalid", "ARGUS_AUDIT_KEY must be hex or base64.", e);
        }

        return new AuditChain(key);
    }

    /// <summary>Builds the next record after <paramref name="previous"/> (null for the first record).</summary>
    public AuditRecord Append(AuditRecord? previous, AuditEvent e, DateTimeOffset now)
    {
        var sequence = (previous?.Sequence ?? 0) + 1;
        var previousHash = previous?.Hash ?? GenesisHash;
        var record = new AuditRecord(sequence, now.ToUniversalTime(), e.Actor, e.Action, e.Target, e.Outcome, e.Details, previousHash, "");
        return record with { Hash = ComputeHash(record) };
    }

    /// <summary>
    /// Checks records in stored order. <paramref name="expectedHead"/>, when given, is a (sequence, hash) kept elsewhere:
    /// a log that ends before it or disagrees with it has lost records at its end.
    /// </summary>
    public AuditVerification Verify(IEnumerable<AuditRecord> records, (long Sequence, string Hash)? expectedHead = null)
    {
        long position = 0;
        AuditRecord? previous = null;
        foreach (var record in records)
        {
            position++;
            if (Check(previous, record) is { } reason)
            {
                return Broken(position, record.Sequence, reason, previous);
            }

            previous = record;
        }

        if (expectedHead is { } head)
        {
            if (previous is null || previous.Sequence < head.Sequence)
            {
                return Broken(position + 1, (previous?.Sequence ?? 0) + 1, $"the log ends at sequence {previous?.Sequence ?? 0} but the recorded head is {head.Sequence}: records were deleted at the end", previous);
            }

            // The head must be one of the verified records; only the last is kept, so check equality when it is the last.
            if (previous.Sequence == head.Sequence && !string.Equals(previous.Hash, head.Hash, StringComparison.Ordinal))
            {
                return Broken(position, previous.Sequence, "the record at the recorded head has a different hash: the log was rewritten", previous);
            }
        }

        return new AuditVerification(true, position, null, previous?.Hash);
    }

    /// <summary>
    /// Why <paramref name="record"/> does not follow <paramref name="previous"/> (null: it should be the first record),
    /// or null when it does: its sequence is the next, its previous-hash is the previous record's hash, and its hash
    /// matches its content. Verifying record by record lets a reader check a stretch of the log (a report's period)
    /// without holding it in memory.
    /// </summary>
    public string? Check(AuditRecord? previous, AuditRecord record)
    {
        var expectedSequence = (previous?.Sequence ?? 0) + 1;
        if (record.Sequence != expectedSequence)
        {
            return record.Sequence > expectedSequence
                ? $"sequence {expectedSequence} expected, found {record.Sequence}: records were deleted or reordered"
                : $"sequence {expectedSequence} expected, found {record.Sequence}: records were inserted or reordered";
        }

        var expectedPrevious = previous?.Hash ?? GenesisHash;
        if (!string.Equals(record.PreviousHash, expectedPrevious, StringComparison.Ordinal))
        {
            return "its previous-hash does not match the record before it: records were replaced or reordered";
        }

        return CryptographicOperations.FixedTimeEquals(Convert.FromHexString(ComputeHash(record)), HexOrEmpty(record.Hash))
            ? null
            : "its content does not match its hash: the record was edited";
    }

    /// <summary>Length-prefixed UTF-8 fields, so no two different records share canonical bytes.</summary>
    internal static byte[] Canonical(AuditRecord r)
    {
        var fields = new[]
        {
            r.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture),
            r.OccurredAt.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture),
            r.Actor, r.Action, r.Target, r.Outcome, r.Details,
        };
        using var buffer = new MemoryStream();
        Span<byte> length = stackalloc byte[4];
        foreach (var field in fields)
        {
            var bytes = Encoding.UTF8.GetBytes(field);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
            buffer.Write(length);
            buffer.Write(bytes);
        }

        return buffer.ToArray();
    }

    private string ComputeHash(AuditRecord record)
    {
        // HMAC over previous ‖ canonical in one call: the same bytes as feeding them in turn, without a keyed object per record.
        var previous = HexOrEmpty(record.PreviousHash);
        var canonical = Canonical(record);
        var input = new byte[previous.Length + canonical.Length];
        previous.CopyTo(input, 0);
        canonical.CopyTo(input, previous.Length);
        return Convert.ToHexStringLower(HMACSHA256.HashData(_key, input));
    }

    private static byte[] HexOrEmpty(string hex)
    {
        try
        {
            return Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            return [];
        }
    }

    private static AuditVerification Broken(long position, long sequence, string reason, AuditRecord? lastGood) =>
        new(false, position, new AuditBreak(position, sequence, reason), lastGood?.Hash);
}
