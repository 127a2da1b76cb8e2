using Argus.Core.Audit;

namespace Argus.Core.Tests;

[Trait("Category", "Unit")]
public sealed class AuditChainTests
{
    private static readonly AuditChain Chain = new(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void An_untouched_log_verifies()
    {
        var log = Log(5);
        var result = Chain.Verify(log, (5, log[^1].Hash));
        Assert.True(result.Intact, result.ToString());
        Assert.Equal(5, result.RecordsChecked);
    }

    [Fact]
    public void An_edited_record_is_named()
    {
        var log = Log(6);
        log[2] = log[2] with { Details = AuditDetails.Of(("results", 0)) }; // hide that a search returned results
        AssertBreak(log, 3, "edited");
    }

    [Fact]
    public void A_deleted_record_is_named()
    {
        var log = Log(6);
        log.RemoveAt(2);
        AssertBreak(log, 4, "deleted");
    }

    [Fact]
    public void An_inserted_record_is_named()
    {
        // An insider forges a record without the key, renumbering nothing: sequence 3 appears twice.
        var log = Log(6);
        var forged = log[2] with { Action = "login", Actor = "someone-else" };
        log.Insert(3, forged);
        AssertBreak(log, 3, "inserted");
    }

    [Fact]
    public void A_renumbered_forgery_fails_on_its_hash()
    {
        // Renumbering everything after the insertion still cannot produce valid hashes without the key.
        var log = Log(5);
        var forged = new AuditRecord(3, T0, "x", "search.performed", "", "ok", "", log[1].Hash, new string('a', 64));
        var tail = log.Skip(2).Select(r => r with { Sequence = r.Sequence + 1 });
        var tampered = log.Take(2).Append(forged).Concat(tail).ToList();
        AssertBreak(tampered, 3, "edited");
    }

    [Fact]
    public void Reordered_records_are_named()
    {
        var log = Log(6);
        (log[2], log[3]) = (log[3], log[2]);
        AssertBreak(log, 4, "reordered");
    }

    [Fact]
    public void Records_deleted_at_the_end_are_caught_by_the_recorded_head()
    {
        var log = Log(6);
        var head = (log[^1].Sequence, log[^1].Hash);
        log.RemoveRange(4, 2);
        Assert.True(Chain.Verify(log).Intact); // the chain alone cannot see a cut tail
        var result = Chain.Verify(log, head);
        Assert.False(result.Intact);
        Assert.Contains("at the end", result.FirstBreak!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_key_cannot_verify_or_extend_the_log()
    {
        var other = new AuditChain(new byte[32]);
        var result = other.Verify(Log(3));
        Assert.False(result.Intact);
        Assert.Equal(1, result.FirstBreak!.Sequence);
    }

    [Fact]
    public void The_key_must_be_present_and_long_enough()
    {
        Assert.Equal("audit.key_missing", Assert.Throws<ArgusException>(() => AuditChain.FromSecret(null)).Code);
        Assert.Equal("audit.key_too_short", Assert.Throws<ArgusException>(() => AuditChain.FromSecret("abcd")).Code);
        Assert.True(AuditChain.FromSecret(new string('a', 64)).Verify(Array.Empty<AuditRecord>()).Intact);
    }

    [Fact]
    public void Canonical_bytes_separate_fields_unambiguously()
    {
        var a = new AuditRecord(1, T0, "ab", "c", "", "ok", "", AuditChain.GenesisHash, "");
        var b = a with { Actor = "a", Action = "bc" };
        Assert.NotEqual(AuditChain.Canonical(a), AuditChain.Canonical(b));
    }

    [Fact]
    public void Details_are_canonical_json_with_sorted_keys()
    {
        Assert.Equal("""{"a":1,"b":"x","c":["p","q"]}""", AuditDetails.Of(("c", new[] { "q", "p" }), ("b", "x"), ("a", 1)));
    }

    private static void AssertBreak(List<AuditRecord> log, long sequence, string reasonWord)
    {
        var result = Chain.Verify(log);
        Assert.False(result.Intact);
        Assert.Equal(sequence, result.FirstBreak!.Sequence);
        Assert.Contains(reasonWord, result.FirstBreak.Reason, StringComparison.Ordinal);
    }

    private static List<AuditRecord> Log(int count)
    {
        var log = new List<AuditRecord>();
        AuditRecord? previous = null;
        for (var i = 0; i < count; i++)
        {
            previous = Chain.Append(previous, AuditEvent.Ok($"user{i % 2}", "search.performed", $"watchlist:{i}", AuditDetails.Of(("results", i))), T0.AddMinutes(i));
            log.Add(previous);
        }

        return log;
    }
}
