using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Argus.Application;
using Argus.Application.Auditing;
using Argus.Application.Contracts;
using Argus.Application.Hosting;
using Argus.Core.Audit;
using Argus.Core.Configuration;
using Argus.Storage;
using Argus.Vision.Pipeline;
using Microsoft.Extensions.DependencyInjection;

namespace Argus.Cli;

/// <summary>
/// What every command shares: resolved paths, the output writers, a lazily built face engine, and the services the
/// server registers too (<see cref="ArgusServiceCollectionExtensions.AddArgus"/>), composed for this invocation with
/// the CLI's clock, engine, audit key and notices.
/// </summary>
internal sealed class CliHost : IAsyncDisposable
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };
    private readonly Lazy<ServiceProvider> _services;
    private FaceEngine? _engine;
    private AuditChain? _auditChain;

    public CliHost(ArgusPaths paths, TextWriter output, TextWriter error)
    {
        Paths = paths;
        Out = output;
        Error = error;
        _services = new Lazy<ServiceProvider>(Compose);
    }

    /// <summary>The invocation's services: the same registrations as the server's, built on first use.</summary>
    public IServiceProvider Services => _services.Value;

    public ArgusPaths Paths { get; }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    /// <summary>True when stderr is a terminal: only then are progress bars drawn.</summary>
    public bool Interactive => ReferenceEquals(Error, Console.Error) && !Console.IsErrorRedirected;

    /// <summary>Who is acting, as recorded in the audit log: <c>ARGUS_ACTOR</c>, else the operating-system user.</summary>
    public static string Actor => CliEnvironment.Get("ARGUS_ACTOR") is { Length: > 0 } a ? a : Environment.UserName;

    /// <summary>
    /// The audit chain's key: <c>ARGUS_AUDIT_KEY</c> (hex or base64, 256 bits or more) from the environment, as
    /// production must provide it from its secrets store. Without it, an embedded single-machine installation gets a
    /// key generated once into <c>DATA/secrets/audit.key</c> (mode 600), which still stops anyone who can change only
    /// the database from rewriting the log.
    /// </summary>
    public AuditChain AuditChain() => _auditChain ??= LoadAuditChain();

    private AuditChain LoadAuditChain(Func<bool>? logHasRecords = null) => AuditKey.LoadChain(
        Paths.DataDirectory,
        CliEnvironment.Get,
        path => Error.WriteLine($"argus: generated an audit key in {path}; in production set ARGUS_AUDIT_KEY from your secrets store instead"),
        logHasRecords);

    /// <summary>
    /// Once the store is open: loads the audit key knowing whether the log has records (a missing key file is then
    /// <c>audit.key_missing</c>, never a new key) and attaches the head checkpoint to the store.
    /// </summary>
    public async Task AttachAuditAsync(ArgusStore store, CancellationToken ct)
    {
        var hasRecords = await store.GetAuditHeadAsync(ct) is not null;
        _auditChain ??= LoadAuditChain(() => hasRecords);
        _checkpoint?.Dispose();
        _checkpoint = await AuditCheckpoint.AttachAsync(store, _auditChain, CliEnvironment.Time, CliEnvironment.Get, problem => Error.WriteLine($"argus: audit checkpoint: {problem}"), ct);
    }

    private AuditCheckpoint? _checkpoint;

    /// <summary>
    /// The shared operations over <paramref name="store"/>, with this invocation's clock and settings: the registered
    /// context for the invocation's store (<see cref="OpenStoreAsync"/>), a context of its own for another store.
    /// </summary>
    public OperationContext Operations(ArgusStore store) =>
        _services.IsValueCreated && ReferenceEquals(store, Services.GetRequiredService<ArgusStore>())
            ? Services.GetRequiredService<OperationContext>()
            : new(store, AuditChain(), () => Engine(), Paths.DataDirectory, CliEnvironment.Time, CliEnvironment.Get);

    /// <summary>
    /// The invocation's store (the registered one), opened and migrated, with the audit key loaded and the head
    /// checkpoint attached. Disposing it is allowed (commands do, when they are done with it); the container does too.
    /// </summary>
    public async Task<ArgusStore> OpenStoreAsync(CancellationToken ct)
    {
        var store = Services.GetRequiredService<ArgusStore>();
        await store.InitialiseAsync(ct);
        await AttachAuditAsync(store, ct);
        return store;
    }

    /// <summary>
    /// The server's registrations with the CLI's own clock (<c>ARGUS_NOW</c> in tests), face engine (this host's, which
    /// commands rebuild with liveness or pose), audit chain (loaded as <see cref="AuditChain()"/> says) and notices on stderr.
    /// </summary>
    private ServiceProvider Compose()
    {
        var services = new ServiceCollection();
        services.AddSingleton(CliEnvironment.Time);
        services.AddSingleton(_ => new FaceEngineSource(() => Engine(), owned: false));
        services.AddSingleton(_ => AuditChain());
        services.AddArgus(Paths, CliEnvironment.Get);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public FaceEngine Engine(bool liveness = false, bool pose = false)
    {
        if (_engine is not null && (!liveness || _engine.HasLiveness) && (!pose || _engine.HasPose))
        {
            return _engine;
        }

        _engine?.Dispose();
        _engine = new FaceEngineBuilder()
            .UseModelDirectory(Paths.ModelsDirectory)
            .WithOptions(Application.Hosting.FaceEngineSettings.Options(CliEnvironment.Get))
            .EnableLiveness(liveness)
            .EnablePose(pose)
            .Build();
        return _engine;
    }

    /// <summary>Writes free-form output (evaluation and benchmark figures, live run events) that has no record in the contract.</summary>
    public void WriteJson(JsonNode node) => Out.WriteLine(node.ToJsonString(JsonOptions));

    /// <summary>Writes <paramref name="value"/> as the server answers it: a record of the one JSON contract (<see cref="ArgusJson"/>), indented.</summary>
    public void WriteContract<T>(T value) => Out.WriteLine(JsonSerializer.Serialize(value, (JsonTypeInfo<T>)ArgusJson.Indented.GetTypeInfo(typeof(T))));

    public ProgressBar Progress(string label, int total) => new(this, label, total);

    public async ValueTask DisposeAsync()
    {
        _checkpoint?.Dispose();
        if (_services.IsValueCreated)
        {
            await _services.Value.DisposeAsync();
        }

        _engine?.Dispose();
    }

    /// <summary>A one-line progress bar on stderr, drawn only on a terminal and at most every 100 ms.</summary>
    internal sealed class ProgressBar : IProgress<(int Done, int Total)>, IDisposable
    {
        private readonly CliHost _host;
        private readonly string _label;
        private readonly object _gate = new();
        private long _lastDraw;
        private bool _drawn;

        public ProgressBar(CliHost host, string label, int total)
        {
            _host = host;
            _label = label;
            Total = total;
        }

        public int Total { get; }

        public void Report((int Done, int Total) value)
        {
            if (!_host.Interactive)
            {
                return;
            }

            lock (_gate)
            {
                var now = Environment.TickCount64;
                if (now - _lastDraw < 100 && value.Done < value.Total)
                {
                    return;
                }

                _lastDraw = now;
                _drawn = true;
                const int width = 30;
                var filled = value.Total == 0 ? width : value.Done * width / value.Total;
                _host.Error.Write($"\r{_label} [{new string('#', filled)}{new string('.', width - filled)}] {value.Done}/{value.Total}");
            }
        }

        public void Dispose()
        {
            if (_drawn)
            {
                _host.Error.Write("\r" + new string(' ', _label.Length + 50) + "\r");
            }
        }
    }
}
