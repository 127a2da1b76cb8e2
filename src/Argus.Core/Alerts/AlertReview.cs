using Argus.Core.Access;
using Argus.Core.Watchlists;

namespace Argus.Core.Alerts;

public enum AlertStatus
{
    /// <summary>Raised; nobody has decided yet.</summary>
    Open,

    /// <summary>Confirmed once where the category needs two different people: no action yet.</summary>
    AwaitingSecondConfirmation,

    /// <summary>Confirmed (twice where the category needs it): action against the person is allowed.</summary>
    Confirmed,

    /// <summary>"Not this person": no action; counts against the template.</summary>
    Dismissed,
}

public enum AlertVerdict
{
    Confirm,
    Dismiss,
}

/// <summary>One operator decision, kept (and audited) with its reason.</summary>
public sealed record AlertDecision(string By, AlertVerdict Verdict, string Reason, DateTimeOffset At);

/// <summary>
/// Human review of an alert. Operators confirm or dismiss with a reason; where the watchlist's category allows action
/// against a person (<see cref="CategoryPolicy.ActionNeedsTwoConfirmations"/>), action needs two different users to
/// confirm. A dismissal by anyone before that stops it.
/// </summary>
public sealed class AlertReview
{
    private readonly List<AlertDecision> _decisions = [];

    public AlertReview(string alertId, string site, long templateId, CategoryPolicy policy)
    {
        AlertId = alertId;
        Site = site;
        TemplateId = templateId;
        Policy = policy;
    }

    /// <summary>
    /// The review as stored: <paramref name="decisions"/> replayed in order, so the same rules decide the next step
    /// (the stored decisions were each allowed when made; scope is not re-checked for them).
    /// </summary>
    public static AlertReview Restore(string alertId, string site, long templateId, CategoryPolicy policy, IEnumerable<AlertDecision> decisions)
    {
        var review = new AlertReview(alertId, site, templateId, policy);
        foreach (var d in decisions)
        {
            review.Status = (review.Status, d.Verdict) switch
            {
                (_, AlertVerdict.Dismiss) => AlertStatus.Dismissed,
                (AlertStatus.Open, AlertVerdict.Confirm) when policy.ActionNeedsTwoConfirmations => AlertStatus.AwaitingSecondConfirmation,
                _ => AlertStatus.Confirmed,
            };
            review._decisions.Add(d);
        }

        return review;
    }

    public string AlertId { get; }

    public string Site { get; }

    public long TemplateId { get; }

    public CategoryPolicy Policy { get; }

    public IReadOnlyList<AlertDecision> Decisions => _decisions;

    public AlertStatus Status { get; private set; } = AlertStatus.Open;

    public bool ActionAllowed => Status == AlertStatus.Confirmed;

    public AlertDecision Confirm(Principal user, string reason, DateTimeOffset now)
    {
        Demand(user, reason);
        switch (Status)
        {
            case AlertStatus.Open:
                Status = Policy.ActionNeedsTwoConfirmations ? AlertStatus.AwaitingSecondConfirmation : AlertStatus.Confirmed;
                break;
            case AlertStatus.AwaitingSecondConfirmation when _decisions.Any(d => d.By == user.Id):
                throw new ArgusException("alert.second_confirmation_required", "You already confirmed this alert: a second, different user must confirm it before any action.");
            case AlertStatus.AwaitingSecondConfirmation:
                Status = AlertStatus.Confirmed;
                break;
            default:
                throw new ArgusException("alert.already_decided", $"The alert is already {Status.ToString().ToLowerInvariant()}.");
        }

        return Add(user, AlertVerdict.Confirm, reason, now);
    }

    public AlertDecision Dismiss(Principal user, string reason, DateTimeOffset now)
    {
        Demand(user, reason);
        if (Status is AlertStatus.Confirmed or AlertStatus.Dismissed)
        {
            throw new ArgusException("alert.already_decided", $"The alert is already {Status.ToString().ToLowerInvariant()}.");
        }

        Status = AlertStatus.Dismissed;
        return Add(user, AlertVerdict.Dismiss, reason, now);
    }

    private void Demand(Principal user, string reason)
    {
        AccessPolicy.DemandSite(user, Capability.ReviewAlerts, Site);
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new ArgusException("alert.reason_required", "A decision on an alert needs a reason.");
        }
    }

    private AlertDecision Add(Principal user, AlertVerdict verdict, string reason, DateTimeOffset now)
    {
        var decision = new AlertDecision(user.Id, verdict, reason, now);
        _decisions.Add(decision);
        return decision;
    }
}

/// <summary>A template whose alerts keep being dismissed: a person should review it (never silent retraining).</summary>
public sealed record TemplateReviewFlag(long TemplateId, int Dismissed, int Decided);

/// <summary>Counts decided alerts per template and flags those that mostly produce false alerts.</summary>
public sealed class DismissalMonitor(int minDismissals = 3, double minShare = 0.5)
{
    private readonly Dictionary<long, (int Dismissed, int Decided)> _counts = [];

    /// <summary>Seeds the counts of a template from storage, so that a monitor built per decision applies the same rule.</summary>
    public void Restore(long templateId, int dismissed, int decided) => _counts[templateId] = (dismissed, decided);

    /// <summary>The counts of a template: dismissed and decided alerts.</summary>
    public (int Dismissed, int Decided) CountsOf(long templateId) => _counts.GetValueOrDefault(templateId);

    public bool IsFlagged(long templateId) => _counts.TryGetValue(templateId, out var c) && Flagged(c.Dismissed, c.Decided);

    /// <summary>Records a decided alert; returns a flag the moment the template crosses the line.</summary>
    public TemplateReviewFlag? Record(long templateId, AlertStatus finalStatus)
    {
        if (finalStatus is not (AlertStatus.Confirmed or AlertStatus.Dismissed))
        {
            return null;
        }

        var (dismissed, decided) = _counts.GetValueOrDefault(templateId);
        var wasFlagged = Flagged(dismissed, decided);
        dismissed += finalStatus == AlertStatus.Dismissed ? 1 : 0;
        decided++;
        _counts[templateId] = (dismissed, decided);
        return !wasFlagged && Flagged(dismissed, decided) ? new TemplateReviewFlag(templateId, dismissed, decided) : null;
    }

    private bool Flagged(int dismissed, int decided) => dismissed >= minDismissals && (double)dismissed / decided >= minShare;
}
