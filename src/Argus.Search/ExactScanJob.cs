namespace Argus.Search;

/// <summary>
/// One exact scan spread over threads: the caller and up to <c>workers - 1</c> thread-pool items claim lists one at a
/// time, each into its own collectors, merged at the end. Pool items that start after the caller finished find the job
/// closed and return at once, so a busy thread pool delays nothing but the parallel speed-up.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The event is disposed by Run once every worker that joined has left; a job runs once.")]
internal sealed class ExactScanJob : IThreadPoolWorkItem
{
    private const int ClosedBit = 1 << 30;

    private readonly VectorIndex _index;
    private readonly IndexState _state;
    private readonly QueryBlock _queries;
    private readonly int _workers;
    private readonly SearchParameters _parameters;
    private readonly TopKCollector[]?[] _slots;
    private readonly ManualResetEventSlim _done = new(false);
    private int _nextList = -1;
    private int _nextSlot;
    private int _active = 1;

    public ExactScanJob(VectorIndex index, IndexState state, QueryBlock queries, int workers, SearchParameters parameters)
    {
        _index = index;
        _state = state;
        _queries = queries;
        _workers = workers;
        _parameters = parameters;
        _slots = new TopKCollector[workers][];
    }

    public void Run(TopKCollector[] target)
    {
        for (var i = 1; i < _workers; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }

        Work(target);
        var remaining = Interlocked.Add(ref _active, ClosedBit - 1) & ~ClosedBit;
        if (remaining != 0)
        {
            _done.Wait();
        }

        _done.Dispose();
        for (var s = 1; s < _slots.Length; s++)
        {
            if (_slots[s] is not { } cols)
            {
                continue;
            }

            for (var q = 0; q < cols.Length; q++)
            {
                cols[q].MergeInto(target[q]);
                _index.Return(cols[q]);
            }
        }
    }

    public void Execute()
    {
        int v;
        do
        {
            v = Volatile.Read(ref _active);
            if ((v & ClosedBit) != 0)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _active, v + 1, v) != v);

        var slot = Interlocked.Increment(ref _nextSlot);
        var cols = new TopKCollector[_queries.Count];
        for (var q = 0; q < cols.Length; q++)
        {
            cols[q] = _index.Rent(_parameters);
        }

        _slots[slot] = cols;
        Work(cols);
        if (Interlocked.Decrement(ref _active) == ClosedBit)
        {
            _done.Set();
        }
    }

    private void Work(TopKCollector[] collectors)
    {
        var lists = _state.Lists;
        int l;
        while ((l = Interlocked.Increment(ref _nextList)) < lists.Length)
        {
            var data = lists[l].Data;
            Scanner.ScanBatch(data, 0, Volatile.Read(ref data.Count), _queries.Dimension, _queries, collectors, _index.Isa);
        }
    }
}
