using System.Text.Json;
using System.Text.Json.Nodes;

namespace Argus.Core.Audit;

/// <summary>Builds the canonical JSON stored in <see cref="AuditRecord.Details"/>: keys sorted, no whitespace.</summary>
public static class AuditDetails
{
    /// <summary>Longest string value kept in details: anything a requester typed (a path, a reason) is cut here, marked with its length.</summary>
    public const int MaxValueLength = 2048;

    public static string Of(params (string Key, object? Value)[] fields)
    {
        var sorted = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (key, value) in fields)
        {
            sorted[key] = value switch
            {
                null => null,
                JsonNode node => node,
                string s => JsonValue.Create(AuditChain.Cap(s, MaxValueLength)),
                bool b => JsonValue.Create(b),
                int i => JsonValue.Create(i),
                long l => JsonValue.Create(l),
                double d => JsonValue.Create(d),
                float f => JsonValue.Create(f),
                Guid g => JsonValue.Create(g.ToString("D")),
                DateTimeOffset t => JsonValue.Create(t.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture)),
                IEnumerable<string> list => new JsonArray([.. list.Order(StringComparer.Ordinal).Select(x => (JsonNode?)JsonValue.Create(x))]),
                _ => JsonValue.Create(value.ToString()),
            };
        }

        var obj = new JsonObject();
        foreach (var (key, value) in sorted)
        {
            obj[key] = value;
        }

        return obj.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }
}
