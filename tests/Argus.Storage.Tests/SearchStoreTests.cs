using Argus.Core;
using Argus.Core.Purposes;

namespace Argus.Storage.Tests;

public abstract partial class AccountabilityStoreTests
{
    private SearchRecord Search(AuthorisationStatus status, string user = "ann") => new(
        0, user, SearchPurpose.ImminentThreat, "CASE-9", "credible threat reported by a caller", ["watchlist:wanted"], status, null,
        status == AuthorisationStatus.Pending ? Time.GetUtcNow().AddHours(48) : null, null, null, new string('c', 64), 1, Time.GetUtcNow());

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Urgent_searches_wait_for_their_authorisation_and_are_overdue_after_the_window()
    {
        await using var store = await OpenStoreAsync();
        var urgent = await store.RecordSearchAsync(Search(AuthorisationStatus.Pending));
        var late = await store.RecordSearchAsync(Search(AuthorisationStatus.Pending));
        var plain = await store.RecordSearchAsync(Search(AuthorisationStatus.NotRequired, "bob"));
        Assert.Equal(2, await store.CountSearchesAsync("ann", Time.GetUtcNow().AddHours(-1)));
        Assert.Empty(await store.ListOverdueSearchesAsync(Time.GetUtcNow()));

        Time.Advance(TimeSpan.FromHours(47));
        var authorised = await store.AuthoriseSearchAsync(urgent.Id, "ORDER-77", "sam");
        Assert.Equal(AuthorisationStatus.Authorised, authorised.Status);
        Assert.Equal(0, await store.CountSearchesAsync("ann", Time.GetUtcNow().AddHours(-1)));

        Time.Advance(TimeSpan.FromHours(2));
        var overdue = Assert.Single(await store.ListOverdueSearchesAsync(Time.GetUtcNow()));
        Assert.Equal(late.Id, overdue.Id);
        Assert.Equal(["watchlist:wanted"], overdue.Targets);
        Assert.Equal("search.not_pending", (await Assert.ThrowsAsync<ArgusException>(() => store.AuthoriseSearchAsync(plain.Id, "X", "sam"))).Code);
        Assert.Equal("search.not_found", (await Assert.ThrowsAsync<ArgusException>(() => store.AuthoriseSearchAsync(999, "X", "sam"))).Code);
        Assert.Equal(3, (await store.ListSearchesAsync(Time.GetUtcNow().AddDays(-3), Time.GetUtcNow())).Count);
        Assert.Equal("ORDER-77", (await store.GetSearchAsync(urgent.Id))!.AuthorisationReference);
    }
}
