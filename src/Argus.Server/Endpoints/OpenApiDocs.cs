using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Argus.Server.Endpoints;

/// <summary>
/// What the OpenAPI document says about each operation: a summary and a description for every one, and for every
/// upload its multipart body typed field by field (photos are file fields named <c>photo</c>, the one naming rule of
/// <see cref="Forms.PhotoField"/>), with an example. Kept in one table, apart from the endpoint modules, so that a
/// new endpoint without words fails <c>OpenApiTests</c> rather than shipping undocumented.
/// </summary>
internal static partial class OpenApiDocs
{
    [System.Text.RegularExpressions.GeneratedRegex(@":[^}]*\}")]
    private static partial System.Text.RegularExpressions.Regex Constraint();

    private sealed record Field(string Name, string Description, bool Required = false, string Kind = "string", string? Example = null);

    private static readonly Field Photo = new(Forms.PhotoField, "The photo (JPEG, PNG, WebP or BMP).", true, "file");
    private static readonly Field Photos = new(Forms.PhotoField, "One or more photos: repeat the field for each.", true, "files");

    private static readonly Field[] Declaration =
    [
        new("purpose", "investigation, missing-person, imminent-threat or victim-identification.", true, Example: "investigation"),
        new("case", "The case reference the search serves.", true, Example: "CASE-2026-17"),
        new("justification", "Why this search is necessary and proportionate (20 characters or more).", true, Example: "witness saw the suspect at the station on Monday"),
        new("authorisation", "The authorisation reference, unless urgent.", Example: "Order 2026/9"),
        new("urgent", "true: search now, file the authorisation within 48 hours.", Kind: "boolean"),
    ];

    private static readonly Dictionary<string, (string Summary, string Description)> Words = new(StringComparer.Ordinal)
    {
        ["POST /api/v1/session"] = ("Log in", "Starts a console session (cookie) and returns the user, roles, capabilities and the CSRF token to send as X-Argus-CSRF on changing requests. Rate-limited per address."),
        ["GET /api/v1/session"] = ("Current session", "The signed-in user, roles, capabilities and CSRF token; 401 auth.session_expired once the session has ended (log in again)."),
        ["DELETE /api/v1/session"] = ("Log out", "Ends the session."),
        ["GET /health"] = ("Liveness", "200 while the process runs. No authentication."),
        ["GET /ready"] = ("Readiness", "200 when the store and models are ready to serve, 503 otherwise. No authentication."),
        ["GET /api/v1/users"] = ("List users", "Every account with its roles, scope and state (administrators)."),
        ["POST /api/v1/users"] = ("Create a user", "A new account with roles, scope and an initial password (administrators)."),
        ["GET /api/v1/users/{username}"] = ("Show a user", "One account with roles, scope and state (administrators)."),
        ["POST /api/v1/users/{username}/disable"] = ("Disable a user", "The account can no longer log in; its sessions end."),
        ["POST /api/v1/users/{username}/enable"] = ("Enable a user", "The account may log in again."),
        ["PUT /api/v1/users/{username}/roles"] = ("Change roles", "Adds or removes roles of an account."),
        ["PUT /api/v1/users/{username}/password"] = ("Change a password", "A user changes their own password; an administrator may set another's."),
        ["GET /api/v1/users/{username}/keys"] = ("List API keys", "The keys of a user: prefix, label, creation and revocation; never the secret."),
        ["POST /api/v1/users/{username}/keys"] = ("Create an API key", "A bearer key (argus_PREFIX_SECRET); the secret is shown once."),
        ["DELETE /api/v1/keys/{id}"] = ("Revoke an API key", "The key stops working at once."),
        ["POST /api/v1/keys/{id}/claim"] = ("Claim a pending API key", "The key's own user confirms with their password and receives the token, shown only in this answer; an administrator never sees it."),
        ["PUT /api/v1/users/{username}/scope"] = ("Change scope", "Sets the sites, watchlists and galleries an account may work with; the account's sessions and streams end at once."),
        ["GET /api/v1/role-grants"] = ("Pending role grants", "Requests to give an operational role, awaiting a second administrator."),
        ["POST /api/v1/role-grants/{id}/approve"] = ("Approve a role grant", "A second administrator (not the requester, not the grantee) approves the role grant."),
        ["POST /api/v1/role-grants/{id}/reject"] = ("Reject a role grant", "A second administrator rejects the role grant, with a reason."),
        ["GET /api/v1/authorisations"] = ("Recorded authorisations", "Authorisations recorded by authorising officials: case, watchlists, validity, revocation."),
        ["GET /api/v1/authorisations/{id}"] = ("One authorisation", "A recorded authorisation by its number."),
        ["POST /api/v1/authorisations"] = ("Record an authorisation", "An authorising official records the authorisation (case, watchlists, validity) that searches and deployments cite by number; never for their own searches."),
        ["POST /api/v1/authorisations/{id}/revoke"] = ("Revoke an authorisation", "The authorisation stops counting at once and the deployments relying on it end."),
        ["GET /api/v1/galleries"] = ("List galleries", "Galleries with their embedding contract and counts."),
        ["POST /api/v1/galleries"] = ("Create a gallery", "A gallery bound to the current embedding contract."),
        ["GET /api/v1/galleries/{name}"] = ("Show a gallery", "One gallery with counts and contract."),
        ["DELETE /api/v1/galleries/{name}"] = ("Delete a gallery", "Only an empty gallery."),
        ["POST /api/v1/galleries/{name}/subjects"] = ("Enrol a subject", "Multipart enrolment: the subject's reference and one or more photos. All or nothing: any refused photo refuses the enrolment (422 with refusals)."),
        ["POST /api/v1/galleries/{name}/identify"] = ("Identify in a gallery", "Multipart, purpose-bound 1:N identification: the declaration and one probe photo; candidates above the threshold."),
        ["DELETE /api/v1/subjects/{id}"] = ("Erase a subject", "Deletes the subject, templates and face crops; returns a signed erasure receipt."),
        ["GET /api/v1/watchlists"] = ("List watchlists", "The watchlists in the caller's scope with category, colour, severity, longest entry and active entries."),
        ["POST /api/v1/watchlists"] = ("Create a watchlist", "A watchlist of a category (wanted, missing, venue-ban, administrative, custom); custom lists choose their severity; max_days bounds each entry's expiry."),
        ["GET /api/v1/watchlists/{name}/entries"] = ("List entries", "Entries of a watchlist (optionally ?state=proposed|active|rejected|removed) with the subject's name, photo URLs, legal basis, proposer and last amender."),
        ["POST /api/v1/watchlists/{name}/entries"] = ("Propose an entry", "Multipart: the subject, the full legal basis and one or more photos. The entry matches nothing until another user with the approver role approves it."),
        ["POST /api/v1/watchlists/{name}/imports"] = ("Import entries from a CSV", "Multipart bulk proposal: a CSV with one row per entry (photo file name, subject, legal basis) and the photos it names. Every valid row is proposed for approval; invalid rows are refused with their row number, code and reason."),
        ["GET /api/v1/entries/{id}"] = ("Entry history", "An entry with every version: who changed what, when and why."),
        ["GET /api/v1/entries/{id}/photos/{template}"] = ("Entry photo", "One photo of an entry (the aligned face crop kept with the template, PNG, never cached); audited."),
        ["POST /api/v1/entries/{id}/approve"] = ("Approve an entry", "Another approver than the proposer (and the amender) makes a proposed entry active."),
        ["POST /api/v1/entries/{id}/reject"] = ("Reject an entry", "Refuses a proposed entry with a reason."),
        ["POST /api/v1/entries/{id}/remove"] = ("Remove an entry", "Ends an entry with a reason; it stops matching at once."),
        ["POST /api/v1/entries/{id}/amend"] = ("Amend an entry", "Changes the legal basis; the entry goes back to approval."),
        ["POST /api/v1/searches"] = ("Search watchlists", "Multipart, purpose-bound 1:N search: the declaration (purpose, case, justification, authorisation or urgent) and one probe photo. Candidates above the threshold with their legal basis, or match: false. The probe is never kept."),
        ["POST /api/v1/searches/{id}/authorisation"] = ("File an authorisation", "The authorisation reference of an urgent search, within its window."),
        ["GET /api/v1/searches/mine"] = ("My search history", "The caller's own searches of the last ?days (30): purpose, case, lists, number of candidates, authorisation state."),
        ["GET /api/v1/cameras"] = ("List cameras", "Registered cameras (sources redacted)."),
        ["POST /api/v1/cameras"] = ("Add or change a camera", "Camera id, name, site, source, analysis rate, tiling, smallest face and regions."),
        ["GET /api/v1/cameras/{id}"] = ("Show a camera", "One camera (source redacted)."),
        ["PATCH /api/v1/cameras/{id}"] = ("Change how a camera finds faces", "Tiling on or off, smallest face in pixels, regions where faces appear; the server restarts the camera with them."),
        ["DELETE /api/v1/cameras/{id}"] = ("Remove a camera", "Stops and removes the camera."),
        ["GET /api/v1/cameras/health"] = ("Camera health", "Per camera: state, frame rates, dropped frames, reconnects, faces seen, alerts raised."),
        ["GET /api/v1/cameras/{id}/frame.jpg"] = ("Latest analysed frame", "One small JPEG of the camera's latest analysed frame; views are audited."),
        ["GET /api/v1/deployments"] = ("List deployments", "Deployments with cameras, watchlists, authorisation and period."),
        ["POST /api/v1/deployments"] = ("Create a deployment", "Which cameras match which watchlists, under which authorisation, for how long."),
        ["POST /api/v1/deployments/{id}/end"] = ("End a deployment", "Stops matching at once, with a reason."),
        ["GET /api/v1/alerts/stream"] = ("Live alerts (server-sent events)", "Events: alert (new or updated alert in the caller's sites and watchlists), decision (someone confirmed or dismissed an alert in scope), lost, heartbeat."),
        ["GET /api/v1/alerts"] = ("List alerts", "Newest first, filtered by status, camera, watchlist, deployment and time (from, to); pages of ?limit with ?before=<last id>."),
        ["GET /api/v1/alerts/{id}"] = ("Show an alert", "The alert with its decisions, the subject's name, the entry's legal basis and the template's dismissal record."),
        ["GET /api/v1/alerts/{id}/snapshot"] = ("Alert snapshot", "The face the camera saw (PNG, never cached)."),
        ["GET /api/v1/alerts/{id}/enrolled"] = ("Enrolled photo", "The enrolled face the alert matched (PNG, never cached)."),
        ["GET /api/v1/alerts/{id}/export"] = ("Export an alert", "The alert with every decision: ?format=csv, or ?format=html for a printable page with both photos."),
        ["POST /api/v1/alerts/{id}/confirm"] = ("Confirm an alert", "This is the person, with a reason. Where action needs two confirmations, a second, different user confirms; refusals of the two-person rule answer 409."),
        ["POST /api/v1/alerts/{id}/dismiss"] = ("Dismiss an alert", "Not this person, with a reason; counts against the template."),
        ["GET /api/v1/templates/flagged"] = ("Flagged templates", "Templates whose alerts keep being dismissed, for approvers to review."),
        ["POST /api/v1/faces/quality"] = ("Check a photo's quality", "Multipart: one photo; the face count and whether it is usable for enrolment. Nothing is kept."),
        ["GET /api/v1/audit/records"] = ("Read the audit log", "Newest first, filtered by actor, action (prefix), outcome, target (prefix) and time; pages of ?limit with ?before=<last sequence>; ?format=csv exports. Auditors; the reading is audited."),
        ["GET /api/v1/audit/flags"] = ("Abuse flags", "Insider-abuse flags of a day and overdue urgent searches."),
        ["GET /api/v1/audit/verification"] = ("Verify the audit chain", "Whether every HMAC link holds, the record count and the head (SEQUENCE:HASH) to keep elsewhere."),
        ["GET /api/v1/reports/transparency"] = ("Transparency report", "Counts only, for ?from&to, as json, md or html."),
        ["POST /api/v1/retention/runs"] = ("Run retention", "Deactivates expired entries and deletes alerts and audit records past their retention."),
        ["GET /api/v1/service/galleries"] = ("List service galleries", "Consent-based galleries, kept apart from watchlists."),
        ["POST /api/v1/service/galleries"] = ("Create a service gallery", "A consent-based gallery of a kind (transit, venue, bank)."),
        ["POST /api/v1/service/galleries/{gallery}/customers"] = ("Enrol a consenting customer", "Multipart: reference, consent (who, when, purpose, channel, expiry) and one or more photos. All or nothing."),
        ["GET /api/v1/service/galleries/{gallery}/customers/{reference}/export"] = ("Export a customer's data", "Everything held about the customer (subject access)."),
        ["DELETE /api/v1/service/galleries/{gallery}/customers/{reference}"] = ("Erase a customer", "Deletes the customer; returns a signed receipt."),
        ["POST /api/v1/service/galleries/{gallery}/purge-expired"] = ("Purge expired consents", "Erases every customer whose consent has expired."),
        ["GET /api/v1/service/galleries/{gallery}/ledger"] = ("Fare ledger", "Ledger lines of a transit gallery."),
        ["POST /api/v1/service/ledger/{id}/refund"] = ("Refund a fare", "Refunds one ledger line with a reason (idempotent)."),
        ["POST /api/v1/service/gates/{gate}/passages"] = ("Metro face-pay passage", "Multipart: gallery, passage id (idempotency key), frames as photo files; the gate's decision."),
        ["POST /api/v1/service/gates/{gate}/entries"] = ("Venue entry", "Multipart: gallery, ticket, passage, ban lists, frames as photo files; a banned person is refused and the stewards alerted."),
        ["GET /api/v1/service/gates/decisions"] = ("Gate decisions", "Recent gate decisions."),
        ["GET /api/v1/service/steward-alerts"] = ("Steward alerts", "Alerts posted to the stewards' board after ?after."),
        ["POST /api/v1/verify"] = ("Verify a customer (1:1)", "Multipart: gallery, claimed reference and one or more photos (3+ frames add the active liveness check)."),
        ["GET /metrics"] = ("Prometheus metrics", "Counters and gauges of the server, cameras and alerts."),
    };

    private static readonly Dictionary<string, Field[]> Uploads = new(StringComparer.Ordinal)
    {
        ["POST /api/v1/galleries/{name}/subjects"] =
        [
            new("subject_reference", "The subject's external reference.", true, Example: "S-1"), new("subject_name", "Display name.", Example: "Sheldon Example"),
            new("face", "Face N when a photo holds several.", Kind: "integer"), new("keep_crop", "Keep the aligned face crop.", Kind: "boolean"), Photos,
        ],
        ["POST /api/v1/galleries/{name}/identify"] =
        [
            .. Declaration, new("top", "Candidates to return (default 5).", Kind: "integer"), new("threshold", "Score threshold.", Kind: "number"),
            new("face", "Face N when the photo holds several.", Kind: "integer"), Photo,
        ],
        ["POST /api/v1/watchlists/{name}/entries"] =
        [
            new("subject_reference", "The subject's external reference (created when new).", true, Example: "S-1"),
            new("subject_name", "Display name of a new subject.", Example: "Sheldon Example"),
            new("case", "Case number.", true, Example: "CASE-2026-17"), new("grounds", "Offence or grounds.", true, Example: "armed robbery"),
            new("officer", "Investigating officer.", true, Example: "DI Jones"), new("authority", "Issuing authority.", true, Example: "Metropolitan Police"),
            new("instrument", "Legal instrument (warrant, order, ban notice).", true, Example: "Warrant 2026/17"),
            new("expires", "Last day the entry applies (YYYY-MM-DD, UTC), within the watchlist's maximum.", true, Example: "2027-02-28"),
            new("image_source", "SOURCE:REFERENCE of the photos (one for all, or one per photo in order).", true, Example: "custody:CR-0001"),
            new("reason", "Why the entry is proposed.", Example: "seen near the bank"), new("face", "Face N when a photo holds several.", Kind: "integer"), Photos,
        ],
        ["POST /api/v1/watchlists/{name}/imports"] =
        [
            new("csv", "The CSV: header photo,subject_reference,subject_name,case,grounds,officer,authority,instrument,expires,image_source; one row per entry.", true, "file"),
            new("reason", "Why the entries are proposed.", true, Example: "court list of 2 December"), Photos,
        ],
        ["POST /api/v1/searches"] =
        [
            new("watchlist", "A watchlist to search (repeat for several; default all in scope)."), .. Declaration,
            new("top", "Candidates to return (default 5).", Kind: "integer"), new("face", "Face N when the photo holds several.", Kind: "integer"), Photo,
        ],
        ["POST /api/v1/faces/quality"] = [Photo],
        ["POST /api/v1/service/galleries/{gallery}/customers"] =
        [
            new("reference", "The customer's reference.", true, Example: "C-1001"), new("display_name", "Display name (sealed)."),
            new("consent_given_by", "Who consented.", true, Example: "the customer in person"), new("consent_given_at", "When (ISO 8601; default now)."),
            new("consent_purpose", "What the consent covers.", true, Example: "face-pay at metro gates"), new("consent_channel", "How it was given.", true, Example: "kiosk"),
            new("consent_expires", "Last day of the consent (YYYY-MM-DD).", true, Example: "2027-06-30"), Photos,
        ],
        ["POST /api/v1/service/gates/{gate}/passages"] =
        [
            new("gallery", "The transit gallery.", true, Example: "metro"), new("passage", "This passage's id (idempotency key).", true, Example: "g1-000123"),
            new("target_fmr", "False match rate to operate at (default 1e-5).", Kind: "number"), new("liveness", "report or require."), Photos,
        ],
        ["POST /api/v1/service/gates/{gate}/entries"] =
        [
            new("gallery", "The venue gallery.", true, Example: "stadium"), new("ticket", "The ticket's reference.", true, Example: "T-55"),
            new("passage", "This passage's id (idempotency key).", true, Example: "east-0042"), new("ban_list", "A venue-ban watchlist to check (repeatable)."),
            new("target_fmr", "False match rate (default 1e-4).", Kind: "number"), new("liveness", "report or require."), Photos,
        ],
        ["POST /api/v1/verify"] =
        [
            new("gallery", "The service gallery.", true, Example: "bank"), new("claimed_reference", "Who the customer claims to be.", true, Example: "C-1001"),
            new("target_fmr", "False match rate (default 1e-4).", Kind: "number"), new("liveness", "report or require."), Photos,
        ],
    };

    /// <summary>The operations that take uploads, for the test that every one is typed.</summary>
    public static IReadOnlyCollection<string> UploadOperations => Uploads.Keys;

    public static OpenApiOptions Add(OpenApiOptions options) => options.AddOperationTransformer((operation, context, _) =>
    {
        // The API explorer's path keeps route constraints ({id:long}); the document's does not.
        var key = $"{context.Description.HttpMethod} /{Constraint().Replace(context.Description.RelativePath?.TrimEnd('/') ?? "", "}")}";
        if (Words.TryGetValue(key, out var words))
        {
            operation.Summary = words.Summary;
            operation.Description = words.Description;
        }

        if (Uploads.TryGetValue(key, out var fields))
        {
            var schema = new OpenApiSchema { Type = JsonSchemaType.Object, Properties = new Dictionary<string, IOpenApiSchema>(), Required = new HashSet<string>() };
            var example = new JsonObject();
            foreach (var f in fields)
            {
                schema.Properties[f.Name] = f.Kind switch
                {
                    "file" => new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = f.Description },
                    "files" => new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" }, Description = f.Description },
                    "integer" => new OpenApiSchema { Type = JsonSchemaType.Integer, Description = f.Description },
                    "number" => new OpenApiSchema { Type = JsonSchemaType.Number, Description = f.Description },
                    "boolean" => new OpenApiSchema { Type = JsonSchemaType.Boolean, Description = f.Description },
                    _ => new OpenApiSchema { Type = JsonSchemaType.String, Description = f.Description },
                };
                if (f.Required)
                {
                    schema.Required.Add(f.Name);
                }

                if (f.Example is { } e)
                {
                    example[f.Name] = e;
                }
            }

            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Description = "multipart/form-data. Photos are file fields named 'photo' (repeat the field for several).",
                Content = new Dictionary<string, OpenApiMediaType> { ["multipart/form-data"] = new() { Schema = schema, Example = example } },
            };
        }

        return Task.CompletedTask;
    });
}
