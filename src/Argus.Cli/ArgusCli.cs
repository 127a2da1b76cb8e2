using System.CommandLine;
using Argus.Cli.Commands;
using Argus.Core;
using Argus.Core.Configuration;

namespace Argus.Cli;

/// <summary>
/// The <c>argus</c> command line. Exit codes: 0 success, 1 usage error, 2 bad input or a refusal with a one-line
/// reason (never a stack trace), 70 an internal error, 130 cancelled.
/// </summary>
public static class ArgusCli
{
    public const int Ok = 0;
    public const int BadInput = 2;
    public const int InternalError = 70;
    public const int Cancelled = 130;

    internal static readonly Option<string?> DataOption = new("--data")
    {
        Description = "Data directory (default: $ARGUS_HOME, else $XDG_DATA_HOME/argus or ~/.local/share/argus)",
        Recursive = true,
    };

    internal static readonly Option<string?> ModelsOption = new("--models")
    {
        Description = "Models directory (default: $ARGUS_MODELS, else DATA/models)",
        Recursive = true,
    };

    internal static readonly Option<bool> JsonOption = new("--json") { Description = "Machine-readable JSON output" };

    /// <summary>
    /// Who acts: commands that need a person authenticate <c>--user NAME</c> with <c>ARGUS_PASSWORD</c>, or the API key
    /// in <c>ARGUS_API_KEY</c>. Never a password on the command line (it would end up in shell history and process lists).
    /// </summary>
    internal static readonly Option<string?> UserOption = new("--user")
    {
        Description = "Act as this user (password from $ARGUS_PASSWORD; or set $ARGUS_API_KEY instead)",
        Recursive = true,
    };

    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error) => RunAsync(args, output, error, null, null);

    /// <summary>Runs with <paramref name="environment"/> taking precedence over the process environment and <paramref name="input"/> as stdin.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, IReadOnlyDictionary<string, string?>? environment, TextReader? input) =>
        RunAsync(args, output, error, environment, input, null);

    /// <summary>As above, with <paramref name="time"/> as the clock of every rule (expiry, lockout, windows) and of the store.</summary>
    public static async Task<int> RunAsync(
        string[] args, TextWriter output, TextWriter error, IReadOnlyDictionary<string, string?>? environment, TextReader? input, TimeProvider? time)
    {
        CliEnvironment.Use(environment, input, time);
        var root = new RootCommand("Argus: accountable face recognition.");
        root.Options.Add(DataOption);
        root.Options.Add(ModelsOption);
        root.Options.Add(UserOption);
        root.Subcommands.Add(ModelsCommands.Create(output, error));
        root.Subcommands.Add(FaceCommands.Detect(output, error));
        root.Subcommands.Add(FaceCommands.Embed(output, error));
        root.Subcommands.Add(FaceCommands.Compare(output, error));
        root.Subcommands.Add(GalleryCommands.Gallery(output, error));
        root.Subcommands.Add(GalleryCommands.Enroll(output, error));
        root.Subcommands.Add(GalleryCommands.Identify(output, error));
        root.Subcommands.Add(GalleryCommands.Subject(output, error));
        root.Subcommands.Add(AuditCommands.Create(output, error));
        var eval = EvalCommands.Create(output, error);
        eval.Subcommands.Add(ServiceBenchCommands.EvalLiveness(output, error));
        root.Subcommands.Add(eval);
        root.Subcommands.Add(CalibrateCommand.Create(output, error));
        root.Subcommands.Add(WatchCommand.Create(output, error));
        root.Subcommands.Add(CameraCommands.Create(output, error));
        root.Subcommands.Add(CamerasRunCommand.Create(output, error));
        root.Subcommands.Add(DeploymentCommands.Create(output, error));
        root.Subcommands.Add(AuthorisationCommands.Create(output, error));
        root.Subcommands.Add(AlertCommands.Create(output, error));
        root.Subcommands.Add(WebhookCommands.Create(output, error));
        var bench = BenchCommands.Create(output, error);
        bench.Subcommands.Add(ServiceBenchCommands.BenchVerify(output, error));
        bench.Subcommands.Add(ServiceBenchCommands.BenchGate(output, error));
        root.Subcommands.Add(bench);
        root.Subcommands.Add(DemoCommand.Create(output, error));
        root.Subcommands.Add(DbCommands.Create(output, error));
        root.Subcommands.Add(UserCommands.Create(output, error));
        root.Subcommands.Add(WatchlistCommands.Watchlist(output, error));
        root.Subcommands.Add(WatchlistCommands.Entry(output, error));
        root.Subcommands.Add(SearchCommands.Create(output, error));
        root.Subcommands.Add(RetentionCommands.Create(output, error));
        root.Subcommands.Add(ReportCommands.Create(output, error));
        root.Subcommands.Add(ServiceCommands.Service(output, error));
        root.Subcommands.Add(ServiceCommands.Verify(output, error));
        root.Subcommands.Add(ServiceCommands.Gate(output, error));

        var parse = root.Parse(args);
        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
    }

    /// <summary>Runs a command body with the shared host, turning expected failures into one-line errors.</summary>
    internal static async Task<int> Guard(ParseResult parse, TextWriter output, TextWriter error, Func<CliHost, Task<int>> body)
    {
        try
        {
            await using var host = new CliHost(ArgusPaths.Resolve(parse.GetValue(DataOption), modelsOption: parse.GetValue(ModelsOption)), output, error);
            return await body(host);
        }
        catch (ArgusException e)
        {
            error.WriteLine($"argus: {e.Message}");
            return BadInput;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("argus: cancelled");
            return Cancelled;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            error.WriteLine($"argus: internal error ({e.GetType().Name}): {e.Message}");
            if (CliEnvironment.Get("ARGUS_DEBUG") == "1")
            {
                error.WriteLine(e);
            }

            return InternalError;
        }
    }

    internal static Task<int> Guard(ParseResult parse, TextWriter output, TextWriter error, Func<CliHost, int> body) =>
        Guard(parse, output, error, host => Task.FromResult(body(host)));
}
