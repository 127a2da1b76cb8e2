using Argus.Application.Auditing;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Storage;

namespace Argus.Application.Alerts;

/// <summary>
/// Outgoing webhook subscriptions (administrators, who configure integrations). A subscription stores the name of the
/// environment variable that holds its signing secret, never the secret. Every change and refusal is audited.
/// </summary>
public sealed class WebhookService(ArgusStore store, AuditChain chain)
{
    /// <summary>The event kinds a webhook can receive.</summary>
    public static readonly IReadOnlyList<string> EventKinds = ["alert.raised", "alert.updated"];

    private readonly AuditTrail _audit = new(store, chain);

    /// <summary>
    /// Adds a subscription. Refusals: <c>access.denied</c>, <c>webhook.invalid_url</c> (absolute http or https only),
    /// <c>webhook.invalid_secret_variable</c> (an environment variable name, not a secret), <c>webhook.invalid_event</c>.
    /// </summary>
    public Task<WebhookSubscription> AddAsync(Principal actor, string url, string secretVariable, IReadOnlyList<string> events, IReadOnlyList<string> sites, CancellationToken ct = default) =>
        _audit.GuardAsync(actor.Id, "webhook.add", "webhooks", async () =>
        {
            AccessPolicy.Demand(actor, Capability.Configure);
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(uri.UserInfo))
            {
                throw new ArgusException("webhook.invalid_url", "A webhook URL must be an absolute http:// or https:// address without credentials.");
            }

            if (string.IsNullOrEmpty(secretVariable) || secretVariable.Length > 100 || !(char.IsAsciiLetterUpper(secretVariable[0]) || secretVariable[0] == '_')
                || !secretVariable.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c == '_'))
            {
                throw new ArgusException(
                    "webhook.invalid_secret_variable",
                    "--secret-env names the environment variable that holds the signing secret (such as ARGUS_WEBHOOK_SECRET), never the secret itself.");
            }

            var kinds = events.Count == 0 ? [.. EventKinds] : events.Distinct(StringComparer.Ordinal).ToList();
            foreach (var kind in kinds.Where(k => k != Scope.All && !EventKinds.Contains(k)))
            {
                throw new ArgusException("webhook.invalid_event", $"Unknown event kind '{kind}': use {string.Join(", ", EventKinds)} or *.");
            }

            var scope = sites.Count == 0 ? [Scope.All] : sites.Distinct(StringComparer.Ordinal).ToList();
            return await _audit.Store<WebhookSubscription>(added => AuditEvent.Ok(actor.Id, "webhook.added", $"webhook:{added.Id}", AuditDetails.Of(
                    ("url", added.Url), ("secret_variable", secretVariable), ("events", kinds), ("sites", scope))))
                .AddWebhookAsync(uri.ToString(), secretVariable, kinds, scope, actor.Id, ct);
        }, ct);

    public Task<IReadOnlyList<WebhookSubscription>> ListAsync(Principal actor, CancellationToken ct = default) =>
        _audit.GuardAsync(actor.Id, "webhook.list", "webhooks", async () =>
        {
            AccessPolicy.Demand(actor, Capability.Configure);
            return await store.ListWebhooksAsync(ct);
        }, ct);

    /// <summary>Removes a subscription (<c>webhook.not_found</c>).</summary>
    public Task RemoveAsync(Principal actor, long id, CancellationToken ct = default) =>
        _audit.GuardAsync(actor.Id, "webhook.remove", $"webhook:{id}", async () =>
        {
            AccessPolicy.Demand(actor, Capability.Configure);
            await _audit.Store(AuditEvent.Ok(actor.Id, "webhook.removed", $"webhook:{id}")).RemoveWebhookAsync(id, ct);
            return 0;
        }, ct);

    /// <summary>Deliveries that kept failing (bodies carry the alert: administrators only, audited).</summary>
    public Task<IReadOnlyList<StoredDeadLetter>> ListDeadLettersAsync(Principal actor, long? webhookId = null, CancellationToken ct = default) =>
        _audit.GuardAsync(actor.Id, "webhook.dead_letters", "webhooks", async () =>
        {
            AccessPolicy.Demand(actor, Capability.Configure);
            var letters = await store.ListDeadLettersAsync(webhookId, ct);
            await _audit.AppendAsync(AuditEvent.Ok(actor.Id, "webhook.dead_letters", "webhooks", AuditDetails.Of(("webhook", webhookId), ("count", letters.Count))), ct);
            return letters;
        }, ct);
}
