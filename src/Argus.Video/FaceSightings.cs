using Argus.Core.Faces;
using Argus.Vision.Pipeline;

namespace Argus.Video;

/// <summary>
/// Where a camera's tracked faces were seen: counts of face centres on a coarse grid of the frame (16 x 9 cells),
/// nothing about whom. From them, a detection region to suggest to the administrator (never applied by itself): the
/// part of the frame that held nearly all faces, so that tiles elsewhere can be dropped.
/// </summary>
public sealed class FaceSightings
{
    /// <summary>Grid columns.</summary>
    public const int Columns = 16;

    /// <summary>Grid rows.</summary>
    public const int Rows = 9;

    private readonly long[] _cells = new long[Columns * Rows];
    private long _total;

    /// <summary>Sightings counted so far.</summary>
    public long Total => Interlocked.Read(ref _total);

    /// <summary>Counts one face, by the centre of its box in a frame of <paramref name="width"/> x <paramref name="height"/>.</summary>
    public void Add(BoundingBox box, int width, int height)
    {
        if (width <= 0 || height <= 0)
        {
            return;
        }

        var column = Math.Clamp((int)(box.CenterX * Columns / width), 0, Columns - 1);
        var row = Math.Clamp((int)(box.CenterY * Rows / height), 0, Rows - 1);
        Interlocked.Increment(ref _cells[(row * Columns) + column]);
        Interlocked.Increment(ref _total);
    }

    /// <summary>
    /// The smallest rectangle of cells holding all but <paramref name="outside"/> of the sightings (trimmed evenly from
    /// each side, by rows and by columns), grown by one cell on each side for faces moving past its edge; null until
    /// <paramref name="minSightings"/> faces were seen, or when it would cover most of the frame anyway (80% of its
    /// area or more: nothing to gain).
    /// </summary>
    public DetectionRegion? Suggest(long minSightings = 500, double outside = 0.02)
    {
        var total = Total;
        if (total < minSightings)
        {
            return null;
        }

        Span<long> columns = stackalloc long[Columns];
        Span<long> rows = stackalloc long[Rows];
        for (var r = 0; r < Rows; r++)
        {
            for (var c = 0; c < Columns; c++)
            {
                var n = Interlocked.Read(ref _cells[(r * Columns) + c]);
                columns[c] += n;
                rows[r] += n;
            }
        }

        var trim = (long)(total * outside / 2);
        var (left, right) = Span(columns, trim);
        var (top, bottom) = Span(rows, trim);
        left = Math.Max(0, left - 1);
        top = Math.Max(0, top - 1);
        right = Math.Min(Columns - 1, right + 1);
        bottom = Math.Min(Rows - 1, bottom + 1);
        var region = new DetectionRegion(
            left / (float)Columns, top / (float)Rows, (right - left + 1) / (float)Columns, (bottom - top + 1) / (float)Rows);
        return region.Width * region.Height >= 0.8f ? null : region;
    }

    /// <summary>First and last index whose counts lie inside, once <paramref name="trim"/> sightings are cut from each end.</summary>
    private static (int First, int Last) Span(ReadOnlySpan<long> counts, long trim)
    {
        var first = 0;
        for (long cut = 0; first < counts.Length - 1 && cut + counts[first] <= trim; first++)
        {
            cut += counts[first];
        }

        var last = counts.Length - 1;
        for (long cut = 0; last > first && cut + counts[last] <= trim; last--)
        {
            cut += counts[last];
        }

        return (first, last);
    }
}
