using System.Security.Cryptography;
using Argus.Tests;

namespace Argus.Cli.Tests;

/// <summary><c>argus service</c>, <c>argus verify</c> and <c>argus gate simulate</c> through the CLI.</summary>
public sealed class ServiceCliTests : IAsyncLifetime, IDisposable
{
    private readonly AccountabilityCli _cli = new();
    private readonly string _key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public Task InitializeAsync() => _cli.SetUpAsync(("clerk", "enrolment-clerk", "*"), ("gate", "service-terminal", "*"), ("ann", "investigator", "*"));

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _cli.Dispose();

    private Task<(int Code, string Stdout, string Stderr)> As(string user, string? key, params string[] args) =>
        _cli.RunAsync(new Dictionary<string, string?> { ["ARGUS_PASSWORD"] = AccountabilityCli.Password, ["ARGUS_SERVICE_KEY"] = key }, ["--user", user, .. args]);

    [Fact]
    [Trait("Category", "Integration")]
    public async Task Service_commands_need_the_key_and_refuse_police_roles()
    {
        var missing = await As("clerk", null, "service", "gallery", "create", "bank", "--kind", "bank");
        Assert.Equal(2, missing.Code);
        Assert.Contains("ARGUS_SERVICE_KEY is not set", missing.Stderr, StringComparison.Ordinal);

        var created = await As("clerk", _key, "service", "gallery", "create", "bank", "--kind", "bank");
        Assert.True(created.Code == 0, created.Stderr);
        Assert.Equal(2, (await As("clerk", _key, "service", "gallery", "create", "x", "--kind", "casino")).Code);

        var police = await As("ann", _key, "service", "gallery", "list");
        Assert.Equal(2, police.Code);
        Assert.Contains("police roles may not read or search", police.Stderr, StringComparison.Ordinal);

        // The police path cannot even name it: service galleries are not galleries.
        var identify = await As("ann", _key, "gallery", "list");
        Assert.DoesNotContain("bank", identify.Stdout, StringComparison.Ordinal);
        Assert.Contains(await _cli.AuditAsync(), r => r.GetProperty("action").GetString() == "service.gallery.list" && r.GetProperty("outcome").GetString() == "refused");
    }

    [SkippableFact]
    [Trait("Category", "Model")]
    public async Task Enrol_verify_export_erase_and_simulate_a_gate_on_faces_dev()
    {
        var dev = TestPaths.RequireFacesDev();
        var images = Path.Combine(_cli.Data.Path, "calibration-images.csv");
        await File.WriteAllLinesAsync(images, File.ReadLines(Path.Combine(dev, "gallery.csv")).Concat(File.ReadLines(Path.Combine(dev, "probes.csv")).Skip(1)));
        var calibrated = await _cli.RunAsync(null, "calibrate", "--images", images, "--root", dev, "--save");
        Assert.True(calibrated.Code == 0, calibrated.Stderr);

        Assert.Equal(0, (await As("clerk", _key, "service", "gallery", "create", "bank", "--kind", "bank")).Code);
        var enrolled = await As(
            "clerk", _key, "service", "enrol", "--gallery", "bank", "--ref", "acct-1", "--name", "Alice", "--consent-by", "Alice", "--consent-purpose", "identify me at the counter",
            "--consent-channel", "branch", "--expires", _cli.Time.GetUtcNow().AddYears(1).ToString("yyyy-MM-dd"), Path.Combine(dev, "images/deepface_c05/img16.jpg"));
        Assert.True(enrolled.Code == 0, enrolled.Stderr);

        var genuine = await As("gate", _key, "verify", "--gallery", "bank", "--claim", "acct-1", Path.Combine(dev, "images/deepface_c05/img17.jpg"));
        Assert.True(genuine.Code == 0, genuine.Stderr);
        Assert.StartsWith("MATCH", genuine.Stdout, StringComparison.Ordinal);
        Assert.Contains("(not validated)", genuine.Stdout, StringComparison.Ordinal);
        var impostor = await As("gate", _key, "verify", "--gallery", "bank", "--claim", "acct-1", "--fmr", "1e-5", Path.Combine(dev, "images/deepface_c06/img19.jpg"));
        Assert.StartsWith("NO MATCH", impostor.Stdout, StringComparison.Ordinal);
        Assert.Contains("not supported by the calibration data", impostor.Stdout, StringComparison.Ordinal);
        var unknown = await As("gate", _key, "verify", "--gallery", "bank", "--claim", "nobody", Path.Combine(dev, "images/deepface_c05/img17.jpg"));
        Assert.Equal(2, unknown.Code);
        var police = await As("ann", _key, "verify", "--gallery", "bank", "--claim", "acct-1", Path.Combine(dev, "images/deepface_c05/img17.jpg"));
        Assert.Equal(2, police.Code);

        Assert.Equal(0, (await As("clerk", _key, "service", "gallery", "create", "metro", "--kind", "transit")).Code);
        Assert.Equal(0, (await As(
            "clerk", _key, "service", "enrol", "--gallery", "metro", "--ref", "rider-1", "--consent-by", "self", "--consent-purpose", "pay fares",
            "--consent-channel", "app", "--expires", _cli.Time.GetUtcNow().AddYears(1).ToString("yyyy-MM-dd"), Path.Combine(dev, "images/deepface_c05/img16.jpg"))).Code);
        var clip = Path.Combine(_cli.Data.Path, "clip");
        Directory.CreateDirectory(clip);
        File.Copy(Path.Combine(dev, "images/deepface_c05/img17.jpg"), Path.Combine(clip, "1.jpg"));
        File.Copy(Path.Combine(dev, "images/deepface_c05/img59.jpg"), Path.Combine(clip, "2.jpg"));
        File.Copy(Path.Combine(dev, "images/deepface_c07/img20.jpg"), Path.Combine(clip, "3.jpg"));
        var simulated = await As("gate", _key, "gate", "simulate", "--clip", clip, "--gallery", "metro", "--gate", "g1", "--fmr", "1e-4");
        Assert.True(simulated.Code == 0, simulated.Stderr);
        var lines = simulated.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Contains("open charged", lines[0], StringComparison.Ordinal);
        Assert.Contains("open already_charged", lines[1], StringComparison.Ordinal);
        Assert.Contains("refused no_match", lines[2], StringComparison.Ordinal);

        var export = await As("clerk", _key, "service", "export", "--gallery", "bank", "--ref", "acct-1");
        Assert.True(export.Code == 0, export.Stderr);
        Assert.Contains("\"purpose\": \"identify me at the counter\"", export.Stdout, StringComparison.Ordinal);
        var erased = await As("clerk", _key, "service", "erase", "--gallery", "bank", "--ref", "acct-1");
        Assert.Contains("receipt sha256", erased.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, (await As("gate", _key, "verify", "--gallery", "bank", "--claim", "acct-1", Path.Combine(dev, "images/deepface_c05/img17.jpg"))).Code);
    }
}
