namespace Argus.Search;

/// <summary>
/// One inverted list (or, in a flat index, one chunk of the gallery): int8 codes stored contiguously so a scan reads
/// memory sequentially, with per-row scale, ids and a tombstone byte. Append-only: a writer fills row
/// <see cref="Count"/> and then publishes the new count, so readers that read the count once see complete rows only.
/// When capacity runs out the writer publishes a larger copy on the owning <see cref="InvertedList"/>; readers keep
/// whatever copy they started with.
/// </summary>
internal sealed class ListData
{
    public ListData(int dimension, int capacity, bool keepFloats)
    {
        Capacity = Math.Max(capacity, 4);
        Codes = GC.AllocateUninitializedArray<byte>(checked(Capacity * dimension));
        Scales = new float[Capacity];
        TemplateIds = new long[Capacity];
        SubjectIds = new long[Capacity];
        GalleryIds = new long[Capacity];
        Deleted = new byte[Capacity];
        Floats = keepFloats ? GC.AllocateUninitializedArray<float>(checked(Capacity * dimension)) : null;
    }

    public int Capacity { get; }

    public byte[] Codes { get; }

    public float[] Scales { get; }

    public long[] TemplateIds { get; }

    public long[] SubjectIds { get; }

    public long[] GalleryIds { get; }

    /// <summary>1 where the template was removed; written under the index's write lock, read by scanners.</summary>
    public byte[] Deleted { get; }

    public float[]? Floats { get; }

    /// <summary>Rows published to readers (read with <see cref="Volatile"/>).</summary>
    public int Count;

    /// <summary>Rows marked deleted (writer only).</summary>
    public int DeadCount;

    public int LiveCount => Volatile.Read(ref Count) - DeadCount;

    /// <summary>Copies live rows (all when <paramref name="dropDeleted"/> is false) into a new list of the given capacity.</summary>
    public ListData CopyTo(int dimension, int capacity, bool dropDeleted)
    {
        var count = Volatile.Read(ref Count);
        var target = new ListData(dimension, capacity, Floats is not null);
        var n = 0;
        for (var i = 0; i < count; i++)
        {
            if (dropDeleted && Deleted[i] != 0)
            {
                continue;
            }

            CopyRow(i, target, n, dimension);
            n++;
        }

        target.Count = n;
        target.DeadCount = dropDeleted ? 0 : DeadCount;
        return target;
    }

    public void CopyRow(int row, ListData target, int targetRow, int dimension)
    {
        Codes.AsSpan(row * dimension, dimension).CopyTo(target.Codes.AsSpan(targetRow * dimension, dimension));
        target.Scales[targetRow] = Scales[row];
        target.TemplateIds[targetRow] = TemplateIds[row];
        target.SubjectIds[targetRow] = SubjectIds[row];
        target.GalleryIds[targetRow] = GalleryIds[row];
        target.Deleted[targetRow] = Deleted[row];
        if (Floats is not null && target.Floats is not null)
        {
            Floats.AsSpan(row * dimension, dimension).CopyTo(target.Floats.AsSpan(targetRow * dimension, dimension));
        }
    }
}

/// <summary>Holder whose <see cref="Data"/> is replaced (never mutated in shape) when the list grows or is compacted.</summary>
internal sealed class InvertedList
{
    private volatile ListData _data;

    public InvertedList(ListData data)
    {
        _data = data;
    }

    public ListData Data
    {
        get => _data;
        set => _data = value;
    }
}

/// <summary>
/// Immutable shape of an index: the coarse centroids (none for a flat index) and the lists. Replaced as a whole when
/// the index is trained or a flat index gains a chunk.
/// </summary>
internal sealed class IndexState
{
    public IndexState(InvertedList[] lists, byte[]? centroidCodes, float[]? centroidScales)
    {
        Lists = lists;
        CentroidCodes = centroidCodes;
        CentroidScales = centroidScales;
    }

    public InvertedList[] Lists { get; }

    /// <summary>Centroids quantised like gallery rows (offset-binary), one per list; null for a flat index.</summary>
    public byte[]? CentroidCodes { get; }

    public float[]? CentroidScales { get; }

    public bool IsFlat => CentroidCodes is null;
}
