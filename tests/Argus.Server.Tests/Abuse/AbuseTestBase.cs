using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Argus.Core.Audit;
using Argus.Tests;

namespace Argus.Server.Tests.Abuse;

/// <summary>
/// What the abuse tests share: a real server on SQLite or PostgreSQL (skipped without one), and the assertions every
/// refusal must pass: its status and stable code, and exactly one audit record of it.
/// </summary>
[Trait("Category", "Integration")]
public abstract class AbuseTestBase
{
    protected abstract bool Postgres { get; }

    protected static string InDays(int days) => DateTime.UtcNow.AddDays(days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    protected async Task<ArgusTestServer> StartAsync(IDictionary<string, string?>? settings = null)
    {
        Skip.If(Postgres && ArgusTestServer.PostgresConnection is null, $"{ArgusTestServer.PostgresVariable} is not set: PostgreSQL server tests skipped.");
        return await ArgusTestServer.StartAsync(Postgres, settings);
    }

    /// <summary>Asserts the refusal and returns the problem; the caller then asserts the store is unchanged.</summary>
    protected static Task<JsonElement> RefusedAsync(HttpResponseMessage response, HttpStatusCode status, string code) => Problems.ExpectProblemAsync(response, status, code);

    /// <summary>Exactly one refused audit record of <paramref name="action"/> by <paramref name="actor"/> with <paramref name="code"/>.</summary>
    protected static async Task<AuditRecord> AuditedOnceAsync(ArgusTestServer server, string actor, string action, string code)
    {
        var matching = (await server.AuditAsync())
            .Where(r => r.Actor == actor && r.Action == action && r.Outcome == "refused" && r.Details.Contains($"\"{code}\"", StringComparison.Ordinal))
            .ToList();
        Assert.True(matching.Count == 1, $"expected one refused {action} by {actor} with {code}, found {matching.Count}");
        return matching[0];
    }

    protected static async Task<long> ProposeAsync(HttpClient client, string watchlist, string reference, string photo)
    {
        var form = EntryForm(reference);
        form.Add(new ByteArrayContent(await File.ReadAllBytesAsync(TestPaths.FacesDevFile(Path.Combine("images", photo)))), "photos", Path.GetFileName(photo));
        var response = await client.PostAsync($"/api/v1/watchlists/{watchlist}/entries", form);
        await Problems.ExpectAsync(response, HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
    }

    protected static async Task<long> SubjectOfAsync(HttpClient client, long entry) =>
        (await client.GetFromJsonAsync<JsonElement>($"/api/v1/entries/{entry}")).GetProperty("subject_id").GetInt64();

    protected static MultipartFormDataContent EntryForm(string reference) => new()
    {
        { new StringContent(reference), "subject_reference" },
        { new StringContent(reference.ToUpperInvariant()), "subject_name" },
        { new StringContent("armed robbery"), "grounds" },
        { new StringContent("DI Jones"), "officer" },
        { new StringContent("Metropolitan Police"), "authority" },
        { new StringContent("Warrant 2026/17"), "instrument" },
        { new StringContent(InDays(30)), "expires" },
        { new StringContent("custody:CR-0001"), "image_source" },
        { new StringContent("suspect seen near the bank"), "reason" },
        { new StringContent("CASE-2026-17"), "case" },
    };

    /// <summary>A request with a session's anti-forgery token.</summary>
    protected static HttpRequestMessage WithCsrf(HttpMethod method, string path, string csrf, object? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Add("X-Argus-CSRF", csrf);
        return request;
    }
}
