using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Argus.Storage.Sql;

/// <summary>
/// SQLite's cursor, on the raw statement API of the same connection (and so the same read transaction).
/// Microsoft.Data.Sqlite's <c>GetBytes</c> copies each blob through a temporary array; <c>sqlite3_column_blob</c>
/// hands out the row's bytes in place, so each vector is copied once, into the batch. Measured here on 300,000 512-d
/// rows: 0.17 s against 0.6-0.8 s through the ADO.NET reader.
/// </summary>
internal sealed class SqliteTemplateCursor : TemplateCursor
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private bool _done;

    private SqliteTemplateCursor(sqlite3 db, sqlite3_stmt statement, string target)
        : base(target)
    {
        _db = db;
        _statement = statement;
    }

    public static TemplateCursor Open(SqliteConnection connection, long galleryId, long afterTemplateId, string target)
    {
        var db = connection.Handle!;
        var rc = raw.sqlite3_prepare_v2(db, Sql.Replace("@g", "?1", StringComparison.Ordinal).Replace("@after", "?2", StringComparison.Ordinal), out sqlite3_stmt statement);
        SqliteException.ThrowExceptionForRC(rc, db);
        try
        {
            SqliteException.ThrowExceptionForRC(raw.sqlite3_bind_int64(statement, 1, galleryId), db);
            SqliteException.ThrowExceptionForRC(raw.sqlite3_bind_int64(statement, 2, afterTemplateId), db);
            return new SqliteTemplateCursor(db, statement, target);
        }
        catch
        {
            statement.Dispose();
            throw;
        }
    }

    public override ValueTask<int> FillAsync(TemplateBatch batch, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var bytes = batch.Dimension * sizeof(float);
        var count = 0;
        while (!_done && count < batch.TemplateIds.Length)
        {
            var rc = raw.sqlite3_step(_statement);
            if (rc == raw.SQLITE_DONE)
            {
                _done = true;
                break;
            }

            if (rc != raw.SQLITE_ROW)
            {
                SqliteException.ThrowExceptionForRC(rc, _db);
            }

            var id = raw.sqlite3_column_int64(_statement, 0);
            batch.TemplateIds[count] = id;
            batch.SubjectIds[count] = raw.sqlite3_column_int64(_statement, 1);
            var blob = raw.sqlite3_column_blob(_statement, 2);
            if (blob.Length != bytes)
            {
                throw WrongLength(id, blob.Length, bytes);
            }

            EmbeddingBlob.Decode(blob, batch.Vectors.AsSpan(count * batch.Dimension, batch.Dimension));
            count++;
        }

        batch.Count = count;
        return ValueTask.FromResult(count);
    }

    public override ValueTask DisposeAsync()
    {
        _statement.Dispose();
        return ValueTask.CompletedTask;
    }
}
