using System.Text.Json.Nodes;

namespace Argus.Cli.Tests;

[Trait("Category", "Unit")]
public sealed class BenchSearchCommandTests
{
    [Fact]
    public async Task Json_output_has_the_documented_fields_for_all_three_engines()
    {
        var data = Directory.CreateTempSubdirectory("argus-cli-").FullName;
        try
        {
            var output = new StringWriter();
            var error = new StringWriter();
            var code = await ArgusCli.RunAsync(
                ["--data", data, "bench", "search", "--size", "3000", "--dim", "64", "--queries", "64", "--probes", "2,8", "--peer-ef", "32", "--peer-m", "8", "--json"],
                output,
                error);
            Assert.True(code == ArgusCli.Ok, error.ToString());
            var json = JsonNode.Parse(output.ToString())!.AsObject();
            string[] fields =
            [
                "exact_qps", "exact_p99_ms", "ann_qps", "ann_p99_ms", "ann_match_recall", "ann_recall_at_10", "bytes_per_vector",
                "load_seconds", "peer_qps", "peer_recall_at_10",
            ];
            foreach (var field in fields)
            {
                Assert.True(json[field] is not null, $"missing {field}");
            }

            // Exact int8 at 64-d: quantisation error (~4e-3 here) can drop an entry sitting right at the threshold.
            Assert.InRange((double)json["runs"]![0]!["match_recall"]!, 0.95, 1.0);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Theory]
    [InlineData("--size", "10")]
    [InlineData("--dim", "100")]
    [InlineData("--probes", "4,x")]
    public async Task Bad_arguments_are_refused_with_one_line(string option, string value)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        string[] args = option == "--size" ? ["bench", "search", option, value] : ["bench", "search", "--size", "5000", option, value];
        var code = await ArgusCli.RunAsync(args, output, error);
        Assert.Equal(ArgusCli.BadInput, code);
        Assert.StartsWith("argus: ", error.ToString());
    }
}
