using System.Net;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Argus.Server.Tests;

/// <summary>
/// One row per endpoint: how to call it, and which user's role lacks what it needs (null: any authenticated user may
/// call it; <see cref="Anonymous"/>: no credentials needed). The matrix test compares these rows with the server's
/// endpoint data source, so an endpoint added without a row fails the build's tests.
/// </summary>
internal sealed record MatrixRow(string Method, string Pattern, string Path, string? WrongRole, bool Anonymous = false, string? Body = null);

internal static class AuthorisationMatrix
{
    // Users (API keys) by role: admin (administrator), appr (approver), op (operator), inv (investigator),
    // clerk (enrolment clerk), aud (auditor).
    public static IReadOnlyList<MatrixRow> Rows { get; } =
    [
        new("GET", "/health", "/health", null, Anonymous: true),
        new("GET", "/ready", "/ready", null, Anonymous: true),
        new("GET", "/openapi/{documentName}.json", "/openapi/v1.json", null, Anonymous: true),
        new("GET", "/api/{documentName?}", "/api/", null, Anonymous: true),
        new("GET", "/api/scalar.js", "/api/scalar.js", null, Anonymous: true),
        new("GET", "/api/scalar.aspnetcore.js", "/api/scalar.aspnetcore.js", null, Anonymous: true),
        new("GET", "/api/favicon.svg", "/api/favicon.svg", null, Anonymous: true),
        new("POST", "/api/v1/session/", "/api/v1/session", null, Anonymous: true),
        new("GET", "/api/v1/session/", "/api/v1/session", null),
        new("DELETE", "/api/v1/session/", "/api/v1/session", null),
        new("GET", "/api/v1/users/", "/api/v1/users", "aud"),
        new("POST", "/api/v1/users/", "/api/v1/users", "aud"),
        new("GET", "/api/v1/users/{username}", "/api/v1/users/admin", "aud"),
        new("POST", "/api/v1/users/{username}/disable", "/api/v1/users/admin/disable", "aud"),
        new("POST", "/api/v1/users/{username}/enable", "/api/v1/users/admin/enable", "aud"),
        new("PUT", "/api/v1/users/{username}/roles", "/api/v1/users/admin/roles", "aud"),
        new("PUT", "/api/v1/users/{username}/scope", "/api/v1/users/admin/scope", "aud"),

        // Your own password needs no role: someone else's is refused by the service (audited) for non-administrators.
        new("PUT", "/api/v1/users/{username}/password", "/api/v1/users/admin/password", "inv", Body: """{"password":"another long password 123"}"""),
        new("GET", "/api/v1/users/{username}/keys", "/api/v1/users/admin/keys", "aud"),
        new("POST", "/api/v1/users/{username}/keys", "/api/v1/users/admin/keys", "aud"),
        // Keys: your own need no role; someone else's (key 1 is admin's) are refused by the service. Claiming needs only your own password.
        new("DELETE", "/api/v1/keys/{id:long}", "/api/v1/keys/1", "aud"),
        new("POST", "/api/v1/keys/{id:long}/claim", "/api/v1/keys/1/claim", null),
        new("GET", "/api/v1/role-grants/", "/api/v1/role-grants", "aud"),
        new("POST", "/api/v1/role-grants/{id:long}/approve", "/api/v1/role-grants/1/approve", "aud"),
        new("POST", "/api/v1/role-grants/{id:long}/reject", "/api/v1/role-grants/1/reject", "aud"),
        new("GET", "/api/v1/galleries/", "/api/v1/galleries", "op"),
        new("POST", "/api/v1/galleries/", "/api/v1/galleries", "inv"),
        new("GET", "/api/v1/galleries/{name}", "/api/v1/galleries/customers", "op"),
        new("DELETE", "/api/v1/galleries/{name}", "/api/v1/galleries/customers", "inv"),
        new("POST", "/api/v1/galleries/{name}/subjects", "/api/v1/galleries/customers/subjects", "inv"),
        new("POST", "/api/v1/galleries/{name}/identify", "/api/v1/galleries/customers/identify", "clerk"),
        new("DELETE", "/api/v1/subjects/{id:long}", "/api/v1/subjects/1", "inv"),
        new("GET", "/api/v1/watchlists/", "/api/v1/watchlists", null),
        new("POST", "/api/v1/watchlists/", "/api/v1/watchlists", "appr"),
        new("GET", "/api/v1/watchlists/{name}/entries", "/api/v1/watchlists/wanted/entries", "op"),
        new("POST", "/api/v1/watchlists/{name}/entries", "/api/v1/watchlists/wanted/entries", "op"),
        new("POST", "/api/v1/watchlists/{name}/imports", "/api/v1/watchlists/wanted/imports", "op"),
        new("GET", "/api/v1/entries/{id:long}/photos/{template:long}", "/api/v1/entries/1/photos/1", "op"),
        new("GET", "/api/v1/entries/{id:long}", "/api/v1/entries/1", "op"),
        new("POST", "/api/v1/entries/{id:long}/approve", "/api/v1/entries/1/approve", "inv"),
        new("POST", "/api/v1/entries/{id:long}/reject", "/api/v1/entries/1/reject", "inv"),
        new("POST", "/api/v1/entries/{id:long}/remove", "/api/v1/entries/1/remove", "op"),
        new("POST", "/api/v1/entries/{id:long}/amend", "/api/v1/entries/1/amend", "op"),
        new("POST", "/api/v1/searches/", "/api/v1/searches", "op"),
        new("POST", "/api/v1/searches/{id:long}/authorisation", "/api/v1/searches/1/authorisation", "op"),
        new("GET", "/api/v1/authorisations/", "/api/v1/authorisations", "op"),
        new("GET", "/api/v1/authorisations/{id:long}", "/api/v1/authorisations/1", "op"),
        new("POST", "/api/v1/authorisations/", "/api/v1/authorisations", "inv"),
        new("POST", "/api/v1/authorisations/{id:long}/revoke", "/api/v1/authorisations/1/revoke", "appr"),
        new("GET", "/api/v1/searches/mine", "/api/v1/searches/mine", "op"),
        new("GET", "/api/v1/cameras/", "/api/v1/cameras", "inv"),
        new("POST", "/api/v1/cameras/", "/api/v1/cameras", "op"),
        new("GET", "/api/v1/cameras/{id}", "/api/v1/cameras/gate-1", "inv"),
        new("PATCH", "/api/v1/cameras/{id}", "/api/v1/cameras/gate-1", "op", Body: "{}"),
        new("DELETE", "/api/v1/cameras/{id}", "/api/v1/cameras/gate-1", "op"),
        new("GET", "/api/v1/audit/records", "/api/v1/audit/records", "appr"),
        new("GET", "/api/v1/audit/flags", "/api/v1/audit/flags", "appr"),
        new("GET", "/api/v1/audit/verification", "/api/v1/audit/verification", null),
        new("GET", "/api/v1/reports/transparency", "/api/v1/reports/transparency?from=2026-01-01&to=2026-01-31", "op"),
        new("POST", "/api/v1/retention/runs", "/api/v1/retention/runs", "aud"),
        new("GET", "/api/v1/alerts/stream", "/api/v1/alerts/stream", "inv"),
        new("GET", "/api/v1/alerts/", "/api/v1/alerts", "inv"),
        new("GET", "/api/v1/alerts/{id:long}", "/api/v1/alerts/1", "inv"),
        new("GET", "/api/v1/alerts/{id:long}/snapshot", "/api/v1/alerts/1/snapshot", "aud"),
        new("GET", "/api/v1/alerts/{id:long}/enrolled", "/api/v1/alerts/1/enrolled", "aud"),
        new("GET", "/api/v1/alerts/{id:long}/export", "/api/v1/alerts/1/export?format=csv", "inv"),
        new("POST", "/api/v1/alerts/{id:long}/confirm", "/api/v1/alerts/1/confirm", "inv"),
        new("POST", "/api/v1/alerts/{id:long}/dismiss", "/api/v1/alerts/1/dismiss", "clerk"),
        new("GET", "/api/v1/templates/flagged", "/api/v1/templates/flagged", "op"),
        new("GET", "/api/v1/deployments/", "/api/v1/deployments", "inv"),
        new("POST", "/api/v1/deployments/", "/api/v1/deployments", "op"),
        new("POST", "/api/v1/deployments/{id:long}/end", "/api/v1/deployments/1/end", "op"),
        new("GET", "/api/v1/cameras/health", "/api/v1/cameras/health", "inv"),
        new("GET", "/api/v1/cameras/{id}/frame.jpg", "/api/v1/cameras/gate-1/frame.jpg", "inv"),
        new("POST", "/api/v1/faces/quality", "/api/v1/faces/quality", "op"),
        new("*", "/metrics", "/metrics", "aud"),

        // Service galleries (issue 7): police roles are refused at the door; ServiceApiTests proves all three and a mixed account.
        new("GET", "/api/v1/service/galleries", "/api/v1/service/galleries", "inv"),
        new("POST", "/api/v1/service/galleries", "/api/v1/service/galleries", "inv"),
        new("POST", "/api/v1/service/galleries/{gallery}/customers", "/api/v1/service/galleries/bank/customers", "inv"),
        new("GET", "/api/v1/service/galleries/{gallery}/customers/{reference}/export", "/api/v1/service/galleries/bank/customers/c-1/export", "inv"),
        new("DELETE", "/api/v1/service/galleries/{gallery}/customers/{reference}", "/api/v1/service/galleries/bank/customers/c-1", "inv"),
        new("POST", "/api/v1/service/galleries/{gallery}/purge-expired", "/api/v1/service/galleries/bank/purge-expired", "inv"),
        new("GET", "/api/v1/service/galleries/{gallery}/ledger", "/api/v1/service/galleries/metro/ledger", "inv"),
        new("POST", "/api/v1/service/ledger/{id:long}/refund", "/api/v1/service/ledger/1/refund", "inv"),
        new("POST", "/api/v1/service/gates/{gate}/passages", "/api/v1/service/gates/g-1/passages", "inv"),
        new("POST", "/api/v1/service/gates/{gate}/entries", "/api/v1/service/gates/north-3/entries", "inv"),
        new("GET", "/api/v1/service/gates/decisions", "/api/v1/service/gates/decisions", "inv"),
        new("GET", "/api/v1/service/steward-alerts", "/api/v1/service/steward-alerts", "inv"),
        new("POST", "/api/v1/verify", "/api/v1/verify", "inv"),
    ];

    /// <summary>Every route endpoint the server maps, as "METHOD pattern".</summary>
    public static IReadOnlyList<string> Endpoints(IServiceProvider services) =>
    [
        .. services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => $"{m} {e.RoutePattern.RawText}"))
            .Distinct()
            .Order(StringComparer.Ordinal),
    ];

    public static HttpRequestMessage Request(MatrixRow row) => new(row.Method == "*" ? HttpMethod.Get : new HttpMethod(row.Method), row.Path)
    {
        Content = row.Body is null ? null : new StringContent(row.Body, System.Text.Encoding.UTF8, "application/json"),
    };

    public static HttpStatusCode Unauthorized => HttpStatusCode.Unauthorized;
}
