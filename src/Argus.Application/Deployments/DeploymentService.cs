using Argus.Application.Auditing;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Core.Deployments;
using Argus.Storage;

namespace Argus.Application.Deployments;

/// <summary>What a person asks for when creating a deployment.</summary>
public sealed record DeploymentRequest(
    string Name, IReadOnlyList<string> Cameras, string? Site, IReadOnlyList<string> Watchlists, string AuthorisationReference, DateTimeOffset Start, DateTimeOffset End);

/// <summary>
/// Deployments: the only context in which cameras compare faces. Administrators and approvers create and end them;
/// the watchlists named must be within the creator's scope, the cameras must exist and their sites be within it.
/// Every creation, end and refusal is audited. Ending one discards its working copy of the watchlists: the camera
/// supervisor drops the matcher at its next reconciliation (at once when it is told through <see cref="Ended"/>).
/// </summary>
public sealed class DeploymentService
{
    private readonly ArgusStore _store;
    private readonly AuditTrail _audit;
    private readonly TimeProvider _time;

    public DeploymentService(ArgusStore store, AuditChain chain, TimeProvider? time = null)
    {
        _store = store;
        _audit = new AuditTrail(store, chain);
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Raised after a deployment was ended early, with its id (the server wires it to <see cref="CameraSupervisor.Wake"/>).</summary>
    public event Action<long>? Ended;

    /// <summary>
    /// Creates a deployment. Refusals: <c>access.denied</c> (role, or a watchlist, site or camera outside the scope),
    /// <c>deployment.invalid</c> (incomplete, end not after start, longer than 31 days, already over), <c>authorisation.*</c>
    /// (not a recorded authorisation, recorded by the creator, revoked, not covering a watchlist or the whole period),
    /// <c>watchlist.not_found</c>, <c>camera.not_found</c>.
    /// </summary>
    public Task<StoredDeployment> CreateAsync(Principal actor, DeploymentRequest request, CancellationToken ct = default) =>
        _audit.GuardAsync(actor.Id, "deployment.create", $"deployment:{request.Name}", async () =>
        {
            DemandManage(actor);
            var deployment = new Deployment(
                "", string.IsNullOrWhiteSpace(request.Name) ? "deployment" : request.Name.Trim(), [.. request.Cameras.Distinct(StringComparer.Ordinal)],
                string.IsNullOrWhiteSpace(request.Site) ? null : request.Site, [.. request.Watchlists.Distinct(StringComparer.Ordinal)],
                request.AuthorisationReference?.Trim() ?? "", request.Start, request.End);
            deployment.Validate();
            if (deployment.End <= _time.GetUtcNow())
            {
                throw new ArgusException("deployment.invalid", $"The deployment is incomplete: its end ({deployment.End:yyyy-MM-dd HH:mm} UTC) has already passed.");
            }

            foreach (var name in deployment.Watchlists)
            {
                if (!actor.Scope.CoversWatchlist(name))
                {
                    throw ArgusException.OutOfScope($"Watchlist {name} is outside the scope of user {actor.Name}.");
                }

                await _store.GetWatchlistAsync(name, ct);
            }

            if (deployment.Site is { } site && !actor.Scope.CoversSite(site))
            {
                throw ArgusException.OutOfScope($"Site {site} is outside the scope of user {actor.Name}.");
            }

            var cameras = (await _store.ListCamerasAsync(ct)).ToDictionary(c => c.Id, StringComparer.Ordinal);
            foreach (var id in deployment.Cameras)
            {
                if (!cameras.TryGetValue(id, out var camera))
                {
                    throw new ArgusException("camera.not_found", $"No camera with id '{id}' (see argus camera list).");
                }

                if (!actor.Scope.CoversCamera(id) || (camera.Site is { } s && !actor.Scope.CoversSite(s)))
                {
                    throw ArgusException.OutOfScope($"Camera {id} is outside the scope of user {actor.Name}.");
                }
            }

            // The authorisation: recorded by an authorising official other than the creator, covering every watchlist for the whole period.
            var authorisation = (deployment.AuthorisationReference.TrimStart('#') is { Length: > 0 and <= 18 } n
                    && long.TryParse(n, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var authorisationId)
                    ? await _store.GetAuthorisationAsync(authorisationId, ct)
                    : null)
                ?? throw new ArgusException(
                    "authorisation.not_found",
                    "A deployment needs the number of an authorisation recorded by an authorising official (argus authorisation list); a free-text reference is not an authorisation.");
            authorisation.DemandUsable(actor, null, deployment.Watchlists, deployment.Start, deployment.End);
            deployment = deployment with { AuthorisationReference = authorisation.Reference };

            return await _audit.Store<StoredDeployment>(stored => AuditEvent.Ok(actor.Id, "deployment.created", $"deployment:{stored.Id}", AuditDetails.Of(
                    ("name", deployment.Name), ("cameras", deployment.Cameras), ("site", deployment.Site), ("watchlists", deployment.Watchlists),
                    ("authorisation_id", authorisation.Id), ("authorisation", deployment.AuthorisationReference), ("start", deployment.Start), ("end", deployment.End))))
                .AddDeploymentAsync(deployment, actor.Id, authorisation.Id, ct);
        }, ct);

    /// <summary>Deployments the user may see (administrators all; others those without a site or on a site in their scope), newest first.</summary>
    public Task<IReadOnlyList<StoredDeployment>> ListAsync(Principal actor, bool activeOnly = false, CancellationToken ct = default) =>
        _audit.GuardAsync<IReadOnlyList<StoredDeployment>>(actor.Id, "deployment.list", "deployments", async () =>
        {
            if (!actor.Can(Capability.ManageCameras) && !actor.Can(Capability.ApproveEntry) && !actor.Can(Capability.ReviewAlerts))
            {
                throw ArgusException.RoleDenied($"User {actor.Name} may not see deployments (administrators, approvers and operators do).");
            }

            var all = await _store.ListDeploymentsAsync(activeOnly ? _time.GetUtcNow() : null, ct);
            return [.. all.Where(d => actor.Can(Capability.ManageCameras) || d.Deployment.Site is null || actor.Scope.CoversSite(d.Deployment.Site)).Reverse()];
        }, ct);

    /// <summary>One deployment (<c>deployment.not_found</c>).</summary>
    public async Task<StoredDeployment> GetAsync(Principal actor, long id, CancellationToken ct = default) =>
        (await ListAsync(actor, false, ct)).FirstOrDefault(d => d.Id == id)
        ?? throw new ArgusException("deployment.not_found", $"There is no deployment with id {id} (see argus deployment list).");

    /// <summary>
    /// Ends a deployment now, with a reason; audited as <c>deployment.ended</c>. Refusals: <c>access.denied</c>,
    /// <c>deployment.reason_required</c>, <c>deployment.not_found</c>, <c>deployment.already_ended</c>.
    /// </summary>
    public async Task<StoredDeployment> EndAsync(Principal actor, long id, string reason, CancellationToken ct = default)
    {
        var ended = await _audit.GuardAsync(actor.Id, "deployment.end", $"deployment:{id}", async () =>
        {
            DemandManage(actor);
            if (string.IsNullOrWhiteSpace(reason))
            {
                throw new ArgusException("deployment.reason_required", "Ending a deployment needs a reason.");
            }

            var existing = await _store.GetDeploymentAsync(id, ct)
                ?? throw new ArgusException("deployment.not_found", $"There is no deployment with id {id} (see argus deployment list).");
            if (existing.Deployment.Site is { } site && !actor.Scope.CoversSite(site))
            {
                throw ArgusException.OutOfScope($"Site {site} is outside the scope of user {actor.Name}.");
            }

            return await _audit.Store<StoredDeployment>(stored => AuditEvent.Ok(actor.Id, "deployment.ended", $"deployment:{id}", AuditDetails.Of(
                    ("reason", stored.EndReason), ("scheduled_end", stored.Deployment.End), ("working_copy", "discarded"))))
                .EndDeploymentAsync(id, actor.Id, reason.Trim(), ct);
        }, ct);
        Ended?.Invoke(id);
        return ended;
    }

    private static void DemandManage(Principal actor)
    {
        if (actor.Disabled || !(actor.Can(Capability.ManageCameras) || actor.Can(Capability.ApproveEntry)))
        {
            throw ArgusException.RoleDenied($"User {actor.Name} may not create or end deployments (administrators and approvers do).");
        }
    }
}
