namespace Argus.Core.Access;

/// <summary>What a person does with Argus. Least privilege: no role can do everything, and none reads what it does not need.</summary>
public enum Role
{
    /// <summary>Users, cameras and configuration; creates watchlists; never searches, approves or reads the audit.</summary>
    Administrator,

    /// <summary>Supervisor: approves or rejects watchlist entries proposed by others; may propose and search.</summary>
    Approver,

    /// <summary>Handles alerts for assigned sites.</summary>
    Operator,

    /// <summary>Runs purpose-bound searches and proposes entries.</summary>
    Investigator,

    /// <summary>Enrols consenting customers into service galleries (kept apart from watchlists).</summary>
    EnrolmentClerk,

    /// <summary>Reads the audit log and reports, nothing else.</summary>
    Auditor,

    /// <summary>
    /// A bank counter, public-service desk, metro or stadium gate (usually an API key): verifies consenting customers
    /// against service galleries and runs gates; reads nothing else.
    /// </summary>
    ServiceTerminal,

    /// <summary>
    /// A supervising officer: records the authorisations (case, watchlists, validity) that searches and deployments
    /// reference, and revokes them. Never searches or deploys; nobody may use an authorisation they recorded, nobody
    /// may grant this role to themselves, and an administrator may not hold it.
    /// </summary>
    AuthorisingOfficial,
}

public enum Capability
{
    ManageUsers,
    ManageCameras,
    Configure,
    ManageWatchlists,
    ProposeEntry,
    ApproveEntry,
    ReviewAlerts,
    Search,
    ManageServiceGalleries,
    ReadAudit,
    ReadReports,
    VerifyCustomers,
    RecordAuthorisation,
}

/// <summary>The fixed mapping from roles to capabilitys.</summary>
public static class RoleCapabilities
{
    private static readonly Dictionary<Role, Capability[]> Map = new()
    {
        [Role.Administrator] = [Capability.ManageUsers, Capability.ManageCameras, Capability.Configure, Capability.ManageWatchlists],
        [Role.Approver] = [Capability.ApproveEntry, Capability.ProposeEntry, Capability.Search, Capability.ReviewAlerts, Capability.ReadReports],
        [Role.Operator] = [Capability.ReviewAlerts],
        [Role.Investigator] = [Capability.Search, Capability.ProposeEntry],
        [Role.EnrolmentClerk] = [Capability.ManageServiceGalleries],
        [Role.Auditor] = [Capability.ReadAudit, Capability.ReadReports],
        [Role.ServiceTerminal] = [Capability.VerifyCustomers],
        [Role.AuthorisingOfficial] = [Capability.RecordAuthorisation],
    };

    public static IReadOnlyList<Capability> Of(Role role) => Map[role];

    /// <summary>
    /// Every role but administrator acts on people's data or on the field (search, approve, review, enrol, audit,
    /// verify). Administrators manage accounts and may neither hold one of these nor give one without a second
    /// administrator's approval.
    /// </summary>
    public static bool IsOperational(Role role) => role != Role.Administrator;

    public static bool Grants(IEnumerable<Role> roles, Capability capability) => roles.Any(r => Map[r].Contains(capability));
}

/// <summary>
/// Which sites, cameras and watchlists a user may act on. <c>*</c> in a set means all of that kind; an empty set
/// means none.
/// </summary>
public sealed record Scope(IReadOnlySet<string> Sites, IReadOnlySet<string> Cameras, IReadOnlySet<string> Watchlists)
{
    public const string All = "*";

    public static Scope Everything { get; } = new(new HashSet<string> { All }, new HashSet<string> { All }, new HashSet<string> { All });

    public static Scope Nothing { get; } = new(new HashSet<string>(), new HashSet<string>(), new HashSet<string>());

    public bool CoversSite(string site) => Sites.Contains(All) || Sites.Contains(site);

    public bool CoversCamera(string camera) => Cameras.Contains(All) || Cameras.Contains(camera);

    public bool CoversWatchlist(string watchlist) => Watchlists.Contains(All) || Watchlists.Contains(watchlist);
}

/// <summary>Who is acting: a user (or an API key acting for an integration) with roles and scope.</summary>
public sealed record Principal(string Id, string Name, IReadOnlySet<Role> Roles, Scope Scope, bool Disabled = false)
{
    public bool Can(Capability capability) => !Disabled && RoleCapabilities.Grants(Roles, capability);
}

/// <summary>Authorisation decisions, with refusals as <see cref="ArgusException"/> code <c>access.denied</c>.</summary>
public static class AccessPolicy
{
    public static void Demand(Principal principal, Capability capability)
    {
        if (principal.Disabled)
        {
            throw ArgusException.RoleDenied($"User {principal.Name} is disabled.");
        }

        if (!principal.Can(capability))
        {
            throw ArgusException.RoleDenied($"User {principal.Name} ({string.Join(", ", principal.Roles)}) may not {Describe(capability)}.");
        }
    }

    public static void DemandWatchlist(Principal principal, Capability capability, string watchlist)
    {
        Demand(principal, capability);
        if (!principal.Scope.CoversWatchlist(watchlist))
        {
            throw ArgusException.OutOfScope($"Watchlist {watchlist} is outside the scope of user {principal.Name}.");
        }
    }

    public static void DemandSite(Principal principal, Capability capability, string site)
    {
        Demand(principal, capability);
        if (!principal.Scope.CoversSite(site))
        {
            throw ArgusException.OutOfScope($"Site {site} is outside the scope of user {principal.Name}.");
        }
    }

    private static string Describe(Capability capability) => capability switch
    {
        Capability.ManageUsers => "manage users",
        Capability.ManageCameras => "manage cameras",
        Capability.Configure => "change configuration",
        Capability.ManageWatchlists => "create or change watchlists",
        Capability.ProposeEntry => "propose watchlist entries",
        Capability.ApproveEntry => "approve watchlist entries",
        Capability.ReviewAlerts => "review alerts",
        Capability.Search => "search",
        Capability.ManageServiceGalleries => "manage service galleries",
        Capability.ReadAudit => "read the audit log",
        Capability.ReadReports => "read reports",
        Capability.VerifyCustomers => "verify customers or run service gates",
        Capability.RecordAuthorisation => "record or revoke authorisations",
        _ => capability.ToString(),
    };
}
