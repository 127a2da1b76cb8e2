using Argus.Core.Access;
using Argus.Core.Faces;
using Argus.Core.Services;

namespace Argus.Core.Tests;

public sealed class ServiceRulesTests
{
    /// <summary>68 points with both eyes drawn as 6-point ellipses of the given aspect ratio (height / width).</summary>
    private static float[] Face(float ear)
    {
        var points = new float[136];
        void Eye(int first, float cx)
        {
            // p0 and p3 the corners (width 20), p1 p2 upper lid, p5 p4 lower lid: EAR = (2 * 2h) / (2 * 20) = h / 10.
            var h = ear * 10;
            float[] xs = [cx - 10, cx - 4, cx + 4, cx + 10, cx + 4, cx - 4];
            float[] ys = [50, 50 - h, 50 - h, 50, 50 + h, 50 + h];
            for (var i = 0; i < 6; i++)
            {
                points[2 * (first + i)] = xs[i];
                points[(2 * (first + i)) + 1] = ys[i];
            }
        }

        Eye(36, 30);
        Eye(42, 70);
        return points;
    }

    private static FrameObservation Frame(float ear, float yaw = 0) => new(Face(ear), new HeadPose(yaw, 0, 0));

    [Fact]
    [Trait("Category", "Unit")]
    public void Eye_aspect_ratio_follows_the_formula()
    {
        Assert.Equal(0.3f, ActiveLiveness.EyeAspectRatio(Face(0.3f)), 4);
        Assert.Equal(0.05f, ActiveLiveness.EyeAspectRatio(Face(0.05f)), 4);
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void A_blink_is_open_closed_open_and_a_still_photo_shows_neither_blink_nor_turn()
    {
        var blink = ActiveLiveness.Evaluate([Frame(0.3f), Frame(0.31f), Frame(0.1f), Frame(0.3f), Frame(0.3f)]);
        Assert.True(blink.Blink);
        Assert.True(blink.Passed);

        var closedAtEnd = ActiveLiveness.Evaluate([Frame(0.3f), Frame(0.3f), Frame(0.3f), Frame(0.3f), Frame(0.1f)]);
        Assert.False(closedAtEnd.Blink); // never reopened

        var photo = ActiveLiveness.Evaluate([Frame(0.3f, 2), Frame(0.29f, 3), Frame(0.3f, 1), Frame(0.3f, 2), Frame(0.31f, 2)]);
        Assert.False(photo.Passed);

        var turn = ActiveLiveness.Evaluate([Frame(0.3f, -12), Frame(0.3f, -6), Frame(0.3f, 0), Frame(0.3f, 6), Frame(0.3f, 12), Frame(0.3f, 18)]);
        Assert.True(turn.HeadTurn);
        var jump = ActiveLiveness.Evaluate([Frame(0.3f, 0), Frame(0.3f, 1), Frame(0.3f, 25), Frame(0.3f, 0), Frame(0.3f, 2)]);
        Assert.False(jump.HeadTurn); // single-frame jumps of the pose model on a flat picture are not a turn
        Assert.False(ActiveLiveness.Evaluate([Frame(0.3f, -10), Frame(0.3f, 12)]).Passed); // too few frames to judge
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void Fares_are_capped_per_day()
    {
        var policy = new FarePolicy(250, 600, TimeSpan.FromMinutes(2));
        Assert.Equal(250, policy.Charge(0));
        Assert.Equal(100, policy.Charge(500));
        Assert.Equal(0, policy.Charge(600));
        Assert.Equal(0, policy.Charge(900));
        Assert.Equal("2026-11-27", FarePolicy.FareDay(new DateTimeOffset(2026, 11, 27, 23, 59, 0, TimeSpan.Zero)));
    }

    [Theory]
    [Trait("Category", "Unit")]
    [InlineData(Role.Investigator, Capability.VerifyCustomers)]
    [InlineData(Role.Approver, Capability.ManageServiceGalleries)]
    [InlineData(Role.Operator, Capability.VerifyCustomers)]
    public void Police_roles_are_refused_even_alongside_service_roles(Role police, Capability capability)
    {
        var mixed = new Principal("m", "m", new HashSet<Role> { police, Role.EnrolmentClerk, Role.ServiceTerminal }, Scope.Everything);
        Assert.Equal("access.denied", Assert.Throws<ArgusException>(() => ServiceAccess.Demand(mixed, capability)).Code);
        var clean = mixed with { Roles = new HashSet<Role> { Role.EnrolmentClerk, Role.ServiceTerminal } };
        ServiceAccess.Demand(clean, capability);
        Assert.Equal("access.denied", Assert.Throws<ArgusException>(() => ServiceAccess.Demand(clean with { Disabled = true }, capability)).Code);
        Assert.False(RoleCapabilities.Grants([Role.ServiceTerminal], Capability.Search));
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void Consent_needs_who_what_how_and_a_future_expiry()
    {
        var now = new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);
        var consent = new ConsentRecord("the customer", now, "pay fares", "app", "clerk");
        consent.Validate(now.AddDays(1), now);
        Assert.Equal("consent.invalid", Assert.Throws<ArgusException>(() => (consent with { GivenBy = "" }).Validate(now.AddDays(1), now)).Code);
        Assert.Equal("consent.invalid", Assert.Throws<ArgusException>(() => (consent with { GivenAt = now.AddDays(1) }).Validate(now.AddDays(2), now)).Code);
        Assert.Equal("consent.invalid", Assert.Throws<ArgusException>(() => consent.Validate(now, now)).Code);
        Assert.Equal("service.invalid_kind", Assert.Throws<ArgusException>(() => ServiceKinds.Parse("casino")).Code);
        Assert.Equal(ServiceKind.PublicService, ServiceKinds.Parse(ServiceKinds.Name(ServiceKind.PublicService)));
    }
}
