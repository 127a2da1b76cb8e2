namespace Argus.Core.Deployments;

/// <summary>
/// Matching happens only inside an authorised deployment: which cameras (or a whole site), which watchlists, under
/// which authorisation, from when to when. Outside one, a camera may show video but compares no face. Portable kits
/// and one-off events are deployments like any other.
/// </summary>
public sealed record Deployment(
    string Id,
    string Name,
    IReadOnlyList<string> Cameras,
    string? Site,
    IReadOnlyList<string> Watchlists,
    string AuthorisationReference,
    DateTimeOffset Start,
    DateTimeOffset End)
{
    /// <summary>Longest a single deployment may run before it must be re-authorised.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(31);

    public bool IsActiveAt(DateTimeOffset now) => now >= Start && now < End;

    public bool Covers(string camera, string? site) => Cameras.Contains(camera) || (Site is not null && Site == site);

    /// <summary>Every problem with this deployment; empty when valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(AuthorisationReference))
        {
            problems.Add("an authorisation reference is required");
        }

        if (Watchlists.Count == 0)
        {
            problems.Add("name the watchlists it may use");
        }

        if (Cameras.Count == 0 && string.IsNullOrWhiteSpace(Site))
        {
            problems.Add("name its cameras or its site");
        }

        if (End <= Start)
        {
            problems.Add("its end must be after its start");
        }
        else if (End - Start > MaxDuration)
        {
            problems.Add($"it may last at most {MaxDuration.TotalDays:0} days");
        }

        return problems;
    }

    public void Validate()
    {
        var problems = Problems();
        if (problems.Count > 0)
        {
            throw new ArgusException("deployment.invalid", "The deployment is incomplete: " + string.Join("; ", problems) + ".");
        }
    }
}
