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

    /// <summary>Longest actor, action, target or outcome kept; a longer one is cut and marked (see <see cref="Cap"/>).</summary>
    public const int MaxFieldLength = 256;

    /// <summary>Longest details JSON kept; a longer one is replaced by its length and SHA-256 (it stays valid JSON).</summary>
    public const int MaxDetailsLength = 65536;

    /// <summary>Builds the next record after <paramref name="previous"/> (null for the first record). Every field is capped in length.</summary>
    public AuditRecord Append(AuditRecord? previous, AuditEvent e, DateTimeOffset now)
    {
        var sequence = (previous?.Sequence ?? 0) + 1;
        var previousHash = previous?.Hash ?? GenesisHash;
        var record = new AuditRecord(
            sequence, now.ToUniversalTime(), Cap(e.Actor), Cap(e.Action), Cap(e.Target), Cap(e.Outcome), CapDetails(e.Details), previousHash, "");
        return record with { Hash = ComputeHash(record) };
    }

    /// <summary>
    /// A value cut to <see cref="MaxFieldLength"/> characters with a marker saying how long it was, so that no caller
    /// (a 200,000-character typed name, a long URL path) can make one record arbitrarily large.
    /// </summary>
    public static string Cap(string value, int max = MaxFieldLength)
    {
        if (value.Length <= max)
        {
            return value;
        }

        var marker = $"…[{value.Length} chars]";
        var keep = Math.Max(0, max - marker.Length);
        if (keep > 0 && char.IsHighSurrogate(value[keep - 1]))
        {
            keep--;
        }

        return string.Concat(value.AsSpan(0, keep), marker);
    }

    private static string CapDetails(string details) => details.Length <= MaxDetailsLength
        ? details
        : AuditDetails.Of(("truncated", true), ("length", details.Length), ("sha256", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(details)))));

    /// <summary>
    /// A keyed pseudonym of <paramref name="value"/> (HMAC-SHA256 under this chain's key, labelled, first 16 hex
    /// digits): what is recorded instead of a typed username that names no account, so the same text can be
    /// recognised again by whoever holds the key, and a password typed into the username field is never stored.
    /// </summary>
    public string Pseudonym(string value)
    {
        using var hmac = new HMACSHA256(_key);
        var bytes = Encoding.UTF8.GetBytes("argus-pseudonym\0" + value);
        return Convert.ToHexStringLower(hmac.ComputeHash(bytes))[..16];
    }

    /// <summary>The MAC of a checkpoint of the chain's head (store identity, sequence, hash, time), under this chain's key.</summary>
    public string SignCheckpoint(string store, long sequence, string hash, DateTimeOffset writtenAt)
    {
        using var hmac = new HMACSHA256(_key);
        var text = string.Join('\0', "argus-audit-checkpoint", store, sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), hash,
            writtenAt.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return Convert.ToHexStringLower(hmac.ComputeHash(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>The MAC of a verification mark's fields (everything but its MAC), under this chain's key.</summary>
    public string SignVerification(AuditVerificationMark mark)
    {
        using var hmac = new HMACSHA256(_key);
        var c = System.Globalization.CultureInfo.InvariantCulture;
        var text = string.Join(
            '\0', "argus-audit-verification", mark.Sequence.ToString(c), mark.Hash, mark.CheckedAt.UtcTicks.ToString(c),
            mark.FullPassAt?.UtcTicks.ToString(c) ?? "-", mark.BrokenSequence?.ToString(c) ?? "-", mark.BrokenReason ?? "-");
        return Convert.ToHexStringLower(hmac.ComputeHash(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>True when the mark's MAC is this chain's MAC of its fields (a forged, edited or foreign mark fails).</summary>
    public bool CheckVerification(AuditVerificationMark mark) =>
        CryptographicOperations.FixedTimeEquals(Convert.FromHexString(SignVerification(mark)), HexOrEmpty(mark.Mac));

    /// <summary>True when <paramref name="mac"/> is this chain's MAC of the checkpoint (a forged or edited checkpoint fails).</summary>
    public bool CheckCheckpoint(string store, long sequence, string hash, DateTimeOffset writtenAt, string mac) =>
        CryptographicOperations.FixedTimeEquals(Convert.FromHexString(SignCheckpoint(store, sequence, hash, writtenAt)), HexOrEmpty(mac));

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

            // The recorded head must be one of the verified records, wherever it falls in the log.
            if (expectedHead is { } at && record.Sequence == at.Sequence && !string.Equals(record.Hash, at.Hash, StringComparison.Ordinal))
            {
                return Broken(position, record.Sequence, "the record at the recorded head has a different hash: the log was rewritten", previous);
            }

            previous = record;
        }

        if (expectedHead is { } head && (previous is null || previous.Sequence < head.Sequence))
        {
            return Broken(position + 1, (previous?.Sequence ?? 0) + 1, $"the log ends at sequence {previous?.Sequence ?? 0} but the recorded head is {head.Sequence}: records were deleted at the end", previous);
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
