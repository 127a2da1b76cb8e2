using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Watchlists;

namespace Argus.Storage.Tests;

public abstract partial class AccountabilityStoreTests
{
    private static readonly Principal Ann = new("ann", "ann", new HashSet<Role> { Role.Investigator }, Scope.Everything);
    private static readonly Principal Sam = new("sam", "sam", new HashSet<Role> { Role.Approver }, Scope.Everything);

    private LegalBasis Basis(int days = 30, string caseNumber = "CASE-1") => new(
        caseNumber, "armed robbery", "DI Jones", "Metropolitan Police", "Warrant 2026/17", Time.GetUtcNow().AddDays(days),
        [new ImageSource(new string('a', 64), "custody", "CR-1")]);

    private static async Task<(Watchlist Watchlist, long Subject)> WatchlistWithSubjectAsync(ArgusStore store, string name = "wanted")
    {
        var w = await store.CreateWatchlistAsync(new NewWatchlist(name, WatchlistCategory.WantedPerson), TestData.Contract, "admin");
        var subject = await store.CreateSubjectAsync(new NewSubject("Ann Example", ExternalReference: "crm:1"));
        return (w, subject.Id);
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Watchlists_have_their_own_gallery_and_the_category_fixes_severity_and_maximum()
    {
        await using var store = await OpenStoreAsync();
        var w = await store.CreateWatchlistAsync(new NewWatchlist("wanted", WatchlistCategory.WantedPerson, MaxEntryDays: 90), TestData.Contract, "admin");
        Assert.Equal(Severity.Critical, w.Severity);
        Assert.Equal("red", w.Policy.Colour);
        Assert.Equal(90, w.Policy.MaxEntryDays);
        Assert.Equal("watchlist.wanted", (await store.GetGalleryAsync(w.GalleryId))!.Name);
        var custom = await store.CreateWatchlistAsync(new NewWatchlist("vip", WatchlistCategory.Custom, Severity.High), TestData.Contract, "admin");
        Assert.Equal(Severity.High, custom.Severity);
        Assert.Equal(["vip", "wanted"], (await store.ListWatchlistsAsync()).Select(x => x.Name));

        async Task<string> Code(NewWatchlist n) => (await Assert.ThrowsAsync<ArgusException>(() => store.CreateWatchlistAsync(n, TestData.Contract, "admin"))).Code;
        Assert.Equal("watchlist.exists", await Code(new NewWatchlist("wanted", WatchlistCategory.MissingPerson)));
        Assert.Equal("watchlist.severity_required", await Code(new NewWatchlist("c", WatchlistCategory.Custom)));
        Assert.Equal("watchlist.severity_fixed", await Code(new NewWatchlist("c", WatchlistCategory.Administrative, Severity.Critical)));
        Assert.Equal("watchlist.max_days_invalid", await Code(new NewWatchlist("c", WatchlistCategory.Administrative, MaxEntryDays: 181)));
        Assert.Equal("watchlist.invalid_name", await Code(new NewWatchlist("no spaces", WatchlistCategory.Administrative)));
        Assert.Equal("watchlist.not_found", (await Assert.ThrowsAsync<ArgusException>(() => store.GetWatchlistAsync("nope"))).Code);
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task An_entry_is_proposed_approved_by_someone_else_versioned_and_stops_matching_when_it_expires()
    {
        await using var store = await OpenStoreAsync();
        var (w, subject) = await WatchlistWithSubjectAsync(store);
        var proposed = WatchlistEntry.Propose("new", w.Name, w.Policy, "pending", Basis(), Ann, "seen near the bank", Time.GetUtcNow());
        var stored = await store.AddEntryAsync(w, subject, proposed);
        Assert.Empty(await store.ListMatchingEntriesAsync(w.Id, Time.GetUtcNow()));

        var self = await Assert.ThrowsAsync<ArgusException>(() => store.ChangeEntryAsync(stored.Id, e => e.Entry.Approve(Ann with { Roles = new HashSet<Role> { Role.Approver } }, "ok", Time.GetUtcNow())));
        Assert.Equal("entry.self_approval", self.Code);
        Assert.Single((await store.GetEntryAsync(stored.Id))!.Entry.Versions); // nothing written

        Time.Advance(TimeSpan.FromHours(1));
        await store.ChangeEntryAsync(stored.Id, e => e.Entry.Approve(Sam, "warrant checked", Time.GetUtcNow()));
        var matching = Assert.Single(await store.ListMatchingEntriesAsync(w.Id, Time.GetUtcNow()));
        Assert.Equal(EntryState.Active, matching.Entry.State);
        Assert.Equal(["proposed", "approved"], matching.Entry.Versions.Select(v => v.Change));
        Assert.Equal(["ann", "sam"], matching.Entry.Versions.Select(v => v.By));
        Assert.Equal("Warrant 2026/17", matching.Entry.LegalBasis.LegalInstrument);
        Assert.Equal("CR-1", matching.Entry.LegalBasis.ImageSources[0].Reference);

        // Expiry needs no job: past the legal basis it matches nothing; retention then records the deactivation.
        Time.Advance(TimeSpan.FromDays(31));
        Assert.Empty(await store.ListMatchingEntriesAsync(w.Id, Time.GetUtcNow()));
        var expired = Assert.Single(await store.DeactivateExpiredEntriesAsync(Time.GetUtcNow()));
        Assert.Equal(EntryState.Removed, expired.Entry.State);
        Assert.Equal("expired", expired.Entry.Current.Change);
        Assert.Equal("system", expired.Entry.Current.By);
        Assert.Empty(await store.DeactivateExpiredEntriesAsync(Time.GetUtcNow()));
        Assert.Equal(3, (await store.ListEntryVersionsAsync()).Count);
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Bad_legal_bases_scopes_roles_and_unknown_ids_are_refused_and_nothing_is_written()
    {
        await using var store = await OpenStoreAsync();
        var (w, subject) = await WatchlistWithSubjectAsync(store);
        var now = Time.GetUtcNow();
        string Refused(Func<WatchlistEntry> propose) => Assert.Throws<ArgusException>(propose).Code;
        Assert.Equal("entry.legal_basis_invalid", Refused(() => WatchlistEntry.Propose("x", w.Name, w.Policy, "1", Basis(days: -1), Ann, "r", now)));
        Assert.Equal("entry.legal_basis_invalid", Refused(() => WatchlistEntry.Propose("x", w.Name, w.Policy, "1", Basis(days: 400), Ann, "r", now)));
        Assert.Equal("entry.legal_basis_invalid", Refused(() => WatchlistEntry.Propose("x", w.Name, w.Policy, "1", Basis(caseNumber: " "), Ann, "r", now)));
        var outOfScope = Ann with { Scope = new Scope(new HashSet<string>(), new HashSet<string>(), new HashSet<string> { "missing" }) };
        Assert.Equal("access.denied", Refused(() => WatchlistEntry.Propose("x", w.Name, w.Policy, "1", Basis(), outOfScope, "r", now)));

        var stored = await store.AddEntryAsync(w, subject, WatchlistEntry.Propose("x", w.Name, w.Policy, "1", Basis(), Ann, "r", now));

        // A proposed (or active) entry holds its subject: erasure is refused in its own transaction and nothing goes.
        Assert.Equal("subject.in_watchlist", (await Assert.ThrowsAsync<ArgusException>(() => store.DeleteSubjectAsync(subject))).Code);
        Assert.NotNull(await store.GetSubjectAsync(subject));
        Assert.Single(await store.ListEntriesAsync(w.Id));
        var operatorRole = new Principal("olly", "olly", new HashSet<Role> { Role.Operator }, Scope.Everything);
        Assert.Equal("access.denied", (await Assert.ThrowsAsync<ArgusException>(() => store.ChangeEntryAsync(stored.Id, e => e.Entry.Approve(operatorRole, "r", now)))).Code);
        Assert.Equal("entry.not_found", (await Assert.ThrowsAsync<ArgusException>(() => store.ChangeEntryAsync(999, e => e.Entry.Approve(Sam, "r", now)))).Code);
        await store.ChangeEntryAsync(stored.Id, e => e.Entry.Reject(Sam, "no warrant attached", now));
        Assert.Equal("entry.invalid_state", (await Assert.ThrowsAsync<ArgusException>(() => store.ChangeEntryAsync(stored.Id, e => e.Entry.Approve(Sam, "r", now)))).Code);
        Assert.Equal(EntryState.Rejected, Assert.Single(await store.ListEntriesAsync(w.Id, EntryState.Rejected)).Entry.State);
        Assert.Empty(await store.ListEntriesAsync(w.Id, EntryState.Active));

        // Erasing the subject erases its entries and their legal bases.
        await store.DeleteSubjectAsync(subject);
        Assert.Empty(await store.ListEntriesAsync());
    }
}
