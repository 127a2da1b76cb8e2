using System.Security.Cryptography;
using System.Text;
using Argus.Core.Audit;
using Argus.Server.Hosting;

namespace Argus.Server.Security;

/// <summary>
/// Anti-forgery for cookie sessions: an unsafe request (POST, PUT, PATCH, DELETE) carried by the session cookie must
/// send the session's token in <c>X-Argus-CSRF</c> (the synchroniser-token pattern; SameSite=Strict on the cookie is
/// the second layer). API-key requests carry no ambient credential and need no token.
/// </summary>
internal sealed class CsrfMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, ArgusRuntime runtime)
    {
        if (context.ArgusSession() is { } session && !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && !HttpMethods.IsOptions(context.Request.Method))
        {
            var sent = context.Request.Headers[SessionStore.CsrfHeader].ToString();
            if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sent), Encoding.UTF8.GetBytes(session.CsrfToken)))
            {
                await runtime.Operations.AuditAsync(
                    AuditEvent.Refused(session.Username, "http.request", context.Request.Path.Value ?? "", AuditDetails.Of(("code", "csrf.invalid"), ("method", context.Request.Method))),
                    CancellationToken.None);
                await ProblemResponses.WriteAsync(context, StatusCodes.Status403Forbidden, "csrf.invalid", $"Requests of a console session send the session's anti-forgery token in {SessionStore.CsrfHeader}.");
                return;
            }
        }

        await next(context);
    }
}
