using System.Runtime.InteropServices;

namespace Argus.Bench.Peers;

/// <summary>Scalar type USearch stores vectors as.</summary>
public enum USearchScalar
{
    F32,
    F16,
    I8,
}

/// <summary>
/// The USearch HNSW index as a benchmark peer, through our own P/Invoke layer (<see cref="USearchNative"/>): span-based
/// add and search with caller buffers, settable search expansion and thread contexts. USearch keeps one search
/// context per thread slot and fails when more callers than slots search at once (stack-notes.md), so the constructor
/// sets the slots to <paramref name="maxConcurrency"/> and a semaphore caps callers to it. The search expansion is not
/// saved with the index: it is re-applied after every load.
/// </summary>
public sealed unsafe class USearchIndex : IDisposable
{
    private readonly SemaphoreSlim _gate;
    private readonly int _dimensions;
    private nint _handle;
    private int _expansion;

    public USearchIndex(int dimensions, USearchScalar scalar, int connectivity, int expansionAdd, int expansionSearch, int maxConcurrency)
    {
        _dimensions = dimensions;
        var options = new USearchNative.InitOptions
        {
            // Inner product on unit vectors equals cosine and is 10-15% faster here (stack-notes.md).
            MetricKind = USearchNative.MetricKind.InnerProduct,
            Quantization = scalar switch
            {
                USearchScalar.F32 => USearchNative.ScalarKind.F32,
                USearchScalar.I8 => USearchNative.ScalarKind.I8,
                _ => USearchNative.ScalarKind.F16,
            },
            Dimensions = (nuint)dimensions,
            Connectivity = (nuint)connectivity,
            ExpansionAdd = (nuint)expansionAdd,
            ExpansionSearch = (nuint)expansionSearch,
        };
        _handle = USearchNative.Init(&options, out var error);
        USearchNative.Check(error, "init");
        _expansion = expansionSearch;
        MaxConcurrency = Math.Max(1, maxConcurrency);
        _gate = new SemaphoreSlim(MaxConcurrency, MaxConcurrency);
        ApplyThreads();
    }

    public int MaxConcurrency { get; }

    public long Count
    {
        get
        {
            var n = USearchNative.Size(_handle, out var error);
            USearchNative.Check(error, "size");
            return (long)n;
        }
    }

    public long MemoryBytes
    {
        get
        {
            var n = USearchNative.MemoryUsage(_handle, out var error);
            USearchNative.Check(error, "memory_usage");
            return (long)n;
        }
    }

    public string Acceleration => Marshal.PtrToStringUTF8(USearchNative.HardwareAcceleration(_handle, out _)) ?? "?";

    public int ExpansionSearch
    {
        get => _expansion;
        set
        {
            USearchNative.ChangeExpansionSearch(_handle, (nuint)value, out var error);
            USearchNative.Check(error, "change_expansion_search");
            _expansion = value;
        }
    }

    public void Reserve(long capacity)
    {
        USearchNative.Reserve(_handle, (nuint)capacity, out var error);
        USearchNative.Check(error, "reserve");
    }

    /// <summary>Adds one vector; safe from up to <see cref="MaxConcurrency"/> threads after <see cref="Reserve"/>.</summary>
    public void Add(ulong key, ReadOnlySpan<float> vector)
    {
        CheckDimension(vector.Length);
        fixed (float* v = vector)
        {
            USearchNative.Add(_handle, key, v, USearchNative.ScalarKind.F32, out var error);
            USearchNative.Check(error, "add");
        }
    }

    /// <summary>Writes up to <c>keys.Length</c> neighbours, best first; <paramref name="similarities"/> = 1 - distance.</summary>
    public int Search(ReadOnlySpan<float> query, Span<ulong> keys, Span<float> similarities)
    {
        CheckDimension(query.Length);
        var count = Math.Min(keys.Length, similarities.Length);
        _gate.Wait();
        try
        {
            fixed (float* q = query)
            fixed (ulong* k = keys)
            fixed (float* d = similarities)
            {
                var found = (int)USearchNative.Search(_handle, q, USearchNative.ScalarKind.F32, (nuint)count, k, d, out var error);
                USearchNative.Check(error, "search");
                for (var i = 0; i < found; i++)
                {
                    d[i] = 1f - d[i];
                }

                return found;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public bool Remove(ulong key)
    {
        var n = USearchNative.Remove(_handle, key, out var error);
        USearchNative.Check(error, "remove");
        return n > 0;
    }

    public void Save(string path)
    {
        USearchNative.Save(_handle, path, out var error);
        USearchNative.Check(error, "save");
    }

    /// <summary>Loads a saved index (copying it into memory) and re-applies expansion and thread slots.</summary>
    public void Load(string path)
    {
        USearchNative.Load(_handle, path, out var error);
        USearchNative.Check(error, "load");
        ApplyThreads();
        ExpansionSearch = _expansion;
    }

    public void Dispose()
    {
        if (_handle != 0)
        {
            USearchNative.Free(_handle, out _);
            _handle = 0;
        }

        _gate.Dispose();
    }

    private void ApplyThreads()
    {
        USearchNative.ChangeThreadsSearch(_handle, (nuint)MaxConcurrency, out var error);
        USearchNative.Check(error, "change_threads_search");
        USearchNative.ChangeThreadsAdd(_handle, (nuint)MaxConcurrency, out error);
        USearchNative.Check(error, "change_threads_add");
    }

    private void CheckDimension(int length)
    {
        if (length != _dimensions)
        {
            throw new ArgumentException($"Expected {_dimensions} values, got {length}.");
        }
    }
}
