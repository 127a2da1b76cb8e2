using System.CommandLine;
using Argus.Application.Alerts;
using Argus.Application.Contracts;

namespace Argus.Cli.Commands;

/// <summary><c>argus webhook add|list|remove|dead-letters</c>: outgoing alert webhooks (administrators). Secrets stay in the environment.</summary>
internal static class WebhookCommands
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var webhook = new Command("webhook", "Outgoing webhooks: alerts signed with HMAC-SHA256, retried with backoff, dead-lettered when they keep failing.");

        var url = new Argument<string>("url") { Description = "http(s):// address of the receiver" };
        var secretEnv = new Option<string>("--secret-env") { Description = "Name of the environment variable holding the signing secret (never the secret)", Required = true };
        var events = new Option<string[]>("--event") { Description = "Event kind (repeatable): alert.raised, alert.updated (default: both)" };
        var sites = new Option<string[]>("--site") { Description = "Only alerts of this site (repeatable; default: all)" };
        var add = new Command("add", "Add a webhook.") { url, secretEnv, events, sites };
        add.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var added = await new WebhookService(store, host.AuditChain()).AddAsync(
                actor, parse.GetValue(url)!, parse.GetValue(secretEnv)!, parse.GetValue(events) ?? [], parse.GetValue(sites) ?? [], ct);
            host.Out.WriteLine($"added webhook {added.Id} to {added.Url} ({string.Join(", ", added.Events)}; sites {string.Join(", ", added.Sites)}; secret from ${added.SecretVariable})");
            if (CliEnvironment.Get(added.SecretVariable) is null)
            {
                host.Error.WriteLine($"argus: ${added.SecretVariable} is not set here: set it wherever cameras run, or nothing is delivered to this webhook");
            }

            return ArgusCli.Ok;
        }));

        var list = new Command("list", "List webhooks.") { ArgusCli.JsonOption };
        list.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var all = await new WebhookService(store, host.AuditChain()).ListAsync(actor, ct);
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(new WebhookListDto([.. all.Select(WebhookDto.From)]));
                return ArgusCli.Ok;
            }

            foreach (var w in all)
            {
                host.Out.WriteLine($"{w.Id,4} {w.Url}  events {string.Join(",", w.Events)}  sites {string.Join(",", w.Sites)}  secret ${w.SecretVariable}");
            }

            if (all.Count == 0)
            {
                host.Out.WriteLine("no webhooks");
            }

            return ArgusCli.Ok;
        }));

        var id = new Argument<long>("id") { Description = "Webhook id" };
        var remove = new Command("remove", "Remove a webhook.") { id };
        remove.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            await new WebhookService(store, host.AuditChain()).RemoveAsync(actor, parse.GetValue(id), ct);
            host.Out.WriteLine($"removed webhook {parse.GetValue(id)}");
            return ArgusCli.Ok;
        }));

        var of = new Option<long?>("--webhook") { Description = "Only this webhook's" };
        var dead = new Command("dead-letters", "Deliveries that kept failing (kept until alert retention deletes them).") { of, ArgusCli.JsonOption };
        dead.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var letters = await new WebhookService(store, host.AuditChain()).ListDeadLettersAsync(actor, parse.GetValue(of), ct);
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(new DeadLetterListDto([.. letters.Select(DeadLetterDto.From)]));
                return ArgusCli.Ok;
            }

            foreach (var l in letters)
            {
                host.Out.WriteLine($"{l.Id,4} webhook {l.WebhookId} delivery {l.DeliveryId} after {l.Attempts} attempt(s) at {l.At:yyyy-MM-dd HH:mm:ss}: {l.LastError}");
            }

            if (letters.Count == 0)
            {
                host.Out.WriteLine("no dead letters");
            }

            return ArgusCli.Ok;
        }));

        webhook.Subcommands.Add(add);
        webhook.Subcommands.Add(list);
        webhook.Subcommands.Add(remove);
        webhook.Subcommands.Add(dead);
        return webhook;
    }
}
