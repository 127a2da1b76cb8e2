using System.Globalization;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Core.Purposes;

namespace Argus.Application.Authorisations;

/// <summary>
/// Authorisations that searches and deployments rely on, recorded by authorising officials (a role of its own that
/// no administrator holds and nobody grants themselves): the document's reference, the case, the watchlists or
/// galleries covered and the validity. Recording, revoking, reading and every refusal are audited. Revoking ends the
/// deployments that rely on it. Refusals: <c>access.denied</c>, <c>authorisation.invalid</c>,
/// <c>authorisation.not_found</c>, <c>authorisation.revoked</c>, <c>authorisation.reason_required</c>,
/// <c>watchlist.not_found</c>.
/// </summary>
public sealed class AuthorisationService(OperationContext context)
{
    /// <summary>Records an authorisation; the watchlists and galleries it names must exist.</summary>
    public Task<Authorisation> RecordAsync(Principal actor, AuthorisationRequest request, CancellationToken ct) =>
        context.AuditedAsync(actor.Id, "authorisation.record", "authorisations", async () =>
        {
            Authorisation.DemandOfficial(actor);
            var problems = Authorisation.Problems(request, context.Now);
            if (problems.Count > 0)
            {
                throw new ArgusException("authorisation.invalid", "The authorisation is incomplete: " + string.Join("; ", problems) + ".");
            }

            foreach (var name in request.Watchlists.Select(w => w.Trim()).Distinct(StringComparer.Ordinal))
            {
                if (await context.Store.GetGalleryAsync(name, ct) is null)
                {
                    await context.Store.GetWatchlistAsync(name, ct); // watchlist.not_found when it is neither
                }
            }

            return await context.AuditedStore<Authorisation>(a => AuditEvent.Ok(actor.Id, "authorisation.recorded", Target(a.Id), AuditDetails.Of(
                    ("reference", a.Reference), ("case", a.CaseReference), ("watchlists", a.Watchlists), ("valid_from", a.ValidFrom), ("valid_until", a.ValidUntil))))
                .RecordAuthorisationAsync(request, actor.Id, ct);
        });

    /// <summary>
    /// Authorisations the actor may see, newest first: officials and auditors all of them; searchers and those who
    /// create deployments only those valid now whose every list is within their scope (they need the number to use it).
    /// </summary>
    public async Task<IReadOnlyList<Authorisation>> ListAsync(Principal actor, bool validOnly, CancellationToken ct)
    {
        var all = await context.AuditedAsync(actor.Id, "authorisation.list", "authorisations", async () =>
        {
            var everything = DemandReader(actor);
            var list = await context.Store.ListAuthorisationsAsync(validOnly || !everything ? context.Now : null, ct);
            return everything ? list : [.. list.Where(a => a.Watchlists.All(actor.Scope.CoversWatchlist))];
        });
        await context.AuditAsync(AuditEvent.Ok(actor.Id, "authorisation.list", "authorisations", AuditDetails.Of(("count", all.Count))), ct);
        return all;
    }

    /// <summary>One authorisation (<c>authorisation.not_found</c> also when it is outside what the actor may see).</summary>
    public async Task<Authorisation> GetAsync(Principal actor, long id, CancellationToken ct)
    {
        var found = await context.AuditedAsync(actor.Id, "authorisation.get", Target(id), async () =>
        {
            var everything = DemandReader(actor);
            var a = await context.Store.GetAuthorisationAsync(id, ct);
            return a is not null && (everything || a.Watchlists.All(actor.Scope.CoversWatchlist))
                ? a
                : throw new ArgusException("authorisation.not_found", $"There is no authorisation with id {id} that you may see.");
        });
        await context.AuditAsync(AuditEvent.Ok(actor.Id, "authorisation.get", Target(id)), ct);
        return found;
    }

    /// <summary>Revokes an authorisation with a reason; the deployments relying on it end at once (returned).</summary>
    public Task<(Authorisation Authorisation, IReadOnlyList<long> EndedDeployments)> RevokeAsync(Principal actor, long id, string? reason, CancellationToken ct) =>
        context.AuditedAsync(actor.Id, "authorisation.revoke", Target(id), async () =>
        {
            Authorisation.DemandOfficial(actor);
            if (TextRules.Text(reason, "the reason", 3, 500) is { } problem)
            {
                throw new ArgusException("authorisation.reason_required", $"Revoking an authorisation needs a reason: {problem}.");
            }

            return await context.AuditedStore<(Authorisation Authorisation, IReadOnlyList<long> Ended)>(r =>
                [
                    AuditEvent.Ok(actor.Id, "authorisation.revoked", Target(id), AuditDetails.Of(("reason", reason!.Trim()), ("deployments_ended", r.Ended.Select(d => d.ToString(CultureInfo.InvariantCulture))))),
                    .. r.Ended.Select(d => AuditEvent.Ok(actor.Id, "deployment.ended", $"deployment:{d}", AuditDetails.Of(("reason", $"authorisation {id} revoked"), ("working_copy", "discarded")))),
                ])
                .RevokeAuthorisationAsync(id, actor.Id, reason!.Trim(), ct);
        });

    private static string Target(long id) => $"authorisation:{id}";

    /// <summary>True when the actor sees every authorisation; false when only those within scope; refuses everyone else.</summary>
    private static bool DemandReader(Principal actor)
    {
        if (actor.Can(Capability.RecordAuthorisation) || actor.Can(Capability.ReadAudit))
        {
            return true;
        }

        if (actor.Can(Capability.Search) || actor.Can(Capability.ApproveEntry) || actor.Can(Capability.ManageCameras))
        {
            return false;
        }

        throw ArgusException.RoleDenied($"User {actor.Name} may not read authorisations.");
    }
}
