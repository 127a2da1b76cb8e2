using Microsoft.Extensions.Logging;

namespace Argus.Storage;

/// <summary>Storage log events. Stable ids; only ids, counts, codes and hashes: nothing about a person.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Applied schema migration {Version} ({Name}) to {Target}")]
    public static partial void MigrationApplied(ILogger logger, int version, string name, string target);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Erased subject {SubjectId}: {Templates} template(s), {Crops} face crop(s); receipt {ReceiptSha256}")]
    public static partial void SubjectErased(ILogger logger, long subjectId, int templates, int crops, string receiptSha256);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Storage failure {Code} on {Target}")]
    public static partial void StorageFailure(ILogger logger, string code, string target, Exception exception);
}
