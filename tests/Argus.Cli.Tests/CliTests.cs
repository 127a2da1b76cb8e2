using System.Diagnostics;
using System.Text.Json;
using Argus.Tests;

namespace Argus.Cli.Tests;

/// <summary>Runs the real command line in-process (same parser, same handlers) and once as a separate process.</summary>
[Trait("Category", "Model")]
public sealed class CliTests
{
    [SkippableFact]
    public async Task Detect_json_lists_faces_with_boxes_landmarks_quality_and_one_primary()
    {
        var photo = TestPaths.FacesDevFile("hard/group/fr_kit_with_rose.jpg");
        var (code, stdout, stderr) = await Run("detect", photo, "--json", "--pose");
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        var image = JsonDocument.Parse(stdout).RootElement.GetProperty("images")[0];
        var faces = image.GetProperty("faces").EnumerateArray().ToArray();
        Assert.Equal(2, faces.Length);
        Assert.Single(faces, f => f.GetProperty("primary").GetBoolean());
        foreach (var face in faces)
        {
            Assert.Equal("ok", face.GetProperty("status").GetString());
            Assert.True(face.GetProperty("box").GetProperty("width").GetDouble() > 50);
            Assert.Equal(5, face.GetProperty("landmarks5").GetArrayLength());
            Assert.True(face.GetProperty("quality").GetProperty("embedding_norm").GetDouble() > 2);
            Assert.Equal(JsonValueKind.Object, face.GetProperty("quality").GetProperty("pose").ValueKind);
        }
    }

    [SkippableFact]
    public async Task Detect_text_output_is_readable()
    {
        var (code, stdout, _) = await Run("detect", TestPaths.FacesDevFile("images/fr_obama/obama.jpg"));
        Assert.Equal(0, code);
        Assert.Contains("1 face(s)", stdout, StringComparison.Ordinal);
        Assert.Contains("#1*", stdout, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Compare_says_same_for_one_person_and_different_for_two()
    {
        var obama = TestPaths.FacesDevFile("images/fr_obama/obama.jpg");
        var obama2 = TestPaths.FacesDevFile("images/fr_obama/obama2.jpg");
        var kit = TestPaths.FacesDevFile("images/fr_kit_harington/john1.jpeg");

        var (code, stdout, _) = await Run("compare", obama, obama2, "--json");
        Assert.Equal(0, code);
        var same = JsonDocument.Parse(stdout).RootElement;
        Assert.True(same.GetProperty("same_person").GetBoolean());
        Assert.True(same.GetProperty("similarity").GetDouble() > 0.5);

        (code, stdout, _) = await Run("compare", obama, kit);
        Assert.Equal(0, code);
        Assert.Contains("DIFFERENT people", stdout, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Embed_prints_a_unit_512_vector_with_its_contract()
    {
        var (code, stdout, _) = await Run("embed", TestPaths.FacesDevFile("images/fr_obama/obama.jpg"), "--json");
        Assert.Equal(0, code);
        var root = JsonDocument.Parse(stdout).RootElement;
        var values = root.GetProperty("embedding").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(512, values.Length);
        Assert.Equal(1.0, Math.Sqrt(values.Sum(v => v * v)), 3);
        Assert.StartsWith("fr_feature:87aacdfe5751:pp1001:512", root.GetProperty("contract").GetString(), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Mirror_fusion_is_a_deployment_setting_that_changes_the_contract_and_refuses_a_value_that_is_not_a_yes_or_no()
    {
        var image = TestPaths.FacesDevFile("images/fr_obama/obama.jpg");
        async Task<(int Code, string Stdout, string Stderr)> With(string value)
        {
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();
            var code = await ArgusCli.RunAsync(["embed", image, "--json", "--models", TestPaths.Models], stdout, stderr, new Dictionary<string, string?> { ["ARGUS_MIRROR_FUSION"] = value }, null);
            return (code, stdout.ToString(), stderr.ToString());
        }

        var plain = await With("false");
        Assert.Equal(0, plain.Code);
        var plainRoot = JsonDocument.Parse(plain.Stdout).RootElement;
        Assert.StartsWith("fr_feature:87aacdfe5751:pp1:512", plainRoot.GetProperty("contract").GetString(), StringComparison.Ordinal);
        var fused = JsonDocument.Parse((await With("true")).Stdout).RootElement;
        Assert.StartsWith("fr_feature:87aacdfe5751:pp1001:512", fused.GetProperty("contract").GetString(), StringComparison.Ordinal);

        // The two are the same person's face, close but not equal: the setting is what decides which is made.
        var a = plainRoot.GetProperty("embedding").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var b = fused.GetProperty("embedding").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.InRange(a.Zip(b, (x, y) => x * y).Sum(), 0.9, 0.9999);

        var bad = await With("maybe");
        Assert.NotEqual(0, bad.Code);
        AssertOneLineError(bad.Stderr, "ARGUS_MIRROR_FUSION must be true or false");
    }

    [SkippableFact]
    public async Task Face_option_picks_another_face_and_refuses_one_that_does_not_exist()
    {
        var couple = TestPaths.FacesDevFile("hard/group/fr_kit_with_rose.jpg");
        var (code, stdout, _) = await Run("compare", couple, couple, "--face-a", "1", "--face-b", "2", "--json");
        Assert.Equal(0, code);
        Assert.False(JsonDocument.Parse(stdout).RootElement.GetProperty("same_person").GetBoolean());

        var (bad, _, stderr) = await Run("embed", couple, "--face", "5");
        Assert.Equal(ArgusCli.BadInput, bad);
        AssertOneLineError(stderr, "has 2 face(s)");
    }

    public static TheoryData<string, byte[], string> BadFiles() => new()
    {
        { "empty.jpg", [], "empty" },
        { "notes.jpg", "just some text, not an image"u8.ToArray(), "Not a supported image" },
        { "cut.jpg", [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0], "truncated" },
        { "garbage.jpg", [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0x42, 0x42, 0x42, 0x42], "corrupt" },
        { "bomb.png", BombPng(), "100000x100000" },
    };

    /// <summary>A PNG header declaring 100,000 x 100,000 pixels with nothing behind it: refused before decoding.</summary>
    private static byte[] BombPng()
    {
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R', 0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0, 8, 2, 0, 0, 0];
        return [.. png, .. new byte[16], 0, 0, 0, 0, (byte)'I', (byte)'E', (byte)'N', (byte)'D', 0xAE, 0x42, 0x60, 0x82];
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public async Task Bad_files_give_exit_code_2_and_one_line_without_a_stack_trace(string name, byte[] content, string expected)
    {
        using var dir = TestPaths.TempDirectory();
        var path = dir.File(name);
        File.WriteAllBytes(path, content);
        foreach (var args in new[] { new[] { "detect", path }, ["embed", path], ["compare", path, path] })
        {
            var (code, _, stderr) = await Run(args);
            Assert.Equal(ArgusCli.BadInput, code);
            AssertOneLineError(stderr, expected);
        }
    }

    [Fact]
    public async Task A_missing_file_is_named_in_the_error()
    {
        var (code, _, stderr) = await Run("detect", "/no/such/photo.jpg");
        Assert.Equal(ArgusCli.BadInput, code);
        AssertOneLineError(stderr, "/no/such/photo.jpg");
    }

    [SkippableFact]
    public async Task An_image_without_a_face_is_refused_for_compare()
    {
        var white = TestPaths.FacesDevFile("hard/no_face/faceapi_white.png");
        var (code, _, stderr) = await Run("compare", white, white);
        Assert.Equal(ArgusCli.BadInput, code);
        AssertOneLineError(stderr, "no face found");
    }

    [Fact]
    public async Task Missing_models_name_the_fix()
    {
        using var dir = TestPaths.TempDirectory();
        File.WriteAllBytes(dir.File("x.png"), OpenCvSharp.Cv2.ImEncode(".png", new OpenCvSharp.Mat(8, 8, OpenCvSharp.MatType.CV_8UC3), out var png) ? png : []);
        var (code, _, stderr) = await Run("--models", dir.Path, "detect", dir.File("x.png"));
        Assert.Equal(ArgusCli.BadInput, code);
        AssertOneLineError(stderr, "argus models fetch");
    }

    [SkippableFact]
    public async Task Eval_pairs_json_has_the_documented_fields()
    {
        var root = TestPaths.RequireFacesDev();
        using var dir = TestPaths.TempDirectory();
        var csv = dir.File("pairs.csv");
        var lines = File.ReadAllLines(Path.Combine(root, "pairs.csv"));
        var header = lines[0] + ",fold";

        // 20 same and 20 different pairs spread over 10 folds.
        var same = lines.Skip(1).Where(l => l.Contains(",1,", StringComparison.Ordinal)).Take(20);
        var different = lines.Skip(1).Where(l => l.Contains(",0,", StringComparison.Ordinal)).Take(20);
        File.WriteAllLines(csv, new[] { header }.Concat(same.Concat(different).Select((l, i) => $"{l},{i % 10}")));

        var (code, stdout, stderr) = await Run("eval", "pairs", "--pairs", csv, "--root", root, "--json");
        Assert.Equal(0, code);
        Assert.Equal("", stderr); // no progress bar when output is not a terminal
        var json = JsonDocument.Parse(stdout).RootElement;
        foreach (var field in new[] { "accuracy", "accuracy_10fold_mean", "accuracy_10fold_sd", "auc", "tar_at_far_1e-2", "tar_at_far_1e-3", "failed_images", "pairs" })
        {
            Assert.True(json.TryGetProperty(field, out _), $"missing {field}");
        }

        Assert.Equal(40, json.GetProperty("pairs").GetInt32());
        Assert.Equal(1.0, json.GetProperty("accuracy").GetDouble());
        Assert.Equal(1.0, json.GetProperty("accuracy_10fold_mean").GetDouble());
    }

    [SkippableFact]
    public async Task Eval_identify_json_has_the_documented_fields()
    {
        var root = TestPaths.RequireFacesDev();
        var (code, stdout, _) = await Run(
            "eval", "identify", "--gallery", Path.Combine(root, "gallery.csv"), "--probes", Path.Combine(root, "probes.csv"), "--root", root, "--subset", "wild", "--json");
        Assert.Equal(0, code);
        var json = JsonDocument.Parse(stdout).RootElement;
        foreach (var field in new[] { "rank1", "fnir_at_fpir_0.01", "threshold_at_fpir_0.01", "fnir_at_fpir_0.003", "threshold_at_fpir_0.003" })
        {
            Assert.True(json.TryGetProperty(field, out _), $"missing {field}");
        }

        Assert.True(json.GetProperty("rank1").GetDouble() >= 0.99);
    }

    [SkippableFact]
    public async Task Calibrate_reports_thresholds_by_false_match_rate_and_saves_them()
    {
        var root = TestPaths.RequireFacesDev();
        using var dir = TestPaths.TempDirectory();
        var rows = File.ReadLines(Path.Combine(root, "gallery.csv")).Skip(1).Concat(File.ReadLines(Path.Combine(root, "probes.csv")).Skip(1))
            .Where(l => l.EndsWith(",wild", StringComparison.Ordinal)).Select(l => string.Join(',', l.Split(',')[..2]));
        File.WriteAllLines(dir.File("images.csv"), ["path,identity", .. rows]);
        var (code, stdout, _) = await Run("calibrate", "--images", dir.File("images.csv"), "--root", root, "--save", "--json", "--data", dir.Path);
        Assert.Equal(0, code);
        var json = JsonDocument.Parse(stdout).RootElement;
        Assert.True(json.GetProperty("impostor_pairs").GetInt64() > 5000);
        var points = json.GetProperty("operating_points").EnumerateArray().ToArray();
        Assert.Equal(4, points.Length);
        Assert.True(points[0].GetProperty("threshold").GetDouble() < points[1].GetProperty("threshold").GetDouble());
        Assert.True(points[0].GetProperty("measured_fmr").GetDouble() <= 0.01);
        Assert.True(File.Exists(dir.File("calibration.json")));
    }

    [SkippableFact]
    public async Task Eval_face_sizes_reports_each_size_and_same_person_scores_fall_as_faces_shrink()
    {
        var root = TestPaths.RequireFacesDev();
        using var dir = TestPaths.TempDirectory();
        var csv = dir.File("pairs.csv");
        var lines = File.ReadAllLines(Path.Combine(root, "pairs.csv"));
        var wild = lines.Skip(1).Where(l => l.EndsWith(",wild", StringComparison.Ordinal)).ToArray();
        File.WriteAllLines(csv, [lines[0], .. wild.Where(l => l.Contains(",1,", StringComparison.Ordinal)).Take(15), .. wild.Where(l => l.Contains(",0,", StringComparison.Ordinal)).Take(15)]);

        var (code, stdout, _) = await Run("eval", "face-sizes", "--pairs", csv, "--root", root, "--sizes", "64,24", "--json");
        Assert.Equal(0, code);
        var rows = JsonDocument.Parse(stdout).RootElement.EnumerateArray().ToArray();
        Assert.Equal(3, rows.Length); // full size, then each asked size
        Assert.Equal(JsonValueKind.Null, rows[0].GetProperty("size").ValueKind);
        Assert.Equal(24, rows[2].GetProperty("size").GetInt32());
        var genuine = rows.Select(r => r.GetProperty("genuine").GetProperty("mean").GetDouble()).ToArray();
        Assert.True(genuine[0] > genuine[2] + 0.1, $"same-person mean {genuine[0]} at full size, {genuine[2]} at 24 px");

        var (bad, _, stderr) = await Run("eval", "face-sizes", "--pairs", csv, "--root", root, "--sizes", "64,x");
        Assert.Equal(ArgusCli.BadInput, bad);
        AssertOneLineError(stderr, "--sizes: 'x' is not a face size");
    }

    [SkippableFact]
    public async Task Eval_mirror_reports_both_variants_and_fusion_changes_the_scores()
    {
        var root = TestPaths.RequireFacesDev();
        using var dir = TestPaths.TempDirectory();
        var csv = dir.File("pairs.csv");
        var lines = File.ReadAllLines(Path.Combine(root, "pairs.csv"));
        var wild = lines.Skip(1).Where(l => l.EndsWith(",wild", StringComparison.Ordinal)).ToArray();
        File.WriteAllLines(csv, [lines[0], .. wild.Where(l => l.Contains(",1,", StringComparison.Ordinal)).Take(15), .. wild.Where(l => l.Contains(",0,", StringComparison.Ordinal)).Take(15)]);
        string[] common = ["--pairs", csv, "--gallery", Path.Combine(root, "gallery.csv"), "--probes", Path.Combine(root, "probes.csv"), "--root", root, "--subset", "wild"];

        var (code, stdout, _) = await Run(["eval", "mirror", .. common, "--timed-faces", "2", "--json"]);
        Assert.Equal(0, code);
        var json = JsonDocument.Parse(stdout).RootElement;
        var plain = json.GetProperty("plain");
        var fused = json.GetProperty("mirror_fused");
        Assert.Equal(30, plain.GetProperty("pairs").GetInt32());
        Assert.Equal(30, fused.GetProperty("pairs").GetInt32());

        // Fusion is not a no-op: same-person scores move (on faces-dev they rise), different-person ones stay near 0.
        var gain = json.GetProperty("mean_genuine_gain").GetDouble();
        Assert.True(Math.Abs(gain) > 1e-4, $"mean same-person change {gain}");
        Assert.Equal(gain, fused.GetProperty("genuine").GetProperty("mean").GetDouble() - plain.GetProperty("genuine").GetProperty("mean").GetDouble(), 3);
        Assert.True(fused.GetProperty("impostor").GetProperty("mean").GetDouble() < 0.15);
        foreach (var variant in new[] { plain, fused })
        {
            Assert.True(variant.GetProperty("rank1").GetDouble() >= 0.99);
            Assert.True(variant.GetProperty("accuracy").GetDouble() >= 0.95);
        }

        Assert.Equal(2, json.GetProperty("timed_faces").GetInt32());
        Assert.True(json.GetProperty("mirror_fused_ms_per_face").GetDouble() > 0);

        var (bad, _, stderr) = await Run(["eval", "mirror", .. common, "--timed-faces", "-1"]);
        Assert.Equal(ArgusCli.BadInput, bad);
        AssertOneLineError(stderr, "--timed-faces must be between 0 and 1000");
    }

    [SkippableFact]
    public async Task Eval_multi_photo_reports_each_rule_and_one_photo_is_the_same_under_every_rule()
    {
        var root = TestPaths.RequireFacesDev();
        string[] common = ["--gallery", Path.Combine(root, "gallery.csv"), "--probes", Path.Combine(root, "probes.csv"), "--root", root, "--subset", "wild"];
        var (code, stdout, _) = await Run(["eval", "multi-photo", .. common, "--photos", "1,3", "--rounds", "2", "--json"]);
        Assert.Equal(0, code);
        var json = JsonDocument.Parse(stdout).RootElement;
        var rows = json.GetProperty("rows").EnumerateArray().ToArray();
        Assert.Equal(6, rows.Length); // 2 photo counts x 3 rules
        Assert.True(json.GetProperty("identities").GetInt32() >= 5);
        var one = rows.Where(r => r.GetProperty("photos").GetInt32() == 1).ToArray();
        Assert.Equal(["best-of", "mean", "norm-weighted"], one.Select(r => r.GetProperty("rule").GetString()));
        Assert.Single(one.Select(r => r.GetProperty("threshold_at_fpir_0.01").GetDouble()).Distinct()); // one photo: nothing to fuse

        // Three photos: the mean template is another vector than any photo's, so strangers meet other scores.
        var three = rows.Where(r => r.GetProperty("photos").GetInt32() == 3).ToArray();
        Assert.NotEqual(three[0].GetProperty("threshold_at_fpir_0.01").GetDouble(), three[1].GetProperty("threshold_at_fpir_0.01").GetDouble());
        Assert.All(rows, r => Assert.True(r.GetProperty("rank1").GetDouble() >= 0.95));

        var (bad, _, stderr) = await Run(["eval", "multi-photo", .. common, "--photos", "2,0"]);
        Assert.Equal(ArgusCli.BadInput, bad);
        AssertOneLineError(stderr, "--photos: '0' is not a whole number from 1 to 20");
    }

    [SkippableFact]
    public async Task Eval_identify_gallery_sizes_misses_more_as_distractors_are_added()
    {
        var root = TestPaths.RequireFacesDev();
        string[] common = ["eval", "identify", "--gallery", Path.Combine(root, "gallery.csv"), "--probes", Path.Combine(root, "probes.csv"), "--root", root, "--subset", "wild"];
        var (code, stdout, _) = await Run([.. common, "--gallery-sizes", "3000,50,600", "--json"]);
        Assert.Equal(0, code);
        var json = JsonDocument.Parse(stdout).RootElement;
        var rows = json.GetProperty("rows").EnumerateArray().ToArray();
        Assert.Equal(6, rows.Length); // 3 sizes, raw and normalised
        var raw = rows.Where(r => !r.GetProperty("normalised").GetBoolean()).ToArray();
        Assert.Equal([50, 600, 3000], raw.Select(r => r.GetProperty("gallery_size").GetInt32()));

        // Galleries are nested: a bigger one can only raise strangers' best scores, so neither the threshold nor
        // FNIR can fall, and the smallest gallery's threshold lets more strangers through.
        for (var i = 1; i < raw.Length; i++)
        {
            Assert.True(raw[i].GetProperty("threshold_at_fpir_0.01").GetDouble() >= raw[i - 1].GetProperty("threshold_at_fpir_0.01").GetDouble());
            Assert.True(raw[i].GetProperty("fnir_at_fpir_0.01").GetDouble() >= raw[i - 1].GetProperty("fnir_at_fpir_0.01").GetDouble());
            Assert.True(raw[i].GetProperty("fpir_at_smallest_gallery_threshold").GetDouble() >= raw[i - 1].GetProperty("fpir_at_smallest_gallery_threshold").GetDouble());
        }

        Assert.True(raw[^1].GetProperty("threshold_at_fpir_0.01").GetDouble() > raw[0].GetProperty("threshold_at_fpir_0.01").GetDouble());

        // Synthetic distractors score against probes like real strangers do (random unit vectors would have sd 0.044).
        var real = json.GetProperty("real_impostor");
        var synthetic = json.GetProperty("synthetic_impostor");
        Assert.InRange(synthetic.GetProperty("sd").GetDouble() / real.GetProperty("sd").GetDouble(), 0.7, 1.4);
        Assert.InRange(synthetic.GetProperty("mean").GetDouble() - real.GetProperty("mean").GetDouble(), -0.05, 0.05);

        var (bad, _, stderr) = await Run([.. common, "--gallery-sizes", "5"]);
        Assert.Equal(ArgusCli.BadInput, bad);
        AssertOneLineError(stderr, "--gallery-sizes: 5 is smaller than the");
    }

    [SkippableFact]
    public async Task Eval_fairness_counts_every_pair_once_per_group_and_refuses_an_unlabelled_identity()
    {
        var root = TestPaths.RequireFacesDev();
        using var dir = TestPaths.TempDirectory();
        var rows = File.ReadLines(Path.Combine(root, "gallery.csv")).Skip(1).Concat(File.ReadLines(Path.Combine(root, "probes.csv")).Skip(1))
            .Where(l => l.EndsWith(",wild", StringComparison.Ordinal)).Select(l => string.Join(',', l.Split(',')[..2])).ToArray();
        File.WriteAllLines(dir.File("images.csv"), ["path,identity", .. rows]);
        var (code, stdout, _) = await Run("eval", "fairness", "--images", dir.File("images.csv"), "--root", root, "--fmr", "0.01", "--json");
        Assert.Equal(0, code);
        var json = JsonDocument.Parse(stdout).RootElement;
        Assert.Contains("identity prefix", json.GetProperty("groups_from").GetString(), StringComparison.Ordinal);
        var groups = json.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("group").GetString()!);
        Assert.Contains("dlib", groups.Keys);
        Assert.Contains("faceapi", groups.Keys);
        var named = groups.Values.Where(r => !r.GetProperty("group").GetString()!.StartsWith('(')).ToArray();
        var all = groups["(all)"];

        // Same-person pairs are all within a group; different-person pairs are within one group or across two.
        Assert.Equal(all.GetProperty("genuine_pairs").GetInt32(), named.Sum(r => r.GetProperty("genuine_pairs").GetInt32()));
        Assert.Equal(all.GetProperty("impostor_pairs").GetInt32(), named.Sum(r => r.GetProperty("impostor_pairs").GetInt32()) + groups["(across groups)"].GetProperty("impostor_pairs").GetInt32());
        Assert.Equal(all.GetProperty("false_matches").GetInt32(), named.Sum(r => r.GetProperty("false_matches").GetInt32()) + groups["(across groups)"].GetProperty("false_matches").GetInt32());
        Assert.InRange(all.GetProperty("fmr").GetDouble(), 0.0, 0.03); // thresholds from the other fold, aimed at 0.01

        File.WriteAllLines(dir.File("groups.csv"), ["identity,group", "dlib_John_Salley,a"]);
        var (bad, _, stderr) = await Run("eval", "fairness", "--images", dir.File("images.csv"), "--root", root, "--groups", dir.File("groups.csv"));
        Assert.Equal(ArgusCli.BadInput, bad);
        AssertOneLineError(stderr, "has no group in");
    }

    [Fact]
    public async Task Bench_detection_refuses_a_bad_face_size()
    {
        using var dir = TestPaths.TempDirectory();
        var (code, _, stderr) = await Run("bench", "detection", "--faces-dev", dir.Path, "--sizes", "40,5");
        Assert.Equal(ArgusCli.BadInput, code);
        AssertOneLineError(stderr, "--sizes: '5' is not a face size of 16-400 px.");
    }

    [Fact]
    public async Task A_csv_without_the_required_columns_is_refused()
    {
        using var dir = TestPaths.TempDirectory();
        File.WriteAllText(dir.File("bad.csv"), "a,b\n1,2\n");
        var (code, _, stderr) = await Run("eval", "pairs", "--pairs", dir.File("bad.csv"), "--root", dir.Path);
        Assert.Equal(ArgusCli.BadInput, code);
        AssertOneLineError(stderr, "lacks column(s) path1, path2, same");
    }

    [Fact]
    public async Task Unknown_commands_and_missing_arguments_are_usage_errors()
    {
        var (code, _, stderr) = await Run("frobnicate");
        Assert.NotEqual(0, code);
        Assert.NotEqual("", stderr);
        (code, _, _) = await Run("compare", "only-one.jpg");
        Assert.NotEqual(0, code);
    }

    [Fact]
    public void The_installed_program_exits_2_with_one_line_for_bad_input()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "argus.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { dll, "detect", "/no/such/file.png", "--models", TestPaths.Models })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "argus did not exit within 60 s");
        Assert.Equal(ArgusCli.BadInput, process.ExitCode);
        AssertOneLineError(stderr, "No such file");
    }

    private static void AssertOneLineError(string stderr, string expected)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("argus: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(expected, lines[0], StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var full = args.Contains("--models") ? args : [.. args, "--models", TestPaths.Models];
        var code = await ArgusCli.RunAsync(full, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
