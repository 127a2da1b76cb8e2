using System.Xml.Linq;
using Argus.Tests;

namespace Argus.Core.Tests;

/// <summary>
/// The project graph is part of the design (docs/architecture.md): Core references nothing, Search and Storage only
/// Core, nothing references the composition roots (Server, Cli). A reference added for convenience fails here, with
/// the rule it breaks, instead of being found later by a reader.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ProjectDependencyTests
{
    /// <summary>Every project reference each shipped project may have (direct references; the rest is transitive).</summary>
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Argus.Core"] = [],
        ["Argus.Storage"] = ["Argus.Core"],
        ["Argus.Search"] = ["Argus.Core"],
        ["Argus.Vision"] = ["Argus.Core"],
        ["Argus.Video"] = ["Argus.Core", "Argus.Vision"],
        ["Argus.Application"] = ["Argus.Core", "Argus.Vision", "Argus.Storage", "Argus.Search", "Argus.Video"],
        ["Argus.Server"] = ["Argus.Application"],
        ["Argus.Cli"] = ["Argus.Core", "Argus.Vision", "Argus.Storage", "Argus.Search", "Argus.Video", "Argus.Application", "Argus.Bench"],
        ["Argus.Bench"] = ["Argus.Core", "Argus.Vision", "Argus.Video", "Argus.Search", "Argus.Application"],
    };

    /// <summary>
    /// Internals are opened to a project's own tests; the exceptions are listed with their reason. An entry here is a
    /// seam that does not follow the project boundaries, so the list should only shrink.
    /// </summary>
    private static readonly HashSet<(string Project, string Friend)> InternalsExceptions =
    [
        ("Argus.Vision", "Argus.Bench"), // the pipeline benchmark times each stage through FaceEngine's stage timer
        ("Argus.Video", "Argus.Bench"), // the camera benchmark drives the pipeline with its own clip
        ("Argus.Server", "Argus.Console.Tests"), // the browser tests start the server in process
    ];

    public static TheoryData<string> Projects() => [.. Allowed.Keys];

    [Theory]
    [MemberData(nameof(Projects))]
    public void A_project_references_only_what_its_layer_allows(string project)
    {
        var references = ProjectReferences(project);
        var forbidden = references.Except(Allowed[project]).ToArray();
        Assert.True(forbidden.Length == 0, $"{project} references {string.Join(", ", forbidden)}; allowed: {string.Join(", ", Allowed[project])} (see docs/architecture.md).");
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void Internals_are_opened_only_to_the_projects_own_tests(string project)
    {
        var friends = Project(project).Descendants("InternalsVisibleTo").Select(e => (string)e.Attribute("Include")!).ToArray();
        var unexpected = friends.Where(f => f != project + ".Tests" && !InternalsExceptions.Contains((project, f))).ToArray();
        Assert.True(unexpected.Length == 0, $"{project} opens its internals to {string.Join(", ", unexpected)}.");
    }

    [Fact]
    public void Every_shipped_project_is_covered_by_the_rules()
    {
        var found = Directory.GetFiles(Path.Combine(TestPaths.RepositoryRoot, "src"), "*.csproj", SearchOption.AllDirectories)
            .Concat(Directory.GetFiles(Path.Combine(TestPaths.RepositoryRoot, "bench"), "*.csproj", SearchOption.AllDirectories))
            .Select(Path.GetFileNameWithoutExtension)
            .Order()
            .ToArray();
        Assert.Equal(Allowed.Keys.Order().ToArray(), found);
    }

    [Fact]
    public void Nothing_references_a_composition_root()
    {
        foreach (var project in Allowed.Keys)
        {
            var references = ProjectReferences(project);
            Assert.DoesNotContain("Argus.Server", references);
            Assert.DoesNotContain("Argus.Cli", references);
        }
    }

    private static XDocument Project(string name)
    {
        var folder = name == "Argus.Bench" ? "bench" : "src";
        return XDocument.Load(Path.Combine(TestPaths.RepositoryRoot, folder, name, name + ".csproj"));
    }

    private static string[] ProjectReferences(string name) =>
        [.. Project(name).Descendants("ProjectReference").Select(e => Path.GetFileNameWithoutExtension((string)e.Attribute("Include")!))];
}
