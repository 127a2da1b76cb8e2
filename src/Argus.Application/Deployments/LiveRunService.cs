using System.Globalization;
using Argus.Application.Auditing;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Core.Deployments;
using Argus.Storage;
using Argus.Video;

namespace Argus.Application.Deployments;

/// <summary>An ad-hoc deployment of one camera for a while (<c>argus watch</c>): the camera, its site, the watchlists, the recorded authorisation's number and the length.</summary>
public sealed record WatchRequest(string CameraId, string? Site, IReadOnlyList<string> Watchlists, string AuthorisationReference, TimeSpan Length);

/// <summary>A started ad-hoc deployment: the deployment (its id lives only in this process) and its working copy of the watchlists.</summary>
public sealed record Watch(Deployment Deployment, WatchlistMatcher Matcher);

/// <summary>What a run of the registered cameras ended with, for its audit record.</summary>
public sealed record CamerasRunSummary(int Alerts, long FacesSeen, long TracksWithoutMatch, long AlertsLost, long AlertsFailed);

/// <summary>
/// Running cameras in the foreground of a front end (the CLI's <c>watch</c> and <c>cameras run</c>): who may start
/// them, and the audit of the start (or its refusal) and of the end. The front end only parses, runs the pipeline or
/// supervisor and prints; the decisions and records are here, as for every other operation.
/// </summary>
public sealed class LiveRunService
{
    private readonly ArgusStore _store;
    private readonly AuditTrail _audit;
    private readonly string _dataDirectory;
    private readonly TimeProvider _time;

    /// <summary>The service over <paramref name="store"/>; <paramref name="dataDirectory"/> holds the index snapshots the working copies load from.</summary>
    public LiveRunService(ArgusStore store, AuditChain chain, string dataDirectory, TimeProvider? time = null)
    {
        _store = store;
        _audit = new AuditTrail(store, chain);
        _dataDirectory = dataDirectory;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// Starts an ad-hoc deployment: the actor must review alerts, on the site and every watchlist (scope), relying on a
    /// recorded authorisation that the actor did not record and that covers every watchlist for the whole time. The
    /// working copy of the watchlists is built; <c>deployment.started</c> is audited (a refusal as <c>deployment.start</c>).
    /// Refusals: <c>deployment.invalid</c>, <c>access.denied</c>, <c>authorisation.*</c>, <c>watchlist.not_found</c>.
    /// </summary>
    public async Task<Watch> StartWatchAsync(Principal actor, WatchRequest request, CancellationToken ct = default)
    {
        var now = _time.GetUtcNow();
        var names = request.Watchlists.Distinct(StringComparer.Ordinal).ToArray();
        var deployment = new Deployment(
            Guid.NewGuid().ToString("N"), $"watch {request.CameraId}", [request.CameraId], request.Site, names, request.AuthorisationReference, now, now + request.Length);
        var matcher = await _audit.GuardAsync(actor.Id, "deployment.start", $"camera:{request.CameraId}", async () =>
        {
            deployment.Validate();
            AccessPolicy.Demand(actor, Capability.ReviewAlerts);
            if (deployment.Site is { } s)
            {
                AccessPolicy.DemandSite(actor, Capability.ReviewAlerts, s);
            }

            foreach (var name in names)
            {
                AccessPolicy.DemandWatchlist(actor, Capability.ReviewAlerts, name);
            }

            // As for stored deployments: a recorded authorisation, not recorded by the watcher, covering every list for the whole time.
            var recorded = (deployment.AuthorisationReference.TrimStart('#') is { Length: > 0 and <= 18 } n
                    && long.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var authorisationId)
                    ? await _store.GetAuthorisationAsync(authorisationId, ct)
                    : null)
                ?? throw new ArgusException("authorisation.not_found", "--authorisation must be the number of an authorisation recorded by an authorising official (argus authorisation list).");
            recorded.DemandUsable(actor, null, names, deployment.Start, deployment.End);

            return await WatchlistMatcher.BuildAsync(_store, names, _dataDirectory, _time, ct);
        }, ct);
        await _audit.AppendAsync(AuditEvent.Ok(actor.Id, "deployment.started", $"deployment:{deployment.Id}", AuditDetails.Of(
            ("camera", request.CameraId), ("site", deployment.Site), ("watchlists", names), ("authorisation", deployment.AuthorisationReference),
            ("end", deployment.End), ("entries", matcher.Entries))), ct);
        return new Watch(deployment, matcher);
    }

    /// <summary>Audits the end of an ad-hoc deployment (<c>deployment.ended</c>) with what it saw; its working copy is the caller's to drop.</summary>
    public Task EndWatchAsync(Principal actor, Watch watch, int alerts, PipelineCounters counters) =>
        _audit.AppendAsync(AuditEvent.Ok(actor.Id, "deployment.ended", $"deployment:{watch.Deployment.Id}", AuditDetails.Of(
            ("alerts", alerts), ("faces_seen", counters.FacesSeen), ("tracks_without_match", counters.TracksEndedWithoutMatch))), CancellationToken.None);

    /// <summary>
    /// Starts a run of the registered cameras (<paramref name="only"/> these, when given): administrators and alert
    /// reviewers may; audited as <c>cameras.started</c> (a refusal as <c>cameras.run</c>). Returns whether the actor may
    /// see the names in the alerts (reviewers do; administrators see alert ids only).
    /// </summary>
    public async Task<bool> StartCamerasAsync(Principal actor, IReadOnlyCollection<string>? only, CancellationToken ct = default)
    {
        await _audit.GuardAsync(actor.Id, "cameras.run", "cameras", () =>
        {
            if (!actor.Can(Capability.ManageCameras) && !actor.Can(Capability.ReviewAlerts))
            {
                AccessPolicy.Demand(actor, Capability.ManageCameras);
            }

            return Task.FromResult(0);
        }, ct);
        await _audit.AppendAsync(AuditEvent.Ok(actor.Id, "cameras.started", "cameras", AuditDetails.Of(("cameras", only?.Order(StringComparer.Ordinal).ToArray()))), ct);
        return actor.Can(Capability.ReviewAlerts);
    }

    /// <summary>Audits the end of a run of the registered cameras (<c>cameras.stopped</c>) with what it saw and what the alert feed lost.</summary>
    public Task StopCamerasAsync(Principal actor, CamerasRunSummary summary) =>
        _audit.AppendAsync(AuditEvent.Ok(actor.Id, "cameras.stopped", "cameras", AuditDetails.Of(
            ("alerts", summary.Alerts), ("faces_seen", summary.FacesSeen), ("tracks_without_match", summary.TracksWithoutMatch),
            ("alerts_lost", summary.AlertsLost), ("alerts_failed", summary.AlertsFailed))), CancellationToken.None);
}
