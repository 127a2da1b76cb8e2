namespace Argus.Core.Purposes;

/// <summary>
/// What the accountability fields must look like to mean something: references (case numbers, authorisation and
/// document references) have a format, free text has a length and is not a single character repeated, and a search's
/// justification reads as a sentence. Each rule returns a problem for the caller's list, or null.
/// </summary>
public static class TextRules
{
    public const int ReferenceMinLength = 3;
    public const int ReferenceMaxLength = 64;
    public const int JustificationMinLength = 20;
    public const int JustificationMaxLength = 2000;

    /// <summary>
    /// A case number or document reference: 3-64 characters, starting with a letter or digit, then letters, digits,
    /// spaces and <c>- / . : _ # ( )</c>, with at least two different letters or digits ("CASE-1", "MP/2026/4"; not
    /// "x", "---", "aaa").
    /// </summary>
    public static string? Reference(string? value, string name)
    {
        var v = value?.Trim() ?? "";
        if (v.Length < ReferenceMinLength || v.Length > ReferenceMaxLength)
        {
            return $"{name} must be {ReferenceMinLength}-{ReferenceMaxLength} characters";
        }

        if (!char.IsLetterOrDigit(v[0]))
        {
            return $"{name} must start with a letter or digit";
        }

        foreach (var c in v)
        {
            if (!char.IsLetterOrDigit(c) && c is not (' ' or '-' or '/' or '.' or ':' or '_' or '#' or '(' or ')'))
            {
                return $"{name} may hold only letters, digits, spaces and - / . : _ # ( )";
            }
        }

        return DistinctLettersOrDigits(v) < 2 ? $"{name} must not be one character repeated" : null;
    }

    /// <summary>Free text of <paramref name="min"/>-<paramref name="max"/> characters that is not one character repeated.</summary>
    public static string? Text(string? value, string name, int min, int max)
    {
        var v = value?.Trim() ?? "";
        if (v.Length == 0)
        {
            return $"{name} is required";
        }

        if (v.Length < min || v.Length > max)
        {
            return $"{name} must be {min}-{max} characters";
        }

        return DistinctLettersOrDigits(v) < 2 ? $"{name} must not be one character repeated" : null;
    }

    /// <summary>
    /// A justification: 20-2000 characters, at least three words, at least six different letters. Twenty <c>a</c>,
    /// "abababababababababab" and "x x x x x x x x x x" are refused; "matches the description given by two witnesses"
    /// is accepted. It cannot prove a reason is true; it refuses what cannot be one.
    /// </summary>
    public static string? Justification(string? value)
    {
        var v = value?.Trim() ?? "";
        if (v.Length < JustificationMinLength || v.Length > JustificationMaxLength)
        {
            return $"a justification of {JustificationMinLength}-{JustificationMaxLength} characters is required";
        }

        var words = v.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Count(w => w.Any(char.IsLetter));
        var letters = new HashSet<char>();
        foreach (var c in v)
        {
            if (char.IsLetter(c))
            {
                letters.Add(char.ToLowerInvariant(c));
            }
        }

        return words < 3 || letters.Count < 6 ? "the justification must be a sentence saying why (at least three words)" : null;
    }

    private static int DistinctLettersOrDigits(string v)
    {
        var seen = new HashSet<char>();
        foreach (var c in v)
        {
            if (char.IsLetterOrDigit(c))
            {
                seen.Add(char.ToLowerInvariant(c));
            }
        }

        return seen.Count;
    }
}
