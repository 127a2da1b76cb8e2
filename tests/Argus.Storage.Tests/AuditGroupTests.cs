using System.Text.Json.Nodes;
using Argus.Core.Audit;

namespace Argus.Storage.Tests;

/// <summary>Audit groups (one mechanism for refusals and polled reads), on each provider through the contract subclasses.</summary>
public abstract partial class StoreContractTests
{
    private static readonly AuditChain GroupChain = new(Enumerable.Range(0, 32).Select(i => (byte)(i * 11)).ToArray());

    private static async Task<List<AuditRecord>> AllAuditAsync(ArgusStore store)
    {
        var records = new List<AuditRecord>();
        await foreach (var r in store.ReadAuditAsync())
        {
            records.Add(r);
        }

        return records;
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task A_repeated_refusal_is_chained_once_at_once_and_once_more_with_its_count_when_its_window_closes()
    {
        await using var store = await OpenStoreAsync();
        var policy = new AuditGroupPolicy(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), RecordFirst: true);
        var e = new AuditEvent("unknown-key", "auth.login", "user:unknown-key", "refused", AuditDetails.Of(("source", "10.0.0.1")));

        // The first is visible at once; 499 repeats inside the window add nothing to the chain.
        var first = await store.AppendGroupedAuditAsync(GroupChain, "auth|10.0.0.1", e, policy);
        Assert.NotNull(first);
        for (var i = 0; i < 499; i++)
        {
            Time.Advance(TimeSpan.FromMilliseconds(100));
            Assert.Null(await store.AppendGroupedAuditAsync(GroupChain, "auth|10.0.0.1", e, policy));
        }

        Assert.Single(await AllAuditAsync(store));
        var open = Assert.Single(await store.ListOpenAuditGroupsAsync());
        Assert.Equal(500, open.Count);

        // Not yet due: the sweep leaves it; once the window has passed, one summary with the count and times.
        Assert.Equal(0, await store.CloseAuditGroupsAsync(GroupChain));
        Time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(1, await store.CloseAuditGroupsAsync(GroupChain));
        var records = await AllAuditAsync(store);
        Assert.Equal(2, records.Count);
        var summary = JsonNode.Parse(records[1].Details)!;
        Assert.Equal(500, (long)summary["count"]!);
        Assert.Equal(first!.Sequence, (long)summary["opened_by"]!);
        Assert.Equal("10.0.0.1", (string)summary["source"]!);
        Assert.True(DateTimeOffset.Parse((string)summary["last"]!, System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.Parse((string)summary["first"]!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Empty(await store.ListOpenAuditGroupsAsync());

        // The chain is an ordinary chain: nothing was rewritten to bump a count.
        Assert.True(GroupChain.Verify(records).Intact);

        // A single refusal in a window stays one record: its close adds nothing.
        await store.AppendGroupedAuditAsync(GroupChain, "auth|10.0.0.2", e, policy);
        Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(0, await store.CloseAuditGroupsAsync(GroupChain));
        Assert.Equal(3, (await AllAuditAsync(store)).Count);
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task A_viewing_session_is_one_record_when_it_ends_and_an_event_after_the_window_starts_a_new_one()
    {
        await using var store = await OpenStoreAsync();
        var viewing = new AuditGroupPolicy(TimeSpan.FromHours(1), TimeSpan.FromSeconds(60), RecordFirst: false);
        var view = AuditEvent.Ok("op", "camera.frame_viewed", "camera:door");
        for (var i = 0; i < 40; i++)
        {
            Assert.Null(await store.AppendGroupedAuditAsync(GroupChain, "view|op|door", view, viewing));
            Time.Advance(TimeSpan.FromSeconds(3));
        }

        Assert.Empty(await AllAuditAsync(store));

        // The viewer went away: the next view after the idle gap closes the old session (one record) and opens a new one.
        Time.Advance(TimeSpan.FromSeconds(90));
        var closed = await store.AppendGroupedAuditAsync(GroupChain, "view|op|door", view, viewing);
        Assert.NotNull(closed);
        Assert.Equal(40, (long)JsonNode.Parse(closed!.Details)!["count"]!);
        Assert.Null(JsonNode.Parse(closed.Details)!["opened_by"]);

        // Shutdown closes what is open, whatever its window.
        Assert.Equal(1, await store.CloseAuditGroupsAsync(GroupChain, all: true));
        var records = await AllAuditAsync(store);
        Assert.Equal([40L, 1L], records.Select(r => (long)JsonNode.Parse(r.Details)!["count"]!));
        Assert.True(GroupChain.Verify(records).Intact);
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Every_audited_field_is_capped_so_one_request_cannot_make_a_huge_record()
    {
        await using var store = await OpenStoreAsync();
        var typed = new string('x', 200_000);
        var r = await store.AppendAuditAsync(GroupChain, new AuditEvent(typed, typed, typed, "refused", AuditDetails.Of(("path", typed))));
        Assert.True(r.Actor.Length <= AuditChain.MaxFieldLength && r.Action.Length <= AuditChain.MaxFieldLength && r.Target.Length <= AuditChain.MaxFieldLength);
        Assert.Contains("[200000 chars]", r.Actor, StringComparison.Ordinal);
        Assert.True(r.Details.Length < AuditDetails.MaxValueLength + 100, $"details of {r.Details.Length} characters");
        var huge = await store.AppendAuditAsync(GroupChain, new AuditEvent("a", "b", "c", "ok", "{\"list\":[" + string.Join(',', Enumerable.Repeat("\"" + new string('y', 1000) + "\"", 200)) + "]}"));
        Assert.True((bool)JsonNode.Parse(huge.Details)!["truncated"]!);
        Assert.True(GroupChain.Verify(await AllAuditAsync(store)).Intact);
    }
}
