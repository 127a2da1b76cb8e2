using System.Diagnostics;
using Argus.Core;

namespace Argus.Search;

/// <summary>
/// A search sent to one shard. A message (plain data, no references to local objects) so that a shard can live in
/// another process or machine later (an Orleans grain). <paramref name="Query"/> is the raw template; the shard
/// validates and normalises it. <paramref name="ContractId"/> must match the shard's contract.
/// </summary>
public sealed record SearchRequest(string ContractId, float[] Query, SearchParameters Parameters);

/// <summary>One shard's answer: its hits (best first, one per subject) or why it failed.</summary>
public sealed record SearchResponse(string ShardId, SearchHit[] Hits, string? Error = null)
{
    public bool Succeeded => Error is null;
}

/// <summary>A failed shard in a scatter-gather search.</summary>
public sealed record ShardFailure(string ShardId, string Reason);

/// <summary>Merged result: hits across every shard that answered, and the shards that did not.</summary>
public sealed record ShardedSearchResult(SearchHit[] Hits, IReadOnlyList<ShardFailure> Failures, int ShardCount)
{
    /// <summary>True when some shards failed: the hits may miss candidates those shards hold.</summary>
    public bool IsPartial => Failures.Count > 0;
}

/// <summary>The unit of distribution: a part of a gallery that answers searches.</summary>
public interface IShard
{
    string Id { get; }

    Task<SearchResponse> SearchAsync(SearchRequest request, CancellationToken cancellationToken = default);
}

/// <summary>A shard held in this process: a <see cref="VectorIndex"/> behind the message interface.</summary>
public sealed class LocalShard : IShard
{
    public LocalShard(string id, VectorIndex index)
    {
        Id = id;
        Index = index;
    }

    public string Id { get; }

    public VectorIndex Index { get; }

    public Task<SearchResponse> SearchAsync(SearchRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        if (request.ContractId != Index.Contract.Id)
        {
            throw new ArgusException("search.contract_mismatch", $"Shard {Id} holds contract {Index.Contract.Id}, the request is for {request.ContractId}.");
        }

        return Task.FromResult(new SearchResponse(Id, Index.Search(request.Query, request.Parameters)));
    }
}

/// <summary>
/// Scatter-gather over shards: sends the request to every shard at once, waits for each up to a timeout, and merges
/// their top-k (one entry per subject, best score first). A shard that throws, answers with an error or times out is
/// listed in <see cref="ShardedSearchResult.Failures"/>; the others still answer. Refusals of the request itself
/// (<see cref="ArgusException"/>: wrong dimension, contract, NaN...) are the caller's error and are rethrown.
/// </summary>
public sealed class ShardedIndex
{
    private readonly IShard[] _shards;
    private readonly TimeProvider _time;

    /// <param name="shards">The partitions; at least one.</param>
    /// <param name="shardTimeout">How long a search waits for each shard (default 5 s).</param>
    /// <param name="time">The clock the timeout runs on (a fake one in tests, so a busy machine cannot fail a shard).</param>
    public ShardedIndex(IEnumerable<IShard> shards, TimeSpan? shardTimeout = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(shards);
        _shards = [.. shards];
        if (_shards.Length == 0)
        {
            throw new ArgumentException("A sharded index needs at least one shard.", nameof(shards));
        }

        ShardTimeout = shardTimeout ?? TimeSpan.FromSeconds(5);
        _time = time ?? TimeProvider.System;
    }

    public IReadOnlyList<IShard> Shards => _shards;

    public TimeSpan ShardTimeout { get; }

    public async Task<ShardedSearchResult> SearchAsync(SearchRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var tasks = new Task<SearchResponse>[_shards.Length];
        using var deadline = new CancellationTokenSource(ShardTimeout, _time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        for (var i = 0; i < _shards.Length; i++)
        {
            tasks[i] = Call(_shards[i], request, timeout.Token);
        }

        var failures = new List<ShardFailure>();
        var collector = new TopKCollector();
        collector.Reset(request.Parameters.K, request.Parameters.Threshold);
        for (var i = 0; i < tasks.Length; i++)
        {
            SearchResponse response;
            try
            {
                response = await tasks[i].WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                failures.Add(new ShardFailure(_shards[i].Id, $"no answer within {ShardTimeout.TotalMilliseconds:0} ms"));
                continue;
            }

            if (!response.Succeeded)
            {
                failures.Add(new ShardFailure(response.ShardId, response.Error!));
                continue;
            }

            foreach (var hit in response.Hits)
            {
                collector.Offer(hit.Score, hit.SubjectId, hit.TemplateId, hit.GalleryId);
            }
        }

        var hits = new SearchHit[collector.Count];
        collector.CopyTo(hits);
        return new ShardedSearchResult(hits, failures, _shards.Length);
    }

    private static async Task<SearchResponse> Call(IShard shard, SearchRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await shard.SearchAsync(request, cancellationToken);
        }
        catch (ArgusException)
        {
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Debug.WriteLine($"shard {shard.Id} failed: {e}");
            return new SearchResponse(shard.Id, [], $"{e.GetType().Name}: {e.Message}");
        }
    }
}
