using System.Threading.RateLimiting;
using Argus.Application;
using Argus.Application.Alerts;
using Argus.Application.Contracts;
using Argus.Application.Hosting;
using Argus.Core.Access;
using Argus.Core.Configuration;
using Argus.Server.Endpoints;
using Argus.Server.Hosting;
using Argus.Server.Security;
using Argus.Video.Delivery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Scalar.AspNetCore;

namespace Argus.Server;

/// <summary>
/// Composition of the Argus service. <see cref="Build"/> is what <c>Program</c> runs and what the integration tests
/// start (with their own configuration, on 127.0.0.1 port 0).
/// </summary>
public static class ArgusServer
{
    public const string LoginRateLimit = "login";
    public const string DefaultUrls = "http://127.0.0.1:5080";

    /// <summary>Builds the application; <paramref name="configure"/> lets a caller (tests) add configuration and services first.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(ArgusServer).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });

        // wwwroot lives in the source tree; the static web assets manifest maps it when started from bin/ or a test.
        builder.WebHost.UseStaticWebAssets();
        configure?.Invoke(builder);
        var config = builder.Configuration;
        var uploadLimit = (long)(config.GetValue("Argus:MaxUploadMegabytes", 32.0) * 1024 * 1024);
        var jsonLimit = (long)(config.GetValue("Argus:MaxJsonKilobytes", 256.0) * 1024);
        var metricsPort = config.GetValue("Argus:MetricsPort", 0);

        // ASPNETCORE_URLS / --urls win; otherwise loopback only.
        var urls = config["urls"] is { Length: > 0 } u ? u : config["Argus:Urls"] is { Length: > 0 } a ? a : DefaultUrls;
        if (metricsPort > 0)
        {
            urls += $";http://127.0.0.1:{metricsPort}";
        }

        builder.WebHost.UseUrls(urls);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = jsonLimit;
            k.AddServerHeader = false;
        });
        builder.Services.Configure<FormOptions>(o => o.MultipartBodyLengthLimit = uploadLimit);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(config.GetValue("Argus:ShutdownSeconds", 30.0)));
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.ConfigureHttpJsonOptions(o => ArgusJson.Configure(o.SerializerOptions));

        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
        {
            var status = c.ProblemDetails.Status ?? c.HttpContext.Response.StatusCode;
            c.ProblemDetails.Extensions.TryAdd("code", ProblemResponses.CodeForStatus(status));
            c.ProblemDetails.Extensions.TryAdd("trace_id", System.Diagnostics.Activity.Current?.Id ?? c.HttpContext.TraceIdentifier);
            c.ProblemDetails.Instance ??= c.HttpContext.Request.Path;
        });
        builder.Services.AddExceptionHandler<ArgusExceptionHandler>();

        builder.Services.TryAddTimeProvider();

        // The registrations the CLI shares (store, chain, engine, feed, desk, services) and the store's opening at
        // start; then the server's own start-up (checkpoint, webhooks, first administrator, engine warm-up).
        string? Setting(string name) => config[name] is { Length: > 0 } v ? v : null;
        builder.Services.AddSingleton(sp => new AuditKeyNotice(path => Log.AuditKeyGenerated(sp.GetRequiredService<ILogger<ArgusRuntime>>(), path)));
        builder.Services.AddArgus(ArgusPaths.Resolve(null, Setting), Setting);
        builder.Services.AddSingleton<ArgusRuntime>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ArgusRuntime>());
        builder.Services.AddSingleton<SessionStore>();
        builder.Services.AddSingleton<AuthFailureGate>();
        builder.Services.AddSingleton<AuditSweep>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AuditSweep>());
        builder.Services.AddSingleton<CameraHost>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CameraHost>());

        // The SSE endpoint relays the desk's stream: alerts as stored (their id is the stored alert's id).
        builder.Services.AddSingleton<AlertStream>(sp => sp.GetRequiredService<AlertFeed>().Stream);
        builder.Services.AddHttpContextAccessor();

        // Review decisions reach every open wall over the same stream as alerts (issue 13).

        // Service galleries (issue 7): key, contexts, face-pay gates, stewards' board.
        builder.Services.AddSingleton<ServiceRuntime>();

        builder.Services.AddAuthentication(ArgusAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ArgusAuthenticationHandler>(ArgusAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorization(o => o.FallbackPolicy = new AuthorizationPolicyBuilder(ArgusAuthenticationHandler.SchemeName).RequireAuthenticatedUser().Build());
        builder.Services.AddSingleton<IAuthorizationPolicyProvider, CapabilityPolicyProvider>();
        builder.Services.AddSingleton<IAuthorizationHandler, CapabilityHandler>();
        builder.Services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, AuditingAuthorizationResultHandler>();

        builder.Services.AddRateLimiter(o =>
        {
            var perMinute = config.GetValue("Argus:RequestsPerMinute", 600);
            var logins = config.GetValue("Argus:LoginsPerMinute", 10);

            // Per user (or per address before login): a token bucket refilled every second.
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http => RateLimitPartition.GetTokenBucketLimiter(
                http.TryActor()?.Id is { } user ? "user:" + user : "ip:" + http.Connection.RemoteIpAddress,
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = perMinute,
                    TokensPerPeriod = Math.Max(1, perMinute / 60),
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                }));
            o.AddPolicy(LoginRateLimit, http => RateLimitPartition.GetFixedWindowLimiter(
                "login:" + http.Connection.RemoteIpAddress,
                _ => new FixedWindowRateLimiterOptions { PermitLimit = logins, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            o.OnRejected = async (c, ct) =>
            {
                if (c.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry))
                {
                    c.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                await ProblemResponses.WriteAsync(c.HttpContext, StatusCodes.Status429TooManyRequests, "rate.limited", "Too many requests; slow down and retry later.");
            };
        });

        // Closed unless origins are configured (Argus:CorsOrigins, comma-separated): the console is same-origin.
        var origins = (config["Argus:CorsOrigins"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        builder.Services.AddCors(o =>
        {
            if (origins.Length > 0)
            {
                o.AddDefaultPolicy(p => p.WithOrigins(origins).WithHeaders("Content-Type", "Authorization", SessionStore.CsrfHeader).WithMethods("GET", "POST", "PUT", "DELETE"));
            }
        });

        builder.Services.AddOpenApi(o => OpenApiDocs.Add(o).AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "Argus API";
            doc.Info.Description = "Accountable face recognition. Authenticate with a session (POST /api/v1/session; unsafe requests send X-Argus-CSRF) or an API key (Authorization: Bearer argus_...). Errors are RFC 9457 problem documents with a stable `code`.";

            // API keys as bearer tokens, so the interactive page can send one.
            doc.Components ??= new Microsoft.OpenApi.OpenApiComponents();
            doc.Components.SecuritySchemes ??= new Dictionary<string, Microsoft.OpenApi.IOpenApiSecurityScheme>();
            doc.Components.SecuritySchemes["api_key"] = new Microsoft.OpenApi.OpenApiSecurityScheme
            {
                Type = Microsoft.OpenApi.SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "An Argus API key (argus_PREFIX_SECRET), from POST /api/v1/users/{username}/keys or `argus user key create`.",
            };
            doc.Security ??= [];
            doc.Security.Add(new Microsoft.OpenApi.OpenApiSecurityRequirement { [new Microsoft.OpenApi.OpenApiSecuritySchemeReference("api_key", doc)] = [] });
            return Task.CompletedTask;
        }));

        builder.Services.AddOpenTelemetry().ConfigureResource(r => r.AddService("argus")).WithMetrics(m => m
            .AddMeter(ArgusMetrics.MeterName, "Argus.Server", CameraMetrics.MeterName)
            .AddAspNetCoreInstrumentation()
            .AddPrometheusExporter());

        var app = builder.Build();
        app.Use((context, next) =>
        {
            // Nothing of Argus is meant to be framed, sniffed into another type, or leak its URLs (ids) as referrers.
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            return next(context);
        });
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseRouting();
        app.UseCors();
        app.UseAuthentication();
        app.UseMiddleware<CsrfMiddleware>();
        app.UseRateLimiter();
        app.UseAuthorization();

        app.MapHealthApi();
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapScalarApiReference("/api", o => o.WithTitle("Argus API").WithOpenApiRoutePattern("/openapi/{documentName}.json").DisableDefaultFonts()
            .HideClientButton().DisableAgent().DisableMcp().DisableTelemetry()).AllowAnonymous(); // no vendor buttons that lead nowhere offline
        app.MapSessionApi();
        app.MapUserApi();
        app.MapGalleryApi(uploadLimit);
        app.MapWatchlistApi(uploadLimit);
        app.MapSearchApi(uploadLimit);
        app.MapCameraApi();
        app.MapAuditApi();
        app.MapAlertApi();
        app.MapAlertReviewApi();
        app.MapDeploymentApi();
        app.MapAuthorisationApi();
        app.MapFaceCheckApi(uploadLimit);

        // Service galleries, verification and gates (issue 7).
        app.MapServiceApi(uploadLimit);
        var metrics = app.MapPrometheusScrapingEndpoint("/metrics").WithTags("Metrics").DisableRateLimiting();
        if (metricsPort > 0)
        {
            // A separate port for the scraper (bind it where only the monitoring network reaches).
            metrics.RequireHost($"*:{metricsPort}").AllowAnonymous();
        }
        else
        {
            metrics.RequireCapability(Capability.Configure);
        }

        return app;
    }

    private static void TryAddTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }

    /// <summary>Multipart uploads: a larger body limit than JSON, and our own anti-forgery check instead of the form one.</summary>
    internal static RouteHandlerBuilder AcceptsUpload(this RouteHandlerBuilder builder, long limit) =>
        builder.WithMetadata(new RequestSizeLimitAttribute(limit)).DisableAntiforgery().Accepts<IFormCollection>("multipart/form-data");
}
