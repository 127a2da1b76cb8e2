using System.Diagnostics;
using System.Numerics.Tensors;
using Argus.Bench.Peers;
using Argus.Core.Faces;
using Argus.Search;

namespace Argus.Bench;

public sealed record SearchBenchmarkOptions
{
    public int Size { get; init; } = 100_000;
    public int Dimension { get; init; } = 512;
    public int Queries { get; init; } = 2000;
    public int SamplesPerIdentity { get; init; } = 10;
    public double StrangerShare { get; init; } = 0.2;
    public float Threshold { get; init; } = 0.4f;
    public int Threads { get; init; } = Environment.ProcessorCount;
    public int Seed { get; init; } = 7;
    public bool Peer { get; init; } = true;
    public bool Ann { get; init; } = true;
    public int PeerConnectivity { get; init; } = 32;
    public IReadOnlyList<int> PeerExpansions { get; init; } = [32, 64, 128, 256];
    public IReadOnlyList<int> Probes { get; init; } = [2, 4, 8, 16, 32, 64];
    public int? Lists { get; init; }
    public float? Spill { get; init; }
    public int? TrainIterations { get; init; }
    public string WorkDirectory { get; init; } = Path.GetTempPath();
}

/// <summary>One engine at one setting: speed with 1 and all threads, and accuracy against exact fp32.</summary>
public sealed record EngineRun(
    string Engine,
    string Setting,
    double Qps1,
    double QpsAll,
    double P50Ms1,
    double P99Ms1,
    double P50MsAll,
    double P99MsAll,
    double RecallAt1,
    double RecallAt10,
    double MatchRecall,
    double IdentityTop1,
    double ExactShare = 0);

public sealed record SearchBenchmarkResult(
    SearchBenchmarkOptions Options,
    double MateMean,
    double MateStd,
    double ImpostorMean,
    double ImpostorStd,
    double MeanMatchesPerQuery,
    double GenerateSeconds,
    double ExactBuildSeconds,
    double ExactBytesPerVector,
    double ExactScanVectorsPerSecond,
    double ExactBatchedPairsPerSecond,
    EngineRun ExactSingle,
    EngineRun ExactBatched,
    double AnnTrainSeconds,
    int AnnLists,
    double AnnBytesPerVector,
    double SnapshotSaveSeconds,
    double SnapshotLoadSeconds,
    long SnapshotBytes,
    IReadOnlyList<EngineRun> Ann,
    EngineRun? AnnChosen,
    IReadOnlyList<EngineRun> Hybrid,
    double PeerBuildSeconds,
    double PeerBytesPerVector,
    double PeerSaveSeconds,
    double PeerLoadSeconds,
    string PeerAcceleration,
    IReadOnlyList<EngineRun> Peer);

/// <summary>
/// <c>argus bench search</c>: exact int8 scan, the IVF index and the USearch HNSW peer on the same synthetic
/// face-like gallery (<see cref="SyntheticFaces"/>), in one run. Every template is its own subject here so the
/// engines return templates and recall is measured per template. Ground truth: exact int8 top-100 (all rows scored)
/// re-scored in fp32 from the regenerated vectors (int8 error is ~5e-4, far below the gap to the 100th candidate).
/// </summary>
public static class SearchBenchmark
{
    private const int MatchK = 20;

    public static SearchBenchmarkResult Run(SearchBenchmarkOptions o, Action<string>? log = null)
    {
        log ??= _ => { };
        var dim = o.Dimension;
        var faces = new SyntheticFaces(dim, o.Seed);
        var identities = (o.Size + o.SamplesPerIdentity - 1) / o.SamplesPerIdentity;
        var contract = new EmbeddingContract("synthetic", "0000000000000000", 1, dim);
        var (mateMean, mateStd, impMean, impStd) = Statistics(faces, identities, o.SamplesPerIdentity);
        log($"synthetic: {o.Size:N0} templates of {identities:N0} identities; mates {mateMean:0.000}±{mateStd:0.000}, different {impMean:0.000}±{impStd:0.000}");

        // Queries: new samples of enrolled identities, then strangers.
        var rng = new Random(o.Seed);
        var queryIdentity = new long[o.Queries];
        var queries = new float[(long)o.Queries * dim];
        var enrolledQueries = (int)Math.Round(o.Queries * (1 - o.StrangerShare));
        for (var q = 0; q < o.Queries; q++)
        {
            queryIdentity[q] = q < enrolledQueries ? rng.Next(identities) : identities + q;
            faces.Sample(queryIdentity[q], q < enrolledQueries ? o.SamplesPerIdentity + q : 0, queries.AsSpan(q * dim, dim));
        }

        // Gallery, generated in blocks (in parallel) and added to the index and the peer.
        var index = new VectorIndex(contract, new VectorIndexOptions { ScanThreads = o.Threads });
        USearchIndex? peer = null;
        if (o.Peer)
        {
            peer = new USearchIndex(dim, USearchScalar.F16, o.PeerConnectivity, 128, 64, Math.Max(o.Threads, 4));
            peer.Reserve(o.Size);
        }

        const int Block = 8192;
        var buffer = new float[Block * dim];
        double generate = 0, exactBuild = 0, peerBuild = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = o.Threads };
        for (var start = 0; start < o.Size; start += Block)
        {
            var n = Math.Min(Block, o.Size - start);
            var t0 = Stopwatch.GetTimestamp();
            Parallel.For(0, n, parallel, i => Gallery(faces, o.SamplesPerIdentity, start + i, buffer.AsSpan(i * dim, dim)));
            generate += Seconds(t0);
            t0 = Stopwatch.GetTimestamp();
            for (var i = 0; i < n; i++)
            {
                index.Add(start + i, start + i, 1, buffer.AsSpan(i * dim, dim));
            }

            exactBuild += Seconds(t0);
            if (peer is not null)
            {
                t0 = Stopwatch.GetTimestamp();
                Parallel.For(0, n, parallel, i => peer.Add((ulong)(start + i), buffer.AsSpan(i * dim, dim)));
                peerBuild += Seconds(t0);
            }

            if ((start / Block) % 16 == 15)
            {
                log($"  added {start + n:N0}");
            }
        }

        log($"generated in {generate:0.0} s; int8 index filled in {exactBuild:0.0} s ({index.MemoryBytes() / (double)o.Size:0} B/vector)" +
            (peer is null ? string.Empty : $"; USearch built in {peerBuild:0.0} s"));

        // Ground truth.
        var t = Stopwatch.GetTimestamp();
        var truth = GroundTruth(index, faces, o, queries);
        var meanMatches = truth.Average(x => x.Matches.Count);
        log($"ground truth in {Seconds(t):0.0} s; {meanMatches:0.00} gallery entries >= {o.Threshold} per query");

        // Exact: single queries (all threads scan one query) and batches of 32.
        var exactBytes = index.MemoryBytes() / (double)o.Size;
        var singleCount = Math.Min(o.Queries, Math.Max(50, (int)(2e8 / o.Size)));
        var exactSingle = Measure("exact int8", "1 query/scan", o, queries, queryIdentity, truth, singleCount,
            (q, threads) => index.SearchBatch(q, new SearchParameters(MatchK, -1f), threads)[0], perQueryThreads: true);
        var scanRate = o.Size * exactSingle.QpsAll;
        log($"exact single: {exactSingle.QpsAll:0.0} QPS ({scanRate / 1e6:0.0} M vectors/s), p99 {exactSingle.P99MsAll:0.00} ms, recall@10 {exactSingle.RecallAt10:0.0000}");
        var batched = MeasureBatched(index, o, queries, queryIdentity, truth);
        log($"exact batched: {batched.QpsAll:0.0} QPS all threads, {batched.Qps1:0.0} on 1; {o.Size * batched.QpsAll / 1e9:0.00} G vector-query pairs/s");

        // IVF.
        var ann = new List<EngineRun>();
        var hybrid = new List<EngineRun>();
        double train = 0, annBytes = 0;
        EngineRun? chosen = null;
        if (o.Ann)
        {
            (train, annBytes) = TrainIvf(index, o, log);
            foreach (var probes in o.Probes)
            {
                var p = probes;
                var run = Measure("Argus IVF", $"probes {p}", o, queries, queryIdentity, truth, o.Queries,
                    (q, _) => index.Search(q, new SearchParameters(MatchK, -1f, p)), perQueryThreads: false);
                ann.Add(run);
                log($"  probes {p}: {run.QpsAll:0} QPS ({run.Qps1:0} on 1 thread), p99 {run.P99MsAll:0.00} ms, match recall {run.MatchRecall:0.0000}, recall@1 {run.RecallAt1:0.0000}, recall@10 {run.RecallAt10:0.0000}");
            }

            chosen = ann.FirstOrDefault(r => r.MatchRecall >= 0.999) ?? ann[^1];
            foreach (var probes in o.Probes)
            {
                var run = MeasureHybrid(index, o, queries, queryIdentity, truth, probes);
                hybrid.Add(run);
                log($"  probes {probes} + exact below {o.Threshold}: {run.QpsAll:0} QPS ({run.Qps1:0} on 1 thread), {run.ExactShare:P1} answered exactly, match recall {run.MatchRecall:0.0000}, recall@1 {run.RecallAt1:0.0000}, recall@10 {run.RecallAt10:0.0000}");
            }
        }

        // Snapshot: save, then time a restart.
        var path = Path.Combine(o.WorkDirectory, $"argus-bench-{Environment.ProcessId}.snapshot");
        t = Stopwatch.GetTimestamp();
        IndexSnapshot.Save(index, path, $"synthetic:{o.Size}");
        var save = Seconds(t);
        var bytes = new FileInfo(path).Length;
        t = Stopwatch.GetTimestamp();
        var loaded = IndexSnapshot.TryLoad(path, contract, $"synthetic:{o.Size}", new VectorIndexOptions { ScanThreads = o.Threads });
        var load = Seconds(t);
        File.Delete(path);
        if (!loaded.Succeeded || loaded.Index!.Count != index.Count)
        {
            throw new InvalidOperationException($"Snapshot round trip failed: {loaded.Message}");
        }

        log($"snapshot: {bytes / 1048576.0:0} MiB saved in {save:0.00} s, loaded in {load:0.00} s");

        // Peer.
        var peerRuns = new List<EngineRun>();
        double peerSave = 0, peerLoad = 0, peerBytes = 0;
        var acceleration = string.Empty;
        if (peer is not null)
        {
            peerBytes = peer.MemoryBytes / (double)o.Size;
            acceleration = peer.Acceleration;
            var peerPath = path + ".usearch";
            t = Stopwatch.GetTimestamp();
            peer.Save(peerPath);
            peerSave = Seconds(t);
            t = Stopwatch.GetTimestamp();
            peer.Load(peerPath);
            peerLoad = Seconds(t);
            File.Delete(peerPath);
            foreach (var ef in o.PeerExpansions)
            {
                peer.ExpansionSearch = ef;
                var run = Measure("USearch HNSW", $"f16 M={o.PeerConnectivity} ef={ef}", o, queries, queryIdentity, truth, o.Queries,
                    (q, _) => PeerSearch(peer, q), perQueryThreads: false);
                peerRuns.Add(run);
                log($"  USearch ef {ef}: {run.QpsAll:0} QPS ({run.Qps1:0} on 1 thread), p99 {run.P99MsAll:0.00} ms, match recall {run.MatchRecall:0.0000}, recall@1 {run.RecallAt1:0.0000}, recall@10 {run.RecallAt10:0.0000}");
            }

            peer.Dispose();
        }

        return new SearchBenchmarkResult(
            o, mateMean, mateStd, impMean, impStd, meanMatches, generate, exactBuild, exactBytes, scanRate, o.Size * batched.QpsAll,
            exactSingle, batched, train, index.ListCount, annBytes, save, load, bytes, ann, chosen, hybrid,
            peerBuild, peerBytes, peerSave, peerLoad, acceleration, peerRuns);
    }

    private static (double Seconds, double BytesPerVector) TrainIvf(VectorIndex index, SearchBenchmarkOptions o, Action<string> log)
    {
        var training = IvfTraining.ForSize(o.Size) with { Threads = o.Threads };
        training = training with
        {
            Lists = o.Lists ?? training.Lists,
            SpillMargin = o.Spill ?? training.SpillMargin,
            Iterations = o.TrainIterations ?? training.Iterations,
        };
        var t = Stopwatch.GetTimestamp();
        index.Train(training);
        var seconds = Seconds(t);
        var bytes = index.MemoryBytes() / (double)o.Size;
        log($"IVF: {index.ListCount} lists trained and filled in {seconds:0.0} s ({bytes:0} B/vector)");
        return (seconds, bytes);
    }

    private static SearchHit[] PeerSearch(USearchIndex peer, ReadOnlySpan<float> query)
    {
        Span<ulong> keys = stackalloc ulong[MatchK];
        Span<float> scores = stackalloc float[MatchK];
        var n = peer.Search(query, keys, scores);
        var hits = new SearchHit[n];
        for (var i = 0; i < n; i++)
        {
            hits[i] = new SearchHit((long)keys[i], (long)keys[i], 1, scores[i]);
        }

        return hits;
    }

    private static void Gallery(SyntheticFaces faces, int perIdentity, long row, Span<float> destination) =>
        faces.Sample(row / perIdentity, (int)(row % perIdentity), destination);

    private sealed record Truth(long[] Top10, HashSet<long> Matches);

    private static Truth[] GroundTruth(VectorIndex index, SyntheticFaces faces, SearchBenchmarkOptions o, float[] queries)
    {
        var dim = o.Dimension;
        var candidates = index.SearchBatch(queries, new SearchParameters(100, -1f));
        var truth = new Truth[o.Queries];
        Parallel.For(0, o.Queries, new ParallelOptions { MaxDegreeOfParallelism = o.Threads }, q =>
        {
            var v = new float[dim];
            var scored = new List<(long Row, float Score)>();
            foreach (var c in candidates[q])
            {
                Gallery(faces, o.SamplesPerIdentity, c.TemplateId, v);
                scored.Add((c.TemplateId, TensorPrimitives.Dot(v, queries.AsSpan(q * dim, dim))));
            }

            scored.Sort((a, b) => b.Score.CompareTo(a.Score));
            truth[q] = new Truth(
                scored.Take(10).Select(x => x.Row).ToArray(),
                scored.Where(x => x.Score >= o.Threshold).Select(x => x.Row).ToHashSet());
        });
        return truth;
    }

    private delegate SearchHit[] QueryRunner(ReadOnlySpan<float> query, int threads);

    private static EngineRun Measure(
        string engine, string setting, SearchBenchmarkOptions o, float[] queries, long[] identity, Truth[] truth, int count, QueryRunner run, bool perQueryThreads)
    {
        var dim = o.Dimension;
        var results = new SearchHit[count][];

        // Warm-up (JIT, page faults), then one thread, then all threads in parallel (or all threads inside each query).
        for (var q = 0; q < Math.Min(count, 20); q++)
        {
            run(queries.AsSpan(q * dim, dim), 1);
        }

        var (qps1, p50One, p99One) = Timed(count, 1, q => results[q] = run(queries.AsSpan(q * dim, dim), 1));
        var (qpsAll, p50All, p99All) = perQueryThreads
            ? Timed(count, 1, q => results[q] = run(queries.AsSpan(q * dim, dim), o.Threads))
            : Timed(count, o.Threads, q => results[q] = run(queries.AsSpan(q * dim, dim), 1));
        return Score(engine, setting, o, identity, truth, results, qps1, qpsAll, p50One, p99One, p50All, p99All);
    }

    private static EngineRun MeasureBatched(VectorIndex index, SearchBenchmarkOptions o, float[] queries, long[] identity, Truth[] truth)
    {
        var p = new SearchParameters(MatchK, -1f);
        const int Batch = 32;
        var dim = o.Dimension;
        var batches = o.Queries / Batch;
        var results = new SearchHit[batches * Batch][];
        index.SearchBatch(queries.AsSpan(0, Batch * dim), p);
        var (qps1, p50One, p99One) = Timed(Math.Max(1, batches / 4), 1, b => index.SearchBatch(queries.AsSpan(b * Batch * dim, Batch * dim), p, 1));
        var (qpsAll, p50All, p99All) = Timed(batches, 1, b =>
        {
            var r = index.SearchBatch(queries.AsSpan(b * Batch * dim, Batch * dim), p, o.Threads);
            r.CopyTo(results, b * Batch);
        });
        return Score("exact int8", $"batches of {Batch}", o, identity, truth, results, qps1 * Batch, qpsAll * Batch, p50One, p99One, p50All, p99All);
    }

    /// <summary>
    /// IVF with the exact fallback (<see cref="SearchParameters.ExactBelow"/> at the match threshold) in batches of 256
    /// queries: a query whose 10th approximate hit is below the threshold (a stranger, or a face with fewer than 10
    /// mates above it) is answered again by the batched exact scan. Latencies are per batch.
    /// </summary>
    private static EngineRun MeasureHybrid(VectorIndex index, SearchBenchmarkOptions o, float[] queries, long[] identity, Truth[] truth, int probes)
    {
        var p = new SearchParameters(10, -1f, probes, o.Threshold);
        const int Batch = 256;
        var dim = o.Dimension;
        var batches = Math.Max(1, o.Queries / Batch);
        var size = Math.Min(Batch, o.Queries);

        // The query set lists enrolled faces first and strangers last; shuffled, every batch holds both as traffic would.
        var order = Enumerable.Range(0, o.Queries).ToArray();
        new Random(o.Seed).Shuffle(order);
        var shuffled = new float[queries.Length];
        for (var i = 0; i < order.Length; i++)
        {
            queries.AsSpan(order[i] * dim, dim).CopyTo(shuffled.AsSpan(i * dim));
        }

        var answers = new SearchHit[batches * size][];
        index.SearchBatch(shuffled.AsSpan(0, size * dim), p);
        var (qps1, p50One, p99One) = Timed(Math.Max(1, batches / 4), 1, b => index.SearchBatch(shuffled.AsSpan(b * size * dim, size * dim), p, 1));
        var (qpsAll, p50All, p99All) = Timed(batches, 1, b =>
        {
            var r = index.SearchBatch(shuffled.AsSpan(b * size * dim, size * dim), p, o.Threads);
            r.CopyTo(answers, b * size);
        });
        // Score the answers in the order they were asked; the fallback's share is the same rule on the approximate answers alone.
        var askedTruth = new Truth[answers.Length];
        var askedIdentity = new long[answers.Length];
        var exact = 0;
        for (var i = 0; i < answers.Length; i++)
        {
            askedTruth[i] = truth[order[i]];
            askedIdentity[i] = identity[order[i]];
            var approximate = index.Search(shuffled.AsSpan(i * dim, dim), p with { ExactBelow = null });
            exact += approximate.Length < p.K || approximate[^1].Score < o.Threshold ? 1 : 0;
        }

        var run = Score("Argus IVF + exact fallback", $"probes {probes}, exact below {o.Threshold}", o, askedIdentity, askedTruth, answers, qps1 * size, qpsAll * size, p50One, p99One, p50All, p99All);
        return run with { ExactShare = exact / (double)answers.Length };
    }

    private static (double Qps, double P50, double P99) Timed(int count, int threads, Action<int> body)
    {
        var latencies = new double[count];
        var next = -1;
        var start = Stopwatch.GetTimestamp();
        var workers = new Thread[threads];
        for (var w = 0; w < threads; w++)
        {
            workers[w] = new Thread(() =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < count)
                {
                    var t = Stopwatch.GetTimestamp();
                    body(i);
                    latencies[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                }
            });
            workers[w].Start();
        }

        foreach (var w in workers)
        {
            w.Join();
        }

        var elapsed = Seconds(start);
        Array.Sort(latencies);
        return (count / elapsed, latencies[count / 2], latencies[Math.Min(count - 1, (int)(count * 0.99))]);
    }

    private static EngineRun Score(
        string engine, string setting, SearchBenchmarkOptions o, long[] identity, Truth[] truth, SearchHit[][] results,
        double qps1, double qpsAll, double p50One, double p99One, double p50All, double p99All)
    {
        double r1 = 0, r10 = 0, n10 = 0, matchFound = 0, matchTotal = 0, idTop = 0, enrolled = 0;
        var identities = (o.Size + o.SamplesPerIdentity - 1) / o.SamplesPerIdentity;
        for (var q = 0; q < results.Length; q++)
        {
            var hits = results[q];
            var t = truth[q];
            if (hits.Length > 0 && t.Top10.Length > 0 && hits[0].TemplateId == t.Top10[0])
            {
                r1++;
            }

            if (t.Top10.Length == 10)
            {
                var found = 0;
                for (var i = 0; i < Math.Min(10, hits.Length); i++)
                {
                    if (Array.IndexOf(t.Top10, hits[i].TemplateId) >= 0)
                    {
                        found++;
                    }
                }

                r10 += found / 10.0;
                n10++;
            }

            matchTotal += t.Matches.Count;
            foreach (var h in hits)
            {
                if (h.Score >= o.Threshold && t.Matches.Contains(h.TemplateId))
                {
                    matchFound++;
                }
            }

            if (identity[q] < identities)
            {
                enrolled++;
                if (hits.Length > 0 && hits[0].Score >= o.Threshold && hits[0].TemplateId / o.SamplesPerIdentity == identity[q])
                {
                    idTop++;
                }
            }
        }

        return new EngineRun(engine, setting, qps1, qpsAll, p50One, p99One, p50All, p99All,
            r1 / results.Length, n10 > 0 ? r10 / n10 : 1, matchTotal > 0 ? matchFound / matchTotal : 1, enrolled > 0 ? idTop / enrolled : 1);
    }

    private static (double MateMean, double MateStd, double ImpMean, double ImpStd) Statistics(SyntheticFaces faces, int identities, int perIdentity)
    {
        var dim = faces.Dimension;
        var a = new float[dim];
        var b = new float[dim];
        var rng = new Random(1);
        var mates = new List<double>();
        var impostors = new List<double>();
        for (var i = 0; i < 2000; i++)
        {
            var id = rng.Next(identities);
            faces.Sample(id, 0, a);
            faces.Sample(id, 1 + rng.Next(Math.Max(1, perIdentity - 1)), b);
            mates.Add(TensorPrimitives.Dot(a, b));
            faces.Sample((id + 1 + rng.Next(identities - 1)) % identities, 0, b);
            impostors.Add(TensorPrimitives.Dot(a, b));
        }

        return (mates.Average(), Std(mates), impostors.Average(), Std(impostors));
    }

    private static double Std(List<double> x)
    {
        var m = x.Average();
        return Math.Sqrt(x.Sum(v => (v - m) * (v - m)) / x.Count);
    }

    private static double Seconds(long start) => Stopwatch.GetElapsedTime(start).TotalSeconds;
}
