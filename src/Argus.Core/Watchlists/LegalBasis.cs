namespace Argus.Core.Watchlists;

/// <summary>Where an enrolled image came from (custody photo, passport record, CCTV still, …) and its reference.</summary>
public sealed record ImageSource(string ImageSha256, string Source, string Reference);

/// <summary>
/// Why a person may be on a watchlist. Every field is required: an entry without a case number, grounds, an
/// investigating officer, an issuing authority, a legal instrument, the source of each image and an expiry does
/// not exist.
/// </summary>
public sealed record LegalBasis(
    string CaseNumber,
    string Grounds,
    string InvestigatingOfficer,
    string IssuingAuthority,
    string LegalInstrument,
    DateTimeOffset Expiry,
    IReadOnlyList<ImageSource> ImageSources)
{
    /// <summary>Every problem with this legal basis for a watchlist allowing <paramref name="maxEntryDays"/>; empty when valid.</summary>
    public IReadOnlyList<string> Problems(DateTimeOffset now, int maxEntryDays)
    {
        var problems = new List<string>();
        Add(Purposes.TextRules.Reference(CaseNumber, "the case number"), problems);
        Add(Purposes.TextRules.Text(Grounds, "offence or grounds", 3, 500), problems);
        Add(Purposes.TextRules.Text(InvestigatingOfficer, "investigating officer", 3, 200), problems);
        Add(Purposes.TextRules.Text(IssuingAuthority, "issuing authority", 3, 200), problems);
        Add(Purposes.TextRules.Text(LegalInstrument, "legal instrument", 3, 500), problems);
        if (Expiry <= now)
        {
            problems.Add($"expiry {Expiry:yyyy-MM-dd} is not in the future");
        }
        else if (Expiry > LastAllowedMoment(now, maxEntryDays))
        {
            problems.Add($"expiry {Expiry:yyyy-MM-dd} is beyond the watchlist's maximum of {maxEntryDays} days ({now.AddDays(maxEntryDays):yyyy-MM-dd})");
        }

        if (ImageSources.Count == 0)
        {
            problems.Add("the source of each enrolled image is required");
        }

        foreach (var source in ImageSources)
        {
            if (string.IsNullOrWhiteSpace(source.Source) || source.Source.Length > 100 || Purposes.TextRules.Text(source.Reference, "reference", 2, 200) is not null
                || source.ImageSha256.Length != 64)
            {
                problems.Add($"image {Short(source.ImageSha256)} needs a source, a reference and its SHA-256");
            }
        }

        return problems;
    }

    /// <summary>
    /// The latest expiry a watchlist allowing <paramref name="maxEntryDays"/> accepts: the end of the UTC day
    /// <paramref name="maxEntryDays"/> days from now. An expiry is a day (the entry applies through its end), so the day
    /// the message names as the maximum must itself be accepted; comparing with now + N days to the tick refused it.
    /// </summary>
    public static DateTimeOffset LastAllowedMoment(DateTimeOffset now, int maxEntryDays) =>
        new(DateOnly.FromDateTime(now.UtcDateTime.AddDays(maxEntryDays)).ToDateTime(TimeOnly.MaxValue), TimeSpan.Zero);

    /// <summary>Throws <c>entry.legal_basis_invalid</c> listing every problem.</summary>
    public void Validate(DateTimeOffset now, int maxEntryDays)
    {
        var problems = Problems(now, maxEntryDays);
        if (problems.Count > 0)
        {
            throw new ArgusException("entry.legal_basis_invalid", "The legal basis is incomplete: " + string.Join("; ", problems) + ".");
        }
    }

    private static void Add(string? problem, List<string> problems)
    {
        if (problem is not null)
        {
            problems.Add(problem);
        }
    }

    private static string Short(string s) => s.Length > 12 ? s[..12] : s;
}
