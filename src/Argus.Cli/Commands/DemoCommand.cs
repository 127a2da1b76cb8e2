using System.CommandLine;
using System.Diagnostics;
using Argus.Core.Faces;
using Argus.Vision.Imaging;
using Argus.Vision.Models;

namespace Argus.Cli.Commands;

/// <summary>
/// <c>argus demo</c>: fetches the public demonstration photos named in the manifest, finds the faces in them and
/// says which people appear in more than one photo. What <c>./run.sh</c> runs until the server exists.
/// </summary>
internal static class DemoCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var load = new Option<bool>("--load") { Description = "Load the demonstration into an empty store for the server: users, a watchlist, a replayed camera, a deployment (./run.sh --demo)" };
        var command = new Command("demo", "Detect and compare the faces in six public group photos, and print a summary.") { load };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            if (parse.GetValue(load))
            {
                return await DemoLoader.LoadAsync(host, ct);
            }

            var folder = Path.Combine(host.Paths.DataDirectory, "demo");
            var manifest = ModelManifest.Default;
            await new ModelFetcher(manifest, log: line => host.Error.WriteLine(line)).FetchDemoAsync(folder, ct);
            var engine = host.Engine();
            var source = manifest.Package(manifest.Demo[0].Package);
            host.Out.WriteLine($"Argus demonstration: {manifest.Demo.Count} public photos from {source.Spec} ({source.Licence}), in {folder}");
            host.Out.WriteLine();

            var faces = new List<(string Photo, int Number, Face Face)>();
            var watch = Stopwatch.StartNew();
            foreach (var file in manifest.Demo)
            {
                using var image = ImageDecoder.DecodeFile(Path.Combine(folder, file.Name));
                var found = engine.Analyze(image);
                var usable = found.Count(f => f.IsUsable);
                host.Out.WriteLine($"{file.Name}  {image.Width}x{image.Height}  {found.Count} face(s), {usable} usable for matching");
                for (var i = 0; i < found.Count; i++)
                {
                    host.Out.WriteLine($"    {FaceJson.Text(found[i], i + 1, false)}");
                    faces.Add((file.Name, i + 1, found[i]));
                }
            }

            var elapsed = watch.Elapsed;
            var people = Cluster(faces.Where(f => f.Face.IsUsable).ToList(), MatchThresholds.Identification);
            host.Out.WriteLine();
            host.Out.WriteLine($"People seen in more than one photo (similarity >= {MatchThresholds.Identification:0.00}, the 1:N threshold: every face is compared with every other):");
            var letter = 'A';
            foreach (var person in people.Where(p => p.Members.Select(m => m.Photo).Distinct().Count() > 1).OrderByDescending(p => p.Members.Count))
            {
                var members = string.Join(", ", person.Members.Select(m => $"{m.Photo} #{m.Number}"));
                host.Out.WriteLine($"  person {letter}: {members}  (strongest link {person.BestLink:0.00})");
                letter = letter == 'Z' ? 'A' : (char)(letter + 1);
            }

            if (letter == 'A')
            {
                host.Out.WriteLine("  none");
            }

            host.Out.WriteLine();
            host.Out.WriteLine($"{faces.Count} faces analysed in {elapsed.TotalSeconds:0.0} s. Nothing was stored: the demo keeps no templates.");
            host.Out.WriteLine("Try it on your own photos: argus detect PHOTO, argus compare PHOTO1 PHOTO2.");
            return ArgusCli.Ok;
        }));
        return command;
    }

    internal sealed record Person(List<(string Photo, int Number, Face Face)> Members, float BestLink);

    /// <summary>
    /// Single-link clustering across photos: two faces from different photos scoring at or above the threshold are
    /// the same person; faces of one photo are never merged (one person is in a photo once).
    /// </summary>
    internal static List<Person> Cluster(List<(string Photo, int Number, Face Face)> faces, float threshold)
    {
        var parent = Enumerable.Range(0, faces.Count).ToArray();
        var best = new float[faces.Count];
        int Find(int i) => parent[i] == i ? i : parent[i] = Find(parent[i]);
        var links = new List<(float Score, int A, int B)>();
        for (var a = 0; a < faces.Count; a++)
        {
            for (var b = a + 1; b < faces.Count; b++)
            {
                if (faces[a].Photo != faces[b].Photo)
                {
                    var score = faces[a].Face.Embedding!.Similarity(faces[b].Face.Embedding!);
                    if (score >= threshold)
                    {
                        links.Add((score, a, b));
                    }
                }
            }
        }

        foreach (var (score, a, b) in links.OrderByDescending(l => l.Score))
        {
            var ra = Find(a);
            var rb = Find(b);
            if (ra == rb)
            {
                continue;
            }

            // Refuse a merge that would put two faces of one photo into one person.
            var photosA = faces.Where((_, i) => Find(i) == ra).Select(f => f.Photo).ToHashSet();
            if (faces.Where((_, i) => Find(i) == rb).Any(f => photosA.Contains(f.Photo)))
            {
                continue;
            }

            parent[rb] = ra;
            best[ra] = Math.Max(Math.Max(best[ra], best[rb]), score);
        }

        return faces.Select((f, i) => (f, Root: Find(i)))
            .GroupBy(x => x.Root)
            .Select(g => new Person(g.Select(x => x.f).ToList(), best[g.Key]))
            .ToList();
    }
}
