namespace Argus.Core.Watchlists;

/// <summary>What a watchlist is for. The category, not the operator, fixes how its alerts look and what may follow.</summary>
public enum WatchlistCategory
{
    /// <summary>Persons sought under a warrant or equivalent: red alert with a warning.</summary>
    WantedPerson,

    /// <summary>Missing or vulnerable persons: a match is a welfare concern, not a suspicion.</summary>
    MissingPerson,

    /// <summary>Venue ban lists (stadium gates): entry refused, stewards alerted.</summary>
    VenueBan,

    /// <summary>Administrative entries: grey, informational.</summary>
    Administrative,

    /// <summary>A locally defined category with a declared severity.</summary>
    Custom,
}

public enum Severity
{
    Low,
    Medium,
    High,
    Critical,
}

/// <summary>
/// How alerts of a category are shown and handled. <see cref="ActionNeedsTwoConfirmations"/>: acting against a person
/// (stop, detain, refuse entry) needs two different users to confirm the alert.
/// </summary>
public sealed record CategoryPolicy(
    WatchlistCategory Category,
    Severity Severity,
    string Colour,
    bool ShowWarning,
    bool ActionNeedsTwoConfirmations,
    int MaxEntryDays)
{
    /// <summary>The policy of a built-in category, or of a custom one with its declared severity.</summary>
    public static CategoryPolicy For(WatchlistCategory category, Severity? customSeverity = null) => category switch
    {
        WatchlistCategory.WantedPerson => new(category, Severity.Critical, "red", ShowWarning: true, ActionNeedsTwoConfirmations: true, MaxEntryDays: 365),
        WatchlistCategory.MissingPerson => new(category, Severity.High, "amber", ShowWarning: false, ActionNeedsTwoConfirmations: false, MaxEntryDays: 365),
        WatchlistCategory.VenueBan => new(category, Severity.Medium, "orange", ShowWarning: false, ActionNeedsTwoConfirmations: true, MaxEntryDays: 730),
        WatchlistCategory.Administrative => new(category, Severity.Low, "grey", ShowWarning: false, ActionNeedsTwoConfirmations: false, MaxEntryDays: 180),
        WatchlistCategory.Custom => new(
            category,
            customSeverity ?? throw new ArgusException("watchlist.severity_required", "A custom watchlist category must declare its severity."),
            customSeverity >= Severity.High ? "purple" : "blue",
            ShowWarning: customSeverity == Severity.Critical,
            ActionNeedsTwoConfirmations: customSeverity >= Severity.High,
            MaxEntryDays: 365),
        _ => throw new ArgumentOutOfRangeException(nameof(category)),
    };
}
