namespace Argus.Search;

/// <summary>One candidate: the best-scoring template of a subject. <see cref="Score"/> is the cosine similarity.</summary>
public readonly record struct SearchHit(long SubjectId, long TemplateId, long GalleryId, float Score);

/// <summary>
/// How to search. Open set: only templates scoring at or above <paramref name="Threshold"/> are returned, at most
/// <paramref name="K"/> subjects (each subject once, with its best template). <paramref name="Probes"/> is the number of
/// inverted lists an approximate search visits; 0 means exact (every template is scored).
/// </summary>
/// <param name="K">At most this many subjects (best template of each), best first.</param>
/// <param name="Threshold">Open set: only hits scoring at least this.</param>
/// <param name="Probes">0 for an exact scan; otherwise the number of inverted lists an approximate search visits.</param>
/// <param name="ExactBelow">
/// Where the approximate search stops vouching for its answer. An inverted-file search finds nearly every template
/// above the match threshold (match recall 0.999 at 1M), because a face's mates sit in the lists nearest to it; it
/// cannot find the top K of a stranger, whose nearest templates (cosine ~0.15) are scattered over every list. When set,
/// a query whose K-th approximate hit scores below this value (or that has fewer than K hits) is answered again by an
/// exact scan, batched with the other such queries in <see cref="VectorIndex.SearchBatch"/>. Set it to the match
/// threshold to get an exact top K for strangers at the cost of one exact scan each; leave it null (the default) for
/// open-set identification, where a stranger's answer is "no match" either way.
/// </param>
public readonly record struct SearchParameters(int K, float Threshold, int Probes = 0, float? ExactBelow = null)
{
    public bool IsExact => Probes <= 0;

    /// <summary>True when an approximate answer of <paramref name="count"/> hits, the last scoring <paramref name="last"/>, must be redone exactly.</summary>
    internal bool NeedsExact(int count, float last) => ExactBelow is { } floor && (count < K || last < floor);
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
