using Argus.Core;
using Microsoft.Extensions.Time.Testing;

namespace Argus.Search.Tests;

[Trait("Category", "Unit")]
public sealed class ShardTests
{
    private const int Dim = 64;

    private sealed class FailingShard(string id) : IShard
    {
        public string Id { get; } = id;

        public Task<SearchResponse> SearchAsync(SearchRequest request, CancellationToken cancellationToken = default) =>
            throw new IOException("connection reset");
    }

    private sealed class SlowShard(string id) : IShard
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Id { get; } = id;

        public Task Started => _started.Task;

        public async Task<SearchResponse> SearchAsync(SearchRequest request, CancellationToken cancellationToken = default)
        {
            _started.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return new SearchResponse(Id, []);
        }
    }

    private sealed class ErrorShard(string id) : IShard
    {
        public string Id { get; } = id;

        public Task<SearchResponse> SearchAsync(SearchRequest request, CancellationToken cancellationToken = default) =>
            Task.FromResult(new SearchResponse(Id, [], "shard is loading"));
    }

    private static (VectorIndex Whole, LocalShard[] Shards, float[][] Centres) Split(int shards)
    {
        var rng = new Random(1);
        var whole = new VectorIndex(TestData.Contract);
        var parts = Enumerable.Range(0, shards).Select(i => new LocalShard($"s{i}", new VectorIndex(TestData.Contract))).ToArray();
        var centres = new float[60][];
        long template = 0;
        for (var s = 0; s < centres.Length; s++)
        {
            centres[s] = TestData.Unit(rng, Dim);
            for (var t = 0; t < 3; t++)
            {
                var v = TestData.Near(rng, centres[s], 0.7f);
                whole.Add(template, s, 1, v);

                // Templates of one subject spread over shards: the merge must still keep one entry per subject.
                parts[(int)(template % shards)].Index.Add(template, s, 1, v);
                template++;
            }
        }

        return (whole, parts, centres);
    }

    [Fact]
    public async Task Merged_shards_answer_like_one_index()
    {
        var (whole, shards, centres) = Split(3);
        var sharded = new ShardedIndex(shards);
        var rng = new Random(2);
        for (var q = 0; q < 10; q++)
        {
            var query = q % 2 == 0 ? TestData.Near(rng, centres[q], 0.7f) : TestData.Unit(rng, Dim);
            var p = new SearchParameters(8, q % 2 == 0 ? 0.3f : -1f);
            var result = await sharded.SearchAsync(new SearchRequest(TestData.Contract.Id, query, p));
            Assert.False(result.IsPartial);
            Assert.Equal(whole.Search(query, p), result.Hits);
        }
    }

    [Fact]
    public async Task Failed_and_slow_shards_are_named_and_the_rest_answer()
    {
        var (_, shards, centres) = Split(2);
        // The timeout runs on a fake clock: local shards answer before it moves, so load on the machine cannot turn
        // a healthy shard into a "no answer" (it did, once, under a load of 39 on two cores).
        var clock = new FakeTimeProvider();
        var slow = new SlowShard("slow");
        var sharded = new ShardedIndex([shards[0], shards[1], new FailingShard("down"), slow, new ErrorShard("loading")], TimeSpan.FromMilliseconds(200), clock);
        var query = TestData.Near(new Random(3), centres[4], 0.8f);
        var search = sharded.SearchAsync(new SearchRequest(TestData.Contract.Id, query, new SearchParameters(5, 0.4f)));
        await slow.Started.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(search.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(200));
        var result = await search.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(result.IsPartial);
        Assert.Equal(5, result.ShardCount);
        Assert.Equal(["down", "loading", "slow"], result.Failures.Select(f => f.ShardId).Order().ToArray());
        Assert.Contains("connection reset", result.Failures.Single(f => f.ShardId == "down").Reason);
        Assert.Equal(4, result.Hits[0].SubjectId);
    }

    [Fact]
    public async Task Bad_requests_are_refused_not_reported_as_shard_failures()
    {
        var (_, shards, _) = Split(2);
        var sharded = new ShardedIndex(shards);
        var e = await Assert.ThrowsAsync<ArgusException>(() => sharded.SearchAsync(new SearchRequest(TestData.Contract.Id, new float[Dim + 3], new SearchParameters(5, 0.4f))));
        Assert.Equal("search.dimension", e.Code);
        var c = await Assert.ThrowsAsync<ArgusException>(() => sharded.SearchAsync(new SearchRequest("other:1:pp1:64", TestData.Unit(new Random(1), Dim), new SearchParameters(5, 0.4f))));
        Assert.Equal("search.contract_mismatch", c.Code);
    }
}
