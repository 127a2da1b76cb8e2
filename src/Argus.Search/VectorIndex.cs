using System.Collections.Concurrent;
using System.Numerics.Tensors;
using Argus.Core;
using Argus.Core.Faces;

namespace Argus.Search;

/// <summary>
/// In-memory face template index of one embedding contract: int8 codes with a per-vector scale, scanned exactly
/// (every row, all cores, batched queries) or approximately (IVF: probe the lists of the nearest coarse centroids and
/// scan them exactly). A projection of storage: rebuilt from it on start or restored from an <see cref="IndexSnapshot"/>.
/// <para>
/// Thread safety: any number of concurrent searches, concurrent with adds and removals (writers serialise on one
/// lock). A removal is visible to every search that starts after <see cref="RemoveTemplate"/> or
/// <see cref="RemoveSubject"/> returns.
/// </para>
/// </summary>
public sealed class VectorIndex
{
    /// <summary>Rows per chunk of a flat (untrained) index: 8 MiB of 512-d codes, the unit of parallel work.</summary>
    internal const int FlatChunkRows = 16384;

    private readonly Lock _writeLock = new();
    private readonly Dictionary<long, int> _templateList = [];

    /// <summary>Second list of templates that training stored twice (see <see cref="IvfTraining.SpillMargin"/>).</summary>
    private readonly Dictionary<long, int> _spilled = [];
    private readonly ConcurrentBag<TopKCollector> _collectors = [];
    private readonly QueryBlock _writerQuery;
    private volatile IndexState _state;
    private int _liveCount;

    [ThreadStatic]
    private static SearchScratch? _threadScratch;

    public VectorIndex(EmbeddingContract contract, VectorIndexOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(contract);
        if (contract.Dimension is < 8 or > 8192)
        {
            throw new ArgusException("search.dimension", $"Unsupported template dimension {contract.Dimension} (8 to 8192).");
        }

        Contract = contract;
        Options = options ?? new VectorIndexOptions();
        Dimension = contract.Dimension;
        _writerQuery = new QueryBlock(Dimension, 64);
        _state = new IndexState([new InvertedList(new ListData(Dimension, 64, Options.KeepFloats))], null, null);
    }

    internal VectorIndex(EmbeddingContract contract, VectorIndexOptions options, IndexState state)
        : this(contract, options)
    {
        _state = state;
        RebuildTemplateMap(state);
    }

    public EmbeddingContract Contract { get; }

    public VectorIndexOptions Options { get; }

    public int Dimension { get; }

    /// <summary>Live (not removed) templates.</summary>
    public int Count => Volatile.Read(ref _liveCount);

    /// <summary>True once <see cref="Train"/> has partitioned the index into inverted lists.</summary>
    public bool IsTrained => !_state.IsFlat;

    public int ListCount => _state.Lists.Length;

    /// <summary>Kernel instruction set; tests switch it to compare paths.</summary>
    internal Int8Isa Isa { get; set; } = Int8Kernels.Best;

    internal IndexState State => _state;

    /// <summary>Approximate bytes held per live template (codes, scale, ids, tombstone, id map; plus floats if kept).</summary>
    public long MemoryBytes()
    {
        long bytes = 0;
        var state = _state;
        foreach (var list in state.Lists)
        {
            var d = list.Data;
            bytes += d.Codes.LongLength + (d.Scales.LongLength * (4 + 8 + 8 + 8 + 1)) + ((d.Floats?.LongLength ?? 0) * 4);
        }

        bytes += (state.CentroidCodes?.LongLength ?? 0) + ((state.CentroidScales?.LongLength ?? 0) * 4);
        return bytes + ((_templateList.Count + _spilled.Count) * 24L);
    }

    public void Add(long templateId, long subjectId, long galleryId, Embedding embedding)
    {
        ArgumentNullException.ThrowIfNull(embedding);
        CheckContract(embedding.Contract);
        Add(templateId, subjectId, galleryId, embedding.Values);
    }

    /// <summary>Adds one template; the vector is validated and L2-normalised. Duplicate template ids are refused.</summary>
    public void Add(long templateId, long subjectId, long galleryId, ReadOnlySpan<float> vector)
    {
        var buffer = Dimension <= 2048 ? stackalloc float[Dimension] : new float[Dimension];
        Normalise(vector, buffer, "template");
        lock (_writeLock)
        {
            if (_templateList.ContainsKey(templateId))
            {
                throw new ArgusException("search.duplicate_template", $"Template {templateId} is already in the index.");
            }

            var state = _state;
            int listIndex;
            if (state.IsFlat)
            {
                listIndex = state.Lists.Length - 1;
                var last = state.Lists[listIndex].Data;
                if (last.Count >= FlatChunkRows && last.DeadCount == 0)
                {
                    var lists = new InvertedList[state.Lists.Length + 1];
                    state.Lists.CopyTo(lists, 0);
                    lists[^1] = new InvertedList(new ListData(Dimension, 1024, Options.KeepFloats));
                    state = new IndexState(lists, null, null);
                    _state = state;
                    listIndex++;
                }
            }
            else
            {
                _writerQuery.Count = 1;
                _writerQuery.Set(0, buffer);
                Span<int> best = stackalloc int[1];
                Scanner.Nearest(state.CentroidCodes!, state.CentroidScales!, Dimension, _writerQuery, best, Isa);
                listIndex = best[0];
            }

            Append(state.Lists[listIndex], state.IsFlat, templateId, subjectId, galleryId, buffer);
            _templateList.Add(templateId, listIndex);
            Interlocked.Increment(ref _liveCount);
        }
    }

    /// <summary>Removes one template from every later search; false if the index does not hold it.</summary>
    public bool RemoveTemplate(long templateId)
    {
        lock (_writeLock)
        {
            if (!_templateList.Remove(templateId, out var listIndex))
            {
                return false;
            }

            DeleteFromList(listIndex, templateId);
            if (_spilled.Remove(templateId, out var spillIndex))
            {
                DeleteFromList(spillIndex, templateId);
            }

            Interlocked.Decrement(ref _liveCount);
            return true;
        }
    }

    /// <summary>Removes every template of a subject from every later search; returns how many (0: unknown subject).</summary>
    public int RemoveSubject(long subjectId)
    {
        lock (_writeLock)
        {
            var removed = 0;
            foreach (var list in _state.Lists)
            {
                var data = list.Data;
                var count = data.Count;
                for (var i = 0; i < count; i++)
                {
                    if (data.SubjectIds[i] == subjectId && data.Deleted[i] == 0)
                    {
                        if (_templateList.Remove(data.TemplateIds[i]))
                        {
                            Interlocked.Decrement(ref _liveCount);
                            removed++;
                        }

                        _spilled.Remove(data.TemplateIds[i]);
                        MarkDeleted(list, data, i);
                    }
                }
            }

            return removed;
        }
    }

    public bool ContainsTemplate(long templateId)
    {
        lock (_writeLock)
        {
            return _templateList.ContainsKey(templateId);
        }
    }

    public SearchHit[] Search(Embedding query, SearchParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(query);
        CheckContract(query.Contract);
        return Search(query.Values, parameters);
    }

    public SearchHit[] Search(ReadOnlySpan<float> query, SearchParameters parameters)
    {
        Span<SearchHit> hits = parameters.K <= 256 ? stackalloc SearchHit[Math.Max(parameters.K, 1)] : new SearchHit[parameters.K];
        var n = Search(query, parameters, hits);
        return hits[..n].ToArray();
    }

    /// <summary>
    /// Searches one query; writes at most <c>K</c> hits (best first, one per subject, all at or above the threshold)
    /// into <paramref name="destination"/> and returns how many. Exact search uses all scan threads; approximate
    /// search runs on the calling thread (throughput comes from concurrent callers).
    /// </summary>
    public int Search(ReadOnlySpan<float> query, SearchParameters parameters, Span<SearchHit> destination)
    {
        CheckParameters(parameters);
        var scratch = _threadScratch ??= new SearchScratch();
        var q = scratch.Query(Dimension);
        Normalise(query, q.Floats.AsSpan(0, Dimension), "query");
        q.Set(0, q.Floats.AsSpan(0, Dimension));
        q.Count = 1;
        var state = _state;
        if (parameters.IsExact || state.IsFlat)
        {
            return ExactOne(state, q, parameters, scratch, destination);
        }

        var n = Approximate(state, q, parameters, scratch, destination);
        return parameters.NeedsExact(n, n > 0 ? destination[n - 1].Score : float.NegativeInfinity)
            ? ExactOne(state, q, parameters, scratch, destination)
            : n;
    }

    private int ExactOne(IndexState state, QueryBlock q, SearchParameters parameters, SearchScratch scratch, Span<SearchHit> destination)
    {
        // The calling thread's own collector, already wrapped in the one-element array the scan takes: a search
        // allocates nothing of its own (AllocationTests holds this).
        var collector = scratch.Collector;
        collector.Reset(parameters.K, parameters.Threshold);
        ExactScan(state, q, scratch.Collectors, Options.ScanThreads, parameters);
        return collector.CopyTo(destination);
    }

    private int Approximate(IndexState state, QueryBlock q, SearchParameters parameters, SearchScratch scratch, Span<SearchHit> destination)
    {
        var c = scratch.Collector;
        c.Reset(parameters.K, parameters.Threshold);
        var probes = Math.Min(parameters.Probes, state.Lists.Length);
        var ids = scratch.ProbeIds(probes);
        var scores = scratch.ProbeScores(probes);
        var found = Scanner.TopCentroids(state.CentroidCodes!, state.CentroidScales!, Dimension, q, 0, ids.AsSpan(0, probes), scores.AsSpan(0, probes), Isa);
        for (var p = 0; p < found; p++)
        {
            Scanner.ScanOne(state.Lists[ids[p]].Data, Dimension, q, 0, c, Isa);
        }

        return c.CopyTo(destination);
    }

    /// <summary>
    /// Searches many queries at once on <paramref name="threads"/> threads (default
    /// <see cref="VectorIndexOptions.ScanThreads"/>). <paramref name="queries"/> holds the vectors back to back; result
    /// <c>i</c> belongs to query <c>i</c>. Exact: each block of the gallery is read once for up to 32 queries.
    /// Approximate: the queries are spread over the threads, then those the approximate search cannot vouch for
    /// (<see cref="SearchParameters.ExactBelow"/>) are answered by one batched exact scan.
    /// </summary>
    public SearchHit[][] SearchBatch(ReadOnlySpan<float> queries, SearchParameters parameters, int threads = 0)
    {
        CheckParameters(parameters);
        if (queries.Length % Dimension != 0)
        {
            throw new ArgusException("search.dimension", $"Batch length {queries.Length} is not a multiple of the dimension {Dimension}.");
        }

        threads = threads > 0 ? threads : Options.ScanThreads;
        var state = _state;
        if (parameters.IsExact || state.IsFlat)
        {
            return ExactBatch(state, queries, parameters, threads);
        }

        var total = queries.Length / Dimension;
        var results = new SearchHit[total][];
        var vectors = queries.ToArray();
        var redo = new bool[total];
        var approximate = parameters with { ExactBelow = null };
        Parallel.For(0, total, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
        {
            var hits = Search(vectors.AsSpan(i * Dimension, Dimension), approximate);
            redo[i] = parameters.NeedsExact(hits.Length, hits.Length > 0 ? hits[^1].Score : float.NegativeInfinity);
            results[i] = hits;
        });

        var again = 0;
        foreach (var r in redo)
        {
            again += r ? 1 : 0;
        }

        if (again == 0)
        {
            return results;
        }

        var exactQueries = new float[again * Dimension];
        var which = new int[again];
        for (int i = 0, j = 0; i < total; i++)
        {
            if (redo[i])
            {
                which[j] = i;
                vectors.AsSpan(i * Dimension, Dimension).CopyTo(exactQueries.AsSpan(j++ * Dimension));
            }
        }

        var exact = ExactBatch(state, exactQueries, parameters, threads);
        for (var j = 0; j < again; j++)
        {
            results[which[j]] = exact[j];
        }

        return results;
    }

    private SearchHit[][] ExactBatch(IndexState state, ReadOnlySpan<float> queries, SearchParameters parameters, int threads)
    {
        var total = queries.Length / Dimension;
        var results = new SearchHit[total][];
        const int BlockSize = 32;
        var block = new QueryBlock(Dimension, BlockSize);
        var collectors = new TopKCollector[BlockSize];
        Span<SearchHit> hits = parameters.K <= 256 ? stackalloc SearchHit[Math.Max(parameters.K, 1)] : new SearchHit[parameters.K];
        for (var start = 0; start < total; start += BlockSize)
        {
            var n = Math.Min(BlockSize, total - start);
            for (var i = 0; i < n; i++)
            {
                var v = block.Floats.AsSpan(i * Dimension, Dimension);
                Normalise(queries.Slice((start + i) * Dimension, Dimension), v, "query");
                block.Set(i, v);
                collectors[i] = RentCollector(parameters);
            }

            block.Count = n;
            ExactScan(state, block, collectors.AsSpan(0, n).ToArray(), threads, parameters);
            for (var i = 0; i < n; i++)
            {
                results[start + i] = hits[..collectors[i].CopyTo(hits)].ToArray();
                _collectors.Add(collectors[i]);
            }
        }

        return results;
    }

    /// <summary>
    /// Partitions the index into <see cref="IvfTraining.Lists"/> inverted lists by spherical k-means on a sample
    /// (int8 assignment), then moves every row to the list of its nearest centroid. Blocks writers while it runs;
    /// searches continue on the previous layout and switch atomically when it is done.
    /// </summary>
    public void Train(IvfTraining training)
    {
        ArgumentNullException.ThrowIfNull(training);
        lock (_writeLock)
        {
            var trained = IvfBuilder.Build(_state, Dimension, Options, training, Isa);
            _state = trained;
            RebuildTemplateMap(trained);
        }
    }

    /// <summary>Drops tombstoned rows from every list (searches continue meanwhile).</summary>
    public void Compact()
    {
        lock (_writeLock)
        {
            foreach (var list in _state.Lists)
            {
                var data = list.Data;
                if (data.DeadCount > 0)
                {
                    list.Data = data.CopyTo(Dimension, Math.Max(data.Count - data.DeadCount + 16, 64), dropDeleted: true);
                }
            }
        }
    }

    internal void CheckContract(EmbeddingContract contract)
    {
        if (!Contract.Equals(contract))
        {
            throw new ArgusException("search.contract_mismatch", $"Template of contract {contract.Id} cannot be used with an index of contract {Contract.Id}.");
        }
    }

    private static void CheckParameters(SearchParameters p)
    {
        if (p.K is < 1 or > 10_000)
        {
            throw new ArgusException("search.k", $"K must be in [1, 10000], got {p.K}.");
        }

        if (!float.IsFinite(p.Threshold) || p.Threshold is < -1f or > 1f)
        {
            throw new ArgusException("search.threshold", $"Threshold must be a similarity in [-1, 1], got {p.Threshold}.");
        }

        if (p.ExactBelow is { } floor && (!float.IsFinite(floor) || floor is < -1f or > 1f))
        {
            throw new ArgusException("search.threshold", $"ExactBelow must be a similarity in [-1, 1], got {floor}.");
        }
    }

    /// <summary>Validates dimension and values and writes the L2-normalised vector to <paramref name="destination"/>.</summary>
    internal void Normalise(ReadOnlySpan<float> vector, Span<float> destination, string what)
    {
        if (vector.Length != Dimension)
        {
            throw new ArgusException("search.dimension", $"The {what} has {vector.Length} values; contract {Contract.Id} needs {Dimension}.");
        }

        var norm = TensorPrimitives.Norm(vector);
        if (!float.IsFinite(norm))
        {
            throw new ArgusException("search.invalid_vector", $"The {what} contains NaN or infinite values.");
        }

        if (norm < 1e-6f)
        {
            throw new ArgusException("search.zero_vector", $"The {what} is a zero vector and has no direction to compare.");
        }

        TensorPrimitives.Divide(vector, norm, destination);
    }

    private TopKCollector RentCollector(SearchParameters p)
    {
        if (!_collectors.TryTake(out var c))
        {
            c = new TopKCollector();
        }

        c.Reset(p.K, p.Threshold);
        return c;
    }

    private void ExactScan(IndexState state, QueryBlock queries, TopKCollector[] collectors, int threads, SearchParameters p)
    {
        var lists = state.Lists;
        var workers = Math.Clamp(Math.Min(threads, lists.Length), 1, 64);
        if (workers == 1)
        {
            foreach (var list in lists)
            {
                var data = list.Data;
                Scanner.ScanBatch(data, 0, Volatile.Read(ref data.Count), Dimension, queries, collectors, Isa);
            }

            return;
        }

        var job = new ExactScanJob(this, state, queries, workers, p);
        job.Run(collectors);
    }

    private void Append(InvertedList list, bool flat, long templateId, long subjectId, long galleryId, ReadOnlySpan<float> vector)
    {
        var data = list.Data;
        if (data.Count == data.Capacity)
        {
            var capacity = data.DeadCount > data.Count / 4 ? data.Capacity : data.Capacity * 2;
            if (flat)
            {
                capacity = Math.Min(capacity, FlatChunkRows);
            }

            data = data.CopyTo(Dimension, capacity, dropDeleted: true);
            list.Data = data;
        }

        var row = data.Count;
        data.Scales[row] = Int8Quantizer.QuantizeGallery(vector, data.Codes.AsSpan(row * Dimension, Dimension));
        data.TemplateIds[row] = templateId;
        data.SubjectIds[row] = subjectId;
        data.GalleryIds[row] = galleryId;
        data.Deleted[row] = 0;
        if (data.Floats is { } floats)
        {
            vector.CopyTo(floats.AsSpan(row * Dimension, Dimension));
        }

        Volatile.Write(ref data.Count, row + 1);
    }

    private void DeleteFromList(int listIndex, long templateId)
    {
        var list = _state.Lists[listIndex];
        var data = list.Data;
        var count = data.Count;
        for (var i = 0; i < count; i++)
        {
            if (data.TemplateIds[i] == templateId && data.Deleted[i] == 0)
            {
                MarkDeleted(list, data, i);
                return;
            }
        }
    }

    private void MarkDeleted(InvertedList list, ListData data, int row)
    {
        Volatile.Write(ref data.Deleted[row], (byte)1);
        data.DeadCount++;
        if (data.DeadCount > 64 && data.DeadCount > data.Count / 4)
        {
            list.Data = data.CopyTo(Dimension, Math.Max(data.Count - data.DeadCount + 16, 64), dropDeleted: true);
        }
    }

    private void RebuildTemplateMap(IndexState state)
    {
        _templateList.Clear();
        _spilled.Clear();
        for (var l = 0; l < state.Lists.Length; l++)
        {
            var data = state.Lists[l].Data;
            for (var i = 0; i < data.Count; i++)
            {
                if (data.Deleted[i] == 0 && !_templateList.TryAdd(data.TemplateIds[i], l) && !_spilled.TryAdd(data.TemplateIds[i], l))
                {
                    throw new InvalidOperationException($"Template {data.TemplateIds[i]} is stored more than twice.");
                }
            }
        }

        _liveCount = _templateList.Count;
    }

    internal void UnderWriteLock(Action<IndexState> action)
    {
        lock (_writeLock)
        {
            action(_state);
        }
    }

    internal TopKCollector Rent(SearchParameters p) => RentCollector(p);

    internal void Return(TopKCollector c) => _collectors.Add(c);

    private sealed class SearchScratch
    {
        private QueryBlock? _query;
        private int[] _probeIds = new int[64];
        private float[] _probeScores = new float[64];

        public SearchScratch() => Collectors = [Collector];

        public TopKCollector Collector { get; } = new();

        /// <summary><see cref="Collector"/> alone, for scans that take one collector per query.</summary>
        public TopKCollector[] Collectors { get; }

        public QueryBlock Query(int dimension)
        {
            if (_query is null || _query.Dimension != dimension)
            {
                _query = new QueryBlock(dimension, 1);
            }

            return _query;
        }

        public int[] ProbeIds(int n) => _probeIds.Length >= n ? _probeIds : _probeIds = new int[n];

        public float[] ProbeScores(int n) => _probeScores.Length >= n ? _probeScores : _probeScores = new float[n];
    }
}
