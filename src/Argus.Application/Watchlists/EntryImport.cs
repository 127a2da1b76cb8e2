using System.Text;
using Argus.Core;
using Argus.Core.Access;

namespace Argus.Application.Watchlists;

/// <summary>One row of an import that became a proposed entry.</summary>
public sealed record ImportedRow(int Row, string Photo, long EntryId, long SubjectId);

/// <summary>One row refused, with the stable code and the reason (the same refusal a single proposal would get).</summary>
public sealed record RefusedRow(int Row, string? Photo, string Code, string Reason);

public sealed record ImportResult(IReadOnlyList<ImportedRow> Proposed, IReadOnlyList<RefusedRow> Refused);

/// <summary>
/// Bulk import of a watchlist: a CSV with one row per entry (its photo's file name, the subject and the full legal
/// basis) and the photos it names. Every row goes through <see cref="WatchlistService.ProposeAsync"/>, so each is
/// validated, proposed for approval and audited exactly like a single proposal; a bad row is refused with its reason
/// and the others still go in. The console (multipart) and <c>argus entry import</c> (files beside the CSV) share it.
/// </summary>
public sealed class EntryImport(WatchlistService watchlists)
{
    /// <summary>The columns, in the header's words. <c>photo</c> may hold several file names separated by <c>;</c>.</summary>
    public static readonly IReadOnlyList<string> Columns =
        ["photo", "subject_reference", "subject_name", "case", "grounds", "officer", "authority", "instrument", "expires", "image_source"];

    /// <summary>Above this the file is refused whole: an import is a day's list, not a database load.</summary>
    public const int MaxRows = 1000;

    public async Task<ImportResult> ImportAsync(
        Principal actor, string watchlist, string csv, Func<string, ImageInput?> photo, string reason, CancellationToken ct)
    {
        var rows = Parse(csv);
        if (rows.Count == 0)
        {
            throw new ArgusException("import.invalid_csv", "The CSV is empty: give a header row and one row per entry.");
        }

        var header = rows[0].Select(h => h.Trim().ToLowerInvariant()).ToList();
        var missing = Columns.Where(c => c != "subject_name" && !header.Contains(c)).ToList();
        if (missing.Count > 0)
        {
            throw new ArgusException("import.invalid_csv", $"The CSV header lacks the column(s) {string.Join(", ", missing)}; expected {string.Join(",", Columns)}.");
        }

        if (rows.Count - 1 > MaxRows)
        {
            throw new ArgusException("import.too_many_rows", $"The CSV has {rows.Count - 1} rows; import at most {MaxRows} at a time.");
        }

        var proposed = new List<ImportedRow>();
        var refused = new List<RefusedRow>();
        for (var i = 1; i < rows.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            var row = rows[i];
            if (row.All(string.IsNullOrWhiteSpace))
            {
                continue;
            }

            string? Cell(string column) => header.IndexOf(column) is var at && at >= 0 && at < row.Count && row[at].Trim() is { Length: > 0 } v ? v : null;
            var photoNames = Cell("photo");
            var number = i + 1; // as a spreadsheet numbers it, the header being row 1
            try
            {
                if (row.Count != header.Count)
                {
                    throw new ArgusException("import.invalid_row", $"The row has {row.Count} fields; the header has {header.Count}.");
                }

                var names = (photoNames ?? throw new ArgusException("import.photo_missing", "The row names no photo (column 'photo').")).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var images = names.Select(n => photo(n) ?? throw new ArgusException("import.photo_missing", $"The photo '{n}' was not uploaded with the CSV.")).ToList();
                var reference = Cell("subject_reference") ?? throw new ArgusException("subject.invalid_name", "The row has no subject_reference.");
                var stored = await watchlists.ProposeAsync(
                    actor,
                    new EntryProposal(
                        watchlist, reference, Cell("subject_name"), Cell("case"), Cell("grounds"), Cell("officer"), Cell("authority"), Cell("instrument"),
                        Cell("expires"), Cell("image_source") is { } source ? [source] : [], images, $"{reason} (import row {number})"),
                    ct);
                proposed.Add(new ImportedRow(number, photoNames, stored.Id, stored.SubjectId));
            }
            catch (ArgusException e) when (e.Code is not ("access.denied" or "watchlist.not_found") && !e.Code.StartsWith("storage.", StringComparison.Ordinal))
            {
                // The row's own problem; a refusal that concerns the whole import (no right, no list, store down) ends it.
                refused.Add(new RefusedRow(number, photoNames, e.Code, e.Message));
            }
        }

        return new ImportResult(proposed, refused);
    }

    /// <summary>RFC 4180 fields: commas, double-quoted fields with "" for a quote, CRLF or LF line ends.</summary>
    public static List<List<string>> Parse(string csv)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var i = 0;
        if (csv.Length > 0 && csv[0] == '\uFEFF')
        {
            i = 1; // a spreadsheet's byte-order mark
        }

        for (; i < csv.Length; i++)
        {
            var c = csv[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < csv.Length && csv[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"' && field.Length == 0)
            {
                quoted = true;
            }
            else if (c == ',')
            {
                row.Add(field.ToString());
                field.Clear();
            }
            else if (c is '\n' or '\r')
            {
                if (c == '\r' && i + 1 < csv.Length && csv[i + 1] == '\n')
                {
                    i++;
                }

                row.Add(field.ToString());
                field.Clear();
                rows.Add(row);
                row = [];
            }
            else
            {
                field.Append(c);
            }
        }

        if (quoted)
        {
            throw new ArgusException("import.invalid_csv", "The CSV ends inside a quoted field (a missing closing \").");
        }

        if (field.Length > 0 || row.Count > 0)
        {
            row.Add(field.ToString());
            rows.Add(row);
        }

        return rows;
    }
}
