using System.Data.Common;
using Argus.Core;
using Argus.Core.Faces;
using Argus.Storage.Sql;

namespace Argus.Storage;

public sealed partial class ArgusStore
{
    private const string GalleryColumns =
        "id, name, description, model, model_sha256, preprocessing_version, dimension, created_at, template_count";

    /// <summary>Creates a gallery bound to <paramref name="contract"/>; names are unique (<c>gallery.exists</c>).</summary>
    public Task<Gallery> CreateGalleryAsync(string name, EmbeddingContract contract, string? description = null, CancellationToken ct = default)
    {
        if (!IsGalleryName(name))
        {
            throw new ArgusException(
                "gallery.invalid_name",
                $"Gallery name '{name}' is not valid: use 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit.");
        }

        if (contract.Dimension <= 0)
        {
            throw new ArgusException("gallery.invalid_contract", $"Contract {contract.Id} has dimension {contract.Dimension}.");
        }

        var now = _time.GetUtcNow();
        return WriteAsync(
            async (connection, transaction, sequence) =>
            {
                await using var command = connection.Command(
                    transaction,
                    """
                    INSERT INTO galleries (name, description, model, model_sha256, preprocessing_version, dimension, contract_id, created_at, change_seq)
                    VALUES (@name, @description, @model, @sha, @pp, @dimension, @contract, @created, @seq)
                    RETURNING id
                    """);
                command.Add("name", name).Add("description", description).Add("model", contract.Model).Add("sha", contract.ModelSha256)
                    .Add("pp", contract.PreprocessingVersion).Add("dimension", contract.Dimension).Add("contract", contract.Id)
                    .Add("created", now).Add("seq", sequence);
                try
                {
                    var id = await command.ScalarInt64Async(ct);
                    return new Gallery(id, name, description, contract, now, 0);
                }
                catch (DbException e) when (_dialect.IsUniqueViolation(e))
                {
                    throw new ArgusException("gallery.exists", $"A gallery named '{name}' already exists.", e);
                }
            },
            ct);
    }

    public Task<IReadOnlyList<Gallery>> ListGalleriesAsync(CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<Gallery>>(
            async (connection, transaction, ct) =>
            {
                await using var command = connection.Command(transaction, $"SELECT {GalleryColumns} FROM galleries ORDER BY name");
                await using var reader = await command.ExecuteReaderAsync(ct);
                var galleries = new List<Gallery>();
                while (await reader.ReadAsync(ct))
                {
                    galleries.Add(ReadGallery(reader));
                }

                return galleries;
            },
            ct);

    /// <summary>The gallery with this id, or null.</summary>
    public Task<Gallery?> GetGalleryAsync(long id, CancellationToken ct = default) =>
        ReadAsync((connection, transaction, ct) => FindGalleryAsync(connection, transaction, "id", id, ct), ct);

    /// <summary>The gallery with this name, or null.</summary>
    public Task<Gallery?> GetGalleryAsync(string name, CancellationToken ct = default) =>
        ReadAsync((connection, transaction, ct) => FindGalleryAsync(connection, transaction, "name", name, ct), ct);

    /// <summary>
    /// Deletes a gallery. A gallery that still holds templates is refused (<c>gallery.not_empty</c>) unless
    /// <paramref name="force"/>, which deletes its templates and crops in the same transaction. Returns the templates removed.
    /// </summary>
    public Task<long> DeleteGalleryAsync(long id, bool force = false, CancellationToken ct = default) =>
        WriteAsync(
            async (connection, transaction, sequence) =>
            {
                var gallery = await FindGalleryAsync(connection, transaction, "id", id, ct) ?? throw GalleryNotFound(id);
                if (gallery.TemplateCount > 0 && !force)
                {
                    throw new ArgusException(
                        "gallery.not_empty",
                        $"Gallery '{gallery.Name}' still holds {gallery.TemplateCount} template(s); delete them first or force the deletion.");
                }

                foreach (var sql in (string[])[
                    "DELETE FROM face_crops WHERE template_id IN (SELECT id FROM templates WHERE gallery_id = @g)",
                    "DELETE FROM templates WHERE gallery_id = @g",
                    "DELETE FROM galleries WHERE id = @g",
                ])
                {
                    await using var command = connection.Command(transaction, sql);
                    command.Add("g", id);
                    await command.ExecuteNonQueryAsync(ct);
                }

                return gallery.TemplateCount;
            },
            ct);

    private static async Task<Gallery?> FindGalleryAsync(DbConnection connection, DbTransaction transaction, string column, object key, CancellationToken ct)
    {
        await using var command = connection.Command(transaction, $"SELECT {GalleryColumns} FROM galleries WHERE {column} = @key");
        command.Add("key", key);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadGallery(reader) : null;
    }

    private static Gallery ReadGallery(DbDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        reader.GetNullableString(2),
        new EmbeddingContract(reader.GetString(3), reader.GetString(4), reader.GetInt32(5), reader.GetInt32(6)),
        reader.GetTimestamp(7),
        reader.GetInt64(8));

    private static ArgusException GalleryNotFound(long id) => new("gallery.not_found", $"There is no gallery with id {id}.");

    private static bool IsGalleryName(string name)
    {
        if (name.Length is 0 or > 100 || !char.IsAsciiLetterOrDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
