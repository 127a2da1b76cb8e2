using Argus.Application.Accounts;
using Argus.Application.Alerts;
using Argus.Application.Deployments;
using Argus.Application.Hosting;
using Argus.Application.Watchlists;
using Argus.Core;
using Argus.Core.Audit;
using Argus.Core.Configuration;
using Argus.Storage;
using Argus.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Argus.Application.Tests;

/// <summary>The registrations the server and the CLI share: one of each service, and the store opened by the start-up service.</summary>
public sealed class CompositionTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task AddArgus_registers_one_instance_of_each_service_over_one_store_that_opens_and_migrates_at_start()
    {
        using var directory = TestPaths.TempDirectory();
        await using var provider = Compose(directory, new string('b', 64));
        foreach (var hosted in provider.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        var store = provider.GetRequiredService<ArgusStore>();
        Assert.Equal(ArgusStore.LatestSchemaVersion, await store.GetSchemaVersionAsync());
        Assert.True(File.Exists(Path.Combine(directory.Path, "argus.db")), "the store should be the SQLite file in the data directory");

        var operations = provider.GetRequiredService<OperationContext>();
        Assert.Same(operations, provider.GetRequiredService<OperationContext>());
        Assert.Same(store, operations.Store);
        Assert.Same(provider.GetRequiredService<AuditChain>(), operations.AuditChain);
        Assert.Same(_time, operations.Time);
        Assert.Same(provider.GetRequiredService<WatchlistService>(), provider.GetRequiredService<WatchlistService>());
        Assert.Same(provider.GetRequiredService<AlertDesk>(), provider.GetRequiredService<AlertDesk>());
        Assert.NotNull(provider.GetRequiredService<DeploymentService>());
        Assert.NotNull(provider.GetRequiredService<LiveRunService>());

        Assert.NotNull(provider.GetRequiredService<AuthenticationService>());

        // What the context records lands on the registered store's chain, and verifies with the registered key.
        await operations.AuditAsync(AuditEvent.Ok("admin", "test.recorded", "test"), CancellationToken.None);
        var head = await store.GetAuditHeadAsync();
        Assert.Equal("test.recorded", head!.Action);
    }

    [Fact]
    public async Task A_missing_audit_key_is_refused_when_the_log_already_has_records_even_before_start_up()
    {
        using var directory = TestPaths.TempDirectory();
        await using (var first = Compose(directory, key: null))
        {
            var operations = first.GetRequiredService<OperationContext>();
            await operations.AuditAsync(AuditEvent.Ok("admin", "test.recorded", "test"), CancellationToken.None);
        }

        File.Delete(Path.Combine(directory.Path, "secrets", "audit.key"));
        await using var second = Compose(directory, key: null);
        var e = Assert.Throws<ArgusException>(() => second.GetRequiredService<AuditChain>());
        Assert.Equal("audit.key_missing", e.Code);
    }

    private ServiceProvider Compose(TempDirectory directory, string? key)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddArgus(new ArgusPaths(directory.Path, Path.Combine(directory.Path, "models")), name => name == "ARGUS_AUDIT_KEY" ? key : null);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }
}
