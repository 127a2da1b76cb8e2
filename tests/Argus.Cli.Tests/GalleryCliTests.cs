using System.Text.Json;
using Argus.Tests;

namespace Argus.Cli.Tests;

/// <summary>Galleries end to end through the CLI on an embedded SQLite store in a fresh data directory.</summary>
[Trait("Category", "Model")]
public sealed class GalleryCliTests : IAsyncLifetime, IDisposable
{
    private readonly AccountabilityCli _cli = new();

    /// <summary>Galleries are kept by an enrolment clerk; searches are purpose-bound and run by an investigator (here one user holds both roles).</summary>
    public Task InitializeAsync() => _cli.SetUpAsync(("ida", "investigator,enrolment-clerk", "*"));

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _cli.Dispose();

    [SkippableFact]
    public async Task Enrol_identify_erase_round_trip_with_open_set_answers()
    {
        TestPaths.RequireFacesDev();
        Assert.Equal(0, (await Run("gallery", "create", "wanted")).Code);
        Assert.Equal(0, (await Run("enroll", "--gallery", "wanted", "--subject", "obama", "--name", "B. Obama", Img("fr_obama/obama.jpg"), Img("fr_obama/obama1.jpg"))).Code);
        Assert.Equal(0, (await Run("enroll", "--gallery", "wanted", "--subject", "kit", Img("fr_kit_harington/john1.jpeg"))).Code);

        var hit = await Json("identify", "--gallery", "wanted", Img("fr_obama/obama2.jpg"), "--json");
        var top = hit.GetProperty("candidates")[0];
        Assert.Equal("B. Obama", top.GetProperty("subject_name").GetString());
        Assert.True(top.GetProperty("score").GetDouble() >= 0.45);
        var floor = hit.GetProperty("floor");
        Assert.Equal(3, floor.GetProperty("templates").GetInt64());
        Assert.False(floor.GetProperty("calibrated").GetBoolean());
        Assert.Equal(floor.GetProperty("threshold").GetDouble(), hit.GetProperty("threshold").GetDouble());
        Assert.NotEqual(0, (await Run("identify", "--gallery", "wanted", Img("fr_obama/obama2.jpg"), "--threshold", "0.3")).Code);

        // A stranger gets "no match", never the nearest enrolled person.
        var stranger = await Json("identify", "--gallery", "wanted", Img("faceapi_penny/penny1.png"), "--json");
        Assert.False(stranger.GetProperty("match").GetBoolean());
        Assert.Equal(0, stranger.GetProperty("candidates").GetArrayLength());

        // Erasure: gone from search before the command returns, with a receipt.
        var subject = top.GetProperty("subject_id").GetInt64();
        var receipt = await Json("subject", "delete", $"{subject}", "--json");
        Assert.Equal(2, receipt.GetProperty("templates_removed").GetInt32());
        Assert.Equal(64, receipt.GetProperty("receipt_sha256").GetString()!.Length);
        var after = await Json("identify", "--gallery", "wanted", Img("fr_obama/obama2.jpg"), "--json");
        Assert.False(after.GetProperty("match").GetBoolean());
    }

    [SkippableFact]
    public async Task The_index_snapshot_is_reused_when_current_and_rebuilt_when_stale_or_corrupt()
    {
        TestPaths.RequireFacesDev();
        await Run("gallery", "create", "g");
        await Run("enroll", "--gallery", "g", "--subject", "kit", Img("fr_kit_harington/john1.jpeg"));
        var first = await Json("identify", "--gallery", "g", Img("fr_kit_harington/john2.jpeg"), "--json");
        Assert.False(first.GetProperty("index").GetProperty("from_snapshot").GetBoolean()); // built, snapshot written
        var second = await Json("identify", "--gallery", "g", Img("fr_kit_harington/john2.jpeg"), "--json");
        Assert.True(second.GetProperty("index").GetProperty("from_snapshot").GetBoolean());

        // Stale: a new enrolment changes the store's fingerprint, so the snapshot is not trusted.
        await Run("enroll", "--gallery", "g", "--subject", "obama", Img("fr_obama/obama.jpg"));
        var stale = await Json("identify", "--gallery", "g", Img("fr_obama/obama2.jpg"), "--json");
        Assert.False(stale.GetProperty("index").GetProperty("from_snapshot").GetBoolean());
        Assert.True(stale.GetProperty("match").GetBoolean());

        // Corrupt: flipped bytes are detected and the index rebuilt from storage.
        var snapshot = Directory.GetFiles(Path.Combine(_cli.Data.Path, "index")).Single();
        var bytes = File.ReadAllBytes(snapshot);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(snapshot, bytes);
        var repaired = await Json("identify", "--gallery", "g", Img("fr_obama/obama2.jpg"), "--json");
        Assert.False(repaired.GetProperty("index").GetProperty("from_snapshot").GetBoolean());
        Assert.True(repaired.GetProperty("match").GetBoolean());
    }

    [SkippableFact]
    public async Task Enrolment_refuses_unusable_images_saying_why_and_enrols_nothing()
    {
        var root = TestPaths.RequireFacesDev();
        await Run("gallery", "create", "g");
        var (code, _, stderr) = await Run(
            "enroll", "--gallery", "g", "--subject", "x", Img("fr_obama/obama.jpg"),
            Path.Combine(root, "hard/no_face/sk_coffee.png"), Path.Combine(root, "hard/group/fr_two_people.jpg"), Path.Combine(root, "hard/no_face/dlib_dogs.jpg"));
        Assert.Equal(ArgusCli.BadInput, code);
        Assert.Contains("sk_coffee.png: no face found", stderr, StringComparison.Ordinal);
        Assert.Contains("fr_two_people.jpg: 2 faces; choose one with --face N", stderr, StringComparison.Ordinal);
        Assert.Contains("dlib_dogs.jpg: the face is below the quality gate", stderr, StringComparison.Ordinal);
        Assert.Contains("nothing enrolled", stderr, StringComparison.Ordinal);
        var list = await Json("gallery", "list", "--json");
        Assert.Equal(0, list.GetProperty("galleries")[0].GetProperty("templates").GetInt32());

        // The same photo twice for one subject is a duplicate; --face picks one face of a group photo.
        Assert.Equal(0, (await Run("enroll", "--gallery", "g", "--subject", "x", Img("fr_obama/obama.jpg"))).Code);
        var dup = await Run("enroll", "--gallery", "g", "--subject", "x", Img("fr_obama/obama.jpg"));
        Assert.Equal(ArgusCli.BadInput, dup.Code);
        Assert.Contains("already enrolled", dup.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, (await Run("enroll", "--gallery", "g", "--subject", "y", "--face", "1", Path.Combine(root, "hard/group/fr_two_people.jpg"))).Code);
    }

    [SkippableFact]
    public async Task Every_change_and_search_is_audited_and_tampering_in_the_database_is_named()
    {
        TestPaths.RequireFacesDev();
        await Run("gallery", "create", "g");
        await Run("enroll", "--gallery", "g", "--subject", "kit", Img("fr_kit_harington/john1.jpeg"));
        await Run("identify", "--gallery", "g", Img("fr_kit_harington/john2.jpeg"));
        await Run("enroll", "--gallery", "g", "--subject", "x", Path.Combine(TestPaths.FacesDev, "hard/no_face/sk_coffee.png"));

        var log = await _cli.AuditAsync();
        var records = log.Where(r => r.GetProperty("action").GetString() is not ("auth.login" or "user.bootstrapped" or "user.created" or "grant.requested" or "grant.approved" or "audit.list")).ToArray();
        Assert.Equal(["gallery.created", "template.enrolled", "search.performed", "template.enrol"], records.Select(r => r.GetProperty("action").GetString()));
        Assert.Equal("refused", records[3].GetProperty("outcome").GetString());
        var search = records[2].GetProperty("details");
        var searchSeq = records[2].GetProperty("sequence").GetInt64();
        Assert.Equal("MissingPerson", search.GetProperty("purpose").GetString());
        Assert.Equal("MP-2026-4", search.GetProperty("case").GetString());
        Assert.Equal(64, search.GetProperty("probe_sha256").GetString()!.Length);
        Assert.Equal(1, search.GetProperty("candidates").GetInt32());
        Assert.DoesNotContain("embedding", string.Join("", log.Select(r => r.ToString())), StringComparison.OrdinalIgnoreCase);

        var intact = await Json("audit", "verify", "--json");
        Assert.True(intact.GetProperty("intact").GetBoolean());

        // An insider edits the search record to hide what it returned.
        await using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_cli.Data.Path, "argus.db")};Pooling=False"))
        {
            await db.OpenAsync();
            await using var edit = db.CreateCommand();
            edit.CommandText = $"UPDATE audit_log SET details = '{{\"candidates\":0}}' WHERE seq = {searchSeq}";
            Assert.Equal(1, await edit.ExecuteNonQueryAsync());
        }

        var (code, stdout, _) = await Run("audit", "verify");
        Assert.Equal(ArgusCli.BadInput, code);
        Assert.Contains($"BROKEN at record #{searchSeq}", stdout, StringComparison.Ordinal);
        Assert.Contains("edited", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_galleries_and_subjects_and_non_empty_deletes_are_refused()
    {
        Assert.Equal(0, (await Run("gallery", "create", "g")).Code);
        var (code, _, stderr) = await Run("enroll", "--gallery", "nope", "--subject", "x", "/no/file.jpg");
        Assert.Equal(ArgusCli.BadInput, code);
        Assert.Contains("No gallery named 'nope'", stderr, StringComparison.Ordinal);
        (code, _, stderr) = await Run("subject", "delete", "999");
        Assert.Equal(ArgusCli.BadInput, code);
        Assert.Contains("999", stderr, StringComparison.Ordinal);
        (code, _, stderr) = await Run("gallery", "create", "g");
        Assert.Equal(ArgusCli.BadInput, code);

        // Galleries are the enrolment clerk's; erasure the clerk's or the administrator's; nobody acts anonymously.
        Assert.Contains("may not manage service galleries", (await _cli.AsAsync("auditor", "gallery", "create", "g2")).Stderr, StringComparison.Ordinal);
        Assert.Contains("may not manage service galleries", (await _cli.AsAsync("auditor", "subject", "delete", "1")).Stderr, StringComparison.Ordinal);
        Assert.Contains("reserved for watchlists", (await Run("gallery", "create", "watchlist.x")).Stderr, StringComparison.Ordinal);
        Assert.Contains("acts as a user", (await _cli.RunAsync(null, "gallery", "create", "g3")).Stderr, StringComparison.Ordinal);
    }

    private static string Img(string relative) => TestPaths.FacesDevFile(Path.Combine("images", relative));

    private async Task<JsonElement> Json(params string[] args)
    {
        var (code, stdout, stderr) = await Run(args);
        Assert.True(code == 0, $"exit {code}: {stderr}");
        return JsonDocument.Parse(stdout).RootElement;
    }

    /// <summary>Runs as investigator ida; identify carries its declared purpose.</summary>
    private Task<(int Code, string Stdout, string Stderr)> Run(params string[] args) =>
        _cli.AsAsync("ida", args[0] == "identify" ? [.. args, .. Purpose] : args);

    private static readonly string[] Purpose =
        ["--purpose", "missing-person", "--case", "MP-2026-4", "--justification", "reported missing by family, last seen at the station"];
}
