using System.Data.Common;
using Argus.Core;

namespace Argus.Storage.Sql;

/// <summary>Reads a gallery's (id, subject id, embedding) rows in id order into <see cref="TemplateBatch"/>es.</summary>
internal abstract class TemplateCursor : IAsyncDisposable
{
    public const string Sql = "SELECT id, subject_id, embedding FROM templates WHERE gallery_id = @g AND id > @after ORDER BY id";

    protected TemplateCursor(string target)
    {
        Target = target;
    }

    protected string Target { get; }

    /// <summary>Fills <paramref name="batch"/> with up to its capacity of rows; returns how many (0 at the end).</summary>
    public abstract ValueTask<int> FillAsync(TemplateBatch batch, CancellationToken ct);

    public abstract ValueTask DisposeAsync();

    protected ArgusException WrongLength(long templateId, long length, int expected) => new(
        "storage.corrupt",
        $"The store {Target}: template {templateId} has a {length}-byte embedding, its gallery needs {expected}.");
}

/// <summary>The portable cursor over a <see cref="DbDataReader"/> (PostgreSQL).</summary>
internal sealed class ReaderTemplateCursor : TemplateCursor
{
    private readonly DbCommand _command;
    private readonly DbDataReader _reader;
    private byte[] _scratch = [];

    private ReaderTemplateCursor(DbCommand command, DbDataReader reader, string target)
        : base(target)
    {
        _command = command;
        _reader = reader;
    }

    public static async Task<TemplateCursor> OpenAsync(
        DbConnection connection, DbTransaction transaction, long galleryId, long afterTemplateId, string target, CancellationToken ct)
    {
        var command = connection.Command(transaction, Sql).Add("g", galleryId).Add("after", afterTemplateId);
        try
        {
            return new ReaderTemplateCursor(command, await command.ExecuteReaderAsync(ct), target);
        }
        catch
        {
            await command.DisposeAsync();
            throw;
        }
    }

    public override async ValueTask<int> FillAsync(TemplateBatch batch, CancellationToken ct)
    {
        var bytes = batch.Dimension * sizeof(float);
        if (_scratch.Length != bytes)
        {
            _scratch = new byte[bytes];
        }

        var count = 0;
        while (count < batch.TemplateIds.Length && await _reader.ReadAsync(ct))
        {
            var id = _reader.GetInt64(0);
            batch.TemplateIds[count] = id;
            batch.SubjectIds[count] = _reader.GetInt64(1);
            var length = _reader.GetBytes(2, 0, null, 0, 0);
            if (length != bytes)
            {
                throw WrongLength(id, length, bytes);
            }

            _reader.GetBytes(2, 0, _scratch, 0, bytes);
            EmbeddingBlob.Decode(_scratch, batch.Vectors.AsSpan(count * batch.Dimension, batch.Dimension));
            count++;
        }

        batch.Count = count;
        return count;
    }

    public override async ValueTask DisposeAsync()
    {
        await _reader.DisposeAsync();
        await _command.DisposeAsync();
    }
}
