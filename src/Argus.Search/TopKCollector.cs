namespace Argus.Search;

/// <summary>
/// Keeps the best <c>k</c> subjects at or above a threshold, each subject once with its best template.
/// <see cref="Bar"/> is the score a candidate must reach to matter; scanners compare against it before calling
/// <see cref="Offer"/>, so the O(k) work here runs only for the rare candidates that beat the bar.
/// </summary>
internal sealed class TopKCollector
{
    private float[] _scores = new float[16];
    private long[] _subjects = new long[16];
    private long[] _templates = new long[16];
    private long[] _galleries = new long[16];
    private int _k;
    private float _threshold;
    private int _minIndex;

    public int Count { get; private set; }

    public float Bar { get; private set; }

    public void Reset(int k, float threshold)
    {
        if (_scores.Length < k)
        {
            _scores = new float[k];
            _subjects = new long[k];
            _templates = new long[k];
            _galleries = new long[k];
        }

        _k = k;
        _threshold = threshold;
        Count = 0;
        _minIndex = 0;
        Bar = threshold;
    }

    public void Offer(float score, long subject, long template, long gallery)
    {
        if (score < Bar)
        {
            return;
        }

        for (var i = 0; i < Count; i++)
        {
            if (_subjects[i] == subject)
            {
                if (score > _scores[i] || (score == _scores[i] && template < _templates[i]))
                {
                    _scores[i] = score;
                    _templates[i] = template;
                    _galleries[i] = gallery;
                    UpdateBar();
                }

                return;
            }
        }

        int slot;
        if (Count < _k)
        {
            slot = Count++;
        }
        else
        {
            if (score <= _scores[_minIndex])
            {
                return;
            }

            slot = _minIndex;
        }

        _scores[slot] = score;
        _subjects[slot] = subject;
        _templates[slot] = template;
        _galleries[slot] = gallery;
        UpdateBar();
    }

    public void MergeInto(TopKCollector other)
    {
        for (var i = 0; i < Count; i++)
        {
            other.Offer(_scores[i], _subjects[i], _templates[i], _galleries[i]);
        }
    }

    /// <summary>Writes the hits best first; returns how many.</summary>
    public int CopyTo(Span<SearchHit> destination)
    {
        var n = Math.Min(Count, destination.Length);
        var taken = 0;
        Span<bool> used = Count <= 256 ? stackalloc bool[Count] : new bool[Count];
        used.Clear();
        for (; taken < n; taken++)
        {
            var best = -1;
            for (var i = 0; i < Count; i++)
            {
                if (!used[i] && (best < 0 || _scores[i] > _scores[best] || (_scores[i] == _scores[best] && _subjects[i] < _subjects[best])))
                {
                    best = i;
                }
            }

            used[best] = true;
            destination[taken] = new SearchHit(_subjects[best], _templates[best], _galleries[best], _scores[best]);
        }

        return taken;
    }

    private void UpdateBar()
    {
        if (Count < _k)
        {
            Bar = _threshold;
            return;
        }

        var min = 0;
        for (var i = 1; i < Count; i++)
        {
            if (_scores[i] < _scores[min])
            {
                min = i;
            }
        }

        _minIndex = min;
        Bar = Math.Max(_threshold, _scores[min]);
    }
}
