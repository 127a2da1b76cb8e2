using System.Text;
using Argus.Core;

namespace Argus.Bench;

/// <summary>A small RFC 4180 CSV reader (quoted fields, doubled quotes) with header-based column access.</summary>
public sealed class CsvTable
{
    private readonly Dictionary<string, int> _columns;

    private CsvTable(string source, string[] header, List<string[]> rows)
    {
        Source = source;
        _columns = header.Select((h, i) => (h.Trim(), i)).ToDictionary(x => x.Item1, x => x.i, StringComparer.OrdinalIgnoreCase);
        Rows = rows;
    }

    public string Source { get; }

    public IReadOnlyList<string[]> Rows { get; }

    public static CsvTable Load(string path, params string[] requiredColumns)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgusException("csv.unreadable", $"Cannot read {path}: {e.Message}", e);
        }

        var records = Parse(text, path);
        if (records.Count == 0)
        {
            throw new ArgusException("csv.invalid", $"{path} is empty; expected a header row with {string.Join(",", requiredColumns)}.");
        }

        var table = new CsvTable(path, records[0], records.Skip(1).Where(r => r.Length > 1 || r[0].Length > 0).ToList());
        var missing = requiredColumns.Where(c => !table.Has(c)).ToArray();
        if (missing.Length > 0)
        {
            throw new ArgusException("csv.invalid", $"{path} lacks column(s) {string.Join(", ", missing)}; its header is: {string.Join(",", records[0])}.");
        }

        return table;
    }

    public bool Has(string column) => _columns.ContainsKey(column);

    public string Get(string[] row, string column)
    {
        var index = _columns[column];
        return index < row.Length ? row[index].Trim() : "";
    }

    public int GetInt(string[] row, string column, int line)
    {
        var value = Get(row, column);
        return int.TryParse(value, out var result)
            ? result
            : throw new ArgusException("csv.invalid", $"{Source} line {line}: column {column} must be an integer, got '{value}'.");
    }

    private static List<string[]> Parse(string text, string path)
    {
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var inQuotes = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (inQuotes)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    inQuotes = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                inQuotes = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\n')
            {
                fields.Add(field.ToString().TrimEnd('\r'));
                field.Clear();
                records.Add([.. fields]);
                fields.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        if (inQuotes)
        {
            throw new ArgusException("csv.invalid", $"{path}: unterminated quoted field.");
        }

        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString().TrimEnd('\r'));
            records.Add([.. fields]);
        }

        return records;
    }
}
