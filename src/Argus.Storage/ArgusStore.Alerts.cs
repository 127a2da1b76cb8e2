using System.Data.Common;
using System.Globalization;
using Argus.Core;
using Argus.Core.Alerts;
using Argus.Core.Watchlists;
using Argus.Storage.Sql;

namespace Argus.Storage;

/// <summary>
/// An alert to raise: where (deployment, camera, site, track), whom (entry, subject, the template that matched, its
/// watchlist and the category's severity and colour), how strongly, and the camera's snapshot crop as PNG.
/// <see cref="Deployment"/> is a stored deployment's id or an ad-hoc deployment's (<c>argus watch</c>) id.
/// </summary>
public sealed record NewAlert(
    string Deployment,
    string CameraId,
    string? Site,
    long TrackId,
    long EntryId,
    long SubjectId,
    long TemplateId,
    string Watchlist,
    WatchlistCategory Category,
    Severity Severity,
    string Colour,
    float Score,
    int SupportingShots,
    DateTimeOffset FirstSeenAt,
    DateTimeOffset LastSeenAt,
    byte[] SnapshotPng)
{
    /// <summary>The frame time of the shot that decided (or improved) it; <see cref="FirstSeenAt"/> is the frame time of the track's first frame.</summary>
    public DateTimeOffset? DecidingFrameAt { get; init; }
}

/// <summary>An alert as stored, with every review decision in order.</summary>
public sealed record StoredAlert(
    long Id,
    string Deployment,
    string CameraId,
    string? Site,
    long TrackId,
    long EntryId,
    long SubjectId,
    long TemplateId,
    string Watchlist,
    WatchlistCategory Category,
    Severity Severity,
    string Colour,
    float Score,
    int SupportingShots,
    DateTimeOffset FirstSeenAt,
    DateTimeOffset LastSeenAt,
    DateTimeOffset RaisedAt,
    AlertStatus Status,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<AlertDecision> Decisions)
{
    /// <summary>The frame time of the shot that decided the alert (last improved it, after an update); null on alerts stored before it was kept.</summary>
    public DateTimeOffset? DecidingFrameAt { get; init; }
}

/// <summary>Which alerts to list: <see cref="Sites"/> null means every site (and alerts without one); newest first.</summary>
public sealed record AlertFilter
{
    public IReadOnlySet<string>? Sites { get; init; }

    public AlertStatus? Status { get; init; }

    public string? Deployment { get; init; }

    public DateTimeOffset? Since { get; init; }

    /// <summary>Raised strictly before this time.</summary>
    public DateTimeOffset? Until { get; init; }

    public string? Camera { get; init; }

    public string? Watchlist { get; init; }

    /// <summary>Paging, newest first: only alerts with a smaller id than this (the last id of the previous page).</summary>
    public long? BeforeId { get; init; }

    public int Limit { get; init; } = 100;
}

/// <summary>Decided alerts of one template: how many were dismissed, and when it was flagged for review.</summary>
public sealed record TemplateDismissals(long TemplateId, int Dismissed, int Decided, DateTimeOffset? FlaggedAt);

/// <summary>Alert figures for a period: raised then, and those whose final decision (confirmed or dismissed) fell in it.</summary>
public readonly record struct AlertCounts(long Raised, long Confirmed, long Dismissed, long AwaitingSecondConfirmation)
{
    /// <summary>Dismissed among the decided; null when nothing was decided.</summary>
    public double? FalseAlertRate => Confirmed + Dismissed == 0 ? null : (double)Dismissed / (Confirmed + Dismissed);
}

/// <summary>What retention deleted.</summary>
public readonly record struct AlertRetentionResult(int Alerts, int Snapshots, int Decisions, int DeadLetters);

/// <summary>
/// Alerts, their snapshots and review decisions, and per-template dismissal counts. Refusals here:
/// <c>alert.not_found</c>, <c>alert.conflict</c>; the review rules themselves (<see cref="AlertReview"/>) decide in
/// the caller's delegate, inside the write transaction, and a refusal writes nothing.
/// </summary>
public sealed partial class ArgusStore
{
    private const string AlertColumns =
        "SELECT id, deployment, camera_id, site, track_id, entry_id, subject_id, template_id, watchlist, category, severity, colour, score, supporting_shots, " +
        "first_seen_ticks, last_seen_ticks, raised_at_ticks, status, updated_at_ticks, deciding_frame_ticks FROM alerts";

    /// <summary>
    /// One alert per episode: a sighting updates the alert of the same deployment, camera and person that is still
    /// open (nobody has decided anything on it) and whose person was last seen less than <paramref name="coolDown"/>
    /// before this sighting's first frame; the update takes the last seen time, the track, the most supporting shots
    /// and the best score with its snapshot. Anything else raises a new alert: another deployment (each owns its
    /// alerts, under its own authorisation), a person gone longer than the cool-down, or an alert that a reviewer has
    /// already confirmed, dismissed or confirmed once (a decision is never made on an alert that changed under it).
    /// Returns the alert and whether it was an update.
    /// </summary>
    public Task<(StoredAlert Alert, bool Updated)> RaiseOrUpdateAlertAsync(NewAlert alert, TimeSpan coolDown, CancellationToken ct = default) =>
        WriteAsync(
            async (connection, transaction, _) =>
            {
                var now = _time.GetUtcNow();
                long? existing = null;
                float previousScore = 0;
                await using (var find = connection.Command(
                    transaction,
                    """
                    SELECT id, score FROM alerts
                    WHERE deployment = @d AND camera_id = @c AND subject_id = @s AND status = @open AND last_seen_ticks >= @since
                      AND NOT EXISTS (SELECT 1 FROM alert_decisions WHERE alert_decisions.alert_id = alerts.id)
                    ORDER BY id DESC LIMIT 1
                    """))
                {
                    // The episode continues while the person was seen within the cool-down before this track began.
                    var since = (alert.FirstSeenAt < alert.LastSeenAt ? alert.FirstSeenAt : alert.LastSeenAt) - coolDown;
                    find.Add("d", alert.Deployment).Add("c", alert.CameraId).Add("s", alert.SubjectId).Add("open", nameof(AlertStatus.Open)).Add("since", since.UtcTicks);
                    await using var reader = await find.ExecuteReaderAsync(ct);
                    if (await reader.ReadAsync(ct))
                    {
                        existing = reader.GetInt64(0);
                        previousScore = Convert.ToSingle(reader.GetValue(1), CultureInfo.InvariantCulture);
                    }
                }

                if (existing is { } id)
                {
                    await using (var update = connection.Command(
                        transaction,
                        """
                        UPDATE alerts SET last_seen_ticks = @last, track_id = @track, updated_at_ticks = @now,
                          supporting_shots = CASE WHEN supporting_shots > @shots THEN supporting_shots ELSE @shots END,
                          score = CASE WHEN score > @score THEN score ELSE @score END,
                          deciding_frame_ticks = CASE WHEN score > @score THEN deciding_frame_ticks ELSE @frame END
                        WHERE id = @id
                        """))
                    {
                        update.Add("last", alert.LastSeenAt.UtcTicks).Add("track", alert.TrackId).Add("now", now.UtcTicks).Add("shots", alert.SupportingShots)
                            .Add("score", alert.Score).Add("frame", (alert.DecidingFrameAt ?? alert.LastSeenAt).UtcTicks).Add("id", id);
                        await update.ExecuteNonQueryAsync(ct);
                    }

                    if (alert.Score > previousScore && alert.SnapshotPng.Length > 0)
                    {
                        await using var snapshot = connection.Command(transaction, "UPDATE alert_snapshots SET png = @p WHERE alert_id = @id");
                        snapshot.Add("p", alert.SnapshotPng).Add("id", id);
                        await snapshot.ExecuteNonQueryAsync(ct);
                    }

                    return ((await FindAlertAsync(connection, transaction, id, ct))!, true);
                }

                long newId;
                await using (var insert = connection.Command(
                    transaction,
                    """
                    INSERT INTO alerts (deployment, camera_id, site, track_id, entry_id, subject_id, template_id, watchlist, category, severity, colour, score,
                      supporting_shots, first_seen_ticks, last_seen_ticks, raised_at_ticks, status, updated_at_ticks, deciding_frame_ticks)
                    VALUES (@d, @c, @site, @track, @e, @s, @tpl, @w, @cat, @sev, @col, @score, @shots, @first, @last, @now, @status, @now, @frame) RETURNING id
                    """))
                {
                    insert.Add("d", alert.Deployment).Add("c", alert.CameraId).Add("site", alert.Site).Add("track", alert.TrackId).Add("e", alert.EntryId)
                        .Add("s", alert.SubjectId).Add("tpl", alert.TemplateId).Add("w", alert.Watchlist).Add("cat", alert.Category.ToString())
                        .Add("sev", alert.Severity.ToString()).Add("col", alert.Colour).Add("score", alert.Score).Add("shots", alert.SupportingShots)
                        .Add("first", alert.FirstSeenAt.UtcTicks).Add("last", alert.LastSeenAt.UtcTicks).Add("now", now.UtcTicks).Add("status", nameof(AlertStatus.Open))
                        .Add("frame", (alert.DecidingFrameAt ?? alert.LastSeenAt).UtcTicks);
                    newId = await insert.ScalarInt64Async(ct);
                }

                await using (var snapshot = connection.Command(transaction, "INSERT INTO alert_snapshots (alert_id, png) VALUES (@id, @p)"))
                {
                    snapshot.Add("id", newId).Add("p", alert.SnapshotPng);
                    await snapshot.ExecuteNonQueryAsync(ct);
                }

                return ((await FindAlertAsync(connection, transaction, newId, ct))!, false);
            },
            ct);

    public Task<StoredAlert?> GetAlertAsync(long id, CancellationToken ct = default) =>
        ReadAsync((connection, transaction, ct) => FindAlertAsync(connection, transaction, id, ct), ct);

    /// <summary>The alert's snapshot crop (PNG), or null.</summary>
    public Task<byte[]?> GetAlertSnapshotAsync(long alertId, CancellationToken ct = default) =>
        ReadAsync(
            async (connection, transaction, ct) =>
            {
                await using var command = connection.Command(transaction, "SELECT png FROM alert_snapshots WHERE alert_id = @id");
                command.Add("id", alertId);
                return await command.ExecuteScalarAsync(ct) as byte[];
            },
            ct);

    public Task<IReadOnlyList<StoredAlert>> ListAlertsAsync(AlertFilter filter, CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<StoredAlert>>(
            async (connection, transaction, ct) =>
            {
                var where = new List<string> { "1 = 1" };
                await using var command = connection.Command(transaction, "");
                if (filter.Sites is { } sites)
                {
                    if (sites.Count == 0)
                    {
                        return [];
                    }

                    var names = new List<string>();
                    foreach (var (site, i) in sites.Order(StringComparer.Ordinal).Select((s, i) => (s, i)))
                    {
                        names.Add("@site" + i.ToString(CultureInfo.InvariantCulture));
                        command.Add("site" + i.ToString(CultureInfo.InvariantCulture), site);
                    }

                    where.Add($"site IN ({string.Join(", ", names)})");
                }

                if (filter.Status is { } status)
                {
                    where.Add("status = @status");
                    command.Add("status", status.ToString());
                }

                if (filter.Deployment is { } deployment)
                {
                    where.Add("deployment = @deployment");
                    command.Add("deployment", deployment);
                }

                if (filter.Since is { } since)
                {
                    where.Add("raised_at_ticks >= @since");
                    command.Add("since", since.UtcTicks);
                }

                if (filter.Until is { } until)
                {
                    where.Add("raised_at_ticks < @until");
                    command.Add("until", until.UtcTicks);
                }

                if (filter.Camera is { } camera)
                {
                    where.Add("camera_id = @camera");
                    command.Add("camera", camera);
                }

                if (filter.Watchlist is { } watchlist)
                {
                    where.Add("watchlist = @watchlist");
                    command.Add("watchlist", watchlist);
                }

                if (filter.BeforeId is { } before)
                {
                    where.Add("id < @before");
                    command.Add("before", before);
                }

#pragma warning disable CA2100 // built from constants; values are parameters
                command.CommandText = $"{AlertColumns} WHERE {string.Join(" AND ", where)} ORDER BY id DESC LIMIT {Math.Clamp(filter.Limit, 1, 10_000)}";
#pragma warning restore CA2100
                var alerts = new List<StoredAlert>();
                await using (var reader = await command.ExecuteReaderAsync(ct))
                {
                    while (await reader.ReadAsync(ct))
                    {
                        alerts.Add(ReadAlert(reader, []));
                    }
                }

                var result = new List<StoredAlert>(alerts.Count);
                foreach (var a in alerts)
                {
                    result.Add(a with { Decisions = await ReadDecisionsAsync(connection, transaction, a.Id, ct) });
                }

                return result;
            },
            ct);

    /// <summary>
    /// Records one review decision: <paramref name="decide"/> gets the alert as stored (inside the write transaction)
    /// and returns the decision and the status it leads to, or throws to refuse (nothing written). When the status
    /// becomes final (confirmed or dismissed) the template's counts are updated and <paramref name="monitor"/>, seeded
    /// with them, says whether the template must now be flagged for review. Concurrent decisions on one alert:
    /// <c>alert.conflict</c> for the later one.
    /// </summary>
    public Task<(StoredAlert Alert, AlertDecision Decision, TemplateReviewFlag? Flag)> DecideAlertAsync(
        long alertId, Func<StoredAlert, (AlertDecision Decision, AlertStatus Status)> decide, DismissalMonitor monitor, CancellationToken ct = default) =>
        WriteAsync(
            async (connection, transaction, _) =>
            {
                var alert = await FindAlertAsync(connection, transaction, alertId, ct) ?? throw AlertNotFound(alertId);
                var (decision, status) = decide(alert);
                await using (var insert = connection.Command(
                    transaction, "INSERT INTO alert_decisions (alert_id, seq, by_user, verdict, reason, at_ticks) VALUES (@a, @s, @b, @v, @r, @t)"))
                {
                    insert.Add("a", alertId).Add("s", alert.Decisions.Count + 1).Add("b", decision.By).Add("v", decision.Verdict.ToString()).Add("r", decision.Reason)
                        .Add("t", decision.At.UtcTicks);
                    try
                    {
                        await insert.ExecuteNonQueryAsync(ct);
                    }
                    catch (DbException e) when (_dialect.IsUniqueViolation(e))
                    {
                        throw new ArgusException("alert.conflict", $"Alert {alertId} was decided by someone else at the same time; show it again and retry.", e);
                    }
                }

                await using (var update = connection.Command(transaction, "UPDATE alerts SET status = @s, updated_at_ticks = @t WHERE id = @a"))
                {
                    update.Add("s", status.ToString()).Add("t", decision.At.UtcTicks).Add("a", alertId);
                    await update.ExecuteNonQueryAsync(ct);
                }

                TemplateReviewFlag? flag = null;
                if (status is AlertStatus.Confirmed or AlertStatus.Dismissed)
                {
                    var counts = await FindDismissalsAsync(connection, transaction, alert.TemplateId, ct);
                    monitor.Restore(alert.TemplateId, counts?.Dismissed ?? 0, counts?.Decided ?? 0);
                    flag = monitor.Record(alert.TemplateId, status);
                    var (dismissed, decided) = monitor.CountsOf(alert.TemplateId);
                    await using var upsert = connection.Command(
                        transaction,
                        counts is null
                            ? "INSERT INTO template_dismissals (template_id, dismissed, decided, flagged_at_ticks) VALUES (@t, @d, @n, @f)"
                            : "UPDATE template_dismissals SET dismissed = @d, decided = @n, flagged_at_ticks = COALESCE(flagged_at_ticks, @f) WHERE template_id = @t");
                    upsert.Add("t", alert.TemplateId).Add("d", dismissed).Add("n", decided).Add("f", flag is null ? null : decision.At.UtcTicks);
                    await upsert.ExecuteNonQueryAsync(ct);
                }

                return ((await FindAlertAsync(connection, transaction, alertId, ct))!, decision, flag);
            },
            ct);

    /// <summary>Templates whose alerts keep being dismissed, flagged for a person to review (newest flag first).</summary>
    public Task<IReadOnlyList<TemplateDismissals>> ListFlaggedTemplatesAsync(CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<TemplateDismissals>>(
            async (connection, transaction, ct) =>
            {
                await using var command = connection.Command(
                    transaction, "SELECT template_id, dismissed, decided, flagged_at_ticks FROM template_dismissals WHERE flagged_at_ticks IS NOT NULL ORDER BY flagged_at_ticks DESC");
                await using var reader = await command.ExecuteReaderAsync(ct);
                var list = new List<TemplateDismissals>();
                while (await reader.ReadAsync(ct))
                {
                    list.Add(ReadDismissals(reader));
                }

                return list;
            },
            ct);

    public Task<TemplateDismissals?> GetTemplateDismissalsAsync(long templateId, CancellationToken ct = default) =>
        ReadAsync((connection, transaction, ct) => FindDismissalsAsync(connection, transaction, templateId, ct), ct);

    /// <summary>Alerts raised in [from, to), and alerts whose final decision fell in it (from the stored decisions).</summary>
    public Task<AlertCounts> CountAlertsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default) =>
        ReadAsync(
            async (connection, transaction, ct) =>
            {
                long raised;
                await using (var count = connection.Command(transaction, "SELECT COUNT(*) FROM alerts WHERE raised_at_ticks >= @f AND raised_at_ticks < @t"))
                {
                    count.Add("f", from.UtcTicks).Add("t", to.UtcTicks);
                    raised = await count.ScalarInt64Async(ct);
                }

                long confirmed = 0, dismissed = 0, awaiting = 0;
                await using var decided = connection.Command(
                    transaction,
                    """
                    SELECT a.status, MAX(d.at_ticks) FROM alerts a JOIN alert_decisions d ON d.alert_id = a.id
                    GROUP BY a.id, a.status
                    """);
                await using var reader = await decided.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    var last = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
                    if (last < from.UtcTicks || last >= to.UtcTicks)
                    {
                        continue;
                    }

                    switch (Enum.Parse<AlertStatus>(reader.GetString(0)))
                    {
                        case AlertStatus.Confirmed:
                            confirmed++;
                            break;
                        case AlertStatus.Dismissed:
                            dismissed++;
                            break;
                        case AlertStatus.AwaitingSecondConfirmation:
                            awaiting++;
                            break;
                    }
                }

                return new AlertCounts(raised, confirmed, dismissed, awaiting);
            },
            ct);

    /// <summary>
    /// Retention: deletes alerts raised before <paramref name="cutoff"/> with their snapshots and decisions, and webhook
    /// dead letters (which carry the alert's body) older than it. Per-template dismissal counts stay (numbers only).
    /// </summary>
    public Task<AlertRetentionResult> DeleteAlertsBeforeAsync(DateTimeOffset cutoff, CancellationToken ct = default) =>
        WriteAsync(
            async (connection, transaction, _) =>
            {
                async Task<int> Run(string sql)
                {
                    await using var command = connection.Command(transaction, sql);
                    command.Add("c", cutoff.UtcTicks);
                    return await command.ExecuteNonQueryAsync(ct);
                }

                var snapshots = await Run("DELETE FROM alert_snapshots WHERE alert_id IN (SELECT id FROM alerts WHERE raised_at_ticks < @c)");
                var decisions = await Run("DELETE FROM alert_decisions WHERE alert_id IN (SELECT id FROM alerts WHERE raised_at_ticks < @c)");
                var alerts = await Run("DELETE FROM alerts WHERE raised_at_ticks < @c");
                var letters = await Run("DELETE FROM webhook_dead_letters WHERE at_ticks < @c");
                return new AlertRetentionResult(alerts, snapshots, decisions, letters);
            },
            ct);

    private static async Task<StoredAlert?> FindAlertAsync(DbConnection connection, DbTransaction transaction, long id, CancellationToken ct)
    {
        StoredAlert alert;
        await using (var command = connection.Command(transaction, $"{AlertColumns} WHERE id = @id"))
        {
            command.Add("id", id);
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                return null;
            }

            alert = ReadAlert(reader, []);
        }

        return alert with { Decisions = await ReadDecisionsAsync(connection, transaction, id, ct) };
    }

    private static async Task<IReadOnlyList<AlertDecision>> ReadDecisionsAsync(DbConnection connection, DbTransaction transaction, long alertId, CancellationToken ct)
    {
        await using var command = connection.Command(transaction, "SELECT by_user, verdict, reason, at_ticks FROM alert_decisions WHERE alert_id = @a ORDER BY seq");
        command.Add("a", alertId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var list = new List<AlertDecision>();
        while (await reader.ReadAsync(ct))
        {
            list.Add(new AlertDecision(reader.GetString(0), Enum.Parse<AlertVerdict>(reader.GetString(1)), reader.GetString(2), Ticks(reader.GetInt64(3))));
        }

        return list;
    }

    private static async Task<TemplateDismissals?> FindDismissalsAsync(DbConnection connection, DbTransaction transaction, long templateId, CancellationToken ct)
    {
        await using var command = connection.Command(transaction, "SELECT template_id, dismissed, decided, flagged_at_ticks FROM template_dismissals WHERE template_id = @t");
        command.Add("t", templateId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadDismissals(reader) : null;
    }

    private static TemplateDismissals ReadDismissals(DbDataReader r) => new(
        r.GetInt64(0), Convert.ToInt32(r.GetValue(1), CultureInfo.InvariantCulture), Convert.ToInt32(r.GetValue(2), CultureInfo.InvariantCulture),
        r.IsDBNull(3) ? null : Ticks(r.GetInt64(3)));

    private static StoredAlert ReadAlert(DbDataReader r, IReadOnlyList<AlertDecision> decisions) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetNullableString(3), r.GetInt64(4), r.GetInt64(5), r.GetInt64(6), r.GetInt64(7), r.GetString(8),
        Enum.Parse<WatchlistCategory>(r.GetString(9)), Enum.Parse<Severity>(r.GetString(10)), r.GetString(11),
        Convert.ToSingle(r.GetValue(12), CultureInfo.InvariantCulture), Convert.ToInt32(r.GetValue(13), CultureInfo.InvariantCulture),
        Ticks(r.GetInt64(14)), Ticks(r.GetInt64(15)), Ticks(r.GetInt64(16)), Enum.Parse<AlertStatus>(r.GetString(17)), Ticks(r.GetInt64(18)), decisions)
    {
        DecidingFrameAt = r.IsDBNull(19) ? null : Ticks(r.GetInt64(19)),
    };

    private static ArgusException AlertNotFound(long id) => new("alert.not_found", $"There is no alert with id {id} (see argus alert list).");
}
