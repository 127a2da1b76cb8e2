using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Services;
using Argus.Tests;
using Microsoft.Extensions.Time.Testing;

namespace Argus.Storage.Tests;

/// <summary>Service galleries and the gate ledger, run once per provider.</summary>
public abstract class ServiceGalleryStoreTests : IAsyncLifetime
{
    protected static readonly Principal Clerk = new("clerk", "clerk", new HashSet<Role> { Role.EnrolmentClerk }, Scope.Everything);
    protected static readonly Principal Gate = new("gate-1", "gate-1", new HashSet<Role> { Role.ServiceTerminal }, Scope.Everything);

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero));

    protected abstract Task<ArgusStore> OpenStoreAsync();

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    private ConsentRecord Consent() => new("the customer", Time.GetUtcNow(), "pay metro fares by face", "app", "clerk");

    private NewServicePerson Person(string reference, int seed, int days = 365) => new(
        reference, [1, 2, 3], Consent(), Time.GetUtcNow().AddDays(days), [new SealedTemplateInput([.. BitConverter.GetBytes(seed), 9, 9], TestData.Sha($"img-{seed}"))]);

    private static async Task<(ServiceGallery Gallery, ServicePerson Person)> MetroWithRiderAsync(ArgusStore store, ServiceGalleryStoreTests t)
    {
        var gallery = await store.CreateServiceGalleryAsync(Clerk, "metro", ServiceKind.Transit, TestData.Contract);
        var person = (await store.EnrolServicePeopleAsync(Clerk, gallery.Id, [t.Person("rider-1", 1)]))[0];
        return (gallery, person);
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Service_galleries_are_invisible_to_every_gallery_and_watchlist_query()
    {
        await using var store = await OpenStoreAsync();
        var police = await store.CreateGalleryAsync("suspects", TestData.Contract);
        var (gallery, _) = await MetroWithRiderAsync(store, this);

        Assert.Null(await store.GetGalleryAsync("metro"));
        Assert.Equal(["suspects"], (await store.ListGalleriesAsync()).Select(g => g.Name));
        Assert.Equal(0, (await store.GetFingerprintAsync(null)).TemplateCount);
        await foreach (var batch in store.StreamTemplatesAsync(police.Id))
        {
            Assert.Equal(0, batch.Count);
        }

        Assert.Empty(await store.ListWatchlistsAsync());
        Assert.Equal(["metro"], (await store.ListServiceGalleriesAsync(Clerk)).Select(g => g.Name));
        Assert.Single(await store.ListServiceTemplatesAsync(Gate, gallery.Id, Time.GetUtcNow()));
    }

    [SkippableTheory]
    [Trait("Category", "Integration")]
    [InlineData(Role.Investigator)]
    [InlineData(Role.Approver)]
    [InlineData(Role.Operator)]
    [InlineData(Role.Auditor)]
    [InlineData(Role.Administrator)]
    public async Task Police_and_other_roles_are_refused_by_the_store_even_with_a_service_role(Role role)
    {
        await using var store = await OpenStoreAsync();
        var (gallery, _) = await MetroWithRiderAsync(store, this);
        var alone = new Principal("p", "p", new HashSet<Role> { role }, Scope.Everything);
        var mixed = new Principal("m", "m", new HashSet<Role> { role, Role.EnrolmentClerk, Role.ServiceTerminal }, Scope.Everything);
        // A police role is refused even when the account also holds the service roles; other roles lack the capability.
        Principal[] refused = ServiceAccess.PoliceRoles.Contains(role) ? [alone, mixed] : [alone];
        foreach (var who in refused)
        {
            Assert.Equal("access.denied", (await Assert.ThrowsAsync<ArgusException>(() => store.ListServiceTemplatesAsync(who, gallery.Id, Time.GetUtcNow()))).Code);
            Assert.Equal("access.denied", (await Assert.ThrowsAsync<ArgusException>(() => store.GetServiceRecordAsync(who, "metro", "rider-1"))).Code);
            Assert.Equal("access.denied", (await Assert.ThrowsAsync<ArgusException>(() => store.ListServiceGalleriesAsync(who))).Code);
            Assert.Equal("access.denied", (await Assert.ThrowsAsync<ArgusException>(() => store.EraseServicePersonAsync(who, "metro", "rider-1"))).Code);
        }
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Export_holds_consent_templates_and_ledger_and_erasure_leaves_only_an_unlinked_ledger()
    {
        await using var store = await OpenStoreAsync();
        var (gallery, person) = await MetroWithRiderAsync(store, this);
        var charge = await store.ChargeFareAsync(Gate, gallery.Id, "g1", "p1", person.Id, FarePolicy.Default);

        var record = await store.GetServiceRecordAsync(Clerk, "metro", "rider-1");
        Assert.Equal("pay metro fares by face", record.Person.Consent.Purpose);
        Assert.Equal("app", record.Person.Consent.Channel);
        Assert.Single(record.Templates);
        Assert.Equal(charge.Entry.Id, Assert.Single(record.Ledger).Id);

        var receipt = await store.EraseServicePersonAsync(Clerk, "metro", "rider-1");
        Assert.Equal(1, receipt.TemplatesRemoved);
        Assert.Equal(1, receipt.LedgerEntriesUnlinked);
        Assert.Equal(64, receipt.ReceiptSha256.Length);
        Assert.Equal("service.person_not_found", (await Assert.ThrowsAsync<ArgusException>(() => store.GetServiceRecordAsync(Clerk, "metro", "rider-1"))).Code);
        Assert.Empty(await store.ListServiceTemplatesAsync(Gate, gallery.Id, Time.GetUtcNow()));
        var ledger = Assert.Single(await store.ListLedgerAsync(Clerk, gallery.Id));
        Assert.Null(ledger.PersonId);
        Assert.Equal(FarePolicy.Default.FareCents, ledger.AmountCents);
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Expired_consent_drops_out_of_matching_and_bad_enrolments_are_refused()
    {
        await using var store = await OpenStoreAsync();
        var gallery = await store.CreateServiceGalleryAsync(Clerk, "bank", ServiceKind.Bank, TestData.Contract);
        await store.EnrolServicePeopleAsync(Clerk, gallery.Id, [Person("short", 1, days: 1), Person("long", 2)]);
        Assert.Equal(2, (await store.ListServiceTemplatesAsync(Gate, gallery.Id, Time.GetUtcNow())).Count);
        Time.Advance(TimeSpan.FromDays(2));
        Assert.Equal("long", Assert.Single(await store.ListServiceTemplatesAsync(Gate, gallery.Id, Time.GetUtcNow())).ExternalRef);
        var purged = Assert.Single(await store.PurgeExpiredServicePeopleAsync(Clerk, "bank"));
        Assert.Equal("short", purged.ExternalRef);
        Assert.Empty(await store.PurgeExpiredServicePeopleAsync(Clerk, "bank"));
        Assert.Equal("service.person_not_found", (await Assert.ThrowsAsync<ArgusException>(() => store.GetServiceRecordAsync(Clerk, "bank", "short"))).Code);
        Assert.Equal("long", (await store.GetServiceRecordAsync(Clerk, "bank", "long")).Person.ExternalRef);

        async Task<string> Code(NewServicePerson p) => (await Assert.ThrowsAsync<ArgusException>(() => store.EnrolServicePeopleAsync(Clerk, gallery.Id, [p]))).Code;
        Assert.Equal("service.person_exists", await Code(Person("long", 3)));
        Assert.Equal("consent.invalid", await Code(Person("x", 4) with { Consent = Consent() with { Purpose = " " } }));
        Assert.Equal("consent.invalid", await Code(Person("x", 4) with { ExpiresAt = Time.GetUtcNow() }));
        Assert.Equal("service.no_template", await Code(Person("x", 4) with { Templates = [] }));
        Assert.Equal("gallery.exists", (await Assert.ThrowsAsync<ArgusException>(() => store.CreateServiceGalleryAsync(Clerk, "bank", ServiceKind.Bank, TestData.Contract))).Code);
        Assert.Equal("gallery.not_found", (await Assert.ThrowsAsync<ArgusException>(() => store.GetServiceGalleryAsync(Clerk, "nope"))).Code);
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Concurrent_duplicate_charges_for_one_passage_charge_once()
    {
        await using var store = await OpenStoreAsync();
        var (gallery, person) = await MetroWithRiderAsync(store, this);
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ =>
            Task.Run(() => store.ChargeFareAsync(Gate, gallery.Id, "gate-7", "passage-42", person.Id, FarePolicy.Default))));
        Assert.Single(outcomes, o => !o.Duplicate);
        Assert.Single(outcomes.Select(o => o.Entry.Id).Distinct());

        // A lingering rider: new passage ids from the same gate within the window are the same passage.
        var lingering = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => store.ChargeFareAsync(Gate, gallery.Id, "gate-7", $"linger-{i}", person.Id, FarePolicy.Default))));
        Assert.All(lingering, o => Assert.True(o.Duplicate));
        Assert.Single(await store.ListLedgerAsync(Clerk, gallery.Id));
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Daily_cap_refunds_and_the_repeat_window()
    {
        await using var store = await OpenStoreAsync();
        var (gallery, person) = await MetroWithRiderAsync(store, this);
        var policy = new FarePolicy(250, 600, TimeSpan.FromMinutes(2));
        var amounts = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            var o = await store.ChargeFareAsync(Gate, gallery.Id, "g1", $"p{i}", person.Id, policy);
            Assert.False(o.Duplicate);
            amounts.Add(o.Entry.AmountCents);
            Time.Advance(TimeSpan.FromMinutes(3));
        }

        Assert.Equal([250L, 250, 100, 0], amounts);
        var first = (await store.ListLedgerAsync(Clerk, gallery.Id))[0];
        var refund = await store.RefundAsync(Clerk, first.Id, "gate fault");
        Assert.Equal(-250, refund.Entry.AmountCents);
        Assert.True((await store.RefundAsync(Clerk, first.Id, "again")).Duplicate);
        Assert.Equal(250, (await store.ChargeFareAsync(Gate, gallery.Id, "g1", "p-after-refund", person.Id, policy)).Entry.AmountCents);
        Assert.Equal("ledger.not_found", (await Assert.ThrowsAsync<ArgusException>(() => store.RefundAsync(Clerk, refund.Entry.Id, "refund of a refund"))).Code);
        Assert.Equal("gate.invalid_passage", (await Assert.ThrowsAsync<ArgusException>(() => store.ChargeFareAsync(Gate, gallery.Id, "", "p", person.Id, policy))).Code);

        Time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(250, (await store.ChargeFareAsync(Gate, gallery.Id, "g1", "next-day", person.Id, policy)).Entry.AmountCents);
        Assert.Equal("service.person_not_found", (await Assert.ThrowsAsync<ArgusException>(() => store.ChargeFareAsync(Gate, gallery.Id, "g1", "ghost", person.Id + 99, policy))).Code);
        Time.Advance(TimeSpan.FromDays(400));
        Assert.Equal("consent.expired", (await Assert.ThrowsAsync<ArgusException>(() => store.ChargeFareAsync(Gate, gallery.Id, "g1", "late", person.Id, policy))).Code);
    }
}

public sealed class SqliteServiceGalleryStoreTests : ServiceGalleryStoreTests
{
    private readonly TempDirectory _directory = TestPaths.TempDirectory();

    protected override Task<ArgusStore> OpenStoreAsync() =>
        ArgusStore.OpenAsync(StorageOptions.Sqlite(_directory.File("argus.db")) with { TimeProvider = Time });

    public override Task DisposeAsync()
    {
        _directory.Dispose();
        return Task.CompletedTask;
    }
}

public sealed class PostgresServiceGalleryStoreTests : ServiceGalleryStoreTests
{
    private readonly string _schema = "argus_svc_" + Guid.NewGuid().ToString("N")[..16];

    protected override Task<ArgusStore> OpenStoreAsync() =>
        ArgusStore.OpenAsync(StorageOptions.Postgres(PostgresStoreTests.RequireConnectionString(), _schema) with { TimeProvider = Time });

    public override Task DisposeAsync() => PostgresStoreTests.DropSchemaAsync(_schema);
}
