using Argus.Core;

namespace Argus.Application;

/// <summary>
/// A photo handed to an operation: read only when the operation gets to it, so that a refusal earlier (scope, legal
/// basis) never touches it. <see cref="Name"/> labels it in messages (a file path, an upload's part name).
/// </summary>
public sealed class ImageInput
{
    private readonly Func<byte[]> _read;
    private byte[]? _bytes;

    private ImageInput(string name, Func<byte[]> read)
    {
        Name = name;
        _read = read;
    }

    public string Name { get; }

    public static ImageInput FromBytes(string name, byte[] bytes) => new(name, () => bytes);

    /// <summary>An image that was not supplied: refused with <paramref name="refusal"/> when an operation gets to it.</summary>
    public static ImageInput Missing(string name, ArgusException refusal) => new(name, () => throw refusal);

    /// <summary>A file, read on first use; unreadable files are <c>image.unreadable</c>.</summary>
    public static ImageInput FromFile(string path) => new(path, () =>
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgusException("image.unreadable", $"cannot read it: {e.Message}", e);
        }
    });

    public byte[] Read() => _bytes ??= _read();
}
