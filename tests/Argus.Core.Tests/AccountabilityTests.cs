using Argus.Core.Access;
using Argus.Core.Purposes;
using Argus.Core.Watchlists;
using Microsoft.Extensions.Time.Testing;

namespace Argus.Core.Tests;

internal static class People
{
    public static readonly DateTimeOffset Now = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);

    public static Principal Investigator { get; } = User("inv1", Role.Investigator);

    public static Principal Approver { get; } = User("sup1", Role.Approver);

    public static Principal SecondApprover { get; } = User("sup2", Role.Approver);

    public static Principal Administrator { get; } = User("admin", Role.Administrator);

    public static Principal Auditor { get; } = User("aud", Role.Auditor);

    public static Principal Operator { get; } = User("op", Role.Operator);

    public static Principal User(string id, Role role, Scope? scope = null) => new(id, id, new HashSet<Role> { role }, scope ?? Scope.Everything);

    public static LegalBasis Basis(int days = 90, string caseNumber = "2026/CR/1187") => new(
        caseNumber, "armed robbery (s.8 Theft Act)", "DS J. Okafor", "Metropolitan Police", "Arrest warrant W-5531",
        Now.AddDays(days), [new ImageSource(new string('a', 64), "custody photo", "CP-2026-0042")]);
}

[Trait("Category", "Unit")]
public sealed class WatchlistEntryTests
{
    private static readonly CategoryPolicy Wanted = CategoryPolicy.For(WatchlistCategory.WantedPerson);

    [Fact]
    public void A_proposed_entry_matches_nothing_until_a_second_person_approves_it()
    {
        var entry = Propose();
        Assert.False(entry.MatchesAt(People.Now));
        entry.Approve(People.Approver, "warrant checked", People.Now.AddHours(1));
        Assert.True(entry.MatchesAt(People.Now.AddHours(2)));
        Assert.Equal(["proposed", "approved"], entry.Versions.Select(v => v.Change));
        Assert.Equal("sup1", entry.Current.By);
    }

    [Fact]
    public void Nobody_approves_their_own_proposal()
    {
        var entry = WatchlistEntry.Propose("e1", "wl1", Wanted, "s1", People.Basis(), People.Approver, "new warrant", People.Now);
        var ex = Assert.Throws<ArgusException>(() => entry.Approve(People.Approver, "looks fine", People.Now));
        Assert.Equal("entry.self_approval", ex.Code);
        entry.Approve(People.SecondApprover, "checked", People.Now);
        Assert.Equal(EntryState.Active, entry.State);
    }

    [Fact]
    public void Neither_the_proposer_nor_an_amender_approves_the_pending_version_even_when_the_amendment_changed_nothing()
    {
        var third = People.User("sup3", Role.Approver);
        var entry = WatchlistEntry.Propose("e1", "wl1", Wanted, "s1", People.Basis(), People.Approver, "new warrant", People.Now);
        entry.Amend(People.SecondApprover, Wanted, entry.LegalBasis, "looked at it", People.Now);
        Assert.Equal(new HashSet<string> { "sup1", "sup2" }, entry.PendingAuthors);
        Assert.Equal("entry.self_approval", Assert.Throws<ArgusException>(() => entry.Approve(People.Approver, "mine", People.Now)).Code);
        Assert.Equal("entry.self_approval", Assert.Throws<ArgusException>(() => entry.Approve(People.SecondApprover, "amended only", People.Now)).Code);
        Assert.Equal(2, entry.Versions.Count);

        // After a decision the run starts again: a renewal amended by sup2 may be approved by sup1, not by sup2.
        entry.Approve(third, "checked", People.Now);
        entry.Amend(People.SecondApprover, Wanted, entry.LegalBasis with { LegalInstrument = "Arrest warrant W-5531-R" }, "renewed", People.Now);
        Assert.Equal(new HashSet<string> { "sup2" }, entry.PendingAuthors);
        entry.Approve(People.Approver, "renewal checked", People.Now);
        Assert.Equal(EntryState.Active, entry.State);
    }

    [Fact]
    public void Only_the_approver_role_approves()
    {
        var entry = Propose();
        foreach (var user in new[] { People.User("inv2", Role.Investigator), People.Administrator, People.Operator, People.Auditor })
        {
            Assert.Equal("access.denied", Assert.Throws<ArgusException>(() => entry.Approve(user, "ok", People.Now)).Code);
        }
    }

    [Fact]
    public void An_approver_outside_the_watchlist_scope_is_refused()
    {
        var scoped = People.User("sup9", Role.Approver, new Scope(new HashSet<string> { "*" }, new HashSet<string> { "*" }, new HashSet<string> { "other-list" }));
        var ex = Assert.Throws<ArgusException>(() => Propose().Approve(scoped, "ok", People.Now));
        Assert.Equal("access.denied", ex.Code);
        Assert.Contains("outside the scope", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Expired_entries_stop_matching_on_their_own()
    {
        var entry = Propose(days: 10);
        entry.Approve(People.Approver, "ok", People.Now);
        Assert.True(entry.MatchesAt(People.Now.AddDays(9)));
        Assert.False(entry.MatchesAt(People.Now.AddDays(10)));
        Assert.True(entry.IsExpiredAt(People.Now.AddDays(10)));
    }

    [Fact]
    public void Amending_the_legal_basis_needs_approval_again_and_keeps_every_version()
    {
        var entry = Propose();
        entry.Approve(People.Approver, "ok", People.Now);
        entry.Amend(People.Investigator, Wanted, People.Basis(200, "2026/CR/1187-R"), "warrant renewed", People.Now.AddDays(1));
        Assert.Equal(EntryState.Proposed, entry.State);
        Assert.False(entry.MatchesAt(People.Now.AddDays(2)));
        entry.Approve(People.Approver, "renewal checked", People.Now.AddDays(2));
        Assert.Equal(["proposed", "approved", "amended", "approved"], entry.Versions.Select(v => v.Change));
        Assert.Equal("2026/CR/1187", entry.Versions[0].LegalBasis.CaseNumber);
        Assert.Equal("2026/CR/1187-R", entry.LegalBasis.CaseNumber);
    }

    [Fact]
    public void Every_change_needs_a_reason_and_removed_entries_stay_removed()
    {
        var entry = Propose();
        Assert.Equal("entry.reason_required", Assert.Throws<ArgusException>(() => entry.Approve(People.Approver, " ", People.Now)).Code);
        entry.Remove(People.Approver, "warrant withdrawn", People.Now);
        Assert.False(entry.MatchesAt(People.Now));
        Assert.Equal("entry.invalid_state", Assert.Throws<ArgusException>(() => entry.Approve(People.SecondApprover, "ok", People.Now)).Code);
    }

    [Fact]
    public void Missing_legal_basis_fields_are_all_listed()
    {
        var empty = new LegalBasis("", " ", "", "", "", People.Now.AddDays(-1), []);
        var ex = Assert.Throws<ArgusException>(() => WatchlistEntry.Propose("e", "wl1", Wanted, "s", empty, People.Investigator, "x", People.Now));
        Assert.Equal("entry.legal_basis_invalid", ex.Code);
        foreach (var part in new[] { "case number", "grounds", "investigating officer", "issuing authority", "legal instrument", "not in the future", "source of each enrolled image" })
        {
            Assert.Contains(part, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void One_character_legal_basis_fields_are_refused()
    {
        var basis = new LegalBasis("C", "G", "O", "A", "I", People.Now.AddDays(30), [new ImageSource(new string('a', 64), "custody", "CR-1")]);
        var ex = Assert.Throws<ArgusException>(() => WatchlistEntry.Propose("e", "wl1", Wanted, "s", basis, People.Investigator, "seen near the bank", People.Now));
        Assert.Equal("entry.legal_basis_invalid", ex.Code);
        Assert.Contains("case number", ex.Message, StringComparison.Ordinal);
        Assert.Contains("legal instrument", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Expiry_beyond_the_watchlist_maximum_is_refused()
    {
        var admin = CategoryPolicy.For(WatchlistCategory.Administrative); // 180 days
        var ex = Assert.Throws<ArgusException>(() => WatchlistEntry.Propose("e", "wl1", admin, "s", People.Basis(days: 200), People.Investigator, "x", People.Now));
        Assert.Contains("beyond the watchlist's maximum of 180 days", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Expiry_on_the_last_allowed_day_is_accepted_and_the_day_after_refused()
    {
        // The form's default: the day N days from now, applying through its end (what ParseExpiry makes of YYYY-MM-DD).
        var wanted = CategoryPolicy.For(WatchlistCategory.WantedPerson);
        var lastDay = DateOnly.FromDateTime(People.Now.UtcDateTime.AddDays(wanted.MaxEntryDays));
        LegalBasis Through(DateOnly day) => People.Basis(days: 1) with { Expiry = new DateTimeOffset(day.ToDateTime(TimeOnly.MaxValue), TimeSpan.Zero) };

        var entry = WatchlistEntry.Propose("e", "wl1", wanted, "s", Through(lastDay), People.Investigator, "x", People.Now);
        Assert.Equal(lastDay, DateOnly.FromDateTime(entry.LegalBasis.Expiry.UtcDateTime));
        var ex = Assert.Throws<ArgusException>(() => WatchlistEntry.Propose("e", "wl1", wanted, "s", Through(lastDay.AddDays(1)), People.Investigator, "x", People.Now));
        Assert.Contains($"beyond the watchlist's maximum of {wanted.MaxEntryDays} days", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Category_fixes_colour_severity_and_two_person_action()
    {
        Assert.Equal(("red", Severity.Critical, true, true), Tuple(CategoryPolicy.For(WatchlistCategory.WantedPerson)));
        Assert.Equal(("grey", Severity.Low, false, false), Tuple(CategoryPolicy.For(WatchlistCategory.Administrative)));
        Assert.True(CategoryPolicy.For(WatchlistCategory.VenueBan).ActionNeedsTwoConfirmations);
        Assert.Equal(Severity.High, CategoryPolicy.For(WatchlistCategory.Custom, Severity.High).Severity);
        Assert.Equal("watchlist.severity_required", Assert.Throws<ArgusException>(() => CategoryPolicy.For(WatchlistCategory.Custom)).Code);
    }

    private static (string, Severity, bool, bool) Tuple(CategoryPolicy p) => (p.Colour, p.Severity, p.ShowWarning, p.ActionNeedsTwoConfirmations);

    private static WatchlistEntry Propose(int days = 90) =>
        WatchlistEntry.Propose("e1", "wl1", Wanted, "s1", People.Basis(days), People.Investigator, "suspect in case 1187", People.Now);
}

[Trait("Category", "Unit")]
public sealed class AccessPolicyTests
{
    [Theory]
    [InlineData(Role.Administrator, Capability.ManageUsers, true)]
    [InlineData(Role.Administrator, Capability.Search, false)]
    [InlineData(Role.Administrator, Capability.ApproveEntry, false)]
    [InlineData(Role.Administrator, Capability.ReadAudit, false)]
    [InlineData(Role.Auditor, Capability.ReadAudit, true)]
    [InlineData(Role.Auditor, Capability.Search, false)]
    [InlineData(Role.Auditor, Capability.ReviewAlerts, false)]
    [InlineData(Role.Operator, Capability.ReviewAlerts, true)]
    [InlineData(Role.Operator, Capability.Search, false)]
    [InlineData(Role.Investigator, Capability.Search, true)]
    [InlineData(Role.Investigator, Capability.ApproveEntry, false)]
    [InlineData(Role.EnrolmentClerk, Capability.Search, false)]
    [InlineData(Role.EnrolmentClerk, Capability.ManageServiceGalleries, true)]
    public void Least_privilege_role_matrix(Role role, Capability capability, bool allowed)
    {
        Assert.Equal(allowed, People.User("u", role).Can(capability));
    }

    [Fact]
    public void Disabled_users_can_do_nothing()
    {
        var disabled = People.Investigator with { Disabled = true };
        Assert.False(disabled.Can(Capability.Search));
        Assert.Contains("disabled", Assert.Throws<ArgusException>(() => AccessPolicy.Demand(disabled, Capability.Search)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Site_scope_limits_operators()
    {
        var op = People.User("op", Role.Operator, new Scope(new HashSet<string> { "north-gate" }, new HashSet<string>(), new HashSet<string>()));
        AccessPolicy.DemandSite(op, Capability.ReviewAlerts, "north-gate");
        Assert.Equal("access.denied", Assert.Throws<ArgusException>(() => AccessPolicy.DemandSite(op, Capability.ReviewAlerts, "south-gate")).Code);
    }
}

[Trait("Category", "Unit")]
public sealed class SearchPolicyTests
{
    private static readonly SearchTarget[] Wanted = [new("wanted", WatchlistCategory.WantedPerson)];

    private static Authorisation Recorded(string by = "off", string caseReference = "2026/CR/1187", string watchlist = "wanted") =>
        new(7, "Court order 2026/77", caseReference, [watchlist], People.Now.AddDays(-1), People.Now.AddDays(1), by, People.Now.AddDays(-1));

    [Fact]
    public void A_complete_declaration_with_its_recorded_authorisation_is_approved()
    {
        var approval = SearchPolicy.Approve(People.Investigator, Declaration(SearchPurpose.ActiveInvestigation, authorisation: "7"), People.Now, null, Wanted, Recorded());
        Assert.Equal(AuthorisationStatus.Authorised, approval.Status);
    }

    [Fact]
    public void A_free_text_reference_another_case_another_list_or_ones_own_authorisation_is_refused()
    {
        string Code(Authorisation? a, string reference = "7") =>
            Assert.Throws<ArgusException>(() => SearchPolicy.Approve(People.Investigator, Declaration(SearchPurpose.ActiveInvestigation, authorisation: reference), People.Now, null, Wanted, a)).Code;
        Assert.Equal("authorisation.not_found", Code(null, "Court order 2026/77"));
        Assert.Equal("authorisation.case_mismatch", Code(Recorded(caseReference: "2026/CR/9999")));
        Assert.Equal("authorisation.scope_mismatch", Code(Recorded(watchlist: "bans")));
        Assert.Equal("authorisation.self_recorded", Code(Recorded(by: People.Investigator.Id)));
        Assert.Equal("authorisation.revoked", Code(Recorded() with { RevokedAt = People.Now, RevokedBy = "off" }));
        Assert.Equal("authorisation.not_valid", Code(Recorded() with { ValidUntil = People.Now }));
    }

    [Fact]
    public void Purposes_search_their_own_categories_without_authorisation_and_others_only_with_one()
    {
        SearchTarget[] missing = [new("missing", WatchlistCategory.MissingPerson)];
        var declaration = new SearchDeclaration(SearchPurpose.MissingPerson, "MP-2026-4", "reported missing by family, last seen at the station", null, false, ["missing"], []);
        Assert.Equal(AuthorisationStatus.NotRequired, SearchPolicy.Approve(People.Investigator, declaration, People.Now, null, missing).Status);
        var wanted = declaration with { Watchlists = ["wanted"] };
        Assert.Equal("authorisation.required", Assert.Throws<ArgusException>(() => SearchPolicy.Approve(People.Investigator, wanted, People.Now, null, Wanted)).Code);
    }

    [Fact]
    public void An_investigation_without_its_authorisation_is_refused()
    {
        var ex = Assert.Throws<ArgusException>(() => SearchPolicy.Approve(People.Investigator, Declaration(SearchPurpose.ActiveInvestigation), People.Now));
        Assert.Equal("authorisation.required", ex.Code);
        Assert.Contains("authorisation", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("aaaaaaaaaaaaaaaaaaaa")]
    [InlineData("abababababababababab")]
    [InlineData("x x x x x x x x x x x")]
    [InlineData("because")]
    public void A_justification_that_cannot_be_a_reason_is_refused(string justification)
    {
        var bad = Declaration(SearchPurpose.MissingPerson) with { Justification = justification };
        Assert.Equal("search.refused", Assert.Throws<ArgusException>(() => SearchPolicy.Approve(People.Investigator, bad, People.Now)).Code);
    }

    [Theory]
    [InlineData("C")]
    [InlineData("aaa")]
    [InlineData("---")]
    [InlineData("CASE<1>")]
    public void A_case_reference_must_look_like_one(string caseReference)
    {
        Assert.NotNull(TextRules.Reference(caseReference, "case"));
        Assert.Null(TextRules.Reference("CASE-2026-17", "case"));
    }

    [Fact]
    public void Search_limits_refuse_a_low_threshold_and_a_large_top()
    {
        Assert.Equal("search.threshold_too_low", Assert.Throws<ArgusException>(() => SearchLimits.Demand(5, -1)).Code);
        Assert.Equal("search.top_too_large", Assert.Throws<ArgusException>(() => SearchLimits.Demand(100, 0.5f)).Code);
        SearchLimits.Demand(SearchLimits.MaxTop, SearchLimits.Floor);
    }

    [Fact]
    public void An_urgent_threat_search_goes_first_with_the_authorisation_due_in_48_hours()
    {
        var approval = SearchPolicy.Approve(People.Investigator, Declaration(SearchPurpose.ImminentThreat, urgent: true), People.Now);
        Assert.Equal(AuthorisationStatus.Pending, approval.Status);
        Assert.Equal(People.Now.AddHours(48), approval.AuthorisationDue);
    }

    [Fact]
    public void Missing_case_justification_or_targets_are_all_refused()
    {
        var bad = new SearchDeclaration(SearchPurpose.MissingPerson, "", "too short", null, false, [], []);
        var ex = Assert.Throws<ArgusException>(() => SearchPolicy.Approve(People.Investigator, bad, People.Now));
        Assert.Contains("case reference", ex.Message, StringComparison.Ordinal);
        Assert.Contains("justification", ex.Message, StringComparison.Ordinal);
        Assert.Contains("name the watchlists", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Roles_without_search_and_targets_outside_scope_are_refused()
    {
        Assert.Equal("access.denied", Assert.Throws<ArgusException>(() => SearchPolicy.Approve(People.Auditor, Declaration(SearchPurpose.MissingPerson), People.Now)).Code);
        var scoped = People.User("inv3", Role.Investigator, new Scope(new HashSet<string>(), new HashSet<string>(), new HashSet<string> { "missing-persons" }));
        Assert.Equal("access.denied", Assert.Throws<ArgusException>(() => SearchPolicy.Approve(scoped, Declaration(SearchPurpose.MissingPerson), People.Now)).Code);
    }

    [Fact]
    public void The_rate_limit_refuses_beyond_the_limit_and_recovers_after_the_window()
    {
        var time = new FakeTimeProvider(People.Now);
        var limiter = new RateLimiter(3, TimeSpan.FromHours(1), time);
        for (var i = 0; i < 3; i++)
        {
            limiter.Acquire("inv1");
        }

        Assert.Equal("rate.limited", Assert.Throws<ArgusException>(() => limiter.Acquire("inv1")).Code);
        limiter.Acquire("inv2"); // per user
        time.Advance(TimeSpan.FromMinutes(61));
        limiter.Acquire("inv1");
    }

    private static SearchDeclaration Declaration(SearchPurpose purpose, string? authorisation = null, bool urgent = false) =>
        new(purpose, "2026/CR/1187", "CCTV still from the robbery at 14:02, suspect unknown", authorisation, urgent, ["wanted"], []);
}
