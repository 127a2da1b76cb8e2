using Argus.Application.Accounts;
using Argus.Application.Alerts;
using Argus.Application.Auditing;
using Argus.Application.Authorisations;
using Argus.Application.Cameras;
using Argus.Application.Deployments;
using Argus.Application.Galleries;
using Argus.Application.Reports;
using Argus.Application.Retention;
using Argus.Application.Searches;
using Argus.Application.Watchlists;
using Argus.Core.Audit;
using Argus.Core.Configuration;
using Argus.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Argus.Application.Hosting;

/// <summary>Where a process keeps its data and models, and its <c>ARGUS_*</c> settings (environment for the CLI; configuration plus environment for the server).</summary>
public sealed class ArgusHostSettings(ArgusPaths paths, Func<string, string?> settings)
{
    /// <summary>The data and models directories.</summary>
    public ArgusPaths Paths { get; } = paths;

    /// <summary>The raw settings, as <see cref="OperationContext"/> reads them.</summary>
    public Func<string, string?> Settings { get; } = settings;

    /// <summary>A setting, null when unset or empty.</summary>
    public string? Setting(string name) => Settings(name) is { Length: > 0 } v ? v : null;
}

/// <summary>Told the path of an audit key generated on first use (the server logs it; the CLI prints it), so that production sets ARGUS_AUDIT_KEY instead.</summary>
public sealed class AuditKeyNotice(Action<string> generated)
{
    /// <summary>Reports a generated key file.</summary>
    public void Generated(string path) => generated(path);
}

/// <summary>
/// The registrations the server and the CLI share: the store's options (from <c>ARGUS_DB</c>...) and one store, audit chain, face engine, operation context, alert
/// feed and desk, and one instance of each application service, all thread-safe singletons; and a hosted service
/// that opens and migrates the store when the host starts. A host may register its own <see cref="TimeProvider"/>,
/// <see cref="FaceEngineSource"/>, <see cref="AuditChain"/> or <see cref="AuditKeyNotice"/> first; these are only
/// added when missing.
/// </summary>
public static class ArgusServiceCollectionExtensions
{
    /// <summary>Registers Argus over <paramref name="paths"/> and <paramref name="settings"/>.</summary>
    public static IServiceCollection AddArgus(this IServiceCollection services, ArgusPaths paths, Func<string, string?> settings)
    {
        var host = new ArgusHostSettings(paths, settings);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(host);
        services.TryAddSingleton(sp => new FaceEngineSource(sp.GetRequiredService<ArgusHostSettings>().Paths.ModelsDirectory, FaceEngineSettings.Options(settings)));
        services.AddSingleton(sp => StorageOptions.FromEnvironment(paths, settings) with
        {
            TimeProvider = sp.GetRequiredService<TimeProvider>(),
            Logger = sp.GetService<ILoggerFactory>()?.CreateLogger("Argus.Storage") ?? NullLogger.Instance,
        });
        services.AddSingleton(sp => ArgusStore.Create(sp.GetRequiredService<StorageOptions>()));
        services.TryAddSingleton(sp =>
        {
            var store = sp.GetRequiredService<ArgusStore>();
            var notice = sp.GetService<AuditKeyNotice>();

            // Only asked when the key file is missing (first run, or a lost key): whether the log already has records,
            // in which case no new key is made. The store is opened for it if start-up has not opened it yet.
            return AuditKey.LoadChain(paths.DataDirectory, settings, notice is null ? null : notice.Generated, () => HasAuditRecordsAsync(store).GetAwaiter().GetResult());
        });
        services.AddSingleton<GalleryIndexCache>();
        services.AddSingleton(sp => new OperationContext(
            sp.GetRequiredService<ArgusStore>(), sp.GetRequiredService<AuditChain>(), sp.GetRequiredService<FaceEngineSource>().Get, paths.DataDirectory,
            sp.GetRequiredService<TimeProvider>(), settings, sp.GetRequiredService<GalleryIndexCache>()));
        services.AddSingleton(_ => new AlertDeskOptions { Environment = settings });
        services.AddSingleton(sp => new AlertFeed(
            sp.GetRequiredService<ArgusStore>(), sp.GetRequiredService<AuditChain>(), sp.GetRequiredService<AlertDeskOptions>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new AlertDesk(
            sp.GetRequiredService<ArgusStore>(), sp.GetRequiredService<AuditChain>(), sp.GetRequiredService<AlertFeed>(), sp.GetRequiredService<AlertDeskOptions>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new DeploymentService(sp.GetRequiredService<ArgusStore>(), sp.GetRequiredService<AuditChain>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new LiveRunService(sp.GetRequiredService<ArgusStore>(), sp.GetRequiredService<AuditChain>(), paths.DataDirectory, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new WebhookService(sp.GetRequiredService<ArgusStore>(), sp.GetRequiredService<AuditChain>()));

        // The services over the operation context hold no state of their own.
        services.AddSingleton<AuthenticationService>();
        services.AddSingleton<UserService>();
        services.AddSingleton<GalleryService>();
        services.AddSingleton<WatchlistService>();
        services.AddSingleton<SearchService>();
        services.AddSingleton<CameraService>();
        services.AddSingleton<AuthorisationService>();
        services.AddSingleton<AuditService>();
        services.AddSingleton<TransparencyReportService>();
        services.AddSingleton<RetentionService>();

        services.AddHostedService<StoreStartup>();
        return services;
    }

    private static async Task<bool> HasAuditRecordsAsync(ArgusStore store)
    {
        await store.InitialiseAsync();
        return await store.GetAuditHeadAsync() is not null;
    }

    /// <summary>Opens and migrates the store when the host starts, before anything else uses it (registered first).</summary>
    private sealed class StoreStartup(ArgusStore store) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => store.InitialiseAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
