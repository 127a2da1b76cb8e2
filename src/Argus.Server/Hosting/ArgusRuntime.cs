using Argus.Application;
using Argus.Application.Alerts;
using Argus.Application.Auditing;
using Argus.Application.Hosting;
using Argus.Core;
using Argus.Core.Audit;
using Argus.Core.Configuration;
using Argus.Storage;
using Argus.Vision.Pipeline;

namespace Argus.Server.Hosting;

/// <summary>
/// The server's start-up over the registrations it shares with the CLI (<see cref="ArgusServiceCollectionExtensions.AddArgus"/>):
/// once the store is open and migrated (the hosted service registered before this one), it attaches the head
/// checkpoint, chains the audit groups a stopped process left open, loads the webhooks and creates the first
/// administrator; then it builds the face engine in the background, so the service is live at once and ready when the
/// models are loaded. Its members are the registered singletons, for the endpoints and tests that take them together.
/// </summary>
internal sealed class ArgusRuntime(
    IConfiguration configuration,
    ArgusHostSettings host,
    ArgusStore store,
    OperationContext operations,
    AlertFeed feed,
    AlertDesk desk,
    FaceEngineSource engine,
    TimeProvider time,
    ILogger<ArgusRuntime> logger) : IHostedService, IAsyncDisposable
{
    private readonly IConfiguration _configuration = configuration;
    private readonly ILogger<ArgusRuntime> _logger = logger;

    public ArgusPaths Paths => host.Paths;

    public ArgusStore Store => store;

    public OperationContext Operations => operations;

    /// <summary>The process's one alert feed: stores, audits and publishes camera alerts and review decisions (its stream feeds the SSE endpoint).</summary>
    public AlertFeed Feed => feed;

    /// <summary>The process's review desk: lists, shows and decides alerts; each decision is published through <see cref="Feed"/>.</summary>
    public AlertDesk Desk => desk;

    /// <summary>The head checkpoint outside the database, or null when <c>ARGUS_AUDIT_CHECKPOINT_FILE=off</c> (or before start).</summary>
    public AuditCheckpoint? Checkpoint { get; private set; }

    /// <summary>True once the face engine is built from verified models.</summary>
    public bool EngineReady => engine.IsBuilt;

    /// <summary>Why the engine could not be built (models missing or altered), or null.</summary>
    public string? EngineError => engine.Error;

    /// <summary>An ARGUS_* setting: configuration (appsettings, then environment variables, which win).</summary>
    public string? Setting(string name) => host.Setting(name);

    public FaceEngine Engine() => engine.Get();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.InitialiseAsync(cancellationToken);
        var chain = operations.AuditChain;
        Checkpoint = await AuditCheckpoint.AttachAsync(store, chain, time, Setting, problem => Log.AuditCheckpointProblem(_logger, problem), cancellationToken);

        // Groups left open by a process that stopped without closing them are chained once their window has passed.
        await store.CloseAuditGroupsAsync(chain, all: false, cancellationToken);
        Log.StoreOpened(_logger, store.Provider.ToString(), await store.GetSchemaVersionAsync(cancellationToken));
        await feed.LoadWebhooksAsync(cancellationToken);
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

    /// <summary>
    /// Stops the feed first (it stores the alerts still queued and flushes webhook dead letters, and the checkpoint
    /// counts those records), then detaches the checkpoint. The store and engine belong to the container, which
    /// disposes them after this, in the reverse order of their creation.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await feed.DisposeAsync();
        Checkpoint?.Dispose();
    }

    /// <summary>The chain used by this process (tests verify it).</summary>
    internal AuditChain AuditChain => operations.AuditChain;
}
