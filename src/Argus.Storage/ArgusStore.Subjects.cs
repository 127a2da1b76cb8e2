using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Argus.Core;
using Argus.Core.Watchlists;
using Argus.Storage.Sql;

namespace Argus.Storage;

public sealed partial class ArgusStore
{
    private const string SubjectColumns = "id, display_name, date_of_birth, attributes, external_ref, created_at, updated_at";

    public Task<Subject> CreateSubjectAsync(NewSubject subject, CancellationToken ct = default)
    {
        ValidateSubject(subject);
        var now = _time.GetUtcNow();
        return WriteAsync((connection, transaction, _) => InsertSubjectAsync(connection, transaction, subject, now, ct), ct);
    }

    private async Task<Subject> InsertSubjectAsync(DbConnection connection, DbTransaction transaction, NewSubject subject, DateTimeOffset now, CancellationToken ct)
    {
        var attributes = subject.Attributes?.ToJsonString();
        await using var command = connection.Command(
            transaction,
            $"""
            INSERT INTO subjects (display_name, date_of_birth, attributes, external_ref, created_at, updated_at)
            VALUES (@name, @dob, {_dialect.Json("@attributes")}, @ref, @now, @now)
            RETURNING id
            """);
        command.Add("name", subject.DisplayName).Add("dob", subject.DateOfBirth).Add("attributes", attributes)
            .Add("ref", subject.ExternalReference).Add("now", now);
        var id = await command.ScalarInt64Async(ct);
        return new Subject(id, subject.DisplayName, subject.DateOfBirth, Parse(attributes), subject.ExternalReference, now, now);
    }

    /// <summary>Replaces a subject's details (name, date of birth, attributes, external reference); templates are untouched.</summary>
    public Task<Subject> UpdateSubjectAsync(long id, NewSubject details, CancellationToken ct = default)
    {
        ValidateSubject(details);
        var now = _time.GetUtcNow();
        var attributes = details.Attributes?.ToJsonString();
        return WriteAsync(
            async (connection, transaction, _) =>
            {
                await using var command = connection.Command(
                    transaction,
                    $"""
                    UPDATE subjects SET display_name = @name, date_of_birth = @dob, attributes = {_dialect.Json("@attributes")},
                      external_ref = @ref, updated_at = @now
                    WHERE id = @id
                    """);
                command.Add("name", details.DisplayName).Add("dob", details.DateOfBirth).Add("attributes", attributes)
                    .Add("ref", details.ExternalReference).Add("now", now).Add("id", id);
                if (await command.ExecuteNonQueryAsync(ct) == 0)
                {
                    throw SubjectNotFound(id);
                }

                return (await QuerySubjectsAsync(connection, transaction, "id = @key", id, ct))[0];
            },
            ct);
    }

    /// <summary>The subject with this id, or null.</summary>
    public Task<Subject?> GetSubjectAsync(long id, CancellationToken ct = default) =>
        ReadAsync(
            async (connection, transaction, ct) =>
            {
                var found = await QuerySubjectsAsync(connection, transaction, "id = @key", id, ct);
                return found.Count == 0 ? null : found[0];
            },
            ct);

    /// <summary>
    /// Where a subject is held: the names of the galleries with its templates and the watchlists with its entries (any
    /// state), so that a caller can tell whether attaching something to it stays inside its own scope.
    /// </summary>
    public Task<(IReadOnlyList<string> Galleries, IReadOnlyList<string> Watchlists)> GetSubjectHoldingsAsync(long subjectId, CancellationToken ct = default) =>
        ReadAsync<(IReadOnlyList<string>, IReadOnlyList<string>)>(
            async (connection, transaction, ct) =>
            {
                async Task<IReadOnlyList<string>> NamesAsync(string sql)
                {
                    await using var command = connection.Command(transaction, sql);
                    command.Add("s", subjectId);
                    await using var reader = await command.ExecuteReaderAsync(ct);
                    var names = new List<string>();
                    while (await reader.ReadAsync(ct))
                    {
                        names.Add(reader.GetString(0));
                    }

                    return names;
                }

                return (
                    await NamesAsync("SELECT DISTINCT g.name FROM templates t JOIN galleries g ON g.id = t.gallery_id WHERE t.subject_id = @s ORDER BY g.name"),
                    await NamesAsync("SELECT DISTINCT w.name FROM watchlist_entries e JOIN watchlists w ON w.id = e.watchlist_id WHERE e.subject_id = @s ORDER BY w.name"));
            },
            ct);

    /// <summary>Subjects carrying this external reference (the integrator's own id for the person), oldest first.</summary>
    public Task<IReadOnlyList<Subject>> FindSubjectsByExternalReferenceAsync(string externalReference, CancellationToken ct = default) =>
        ReadAsync((connection, transaction, ct) => QuerySubjectsAsync(connection, transaction, "external_ref = @key", externalReference, ct), ct);

    /// <summary>
    /// Erasure: deletes the subject, all its templates in every gallery and their face crops in one transaction, and
    /// returns a receipt. After it returns, no stream or fingerprint read shows the templates; indexes learn of the
    /// removal from <see cref="DeletionReceipt.RemovedTemplateIds"/> or from the changed fingerprints.
    /// </summary>
    public async Task<DeletionReceipt> DeleteSubjectAsync(long subjectId, CancellationToken ct = default)
    {
        var now = _time.GetUtcNow();
        var receipt = await WriteAsync(
            async (connection, transaction, sequence) =>
            {
                var found = await QuerySubjectsAsync(connection, transaction, "id = @key", subjectId, ct);
                if (found.Count == 0)
                {
                    throw SubjectNotFound(subjectId);
                }

                // An entry that is proposed or active ends only through its own removal (an approver or its proposer,
                // with a reason, audited); erasing the person underneath it would take it off the list by the back door.
                await using (var live = connection.Command(
                    transaction, "SELECT id FROM watchlist_entries WHERE subject_id = @s AND state IN (@proposed, @active) ORDER BY id"))
                {
                    live.Add("s", subjectId).Add("proposed", nameof(EntryState.Proposed)).Add("active", nameof(EntryState.Active));
                    await using var reader = await live.ExecuteReaderAsync(ct);
                    var entries = new List<long>();
                    while (await reader.ReadAsync(ct))
                    {
                        entries.Add(reader.GetInt64(0));
                    }

                    if (entries.Count > 0)
                    {
                        throw new ArgusException(
                            "subject.in_watchlist",
                            $"Subject {subjectId} is on a watchlist (entry {string.Join(", ", entries)}): remove the entry first (POST /api/v1/entries/{{id}}/remove or `argus entry remove`), then erase the subject.");
                    }
                }

                var templateIds = new List<long>();
                var perGallery = new SortedDictionary<long, long>();
                await using (var select = connection.Command(transaction, "SELECT id, gallery_id FROM templates WHERE subject_id = @s ORDER BY id"))
                {
                    select.Add("s", subjectId);
                    await using var reader = await select.ExecuteReaderAsync(ct);
                    while (await reader.ReadAsync(ct))
                    {
                        templateIds.Add(reader.GetInt64(0));
                        var gallery = reader.GetInt64(1);
                        perGallery[gallery] = perGallery.GetValueOrDefault(gallery) + 1;
                    }
                }

                int crops;
                await using (var deleteCrops = connection.Command(
                    transaction, "DELETE FROM face_crops WHERE template_id IN (SELECT id FROM templates WHERE subject_id = @s)"))
                {
                    crops = await deleteCrops.Add("s", subjectId).ExecuteNonQueryAsync(ct);
                }

                await using (var deleteTemplates = connection.Command(transaction, "DELETE FROM templates WHERE subject_id = @s"))
                {
                    await deleteTemplates.Add("s", subjectId).ExecuteNonQueryAsync(ct);
                }

                // Entries and their versions hold the legal basis about this person: erased with them (the audit keeps the record of it).
                foreach (var sql in (string[])[
                    "DELETE FROM entry_versions WHERE entry_id IN (SELECT id FROM watchlist_entries WHERE subject_id = @s)",
                    "DELETE FROM watchlist_entries WHERE subject_id = @s",
                ])
                {
                    await using var deleteEntries = connection.Command(transaction, sql);
                    await deleteEntries.Add("s", subjectId).ExecuteNonQueryAsync(ct);
                }

                await using (var deleteSubject = connection.Command(transaction, "DELETE FROM subjects WHERE id = @s"))
                {
                    await deleteSubject.Add("s", subjectId).ExecuteNonQueryAsync(ct);
                }

                foreach (var (gallery, removed) in perGallery)
                {
                    await using var update = connection.Command(
                        transaction, "UPDATE galleries SET template_count = template_count - @n, change_seq = @seq WHERE id = @g");
                    await update.Add("n", removed).Add("seq", sequence).Add("g", gallery).ExecuteNonQueryAsync(ct);
                }

                return Receipt(subjectId, templateIds, crops, [.. perGallery.Keys], now, sequence);
            },
            ct);
        Log.SubjectErased(Options.Logger, receipt.SubjectId, receipt.TemplatesRemoved, receipt.FaceCropsRemoved, receipt.ReceiptSha256);
        return receipt;
    }

    internal static DeletionReceipt Receipt(long subjectId, List<long> templateIds, int crops, long[] galleries, DateTimeOffset at, long sequence)
    {
        var text = new StringBuilder()
            .Append("argus-erasure-v1\n")
            .Append(CultureInfo.InvariantCulture, $"subject:{subjectId}\n")
            .Append("templates:").AppendJoin(',', templateIds).Append('\n')
            .Append(CultureInfo.InvariantCulture, $"face_crops:{crops}\n")
            .Append("galleries:").AppendJoin(',', galleries).Append('\n')
            .Append(CultureInfo.InvariantCulture, $"erased_at:{at.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffffffZ}\n")
            .Append(CultureInfo.InvariantCulture, $"change_seq:{sequence}\n")
            .ToString();
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
        return new DeletionReceipt(subjectId, templateIds.Count, crops, templateIds, galleries, at, sequence, text, hash);
    }

    private static async Task<IReadOnlyList<Subject>> QuerySubjectsAsync(
        DbConnection connection, DbTransaction transaction, string where, object key, CancellationToken ct)
    {
        await using var command = connection.Command(transaction, $"SELECT {SubjectColumns} FROM subjects WHERE {where} ORDER BY id");
        command.Add("key", key);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var subjects = new List<Subject>();
        while (await reader.ReadAsync(ct))
        {
            subjects.Add(new Subject(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<DateOnly>(2),
                Parse(reader.GetNullableString(3)),
                reader.GetNullableString(4),
                reader.GetTimestamp(5),
                reader.GetTimestamp(6)));
        }

        return subjects;
    }

    private static void ValidateSubject(NewSubject subject)
    {
        if (string.IsNullOrWhiteSpace(subject.DisplayName) || subject.DisplayName.Length > 200)
        {
            throw new ArgusException("subject.invalid_name", "A subject needs a display name of 1-200 characters.");
        }
    }

    private static JsonObject? Parse(string? json) => json is null ? null : JsonNode.Parse(json) as JsonObject;

    private static ArgusException SubjectNotFound(long id) => new("subject.not_found", $"There is no subject with id {id}.");
}
