using System.Text;
using Argus.Core.Access;
using Argus.Tests;

namespace Argus.Core.Tests;

/// <summary>
/// The README's roles-and-capabilities table is generated from <see cref="RoleCapabilities"/>, so it cannot drift
/// from what the server enforces: this test fails when they differ. Regenerate with
/// <c>ARGUS_UPDATE_DOCS=1 dotnet test tests/Argus.Core.Tests --filter RolesTable</c>.
/// </summary>
[Trait("Category", "Unit")]
public sealed class RolesTableTests
{
    private const string Begin = "<!-- roles-table: generated from src/Argus.Core/Access/Roles.cs by RolesTableTests; do not edit -->";
    private const string End = "<!-- /roles-table -->";

    // What each capability lets a person do, in the README's words.
    private static readonly Dictionary<Capability, string> Meaning = new()
    {
        [Capability.ManageUsers] = "create, disable and enable accounts; set roles and scopes",
        [Capability.ManageCameras] = "register and remove cameras; create and end deployments (as does approve_entry)",
        [Capability.Configure] = "retention runs, webhooks, metrics",
        [Capability.ManageWatchlists] = "create watchlists (category, severity, longest entry)",
        [Capability.ProposeEntry] = "propose, amend, import and remove entries; read entries and their photos",
        [Capability.ApproveEntry] = "approve or reject another user's proposal; create and end deployments; review flagged templates",
        [Capability.ReviewAlerts] = "the live wall: confirm or dismiss alerts, export them",
        [Capability.Search] = "purpose-bound 1:N search of watchlists; own search history",
        [Capability.ManageServiceGalleries] = "enrol consenting customers into service galleries, erase them",
        [Capability.ReadAudit] = "read, filter and export the audit log; abuse flags",
        [Capability.ReadReports] = "the transparency report (counts only)",
        [Capability.VerifyCustomers] = "1:1 verification and gate passages (service terminals)",
        [Capability.RecordAuthorisation] = "record and revoke the authorisations (case, watchlists, validity) that searches and deployments cite; never their own",
    };

    public static string Table()
    {
        var text = new StringBuilder();
        text.Append("| capability | what it allows |");
        foreach (var role in Enum.GetValues<Role>())
        {
            text.Append(' ').Append(Snake(role.ToString()).Replace('_', '-')).Append(" |");
        }

        text.Append('\n').Append("|---|---|").Append(string.Concat(Enum.GetValues<Role>().Select(_ => ":-:|"))).Append('\n');
        foreach (var capability in Enum.GetValues<Capability>())
        {
            text.Append("| `").Append(Snake(capability.ToString())).Append("` | ").Append(Meaning[capability]).Append(" |");
            foreach (var role in Enum.GetValues<Role>())
            {
                text.Append(RoleCapabilities.Of(role).Contains(capability) ? " ✓ |" : "   |");
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    [Fact]
    public void Every_capability_has_its_meaning_in_words() =>
        Assert.All(Enum.GetValues<Capability>(), c => Assert.True(Meaning.ContainsKey(c), $"Capability {c} has no line in the README table: add it to Meaning."));

    [Fact]
    public void Readme_roles_table_matches_the_roles_the_server_enforces()
    {
        var path = Path.Combine(TestPaths.RepositoryRoot, "README.md");
        var readme = File.ReadAllText(path).ReplaceLineEndings("\n");
        var start = readme.IndexOf(Begin, StringComparison.Ordinal);
        var end = readme.IndexOf(End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"README.md lacks the generated roles table between '{Begin}' and '{End}'.");
        var current = readme[(start + Begin.Length)..end].Trim('\n');
        var expected = Table().Trim('\n');
        if (current != expected && Environment.GetEnvironmentVariable("ARGUS_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(path, readme[..(start + Begin.Length)] + "\n" + expected + "\n" + readme[end..]);
            return;
        }

        Assert.Equal(expected, current);
    }

    private static string Snake(string pascal) =>
        string.Concat(pascal.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
