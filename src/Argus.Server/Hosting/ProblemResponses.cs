using System.Diagnostics;
using Argus.Core;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Argus.Server.Hosting;

/// <summary>
/// Errors as RFC 9457 problem documents with the stable Argus error code as the <c>code</c> extension. The status
/// comes from the code: the same refusal answers the same way wherever it happens.
/// </summary>
internal static class ProblemResponses
{
    public const string AuthFailureKey = "argus.auth_failure";

    /// <summary>The HTTP status for an <see cref="ArgusException.Code"/>.</summary>
    public static int StatusFor(string code) => code switch
    {
        "auth.required" or "auth.failed" or "auth.key_revoked" or "auth.session_expired" => StatusCodes.Status401Unauthorized,
        "auth.disabled" or "access.denied" or "entry.self_approval" or "csrf.invalid" or "grant.self_approval" or "user.current_password_invalid"
            or "subject.out_of_scope" or "authorisation.self_recorded" => StatusCodes.Status403Forbidden,
        "auth.locked" or "rate.limited" => StatusCodes.Status429TooManyRequests,
        "image.too_large" or "request.too_large" => StatusCodes.Status413PayloadTooLarge,
        "request.unsupported_media_type" => StatusCodes.Status415UnsupportedMediaType,
        "request.method_not_allowed" => StatusCodes.Status405MethodNotAllowed,
        "models.missing" or "models.tampered" or "storage.busy" or "storage.unavailable" or "service.not_ready" => StatusCodes.Status503ServiceUnavailable,
        "storage.full" => StatusCodes.Status507InsufficientStorage,
        "image.decoder_busy" => StatusCodes.Status503ServiceUnavailable,
        "service.key_missing" or "service.key_invalid" or "verification.not_calibrated" or "verification.calibration_invalid" or "verification.calibration_mismatch"
            => StatusCodes.Status503ServiceUnavailable,
        "service.person_not_found" => StatusCodes.Status404NotFound,
        "consent.expired" or "consent.invalid" or "gate.wrong_gallery" or "gate.not_a_ban_list" => StatusCodes.Status422UnprocessableEntity,
        _ when code.StartsWith("storage.", StringComparison.Ordinal) => StatusCodes.Status500InternalServerError,
        _ when code.EndsWith(".not_found", StringComparison.Ordinal) || code == "not_found" => StatusCodes.Status404NotFound,
        _ when code.EndsWith(".exists", StringComparison.Ordinal) => StatusCodes.Status409Conflict,
        "entry.conflict" or "entry.invalid_state" or "gallery.not_empty" or "template.duplicate" or "user.bootstrap_done" or "user.last_administrator"
            or "search.not_pending" or "template.contract_mismatch" or "subject.ambiguous" or "subject.in_watchlist" or "user.role_conflict" or "grant.not_pending"
            or "key.not_pending" or "authorisation.revoked" => StatusCodes.Status409Conflict,
        _ when code.StartsWith("image.", StringComparison.Ordinal) || code.StartsWith("face.", StringComparison.Ordinal) => StatusCodes.Status422UnprocessableEntity,
        "entry.legal_basis_invalid" or "entry.reason_required" or "search.refused" or "search.purpose_invalid" or "enrolment.refused" or "user.password_weak"
            or "retention.invalid" or "search.threshold_too_low" or "search.top_too_large" => StatusCodes.Status422UnprocessableEntity,
        _ when code.StartsWith("authorisation.", StringComparison.Ordinal) => StatusCodes.Status422UnprocessableEntity,
        _ => StatusCodes.Status400BadRequest,
    };

    public static string TitleFor(int status) => status switch
    {
        400 => "Bad request",
        401 => "Authentication required",
        403 => "Forbidden",
        404 => "Not found",
        405 => "Method not allowed",
        409 => "Conflict",
        413 => "Payload too large",
        415 => "Unsupported media type",
        422 => "Unprocessable content",
        429 => "Too many requests",
        503 => "Service unavailable",
        _ => "Error",
    };

    /// <summary>A problem document for <paramref name="code"/>, as a typed result.</summary>
    public static ProblemHttpResult Problem(string code, string detail, IDictionary<string, object?>? extensions = null)
    {
        var status = StatusFor(code);
        var ext = new Dictionary<string, object?>(extensions ?? new Dictionary<string, object?>()) { ["code"] = code };
        return TypedResults.Problem(detail, statusCode: status, title: TitleFor(status), type: TypeFor(status), extensions: ext);
    }

    public static async Task WriteAsync(HttpContext context, int status, string code, string detail, IDictionary<string, object?>? extensions = null)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = status;
        var problem = new ProblemDetails { Status = status, Title = TitleFor(status), Detail = detail, Type = TypeFor(status), Instance = context.Request.Path };
        problem.Extensions["code"] = code;
        foreach (var (k, v) in extensions ?? new Dictionary<string, object?>())
        {
            problem.Extensions[k] = v;
        }

        var service = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await service.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
    }

    /// <summary>The <c>code</c> of a problem that was produced without one (routing, binding, size limits, rate limits).</summary>
    public static string CodeForStatus(int status) => status switch
    {
        401 => "auth.required",
        403 => "access.denied",
        404 => "not_found",
        405 => "request.method_not_allowed",
        413 => "request.too_large",
        415 => "request.unsupported_media_type",
        429 => "rate.limited",
        503 => "service.not_ready",
        _ => "request.invalid",
    };

    public static string TypeFor(int status) => $"https://www.rfc-editor.org/rfc/rfc9110#status.{status}";
}

/// <summary>
/// Maps exceptions to problems: <see cref="ArgusException"/> by its code, malformed requests (bad JSON, wrong content
/// type, oversized bodies) by their status; anything else is a 500 logged with its stack trace but not its message.
/// </summary>
internal sealed class ArgusExceptionHandler(ILogger<ArgusExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var endpoint = context.GetEndpoint()?.DisplayName ?? context.Request.Path.Value ?? "";
        switch (exception)
        {
            case ArgusException e:
                {
                    var status = ProblemResponses.StatusFor(e.Code);
                    Log.Refused(logger, status, e.Code, endpoint);
                    await ProblemResponses.WriteAsync(context, status, e.Code, e.Message);
                    return true;
                }

            case BadHttpRequestException e:
                {
                    var status = e.StatusCode;
                    var code = status switch
                    {
                        413 => "request.too_large",
                        415 => "request.unsupported_media_type",
                        _ when e.InnerException is System.Text.Json.JsonException => "request.malformed_json",
                        _ => "request.invalid",
                    };
                    Log.Refused(logger, status, code, endpoint);

                    // Binding messages name the parameter and the expected type, never the submitted value.
                    await ProblemResponses.WriteAsync(context, status, code, status == 413 ? "The request body is larger than this endpoint accepts." : e.Message);
                    return true;
                }

            case OperationCanceledException when context.RequestAborted.IsCancellationRequested:
                return true;

            default:
                Log.Unhandled(logger, endpoint, exception.GetType().Name, Activity.Current?.Id ?? context.TraceIdentifier, exception.StackTrace);
                await ProblemResponses.WriteAsync(context, 500, "internal", $"Internal error; trace id {Activity.Current?.Id ?? context.TraceIdentifier}.");
                return true;
        }
    }
}
