namespace Argus.Server.Endpoints;

internal static class ApiGroups
{
    /// <summary>A group of one area: its OpenAPI tag, and the problem responses every endpoint may give.</summary>
    public static RouteGroupBuilder ApiGroup(this IEndpointRouteBuilder routes, string prefix, string tag)
    {
        var group = routes.MapGroup(prefix).WithTags(tag);
        foreach (var status in (int[])[400, 401, 403, 404, 409, 413, 415, 422, 429, 503])
        {
            group.ProducesProblem(status);
        }

        return group;
    }
}
