namespace Argus.Storage;

/// <summary>
/// A run of templates of one gallery in id order, as streamed by <see cref="ArgusStore.StreamTemplatesAsync"/>.
/// The arrays are reused for the next batch: copy what you keep. <see cref="Vectors"/> holds <see cref="Count"/>
/// L2-normalised vectors of <see cref="Dimension"/> floats back to back.
/// </summary>
public sealed class TemplateBatch
{
    internal TemplateBatch(int capacity, int dimension, StoreFingerprint snapshot)
    {
        Dimension = dimension;
        Snapshot = snapshot;
        TemplateIds = new long[capacity];
        SubjectIds = new long[capacity];
        Vectors = new float[capacity * dimension];
    }

    public int Count { get; internal set; }

    public int Dimension { get; }

    /// <summary>The gallery's fingerprint at the snapshot the stream reads: an index built from it is current as of this.</summary>
    public StoreFingerprint Snapshot { get; }

    public long[] TemplateIds { get; }

    public long[] SubjectIds { get; }

    public float[] Vectors { get; }

    public ReadOnlySpan<float> Vector(int index) => Vectors.AsSpan(index * Dimension, Dimension);
}
