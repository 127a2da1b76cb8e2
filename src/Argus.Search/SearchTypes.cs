namespace Argus.Search;

/// <summary>One candidate: the best-scoring template of a subject. <see cref="Score"/> is the cosine similarity.</summary>
public readonly record struct SearchHit(long SubjectId, long TemplateId, long GalleryId, float Score);

/// <summary>
/// How to search. Open set: only templates scoring at or above <paramref name="Threshold"/> are returned, at most
/// <paramref name="K"/> subjects (each subject once, with its best template). <paramref name="Probes"/> is the number of
/// inverted lists an approximate search visits; 0 means exact (every template is scored).
/// </summary>
public readonly record struct SearchParameters(int K, float Threshold, int Probes = 0)
{
    public bool IsExact => Probes <= 0;
}

/// <summary>Options fixed when an index is created.</summary>
public sealed record VectorIndexOptions
{
    /// <summary>
    /// Keep an fp32 copy of every template (4 bytes per dimension more) and re-rank int8 candidates with it, so that
    /// scores are exact. Off by default: int8 scores differ from fp32 by about 5e-4 (see <see cref="Int8Quantizer"/>).
    /// </summary>
    public bool KeepFloats { get; init; }

    /// <summary>Threads for an exact scan (one query or a batch); default: one per core.</summary>
    public int ScanThreads { get; init; } = Environment.ProcessorCount;
}
