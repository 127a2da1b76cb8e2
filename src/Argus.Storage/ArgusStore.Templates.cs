using System.Data.Common;
using System.Runtime.CompilerServices;
using Argus.Core;
using Argus.Storage.Sql;

namespace Argus.Storage;

public sealed partial class ArgusStore
{
    private const string TemplateColumns =
        "t.id, t.gallery_id, t.subject_id, t.embedding, t.raw_norm, t.quality, t.source_sha256, " +
        "CASE WHEN c.template_id IS NULL THEN 0 ELSE 1 END, t.enrolled_by, t.enrolled_at " +
        "FROM templates t LEFT JOIN face_crops c ON c.template_id = t.id";

    private const string InsertTemplateSql =
        "INSERT INTO templates (gallery_id, subject_id, embedding, raw_norm, quality, source_sha256, enrolled_by, enrolled_at) " +
        "VALUES (@g, @s, @e, @norm, @q, @hash, @by, @at) RETURNING id";

    private static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Enrols one template; returns its id. See <see cref="AddTemplatesAsync"/> for what is refused.</summary>
    public async Task<long> AddTemplateAsync(long galleryId, NewTemplate template, CancellationToken ct = default) =>
        (await AddTemplatesAsync(galleryId, [template], ct))[0];

    /// <summary>
    /// Enrols templates in one transaction: all or none. Returns their ids in input order; once it returns they are
    /// durable. Refused: unknown gallery (<c>gallery.not_found</c>) or subject (<c>subject.not_found</c>), another
    /// contract (<c>template.contract_mismatch</c>) or dimension (<c>template.dimension_mismatch</c>) than the
    /// gallery's, NaN/infinite/zero vectors (<c>template.invalid_vector</c>), the same source image enrolled twice for
    /// a subject in a gallery (<c>template.duplicate</c>), a malformed hash, enroller or crop.
    /// </summary>
    public Task<IReadOnlyList<long>> AddTemplatesAsync(long galleryId, IReadOnlyList<NewTemplate> templates, CancellationToken ct = default)
    {
        if (templates.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<long>>([]);
        }

        var rows = new PreparedTemplate[templates.Count];
        for (var i = 0; i < templates.Count; i++)
        {
            rows[i] = Prepare(templates[i], templates.Count == 1 ? "Template" : $"Template {i}");
        }

        var now = _time.GetUtcNow();
        return WriteAsync<IReadOnlyList<long>>(
            async (connection, transaction, sequence) => await InsertTemplatesAsync(connection, transaction, sequence, galleryId, templates, rows, now, ct),
            ct);
    }

    /// <summary>
    /// Enrolment of a new subject: creates the subject and its templates (their <see cref="NewTemplate.SubjectId"/>
    /// replaced by the new subject's id) in one transaction, so a refused template leaves no empty subject behind.
    /// Refused as <see cref="AddTemplatesAsync"/> refuses, and a subject as <see cref="CreateSubjectAsync"/> does.
    /// </summary>
    public Task<SubjectEnrolment> EnrolNewSubjectAsync(long galleryId, NewSubject subject, IReadOnlyList<NewTemplate> templates, CancellationToken ct = default)
    {
        ValidateSubject(subject);
        if (templates.Count == 0)
        {
            throw new ArgusException("argument.invalid", "Enrolment needs at least one template.");
        }

        var rows = new PreparedTemplate[templates.Count];
        for (var i = 0; i < templates.Count; i++)
        {
            rows[i] = Prepare(templates[i], templates.Count == 1 ? "Template" : $"Template {i}");
        }

        var now = _time.GetUtcNow();
        return WriteAsync(
            async (connection, transaction, sequence) =>
            {
                var created = await InsertSubjectAsync(connection, transaction, subject, now, ct);
                var owned = new NewTemplate[templates.Count];
                for (var i = 0; i < owned.Length; i++)
                {
                    owned[i] = templates[i] with { SubjectId = created.Id };
                }

                var ids = await InsertTemplatesAsync(connection, transaction, sequence, galleryId, owned, rows, now, ct);
                return new SubjectEnrolment(created, ids);
            },
            ct);
    }

    private async Task<long[]> InsertTemplatesAsync(
        DbConnection connection, DbTransaction transaction, long sequence, long galleryId,
        IReadOnlyList<NewTemplate> templates, PreparedTemplate[] rows, DateTimeOffset now, CancellationToken ct)
    {
        var gallery = await FindGalleryAsync(connection, transaction, "id", galleryId, ct) ?? throw GalleryNotFound(galleryId);
        for (var i = 0; i < templates.Count; i++)
        {
            CheckContract(gallery, templates[i], templates.Count == 1 ? "Template" : $"Template {i}");
        }

        // Unknown subjects are caught by the foreign key (statement-level on both providers) and named by InsertRefusal.
        var ids = _dialect.Provider == StorageProvider.Postgres && connection.CanCreateBatch
            ? await InsertBatchedAsync(connection, transaction, galleryId, gallery.Name, templates, rows, now, ct)
            : await InsertOneByOneAsync(connection, transaction, galleryId, gallery.Name, templates, rows, now, ct);

        await using var update = connection.Command(
            transaction,
            """
            UPDATE galleries SET template_count = template_count + @n,
              max_template_id = CASE WHEN max_template_id > @max THEN max_template_id ELSE @max END, change_seq = @seq
            WHERE id = @g
            """);
        await update.Add("n", (long)ids.Length).Add("max", ids.Max()).Add("seq", sequence).Add("g", galleryId).ExecuteNonQueryAsync(ct);
        return ids;
    }

    // SQLite runs in-process: one prepared statement per row costs microseconds.
    private async Task<long[]> InsertOneByOneAsync(
        DbConnection connection, DbTransaction transaction, long galleryId, string galleryName,
        IReadOnlyList<NewTemplate> templates, PreparedTemplate[] rows, DateTimeOffset now, CancellationToken ct)
    {
        await using var insert = connection.Command(transaction, InsertTemplateSql);
        insert.Add("g", galleryId).Add("s", null).Add("e", null).Add("norm", null).Add("q", null).Add("hash", null).Add("by", null).Add("at", now);
        await using var insertCrop = connection.Command(transaction, "INSERT INTO face_crops (template_id, png) VALUES (@t, @png)");
        insertCrop.Add("t", null).Add("png", null);

        var ids = new long[templates.Count];
        for (var i = 0; i < templates.Count; i++)
        {
            var template = templates[i];
            insert.Parameters[1].Value = template.SubjectId;
            insert.Parameters[2].Value = rows[i].Blob;
            insert.Parameters[3].Value = rows[i].RawNorm;
            insert.Parameters[4].Value = template.Quality is { } q ? q : DBNull.Value;
            insert.Parameters[5].Value = rows[i].Sha256;
            insert.Parameters[6].Value = template.EnrolledBy;
            try
            {
                ids[i] = await insert.ScalarInt64Async(ct);
            }
            catch (DbException e) when (InsertRefusal(e, galleryName, template, rows[i]) is { } refusal)
            {
                throw refusal;
            }

            if (template.FaceCropPng is { } crop)
            {
                insertCrop.Parameters[0].Value = ids[i];
                insertCrop.Parameters[1].Value = crop.ToArray();
                await insertCrop.ExecuteNonQueryAsync(ct);
            }
        }

        return ids;
    }

    // PostgreSQL: a network round trip per row would cap enrolment at a few thousand per second, so rows go in
    // batches of statements (one round trip each); a crop rides in the same statement through a data-modifying CTE.
    private async Task<long[]> InsertBatchedAsync(
        DbConnection connection, DbTransaction transaction, long galleryId, string galleryName,
        IReadOnlyList<NewTemplate> templates, PreparedTemplate[] rows, DateTimeOffset now, CancellationToken ct)
    {
        const int statementsPerBatch = 500;
        var ids = new long[templates.Count];
        for (var start = 0; start < templates.Count; start += statementsPerBatch)
        {
            var end = Math.Min(templates.Count, start + statementsPerBatch);
            await using var batch = connection.CreateBatch();
            batch.Transaction = transaction;
            for (var i = start; i < end; i++)
            {
                var template = templates[i];
                var command = batch.CreateBatchCommand();
                command.CommandText = template.FaceCropPng is null
                    ? InsertTemplateSql
                    : $"WITH t AS ({InsertTemplateSql}) INSERT INTO face_crops (template_id, png) SELECT id, @png FROM t RETURNING template_id";
                Add(command, "g", galleryId);
                Add(command, "s", template.SubjectId);
                Add(command, "e", rows[i].Blob);
                Add(command, "norm", rows[i].RawNorm);
                Add(command, "q", template.Quality);
                Add(command, "hash", rows[i].Sha256);
                Add(command, "by", template.EnrolledBy);
                Add(command, "at", now);
                if (template.FaceCropPng is { } crop)
                {
                    Add(command, "png", crop.ToArray());
                }

                batch.BatchCommands.Add(command);
            }

            try
            {
                await using var reader = await batch.ExecuteReaderAsync(ct);
                for (var i = start; i < end; i++)
                {
                    if (i > start)
                    {
                        await reader.NextResultAsync(ct);
                    }

                    await reader.ReadAsync(ct);
                    ids[i] = reader.GetInt64(0);
                }
            }
            catch (DbException e) when (e.BatchCommand is { } failed)
            {
                var i = start + batch.BatchCommands.IndexOf(failed);
                if (InsertRefusal(e, galleryName, templates[i], rows[i]) is { } refusal)
                {
                    throw refusal;
                }

                throw;
            }
        }

        return ids;

        static void Add(DbBatchCommand command, string name, object? value)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
    }

    private ArgusException? InsertRefusal(DbException e, string galleryName, NewTemplate template, PreparedTemplate row)
    {
        if (_dialect.IsUniqueViolation(e))
        {
            return new ArgusException(
                "template.duplicate",
                $"Source image {row.Sha256[..12]}... is already enrolled for subject {template.SubjectId} in gallery '{galleryName}'; nothing was enrolled.",
                e);
        }

        return _dialect.IsForeignKeyViolation(e)
            ? new ArgusException("subject.not_found", $"There is no subject with id {template.SubjectId}; nothing was enrolled.", e)
            : null;
    }

    /// <summary>All templates of a subject across galleries, in id order, with their vectors.</summary>
    public Task<IReadOnlyList<StoredTemplate>> ListTemplatesAsync(long subjectId, CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<StoredTemplate>>(
            async (connection, transaction, ct) =>
            {
                if ((await QuerySubjectsAsync(connection, transaction, "id = @key", subjectId, ct)).Count == 0)
                {
                    throw SubjectNotFound(subjectId);
                }

                return await QueryTemplatesAsync(connection, transaction, "t.subject_id = @key", subjectId, ct);
            },
            ct);

    /// <summary>The template with this id, or null.</summary>
    public Task<StoredTemplate?> GetTemplateAsync(long templateId, CancellationToken ct = default) =>
        ReadAsync(
            async (connection, transaction, ct) =>
            {
                var found = await QueryTemplatesAsync(connection, transaction, "t.id = @key", templateId, ct);
                return found.Count == 0 ? null : found[0];
            },
            ct);

    /// <summary>The aligned face crop (PNG) stored with a template, or null when none was stored.</summary>
    public Task<byte[]?> GetFaceCropAsync(long templateId, CancellationToken ct = default) =>
        ReadAsync(
            async (connection, transaction, ct) =>
            {
                await using var command = connection.Command(transaction, "SELECT png FROM face_crops WHERE template_id = @t");
                command.Add("t", templateId);
                return await command.ExecuteScalarAsync(ct) as byte[];
            },
            ct);

    /// <summary>
    /// The fingerprint of one gallery, or of the whole store when <paramref name="galleryId"/> is null: O(1), read
    /// from counters that every write maintains in its own transaction.
    /// </summary>
    public Task<StoreFingerprint> GetFingerprintAsync(long? galleryId = null, CancellationToken ct = default) =>
        ReadAsync((connection, transaction, ct) => FingerprintAsync(connection, transaction, galleryId, ct), ct);

    /// <summary>
    /// Streams every template of a gallery in id order, in batches (the batch object is reused: copy what you keep),
    /// from one consistent snapshot whose fingerprint each batch carries. This is how a search index rebuilds; with
    /// <paramref name="afterTemplateId"/> (a snapshot's <see cref="StoreFingerprint.MaxTemplateId"/>) it streams only
    /// the templates added since, for an index that catches up when the fingerprint moved only by additions.
    /// </summary>
    public async IAsyncEnumerable<TemplateBatch> StreamTemplatesAsync(
        long galleryId, int batchSize = 4096, long afterTemplateId = 0, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var (connection, transaction, cursor, batch) = await OpenStreamAsync(galleryId, batchSize, afterTemplateId, ct);
        try
        {
            while (await FillAsync(cursor, batch, ct) > 0)
            {
                yield return batch;
            }
        }
        finally
        {
            await cursor.DisposeAsync();
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    private async Task<(DbConnection, DbTransaction, TemplateCursor, TemplateBatch)> OpenStreamAsync(
        long galleryId, int batchSize, long afterTemplateId, CancellationToken ct)
    {
        DbConnection? connection = null;
        DbTransaction? transaction = null;
        try
        {
            connection = await _dialect.OpenAsync(ct);
            transaction = await _dialect.BeginReadAsync(connection, snapshot: true, ct);
            var gallery = await FindGalleryAsync(connection, transaction, "id", galleryId, ct) ?? throw GalleryNotFound(galleryId);
            var snapshot = await FingerprintAsync(connection, transaction, galleryId, ct);
            var cursor = await _dialect.OpenTemplateCursorAsync(connection, transaction, galleryId, afterTemplateId, ct);
            return (connection, transaction, cursor, new TemplateBatch(batchSize, gallery.Dimension, snapshot));
        }
        catch (Exception e)
        {
            if (transaction is not null)
            {
                await transaction.DisposeAsync();
            }

            if (connection is not null)
            {
                await connection.DisposeAsync();
            }

            if (Translate(e) is { } mapped)
            {
                throw mapped;
            }

            throw;
        }
    }

    private async Task<int> FillAsync(TemplateCursor cursor, TemplateBatch batch, CancellationToken ct)
    {
        try
        {
            return await cursor.FillAsync(batch, ct);
        }
        catch (Exception e) when (Translate(e) is { } mapped)
        {
            throw mapped;
        }
    }

    private void ReadVector(DbDataReader reader, int ordinal, long templateId, byte[] scratch, Span<float> vector)
    {
        var length = reader.GetBytes(ordinal, 0, null, 0, 0);
        if (length != scratch.Length)
        {
            throw new ArgusException(
                "storage.corrupt",
                $"The store {Target}: template {templateId} has a {length}-byte embedding, its gallery needs {scratch.Length}.");
        }

        reader.GetBytes(ordinal, 0, scratch, 0, scratch.Length);
        EmbeddingBlob.Decode(scratch, vector);
    }

    private static async Task<StoreFingerprint> FingerprintAsync(DbConnection connection, DbTransaction transaction, long? galleryId, CancellationToken ct)
    {
        await using var command = galleryId is { } id
            ? connection.Command(transaction, "SELECT template_count, change_seq, max_template_id FROM galleries WHERE id = @g").Add("g", id)
            : connection.Command(
                transaction,
                "SELECT COALESCE(SUM(template_count), 0), (SELECT value FROM change_counter WHERE id = 1), COALESCE(MAX(max_template_id), 0) FROM galleries");
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            throw GalleryNotFound(galleryId!.Value);
        }

        return new StoreFingerprint(Convert.ToInt64(reader.GetValue(0)), Convert.ToInt64(reader.GetValue(1)), Convert.ToInt64(reader.GetValue(2)));
    }

    private async Task<IReadOnlyList<StoredTemplate>> QueryTemplatesAsync(
        DbConnection connection, DbTransaction transaction, string where, long key, CancellationToken ct)
    {
        await using var command = connection.Command(transaction, $"SELECT {TemplateColumns} WHERE {where} ORDER BY t.id");
        command.Add("key", key);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var templates = new List<StoredTemplate>();
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetInt64(0);
            var length = (int)reader.GetBytes(3, 0, null, 0, 0);
            var vector = new float[length / sizeof(float)];
            ReadVector(reader, 3, id, new byte[length], vector);
            templates.Add(new StoredTemplate(
                id,
                reader.GetInt64(1),
                reader.GetInt64(2),
                vector,
                reader.GetFloat(4),
                reader.IsDBNull(5) ? null : reader.GetFloat(5),
                reader.GetString(6),
                Convert.ToInt32(reader.GetValue(7)) != 0,
                reader.GetString(8),
                reader.GetTimestamp(9)));
        }

        return templates;
    }

    private static void CheckContract(Gallery gallery, NewTemplate template, string what)
    {
        if (template.Vector.Length != gallery.Dimension || template.Contract.Dimension != gallery.Dimension)
        {
            throw new ArgusException(
                "template.dimension_mismatch",
                $"{what} has {template.Vector.Length} values (contract {template.Contract.Id}); gallery '{gallery.Name}' holds {gallery.Dimension}-d templates of {gallery.Contract.Id}. Nothing was enrolled.");
        }

        if (template.Contract != gallery.Contract)
        {
            throw new ArgusException(
                "template.contract_mismatch",
                $"{what} comes from contract {template.Contract.Id}; gallery '{gallery.Name}' is bound to {gallery.Contract.Id} and never mixes contracts. Nothing was enrolled.");
        }
    }

    private static PreparedTemplate Prepare(NewTemplate template, string what)
    {
        var hash = template.SourceSha256?.Trim().ToLowerInvariant() ?? string.Empty;
        if (hash.Length != 64 || !hash.All(char.IsAsciiHexDigit))
        {
            throw new ArgusException("template.invalid_source_hash", $"{what}: the source image hash must be a SHA-256 in hex (64 characters).");
        }

        if (string.IsNullOrWhiteSpace(template.EnrolledBy))
        {
            throw new ArgusException("template.invalid_enrolled_by", $"{what}: who enrolled it (enrolled-by) is required.");
        }

        if (template.FaceCropPng is { } crop && !crop.Span.StartsWith(PngSignature))
        {
            throw new ArgusException("template.invalid_crop", $"{what}: the face crop is not a PNG image.");
        }

        if (template.RawNorm is { } raw && (!float.IsFinite(raw) || raw <= 0))
        {
            throw new ArgusException("template.invalid_vector", $"{what}: the raw norm {raw} is not a positive number.");
        }

        var unit = EmbeddingBlob.Normalise(template.Vector.Span, out var norm, what);
        return new PreparedTemplate(EmbeddingBlob.Encode(unit), template.RawNorm ?? norm, hash);
    }

    private readonly record struct PreparedTemplate(byte[] Blob, float RawNorm, string Sha256);
}
