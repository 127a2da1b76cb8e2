namespace Argus.Server.Endpoints;

/// <summary>CSV fields for exports (RFC 4180), safe to open in a spreadsheet.</summary>
internal static class Csv
{
    /// <summary>
    /// Quoted when it holds a comma, quote or line break. A field starting with = + - @ (a formula to a spreadsheet) gets
    /// a leading apostrophe, so an exported reason or name can never run as a formula on the auditor's machine.
    /// </summary>
    public static string Field(string? value)
    {
        var s = value ?? "";
        if (s.Length > 0 && s[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            s = "'" + s;
        }

        return s.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
    }
}
