using Argus.Storage;

namespace Argus.Application.Contracts;

// Wire types of `argus webhook` (snake_case JSON). The secret itself is never written: only the name of the variable that holds it.

/// <summary>A webhook subscription: where alerts of <see cref="Events"/> on <see cref="Sites"/> are posted.</summary>
public sealed record WebhookDto(long Id, string Url, string SecretVariable, IReadOnlyList<string> Events, IReadOnlyList<string> Sites, string CreatedBy, DateTimeOffset CreatedAt)
{
    public static WebhookDto From(WebhookSubscription w) => new(w.Id, w.Url, w.SecretVariable, [.. w.Events], [.. w.Sites], w.CreatedBy, w.CreatedAt);
}

/// <summary>A delivery that kept failing (its body stays in the store, it is not written here).</summary>
public sealed record DeadLetterDto(long Id, long WebhookId, string DeliveryId, int Attempts, string LastError, DateTimeOffset At)
{
    public static DeadLetterDto From(StoredDeadLetter l) => new(l.Id, l.WebhookId, l.DeliveryId, l.Attempts, l.LastError, l.At);
}

/// <summary><c>argus webhook list --json</c>.</summary>
public sealed record WebhookListDto(IReadOnlyList<WebhookDto> Webhooks);

/// <summary><c>argus webhook dead-letters --json</c>.</summary>
public sealed record DeadLetterListDto(IReadOnlyList<DeadLetterDto> DeadLetters);
