namespace Argus.Server;

/// <summary>
/// The server's log events (source-generated, stable ids 6001-6099). Codes, ids, counts and paths only: never names,
/// images, embeddings, passwords or tokens.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(6001, LogLevel.Information, "Store open: {Provider}, schema version {Version}")]
    public static partial void StoreOpened(ILogger logger, string provider, int version);

    [LoggerMessage(6002, LogLevel.Warning, "Generated an audit key in {Path}; in production set ARGUS_AUDIT_KEY from a secrets store")]
    public static partial void AuditKeyGenerated(ILogger logger, string path);

    [LoggerMessage(6003, LogLevel.Information, "Face engine ready")]
    public static partial void EngineReady(ILogger logger);

    [LoggerMessage(6004, LogLevel.Error, "Face engine unavailable ({Code}); face operations answer 503 until the models are fixed")]
    public static partial void EngineFailed(ILogger logger, string code);

    [LoggerMessage(6005, LogLevel.Information, "Request refused: {Status} {Code} on {Endpoint}")]
    public static partial void Refused(ILogger logger, int status, string code, string endpoint);

    /// <summary>The stack trace, never the message: messages can carry the values that failed.</summary>
    [LoggerMessage(6006, LogLevel.Error, "Unhandled failure on {Endpoint} ({ExceptionType}); trace id {TraceId}\n{StackTrace}")]
    public static partial void Unhandled(ILogger logger, string endpoint, string exceptionType, string traceId, string? stackTrace);

    [LoggerMessage(6007, LogLevel.Information, "Alert stream opened for a subscriber (id {SubscriberId})")]
    public static partial void StreamOpened(ILogger logger, string subscriberId);

    [LoggerMessage(6008, LogLevel.Information, "Alert stream closed (id {SubscriberId}): {Delivered} delivered, {Lost} lost")]
    public static partial void StreamClosed(ILogger logger, string subscriberId, long delivered, long lost);

    [LoggerMessage(6009, LogLevel.Information, "First administrator created; credentials were printed once to the console")]
    public static partial void Bootstrapped(ILogger logger);

    [LoggerMessage(6090, LogLevel.Warning, "First administrator created; its password is in {Path} (mode 0600): read it, store it, delete the file")]
    public static partial void BootstrappedToFile(ILogger logger, string path);

    [LoggerMessage(6010, LogLevel.Warning, "Audit write failed while refusing a request ({Code})")]
    public static partial void AuditFailed(ILogger logger, string code);

    [LoggerMessage(6051, LogLevel.Error, "Audit checkpoint: {Problem}")]
    public static partial void AuditCheckpointProblem(ILogger logger, string problem);

    [LoggerMessage(6052, LogLevel.Warning, "Audit sweep failed ({Code}); it runs again at the next tick")]
    public static partial void AuditSweepFailed(ILogger logger, string code);
}
