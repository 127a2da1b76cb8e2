using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Argus.Server.Tests;

/// <summary>A camera's detection settings over the API: set at creation, changed by PATCH, bad values refused with a code.</summary>
[Trait("Category", "Integration")]
public sealed class CameraDetectionApiTests
{
    [Fact]
    public async Task Smallest_face_and_regions_are_set_changed_and_refused_with_stable_codes()
    {
        await using var server = await ArgusTestServer.StartAsync(postgres: false);
        var admin = server.As("admin");
        var created = await admin.PostAsJsonAsync(
            "/api/v1/cameras", new { id = "concourse", source = "/dev/null", smallest_face = 60, regions = new[] { new { x = 0, y = 0.25, width = 1, height = 0.5 } } });
        await Problems.ExpectAsync(created, HttpStatusCode.Created);
        var camera = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(60, camera.GetProperty("smallest_face").GetInt32());
        Assert.Equal(0.25, camera.GetProperty("regions")[0].GetProperty("y").GetDouble(), 3);

        var changed = await admin.PatchAsJsonAsync("/api/v1/cameras/concourse", new { smallest_face = 48, regions = Array.Empty<object>() });
        await Problems.ExpectAsync(changed, HttpStatusCode.OK);
        camera = await changed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((48, 0, true), (camera.GetProperty("smallest_face").GetInt32(), camera.GetProperty("regions").GetArrayLength(), camera.GetProperty("tiling").GetBoolean()));

        await Problems.ExpectProblemAsync(
            await admin.PatchAsJsonAsync("/api/v1/cameras/concourse", new { smallest_face = 20 }), HttpStatusCode.BadRequest, "camera.smallest_face_below_gate");
        await Problems.ExpectProblemAsync(
            await admin.PatchAsJsonAsync("/api/v1/cameras/concourse", new { regions = new[] { new { x = 0.5, y = 0, width = 0.6, height = 1 } } }),
            HttpStatusCode.BadRequest, "camera.region_invalid");
        await Problems.ExpectProblemAsync(
            await admin.PostAsJsonAsync("/api/v1/cameras", new { id = "x", source = "/dev/null", regions = new[] { new { x = 0, y = 0, width = 1, height = 0 } } }),
            HttpStatusCode.BadRequest, "camera.region_invalid");
        await Problems.ExpectProblemAsync(await admin.PatchAsJsonAsync("/api/v1/cameras/nope", new { tiling = false }), HttpStatusCode.NotFound, "camera.not_found");
        var listed = await admin.GetFromJsonAsync<JsonElement>("/api/v1/cameras/concourse");
        Assert.Equal(48, listed.GetProperty("smallest_face").GetInt32());
    }
}
