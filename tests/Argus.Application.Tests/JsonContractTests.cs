using System.Text.Json;
using System.Text.Json.Nodes;
using Argus.Application.Contracts;

namespace Argus.Application.Tests;

/// <summary>The one JSON contract: every wire record is in the generated context, and the two front ends' options write the same names.</summary>
[Trait("Category", "Unit")]
public sealed class JsonContractTests
{
    private static readonly Type[] Records = [.. typeof(ArgusJsonContext).Assembly.GetTypes()
        .Where(t => t.IsPublic && t.Namespace == typeof(ArgusJsonContext).Namespace && t.Name.EndsWith("Dto", StringComparison.Ordinal))];

    [Fact]
    public void Every_record_of_the_contract_has_generated_metadata()
    {
        Assert.NotEmpty(Records);

        // The CLI's options have no reflection fallback: a record missing here would fail at run time in one command.
        var missing = Records.Where(t => ArgusJson.Indented.TypeInfoResolver!.GetTypeInfo(t, ArgusJson.Indented) is null).Select(t => t.Name).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public void The_server_options_and_the_cli_options_write_the_same_snake_case_names_and_leave_out_cli_only_fields()
    {
        var alert = new StoredAlertDto(
            1, "match day", "gate-1", "stadium", 2, 3, 4, "wanted", "wanted", "high", "red", 0.61, 3, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch,
            "awaiting_second_confirmation", [new AlertDecisionItemDto("olly", "confirm", "matches", DateTimeOffset.UnixEpoch)]);
        var server = ArgusJson.Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

        var fromServer = JsonNode.Parse(JsonSerializer.Serialize(alert, server))!.AsObject();
        var fromCli = JsonNode.Parse(JsonSerializer.Serialize(alert, ArgusJson.Indented))!.AsObject();

        Assert.Equal(fromServer.ToJsonString(), fromCli.ToJsonString());
        Assert.Equal("gate-1", fromServer["camera_id"]!.GetValue<string>());
        Assert.Equal("olly", fromServer["decisions"]![0]!["by"]!.GetValue<string>());
        Assert.False(fromServer.ContainsKey("subject_name"));
        Assert.Equal("SHELDON", JsonNode.Parse(JsonSerializer.Serialize(alert with { SubjectName = "SHELDON" }, ArgusJson.Indented))!["subject_name"]!.GetValue<string>());
    }

    [Fact]
    public void A_type_outside_the_contract_is_refused_by_the_cli_options_not_reflected_over()
    {
        Assert.Throws<NotSupportedException>(() => JsonSerializer.Serialize(new Uri("https://example.org"), ArgusJson.Indented));
    }
}
