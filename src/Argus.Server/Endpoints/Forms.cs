using System.Globalization;
using Argus.Application;
using Argus.Application.Searches;
using Argus.Core;

namespace Argus.Server.Endpoints;

/// <summary>
/// Reading multipart fields: snake_case names, repeatable fields for lists, malformed numbers refused with
/// <c>argument.invalid</c> naming the field (never echoing the value).
/// </summary>
internal static class Forms
{
    public static string? Text(this IFormCollection form, string name) => form.TryGetValue(name, out var v) && v.ToString() is { Length: > 0 } s ? s : null;

    public static IReadOnlyList<string> Texts(this IFormCollection form, string name) =>
        form.TryGetValue(name, out var v) ? [.. v.Where(s => !string.IsNullOrEmpty(s)).Select(s => s!)] : [];

    public static int? Int(this IFormCollection form, string name) => form.Text(name) is not { } s
        ? null
        : int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : throw new ArgusException("argument.invalid", $"Field '{name}' must be an integer.");

    public static float? Float(this IFormCollection form, string name) => form.Text(name) is not { } s
        ? null
        : float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) ? f : throw new ArgusException("argument.invalid", $"Field '{name}' must be a number.");

    public static bool Bool(this IFormCollection form, string name) => form.Text(name) is not { } s
        ? false
        : bool.TryParse(s, out var b) ? b : s == "1" || (s == "0" ? false : throw new ArgusException("argument.invalid", $"Field '{name}' must be true or false."));

    /// <summary>
    /// The one naming rule for uploads: every photo or frame is a file field named <c>photo</c>, repeated for several.
    /// The names used before (<c>photos</c>, <c>images</c>, <c>image</c>, <c>frames</c>) are still read, so older
    /// clients keep working; the OpenAPI document and every error name only <c>photo</c>.
    /// </summary>
    public const string PhotoField = "photo";

    private static readonly string[] LegacyPhotoFields = ["photos", "images", "image", "frames"];

    /// <summary>The uploaded photo files, in the order sent (the rule's name and the legacy ones).</summary>
    public static IReadOnlyList<IFormFile> PhotoFiles(this IFormCollection form) =>
        [.. form.Files.Where(f => f.Name == PhotoField || LegacyPhotoFields.Contains(f.Name, StringComparer.Ordinal))];

    /// <summary>The uploaded photos, read into memory (the request size limit bounds them); none refused naming the field when <paramref name="required"/>.</summary>
    public static async Task<IReadOnlyList<ImageInput>> ImagesAsync(this IFormCollection form, string name, CancellationToken ct, bool required = false)
    {
        var images = new List<ImageInput>();
        foreach (var file in name == PhotoField ? form.PhotoFiles() : form.Files.GetFiles(name))
        {
            using var buffer = new MemoryStream((int)Math.Min(file.Length, int.MaxValue));
            await file.CopyToAsync(buffer, ct);
            images.Add(ImageInput.FromBytes(string.IsNullOrEmpty(file.FileName) ? name : Path.GetFileName(file.FileName), buffer.ToArray()));
        }

        if (required && images.Count == 0)
        {
            throw new ArgusException("image.empty", $"Upload at least one photo as file field '{name}' (repeat the field for several).");
        }

        return images;
    }

    public static async Task<ImageInput> ImageAsync(this IFormCollection form, string name, CancellationToken ct) =>
        (await form.ImagesAsync(name, ct)) switch
        {
            [var one] => one,
            [] => ImageInput.Missing(name, new ArgusException("image.empty", $"Upload the probe photo as file field '{name}'.")),
            _ => throw new ArgusException("argument.invalid", $"Upload one photo as '{name}'."),
        };

    public static SearchDeclarationInput Declaration(this IFormCollection form) =>
        new(form.Text("purpose"), form.Text("case"), form.Text("justification"), form.Text("authorisation"), form.Bool("urgent"));
}
