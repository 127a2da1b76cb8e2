using System.Text.Json;
using System.Text.Json.Serialization;

namespace Argus.Application.Contracts;

/// <summary>
/// The one JSON contract of both front ends: the server's <c>/api/v1</c> answers and the CLI's <c>--json</c> output
/// serialise the same records here with the same options (snake_case names, nulls written, enums as snake_case
/// strings), from metadata generated at build time.
/// </summary>
public static class ArgusJson
{
    /// <summary>Applies the contract to <paramref name="options"/>: the naming, and the generated metadata first in its resolver chain.</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DictionaryKeyPolicy = null;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.TypeInfoResolverChain.Insert(0, ArgusJsonContext.Default);
        return options;
    }

    /// <summary>Options for the CLI: the contract, indented, and only the generated metadata (a type outside the contract is refused, not reflected over).</summary>
    public static JsonSerializerOptions Indented { get; } = CreateIndented();

    private static JsonSerializerOptions CreateIndented()
    {
        var options = Configure(new JsonSerializerOptions { WriteIndented = true });
        options.MakeReadOnly();
        return options;
    }
}

/// <summary>Serialisation metadata of every record in the contract, generated at build time.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(AuthorisationDto))]
[JsonSerializable(typeof(IReadOnlyList<AuthorisationDto>))]
[JsonSerializable(typeof(RevokedAuthorisationDto))]
[JsonSerializable(typeof(SessionDto))]
[JsonSerializable(typeof(UserDto))]
[JsonSerializable(typeof(IReadOnlyList<UserDto>))]
[JsonSerializable(typeof(GrantDecisionDto))]
[JsonSerializable(typeof(RoleGrantDto))]
[JsonSerializable(typeof(IReadOnlyList<RoleGrantDto>))]
[JsonSerializable(typeof(ApiKeyDto))]
[JsonSerializable(typeof(IReadOnlyList<ApiKeyDto>))]
[JsonSerializable(typeof(CreatedKeyDto))]
[JsonSerializable(typeof(GalleryDto))]
[JsonSerializable(typeof(IReadOnlyList<GalleryDto>))]
[JsonSerializable(typeof(EnrolmentDto))]
[JsonSerializable(typeof(ImageRefusalDto))]
[JsonSerializable(typeof(ReceiptDto))]
[JsonSerializable(typeof(IdentifyDto))]
[JsonSerializable(typeof(WatchlistDto))]
[JsonSerializable(typeof(IReadOnlyList<WatchlistDto>))]
[JsonSerializable(typeof(EntryDto))]
[JsonSerializable(typeof(IReadOnlyList<EntryDto>))]
[JsonSerializable(typeof(ImportDto))]
[JsonSerializable(typeof(SearchDto))]
[JsonSerializable(typeof(SearchHistoryDto))]
[JsonSerializable(typeof(IReadOnlyList<SearchHistoryDto>))]
[JsonSerializable(typeof(SearchRecordDto))]
[JsonSerializable(typeof(CameraDto))]
[JsonSerializable(typeof(IReadOnlyList<CameraDto>))]
[JsonSerializable(typeof(AuditRecordDto))]
[JsonSerializable(typeof(IReadOnlyList<AuditRecordDto>))]
[JsonSerializable(typeof(VerificationDto))]
[JsonSerializable(typeof(FlagsDto))]
[JsonSerializable(typeof(RetentionDto))]
[JsonSerializable(typeof(HealthDto))]
[JsonSerializable(typeof(ReadinessDto))]
[JsonSerializable(typeof(StoredAlertDto))]
[JsonSerializable(typeof(IReadOnlyList<StoredAlertDto>))]
[JsonSerializable(typeof(AlertViewDto))]
[JsonSerializable(typeof(AlertDecisionDto))]
[JsonSerializable(typeof(TemplateFlagDto))]
[JsonSerializable(typeof(IReadOnlyList<TemplateFlagDto>))]
[JsonSerializable(typeof(DeploymentDto))]
[JsonSerializable(typeof(IReadOnlyList<DeploymentDto>))]
[JsonSerializable(typeof(CameraHealthDto))]
[JsonSerializable(typeof(CameraHealthListDto))]
[JsonSerializable(typeof(FaceQualityDto))]
[JsonSerializable(typeof(ServiceGalleryDto))]
[JsonSerializable(typeof(IReadOnlyList<ServiceGalleryDto>))]
[JsonSerializable(typeof(CustomerDto))]
[JsonSerializable(typeof(ExportDto))]
[JsonSerializable(typeof(ErasureReceiptDto))]
[JsonSerializable(typeof(IReadOnlyList<ErasureReceiptDto>))]
[JsonSerializable(typeof(LedgerDto))]
[JsonSerializable(typeof(RefundDto))]
[JsonSerializable(typeof(VerifyDto))]
[JsonSerializable(typeof(GateDecisionDto))]
[JsonSerializable(typeof(VenueDecisionDto))]
[JsonSerializable(typeof(StewardAlertDto))]
[JsonSerializable(typeof(AlertListDto))]
[JsonSerializable(typeof(TemplateFlagListDto))]
[JsonSerializable(typeof(GalleryListDto))]
[JsonSerializable(typeof(WatchlistListDto))]
[JsonSerializable(typeof(EntryListDto))]
[JsonSerializable(typeof(DeploymentListDto))]
[JsonSerializable(typeof(CameraListDto))]
[JsonSerializable(typeof(UserListDto))]
[JsonSerializable(typeof(AuthorisationListDto))]
[JsonSerializable(typeof(AuditRecordListDto))]
[JsonSerializable(typeof(WebhookListDto))]
[JsonSerializable(typeof(StoreStatusDto))]
[JsonSerializable(typeof(DetectDto))]
[JsonSerializable(typeof(EmbedDto))]
[JsonSerializable(typeof(CompareDto))]
[JsonSerializable(typeof(ModelsDto))]
[JsonSerializable(typeof(DeadLetterListDto))]
public sealed partial class ArgusJsonContext : JsonSerializerContext;
