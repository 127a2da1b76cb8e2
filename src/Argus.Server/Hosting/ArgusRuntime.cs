using Argus.Application;
using Argus.Application.Alerts;
using Argus.Application.Auditing;
using Argus.Core;
using Argus.Core.Audit;
using Argus.Core.Configuration;
using Argus.Storage;
using Argus.Vision.Pipeline;

namespace Argus.Server.Hosting;

/// <summary>
/// The process's one store, audit chain and face engine, and the <see cref="OperationContext"/> over them. The store
/// opens (and migrates) when the host starts and closes after the last request; the engine is built in the background
/// at start, so the service is live at once and ready when the models are loaded.
/// </summary>
internal sealed class ArgusRuntime : IHostedService, IAsyncDisposable
{
    private readonly IConfiguration _configuration;
    private readonly TimeProvider _time;
    private readonly ILogger<ArgusRuntime> _logger;
    private readonly Lazy<FaceEngine> _engine;
    private ArgusStore? _store;
    private OperationContext? _context;
    private AlertFeed? _feed;
    private AlertDesk? _desk;
    private int _disposed;

    public ArgusRuntime(IConfiguration configuration, TimeProvider time, ILogger<ArgusRuntime> logger)
    {
        _configuration = configuration;
        _time = time;
        _logger = logger;
        Paths = ArgusPaths.Resolve(null, Setting);
        _engine = new Lazy<FaceEngine>(() => new FaceEngineBuilder().UseModelDirectory(Paths.ModelsDirectory).Build(), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public ArgusPaths Paths { get; }

    public ArgusStore Store => _store ?? throw new InvalidOperationException("The store is not open yet.");

    public OperationContext Operations => _context ?? throw new InvalidOperationException("The store is not open yet.");

    /// <summary>The process's one alert feed: stores, audits and publishes camera alerts and review decisions (its stream feeds the SSE endpoint).</summary>
    public AlertFeed Feed => _feed ?? throw new InvalidOperationException("The store is not open yet.");

    /// <summary>The process's review desk: lists, shows and decides alerts; each decision is published through <see cref="Feed"/>.</summary>
    public AlertDesk Desk => _desk ?? throw new InvalidOperationException("The store is not open yet.");

    /// <summary>The head checkpoint outside the database, or null when <c>ARGUS_AUDIT_CHECKPOINT_FILE=off</c>.</summary>
    public AuditCheckpoint? Checkpoint { get; private set; }

    /// <summary>True once the face engine is built from verified models.</summary>
    public bool EngineReady => _engine.IsValueCreated;

    /// <summary>Why the engine could not be built (models missing or altered), or null.</summary>
    public string? EngineError { get; private set; }

    /// <summary>An ARGUS_* setting: configuration (appsettings, then environment variables, which win).</summary>
    public string? Setting(string name) => _configuration[name] is { Length: > 0 } v ? v : null;

    public FaceEngine Engine()
    {
        try
        {
            return _engine.Value;
        }
        catch (ArgusException e)
        {
            EngineError = e.Message;
            throw;
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = StorageOptions.FromEnvironment(Paths, Setting) with { TimeProvider = _time, Logger = _logger };
        _store = await ArgusStore.OpenAsync(options, cancellationToken);
        var hasRecords = await _store.GetAuditHeadAsync(cancellationToken) is not null;
        var chain = AuditKey.LoadChain(Paths.DataDirectory, Setting, path => Log.AuditKeyGenerated(_logger, path), () => hasRecords);
        _context = new OperationContext(_store, chain, Engine, Paths.DataDirectory, _time, Setting, new Application.Galleries.GalleryIndexCache());
        Checkpoint = await AuditCheckpoint.AttachAsync(_store, chain, _time, Setting, problem => Log.AuditCheckpointProblem(_logger, problem), cancellationToken);

        // Groups left open by a process that stopped without closing them are chained once their window has passed.
        await _store.CloseAuditGroupsAsync(chain, all: false, cancellationToken);
        Log.StoreOpened(_logger, options.Provider.ToString(), await _store.GetSchemaVersionAsync(cancellationToken));
        var alertOptions = new AlertDeskOptions { Environment = Setting };
        _feed = new AlertFeed(_store, chain, alertOptions, _time);
        _desk = new AlertDesk(_store, chain, _feed, alertOptions, _time);
        await _feed.LoadWebhooksAsync(cancellationToken);
        await BootstrapAsync(cancellationToken);

        // Load the models off the start-up path; /ready reports them once they are in.
        if (!_configuration.GetValue("Argus:WarmUpModels", true))
        {
            return;
        }

        _ = Task.Run(
            () =>
            {
                try
                {
                    Engine();
                    Log.EngineReady(_logger);
                }
                catch (ArgusException e)
                {
                    Log.EngineFailed(_logger, e.Code);
                }
            },
            CancellationToken.None);
    }

    /// <summary>Where the first administrator's credentials are printed when a person is watching (a terminal), never the log.</summary>
    public TextWriter BootstrapOutput { get; set; } = Console.Out;

    /// <summary>
    /// Whether <see cref="BootstrapOutput"/> is a person's terminal. When standard output is redirected it is usually
    /// the log stream (systemd, a container runtime, a file), so the password goes to a 0600 file instead.
    /// </summary>
    public bool BootstrapToTerminal { get; set; } = !Console.IsOutputRedirected;

    /// <summary><c>Argus:BootstrapPasswordTo</c>: <c>console</c>, <c>file</c>, or <c>auto</c> (default: the console when it is a terminal, else the file).</summary>
    private bool PasswordToTerminal() => _configuration["Argus:BootstrapPasswordTo"] switch
    {
        "console" => true,
        "file" => false,
        _ => BootstrapToTerminal,
    };

    /// <summary>The file that holds the first administrator's password when nobody watches the console: readable by the server's user only.</summary>
    public string BootstrapPasswordFile => Path.Combine(Paths.DataDirectory, "initial-admin-password");

    /// <summary>
    /// First run (no users at all, and <c>Argus:Bootstrap</c> not false): creates administrator <c>admin</c> and shows
    /// its generated password once: on the terminal when there is one (./run.sh), else in
    /// <see cref="BootstrapPasswordFile"/> (mode 0600), whose path alone is logged. Later runs find users and do nothing.
    /// </summary>
    private async Task BootstrapAsync(CancellationToken ct)
    {
        if (!_configuration.GetValue("Argus:Bootstrap", true) || (await Store.ListUsersAsync(ct)).Count > 0)
        {
            return;
        }

        var name = _configuration["Argus:BootstrapUsername"] is { Length: > 0 } n ? n : "admin";
        try
        {
            var password = await new Application.Accounts.AuthenticationService(Operations).BootstrapAsync("argus-server", name, ct);
            if (PasswordToTerminal())
            {
                await BootstrapOutput.WriteLineAsync($"""

                    argus: first run: created administrator '{name}'
                    argus: password: {password}
                    argus: this password is shown once: store it in your secrets manager now

                    """);
                await BootstrapOutput.FlushAsync(ct);
                Log.Bootstrapped(_logger);
            }
            else
            {
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                await using (var file = new StreamWriter(BootstrapPasswordFile, options))
                {
                    await file.WriteLineAsync($"administrator: {name}");
                    await file.WriteLineAsync($"password: {password}");
                    await file.WriteLineAsync("read it, store it in your secrets manager, then delete this file");
                }

                Log.BootstrappedToFile(_logger, BootstrapPasswordFile);
            }
        }
        catch (ArgusException e) when (e.Code == "user.bootstrap_done")
        {
            // Another process bootstrapped between the check and the insert.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        // The container disposes this twice (as itself and as the hosted service it also is).
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        // The desk first: it stores the alerts still queued and flushes webhook dead letters into the store.
        if (_feed is not null)
        {
            await _feed.DisposeAsync();
        }

        Checkpoint?.Dispose();
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        if (_engine.IsValueCreated)
        {
            _engine.Value.Dispose();
        }
    }

    /// <summary>The chain used by this process (tests verify it).</summary>
    internal AuditChain AuditChain => Operations.AuditChain;
}
