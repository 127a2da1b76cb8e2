using Argus.Core.Access;

namespace Argus.Core.Services;

/// <summary>
/// Service galleries hold people who consented to a service (bank, public service, transit, venue); they are not
/// suspects. No role that searches, proposes or approves watchlist entries, or handles alerts, may read or search
/// them, even when the same account also holds a service role: keeping the two apart is the point, so a mixed
/// account is refused rather than trusted. Checked by the application services and again by the store.
/// </summary>
public static class ServiceAccess
{
    /// <summary>Roles that search, watch or hold watchlists: never allowed near a service gallery.</summary>
    public static readonly IReadOnlySet<Role> PoliceRoles = new HashSet<Role> { Role.Investigator, Role.Approver, Role.Operator };

    /// <summary>Refuses with <c>access.denied</c> unless <paramref name="principal"/> has <paramref name="capability"/> and no police role.</summary>
    public static void Demand(Principal principal, Capability capability)
    {
        if (capability is not (Capability.ManageServiceGalleries or Capability.VerifyCustomers))
        {
            throw new ArgumentOutOfRangeException(nameof(capability), capability, "not a service-gallery capability");
        }

        foreach (var role in principal.Roles)
        {
            if (PoliceRoles.Contains(role))
            {
                throw ArgusException.RoleDenied(
                    $"User {principal.Name} holds the {role} role: service galleries are kept apart from watchlists, searches and alerts, " +
                    "so accounts with police roles may not read or search them.");
            }
        }

        AccessPolicy.Demand(principal, capability);
    }
}

/// <summary>What a service gallery serves; fixes which operations it allows (fares only on transit, tickets only on venues).</summary>
public enum ServiceKind
{
    Bank,
    PublicService,
    Transit,
    Venue,
}

public static class ServiceKinds
{
    public static string Name(ServiceKind kind) => kind switch
    {
        ServiceKind.Bank => "bank",
        ServiceKind.PublicService => "public-service",
        ServiceKind.Transit => "transit",
        ServiceKind.Venue => "venue",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static ServiceKind Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "bank" => ServiceKind.Bank,
        "public-service" or "public_service" or "publicservice" => ServiceKind.PublicService,
        "transit" => ServiceKind.Transit,
        "venue" => ServiceKind.Venue,
        _ => throw new ArgusException("service.invalid_kind", $"Unknown service kind '{name}'; use bank, public-service, transit or venue."),
    };
}

/// <summary>
/// The person's consent to being enrolled: who gave it (the person, or a guardian), when, for what purpose and through
/// which channel (branch, app, kiosk, web), and which user recorded it.
/// </summary>
public sealed record ConsentRecord(string GivenBy, DateTimeOffset GivenAt, string Purpose, string Channel, string RecordedBy)
{
    /// <summary>Refuses a consent with a missing field, a time in the future, or an expiry not after it (<c>consent.invalid</c>).</summary>
    public void Validate(DateTimeOffset expiresAt, DateTimeOffset now)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(GivenBy))
        {
            problems.Add("who gave the consent");
        }

        if (string.IsNullOrWhiteSpace(Purpose))
        {
            problems.Add("its purpose");
        }

        if (string.IsNullOrWhiteSpace(Channel))
        {
            problems.Add("the channel it was given through");
        }

        if (problems.Count > 0)
        {
            throw new ArgusException("consent.invalid", $"The consent record lacks {string.Join(", ", problems)}.");
        }

        if (GivenAt > now + TimeSpan.FromMinutes(5))
        {
            throw new ArgusException("consent.invalid", $"The consent is dated {GivenAt:yyyy-MM-dd HH:mm} UTC, in the future.");
        }

        if (expiresAt <= now)
        {
            throw new ArgusException("consent.invalid", $"The consent's expiry {expiresAt:yyyy-MM-dd} is not in the future.");
        }
    }
}
