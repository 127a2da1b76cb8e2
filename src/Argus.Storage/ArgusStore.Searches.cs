using System.Data.Common;
using Argus.Core;
using Argus.Core.Purposes;
using Argus.Storage.Sql;

namespace Argus.Storage;

/// <summary>A purpose-bound 1:N search as recorded: who, why, what was searched, its authorisation and how many candidates it returned.</summary>
public sealed record SearchRecord(
    long Id,
    string User,
    SearchPurpose Purpose,
    string CaseReference,
    string Justification,
    IReadOnlyList<string> Targets,
    AuthorisationStatus Status,
    string? AuthorisationReference,
    DateTimeOffset? AuthorisationDue,
    DateTimeOffset? AuthorisedAt,
    string? AuthorisedBy,
    string ProbeSha256,
    int Candidates,
    DateTimeOffset PerformedAt,
    long? AuthorisationId = null)
{
    /// <summary>An urgent search whose authorisation was not filed within the window.</summary>
    public bool IsOverdueAt(DateTimeOffset now) => Status == AuthorisationStatus.Pending && AuthorisationDue < now;
}

/// <summary>
/// Searches, kept so that urgent ones can be authorised later, overdue ones flagged, and per-user rate limits counted
/// across processes. Refusals: <c>search.not_found</c>, <c>search.not_pending</c>.
/// </summary>
public sealed partial class ArgusStore
{
    private const string SearchColumns =
        "id, user_name, purpose, case_reference, justification, targets, authorisation_status, authorisation_ref, authorisation_due_ticks, authorised_at_ticks, authorised_by, probe_sha256, candidates, performed_at_ticks, authorisation_id";

    /// <summary>Stores a search (the id in <paramref name="search"/> is ignored) and returns it with its id.</summary>
    public Task<SearchRecord> RecordSearchAsync(SearchRecord search, CancellationToken ct = default) =>
        WriteAsync(
            async (connection, transaction, _) =>
            {
                await using var insert = connection.Command(
                    transaction,
                    $"INSERT INTO searches ({SearchColumns[4..]}) VALUES (@u, @p, @c, @j, @t, @s, @r, @d, @a, @b, @h, @n, @at, @ai) RETURNING id");
                insert.Add("u", search.User).Add("p", search.Purpose.ToString()).Add("c", search.CaseReference).Add("j", search.Justification)
                    .Add("t", string.Join(',', search.Targets)).Add("s", search.Status.ToString()).Add("r", search.AuthorisationReference)
                    .Add("d", search.AuthorisationDue?.UtcTicks).Add("a", search.AuthorisedAt?.UtcTicks).Add("b", search.AuthorisedBy)
                    .Add("h", search.ProbeSha256).Add("n", search.Candidates).Add("at", search.PerformedAt.UtcTicks).Add("ai", search.AuthorisationId);
                return search with { Id = await insert.ScalarInt64Async(ct) };
            },
            ct);

    /// <summary>Searches by <paramref name="user"/> since <paramref name="since"/>: the persisted count behind the per-user rate limit.</summary>
    public Task<int> CountSearchesAsync(string user, DateTimeOffset since, CancellationToken ct = default) =>
        ReadAsync(
            async (connection, transaction, ct) =>
            {
                await using var command = connection.Command(transaction, "SELECT COUNT(*) FROM searches WHERE user_name = @u AND performed_at_ticks > @t");
                command.Add("u", user).Add("t", since.UtcTicks);
                return (int)await command.ScalarInt64Async(ct);
            },
            ct);

    /// <summary>Files the authorisation (its reference) of a pending (urgent) search.</summary>
    public Task<SearchRecord> AuthoriseSearchAsync(long id, string reference, string by, CancellationToken ct = default) => AuthoriseSearchAsync(id, reference, by, null, ct);

    /// <summary>As <see cref="AuthoriseSearchAsync(long, string, string, CancellationToken)"/>, naming the recorded authorisation <paramref name="authorisationId"/>.</summary>
    public Task<SearchRecord> AuthoriseSearchAsync(long id, string reference, string by, long? authorisationId, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(reference))
        {
            throw new ArgusException("search.refused", "The authorisation reference is required.");
        }

        return WriteAsync(
            async (connection, transaction, _) =>
            {
                var search = await FindSearchAsync(connection, transaction, id, ct) ?? throw new ArgusException("search.not_found", $"There is no search with id {id}.");
                if (search.Status != AuthorisationStatus.Pending)
                {
                    throw new ArgusException("search.not_pending", $"Search {id} is {search.Status.ToString().ToLowerInvariant()}: only an urgent search awaiting its authorisation can be authorised.");
                }

                var now = _time.GetUtcNow();
                await using var update = connection.Command(
                    transaction, "UPDATE searches SET authorisation_status = @s, authorisation_ref = @r, authorised_at_ticks = @t, authorised_by = @b, authorisation_id = @ai WHERE id = @id");
                update.Add("s", nameof(AuthorisationStatus.Authorised)).Add("r", reference).Add("t", now.UtcTicks).Add("b", by).Add("ai", authorisationId).Add("id", id);
                await update.ExecuteNonQueryAsync(ct);
                return search with { Status = AuthorisationStatus.Authorised, AuthorisationReference = reference, AuthorisedAt = now, AuthorisedBy = by, AuthorisationId = authorisationId };
            },
            ct);
    }

    public Task<SearchRecord?> GetSearchAsync(long id, CancellationToken ct = default) =>
        ReadAsync((connection, transaction, ct) => FindSearchAsync(connection, transaction, id, ct), ct);

    /// <summary>Searches performed in [<paramref name="from"/>, <paramref name="to"/>), oldest first.</summary>
    public Task<IReadOnlyList<SearchRecord>> ListSearchesAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default) =>
        QuerySearchesAsync("performed_at_ticks >= @a AND performed_at_ticks < @b", c => c.Add("a", from.UtcTicks).Add("b", to.UtcTicks), ct);

    /// <summary>Urgent searches still without their authorisation after the window, as of <paramref name="now"/>.</summary>
    public Task<IReadOnlyList<SearchRecord>> ListOverdueSearchesAsync(DateTimeOffset now, CancellationToken ct = default) =>
        QuerySearchesAsync(
            "authorisation_status = @s AND authorisation_due_ticks < @now",
            c => c.Add("s", nameof(AuthorisationStatus.Pending)).Add("now", now.UtcTicks),
            ct);

    private Task<IReadOnlyList<SearchRecord>> QuerySearchesAsync(string where, Action<DbCommand> bind, CancellationToken ct) =>
        ReadAsync<IReadOnlyList<SearchRecord>>(
            async (connection, transaction, ct) =>
            {
                await using var command = connection.Command(transaction, $"SELECT {SearchColumns} FROM searches WHERE {where} ORDER BY id");
                bind(command);
                await using var reader = await command.ExecuteReaderAsync(ct);
                var list = new List<SearchRecord>();
                while (await reader.ReadAsync(ct))
                {
                    list.Add(ReadSearch(reader));
                }

                return list;
            },
            ct);

    private static async Task<SearchRecord?> FindSearchAsync(DbConnection connection, DbTransaction transaction, long id, CancellationToken ct)
    {
        await using var command = connection.Command(transaction, $"SELECT {SearchColumns} FROM searches WHERE id = @id");
        command.Add("id", id);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadSearch(reader) : null;
    }

    private static SearchRecord ReadSearch(DbDataReader r)
    {
        static DateTimeOffset? Ticks(DbDataReader r, int i) => r.IsDBNull(i) ? null : new DateTimeOffset(r.GetInt64(i), TimeSpan.Zero);
        return new SearchRecord(
            r.GetInt64(0),
            r.GetString(1),
            Enum.Parse<SearchPurpose>(r.GetString(2)),
            r.GetString(3),
            r.GetString(4),
            r.GetString(5).Split(',', StringSplitOptions.RemoveEmptyEntries),
            Enum.Parse<AuthorisationStatus>(r.GetString(6)),
            r.GetNullableString(7),
            Ticks(r, 8),
            Ticks(r, 9),
            r.GetNullableString(10),
            r.GetString(11),
            r.GetInt32(12),
            new DateTimeOffset(r.GetInt64(13), TimeSpan.Zero),
            r.IsDBNull(14) ? null : r.GetInt64(14));
    }
}
