using System.CommandLine;
using System.Globalization;
using Argus.Application.Contracts;
using Argus.Application.Deployments;
using Argus.Core;
using Argus.Storage;

namespace Argus.Cli.Commands;

/// <summary><c>argus deployment add|list|end</c>: the authorised windows in which cameras compare faces (administrators and approvers).</summary>
internal static class DeploymentCommands
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var deployment = new Command("deployment", "Deployments: which cameras or site may compare faces against which watchlists, under which authorisation, from when to when.");

        var name = new Argument<string>("name") { Description = "A name for the deployment (event, operation)" };
        var cameras = new Option<string[]>("--camera") { Description = "Camera id (repeatable)" };
        var site = new Option<string?>("--site") { Description = "Every camera of this site" };
        var watchlists = new Option<string[]>("--watchlist") { Description = "Watchlist it may use (repeatable)", Required = true };
        var authorisation = new Option<string>("--authorisation") { Description = "Number of the authorisation recorded by an authorising official (argus authorisation list)", Required = true };
        var start = new Option<string?>("--start") { Description = "Start, ISO 8601 UTC (default: now)" };
        var end = new Option<string?>("--end") { Description = "End, ISO 8601 UTC" };
        var hours = new Option<double?>("--hours") { Description = "Length in hours (instead of --end)" };
        var add = new Command("add", "Create a deployment (at most 31 days).") { name, cameras, site, watchlists, authorisation, start, end, hours, ArgusCli.JsonOption };
        add.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var now = CliEnvironment.Time.GetUtcNow();
            var from = parse.GetValue(start) is { } s ? ParseTime(s, "--start") : now;
            var to = parse.GetValue(end) is { } e
                ? ParseTime(e, "--end")
                : parse.GetValue(hours) is { } h ? from.AddHours(h) : throw new ArgusException("deployment.invalid", "Give the deployment's end: --end TIME or --hours N.");
            var service = new DeploymentService(store, host.AuditChain(), CliEnvironment.Time);
            var stored = await service.CreateAsync(
                actor, new DeploymentRequest(parse.GetValue(name)!, parse.GetValue(cameras) ?? [], parse.GetValue(site), parse.GetValue(watchlists) ?? [], parse.GetValue(authorisation)!, from, to), ct);
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(DeploymentDto.From(stored, now));
            }
            else
            {
                host.Out.WriteLine($"deployment {stored.Id} '{stored.Deployment.Name}': {Covers(stored)} against {string.Join(", ", stored.Deployment.Watchlists)} from {stored.Deployment.Start:yyyy-MM-dd HH:mm} to {stored.Deployment.End:yyyy-MM-dd HH:mm} UTC");
            }

            return ArgusCli.Ok;
        }));

        var active = new Option<bool>("--active") { Description = "Only deployments active now" };
        var list = new Command("list", "List deployments.") { active, ArgusCli.JsonOption };
        list.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var now = CliEnvironment.Time.GetUtcNow();
            var all = await new DeploymentService(store, host.AuditChain(), CliEnvironment.Time).ListAsync(actor, parse.GetValue(active), ct);
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(new DeploymentListDto([.. all.Select(d => DeploymentDto.From(d, now))]));
                return ArgusCli.Ok;
            }

            foreach (var d in all)
            {
                host.Out.WriteLine($"{d.Id,4} {State(d, now),-8} {d.Deployment.Name,-20} {Covers(d),-24} {string.Join(",", d.Deployment.Watchlists),-16} {d.Deployment.Start:yyyy-MM-dd HH:mm} .. {d.EndedAt ?? d.Deployment.End:yyyy-MM-dd HH:mm}  auth {d.Deployment.AuthorisationReference}");
            }

            if (all.Count == 0)
            {
                host.Out.WriteLine("no deployments");
            }

            return ArgusCli.Ok;
        }));

        var id = new Argument<long>("id") { Description = "Deployment id" };
        var reason = new Option<string>("--reason") { Description = "Why it ends now", Required = true };
        var endCommand = new Command("end", "End a deployment now: its cameras stop comparing faces and its working copy of the watchlists is discarded.") { id, reason };
        endCommand.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var ended = await new DeploymentService(store, host.AuditChain(), CliEnvironment.Time).EndAsync(actor, parse.GetValue(id), parse.GetValue(reason)!, ct);
            host.Out.WriteLine($"ended deployment {ended.Id} '{ended.Deployment.Name}' at {ended.EndedAt:yyyy-MM-dd HH:mm} UTC");
            return ArgusCli.Ok;
        }));

        deployment.Subcommands.Add(add);
        deployment.Subcommands.Add(list);
        deployment.Subcommands.Add(endCommand);
        return deployment;
    }

    internal static DateTimeOffset ParseTime(string text, string option) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t
            : throw new ArgusException("deployment.invalid_time", $"{option} '{text}' is not a time: use ISO 8601, such as 2026-12-01T18:00Z.");

    private static string Covers(StoredDeployment d) =>
        string.Join(" + ", new[] { d.Deployment.Cameras.Count > 0 ? "cameras " + string.Join(",", d.Deployment.Cameras) : null, d.Deployment.Site is { } s ? "site " + s : null }.OfType<string>());

    private static string State(StoredDeployment d, DateTimeOffset now) =>
        d.EndedAt is not null ? "ended" : d.IsActiveAt(now) ? "active" : d.Deployment.Start > now ? "planned" : "over";
}
