using Argus.Application.ServiceGalleries;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Services;
using Argus.Core.Watchlists;
using Argus.Storage;
using Argus.Tests;
using Argus.Vision.Imaging;

namespace Argus.Application.Tests.ServiceGalleries;

[Collection(ServiceGroup.Name)]
public sealed class GateTests(ServiceFixture f)
{
    // Enrolled photo and a different probe photo of the same person (faces-dev gallery.csv / probes.csv).
    private const string RiderA = "images/deepface_c05/img16.jpg";
    private const string RiderAProbe = "images/deepface_c05/img17.jpg";
    private const string RiderB = "images/deepface_c06/img18.jpg";
    private const string RiderBProbe = "images/deepface_c06/img19.jpg";
    private const string Stranger = "images/deepface_c07/img20.jpg"; // not enrolled anywhere

    private ServiceEnrolment Enrolment(string gallery, string reference, string image) => new(
        gallery, reference, null, "the customer", f.Time.GetUtcNow(), "pay fares / enter the stadium by face", "app", f.Time.GetUtcNow().AddDays(365), [ServiceFixture.Bytes(image)]);

    private static DecodedImage Frame(string relative) => ImageDecoder.DecodeFile(Path.Combine(TestPaths.FacesDev, relative));

    private async Task<string> GalleryAsync(ServiceKind kind, params (string Ref, string Image)[] people)
    {
        var name = ServiceFixture.UniqueName(ServiceKinds.Name(kind));
        var service = new ServiceGalleryService(f.Context);
        await service.CreateGalleryAsync(ServiceFixture.Clerk, name, kind);
        foreach (var (reference, image) in people)
        {
            await service.EnrolAsync(ServiceFixture.Clerk, Enrolment(name, reference, image));
        }

        return name;
    }

    private static async Task<GateDecision> PassAsync(FacePayGate gate, string passage, string image)
    {
        using var frame = Frame(image);
        return await gate.PassAsync(ServiceFixture.Terminal, new GatePassage("gate-7", passage), [frame]);
    }

    [SkippableFact]
    [Trait("Category", "Model")]
    public async Task Metro_gate_charges_once_per_passage_and_refuses_strangers_and_ambiguity()
    {
        var metro = await GalleryAsync(ServiceKind.Transit, ("rider-a", RiderA), ("rider-b", RiderB));
        using var gate = new FacePayGate(f.Context, metro, new GateOptions(TargetFmr: 1e-4));

        var first = await PassAsync(gate, "p1", RiderAProbe);
        Assert.Equal((GateOutcome.Open, "charged"), (first.Outcome, first.Reason));
        Assert.Equal(FarePolicy.Default.FareCents, first.Ledger!.AmountCents);
        var again = await PassAsync(gate, "p1", RiderAProbe);
        Assert.Equal((GateOutcome.Open, "already_charged", first.Ledger.Id), (again.Outcome, again.Reason, again.Ledger!.Id));
        Assert.Equal("already_charged", (await PassAsync(gate, "p2-lingering", RiderAProbe)).Reason);
        f.Time.Advance(FarePolicy.Default.RepeatWindow + TimeSpan.FromSeconds(1));
        Assert.Equal("charged", (await PassAsync(gate, "p3", RiderAProbe)).Reason);

        Assert.Equal((GateOutcome.Refused, "no_match"), ((await PassAsync(gate, "p4", Stranger)).Outcome, (await PassAsync(gate, "p4", Stranger)).Reason));
        Assert.Equal("face.none", (await PassAsync(gate, "p5", "hard/no_face/dlib_eagle.jpg")).Reason);

        // A second account with the same photo: two riders score alike, so the gate refuses rather than guess.
        await new ServiceGalleryService(f.Context).EnrolAsync(ServiceFixture.Clerk, Enrolment(metro, "rider-b-duplicate", RiderB));
        var ambiguous = await PassAsync(gate, "p6", RiderBProbe);
        Assert.Equal((GateOutcome.Refused, "ambiguous"), (ambiguous.Outcome, ambiguous.Reason));
        Assert.Null(ambiguous.Ledger);

        var ledger = await f.Store.ListLedgerAsync(ServiceFixture.Clerk, (await f.Store.GetServiceGalleryAsync(ServiceFixture.Clerk, metro)).Id);
        Assert.Equal(2, ledger.Count);

        Assert.Equal("access.denied", (await Assert.ThrowsAsync<ArgusException>(() => gate.RefreshAsync(ServiceFixture.Investigator))).Code);
        var bank = await GalleryAsync(ServiceKind.Bank);
        using var wrong = new FacePayGate(f.Context, bank);
        Assert.Equal("gate.wrong_gallery", (await Assert.ThrowsAsync<ArgusException>(() => wrong.RefreshAsync(ServiceFixture.Terminal))).Code);
    }

    [SkippableFact]
    [Trait("Category", "Model")]
    public async Task Concurrent_duplicate_passages_at_a_gate_charge_once()
    {
        var metro = await GalleryAsync(ServiceKind.Transit, ("rider-a", RiderA));
        using var gate = new FacePayGate(f.Context, metro, new GateOptions(TargetFmr: 1e-4));
        await gate.RefreshAsync(ServiceFixture.Terminal);
        var decisions = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => PassAsync(gate, i % 2 == 0 ? "same" : $"retry-{i}", RiderAProbe))));
        Assert.All(decisions, d => Assert.Equal(GateOutcome.Open, d.Outcome));
        Assert.Single(decisions, d => d.Reason == "charged");
        Assert.Single(decisions.Select(d => d.Ledger!.Id).Distinct());
    }

    [SkippableFact]
    [Trait("Category", "Model")]
    public async Task Venue_gate_admits_the_ticket_holder_and_refuses_a_banned_person_with_the_legal_basis()
    {
        var venue = await GalleryAsync(ServiceKind.Venue, ("ticket-1", RiderA), ("ticket-2", RiderB));
        var now = f.Time.GetUtcNow();
        var investigator = new Principal("ann", "ann", new HashSet<Role> { Role.Investigator }, Scope.Everything);
        var approver = new Principal("sam", "sam", new HashSet<Role> { Role.Approver }, Scope.Everything);
        var banList = ServiceFixture.UniqueName("bans");
        var w = await f.Store.CreateWatchlistAsync(new NewWatchlist(banList, WatchlistCategory.VenueBan), f.Engine.Contract, "admin");
        var basis = new LegalBasis("BAN-2026-9", "pitch invasion", "PC Smith", "City Magistrates", "Football Banning Order 2026/9", now.AddDays(200),
            [new ImageSource(new string('a', 64), "custody", "CR-9")]);

        async Task<StoredEntry> BanAsync(string image, bool approve)
        {
            var subject = await f.Store.CreateSubjectAsync(new NewSubject("Banned Person"));
            await f.Store.AddTemplateAsync(w.GalleryId, NewTemplate.From(f.Embed(image)!, subject.Id, new string('b', 63) + (approve ? "1" : "2"), "ann"));
            var entry = await f.Store.AddEntryAsync(w, subject.Id, WatchlistEntry.Propose("new", w.Name, w.Policy, "pending", basis, investigator, "banned by the court", now));
            return approve ? await f.Store.ChangeEntryAsync(entry.Id, e => e.Entry.Approve(approver, "order checked", now)) : entry;
        }

        var banned = await BanAsync(RiderB, approve: true);
        await BanAsync(RiderA, approve: false); // proposed, never approved: must not stop anyone

        var gate = new VenueGate(f.Context, venue, [banList]);
        async Task<VenueDecision> Enter(string passage, string ticket, string image)
        {
            using var frame = Frame(image);
            return await gate.EnterAsync(ServiceFixture.Terminal, new GatePassage("north-3", passage), ticket, [frame]);
        }

        var admitted = await Enter("e1", "ticket-1", RiderAProbe);
        Assert.Equal((GateOutcome.Open, "admitted"), (admitted.Outcome, admitted.Reason));
        Assert.Equal(LedgerKind.Entry, admitted.Ledger!.Kind);
        Assert.Equal("already_admitted", (await Enter("e1", "ticket-1", RiderAProbe)).Reason);

        var refused = await Enter("e2", "ticket-2", RiderBProbe);
        Assert.Equal((GateOutcome.Refused, "banned"), (refused.Outcome, refused.Reason));
        Assert.Equal(banned.Id, refused.Alert!.EntryId);
        Assert.Equal("Football Banning Order 2026/9", refused.Alert.LegalBasis.LegalInstrument);
        Assert.Null(refused.Ledger);

        Assert.Equal("not_ticket_holder", (await Enter("e3", "ticket-1", Stranger)).Reason);
        Assert.Equal("service.person_not_found", (await Enter("e4", "no-such-ticket", RiderAProbe)).Reason);

        var gateRecords = new List<(string Outcome, string Details)>();
        await foreach (var r in f.Store.ReadAuditAsync())
        {
            if (r.Action == "gate.venue")
            {
                gateRecords.Add((r.Outcome, r.Details));
            }
        }

        Assert.Equal(5, gateRecords.Count);
        Assert.Contains(gateRecords, r => r.Outcome == "refused" && r.Details.Contains("BAN-2026-9", StringComparison.Ordinal));

        var notABanList = ServiceFixture.UniqueName("wanted");
        await f.Store.CreateWatchlistAsync(new NewWatchlist(notABanList, WatchlistCategory.WantedPerson), f.Engine.Contract, "admin");
        var misconfigured = new VenueGate(f.Context, venue, [notABanList]);
        using var frame = Frame(RiderAProbe);
        Assert.Equal("gate.not_a_ban_list", (await Assert.ThrowsAsync<ArgusException>(() => misconfigured.EnterAsync(ServiceFixture.Terminal, new GatePassage("n", "x"), "ticket-1", [frame]))).Code);
    }
}
