using Argus.Core.Access;
using Argus.Core.Alerts;
using Argus.Core.Deployments;
using Argus.Core.Watchlists;

namespace Argus.Core.Tests;

[Trait("Category", "Unit")]
public sealed class AlertReviewTests
{
    private static readonly DateTimeOffset Now = People.Now;
    private static readonly Principal Op1 = People.User("op1", Role.Operator);
    private static readonly Principal Op2 = People.User("op2", Role.Operator);

    [Fact]
    public void A_wanted_person_alert_needs_two_different_operators_before_action()
    {
        var review = new AlertReview("a1", "north", 70, CategoryPolicy.For(WatchlistCategory.WantedPerson));
        review.Confirm(Op1, "matches the photo", Now);
        Assert.Equal(AlertStatus.AwaitingSecondConfirmation, review.Status);
        Assert.False(review.ActionAllowed);
        Assert.Equal("alert.second_confirmation_required", Assert.Throws<ArgusException>(() => review.Confirm(Op1, "sure", Now)).Code);
        review.Confirm(Op2, "agree: scar on left cheek", Now);
        Assert.True(review.ActionAllowed);
        Assert.Equal(["op1", "op2"], review.Decisions.Select(d => d.By));
    }

    [Fact]
    public void A_restored_review_applies_the_same_rules_to_the_next_decision()
    {
        var wanted = CategoryPolicy.For(WatchlistCategory.WantedPerson);
        var once = AlertReview.Restore("a1", "north", 70, wanted, [new AlertDecision("op1", AlertVerdict.Confirm, "matches", Now)]);
        Assert.Equal(AlertStatus.AwaitingSecondConfirmation, once.Status);
        Assert.Equal("alert.second_confirmation_required", Assert.Throws<ArgusException>(() => once.Confirm(Op1, "again", Now)).Code);
        once.Confirm(Op2, "agree", Now);
        Assert.Equal(AlertStatus.Confirmed, once.Status);

        var dismissed = AlertReview.Restore("a2", "north", 70, wanted, [new AlertDecision("op1", AlertVerdict.Dismiss, "not him", Now)]);
        Assert.Equal("alert.already_decided", Assert.Throws<ArgusException>(() => dismissed.Confirm(Op2, "it is", Now)).Code);
        Assert.Equal(AlertStatus.Confirmed, AlertReview.Restore("a3", "north", 70, CategoryPolicy.For(WatchlistCategory.Administrative),
            [new AlertDecision("op1", AlertVerdict.Confirm, "ok", Now)]).Status);
    }

    [Fact]
    public void A_monitor_seeded_with_stored_counts_flags_when_the_template_crosses_the_line()
    {
        var monitor = new DismissalMonitor();
        monitor.Restore(70, dismissed: 2, decided: 3);
        Assert.False(monitor.IsFlagged(70));
        Assert.Equal(new TemplateReviewFlag(70, 3, 4), monitor.Record(70, AlertStatus.Dismissed));
        Assert.True(monitor.IsFlagged(70));
        Assert.Equal((3, 4), monitor.CountsOf(70));
        Assert.Null(monitor.Record(70, AlertStatus.Dismissed)); // flagged once, not again
    }

    [Fact]
    public void An_administrative_alert_is_confirmed_by_one()
    {
        var review = new AlertReview("a1", "north", 70, CategoryPolicy.For(WatchlistCategory.Administrative));
        review.Confirm(Op1, "ok", Now);
        Assert.Equal(AlertStatus.Confirmed, review.Status);
    }

    [Fact]
    public void A_dismissal_before_the_second_confirmation_stops_action()
    {
        var review = new AlertReview("a1", "north", 70, CategoryPolicy.For(WatchlistCategory.WantedPerson));
        review.Confirm(Op1, "looks like him", Now);
        review.Dismiss(Op2, "not this person: different ears", Now);
        Assert.Equal(AlertStatus.Dismissed, review.Status);
        Assert.Equal("alert.already_decided", Assert.Throws<ArgusException>(() => review.Confirm(Op1, "again", Now)).Code);
    }

    [Fact]
    public void Decisions_need_a_reason_the_right_role_and_the_site_in_scope()
    {
        var review = new AlertReview("a1", "north", 70, CategoryPolicy.For(WatchlistCategory.WantedPerson));
        Assert.Equal("alert.reason_required", Assert.Throws<ArgusException>(() => review.Dismiss(Op1, "", Now)).Code);
        Assert.Equal("access.denied", Assert.Throws<ArgusException>(() => review.Confirm(People.Auditor, "x", Now)).Code);
        var south = People.User("op3", Role.Operator, new Scope(new HashSet<string> { "south" }, new HashSet<string>(), new HashSet<string>()));
        Assert.Equal("access.denied", Assert.Throws<ArgusException>(() => review.Confirm(south, "x", Now)).Code);
    }

    [Fact]
    public void Templates_that_keep_producing_false_alerts_are_flagged_once()
    {
        var monitor = new DismissalMonitor(minDismissals: 3, minShare: 0.5);
        Assert.Null(monitor.Record(70, AlertStatus.Dismissed));
        Assert.Null(monitor.Record(70, AlertStatus.Confirmed));
        Assert.Null(monitor.Record(70, AlertStatus.Dismissed));
        var flag = monitor.Record(70, AlertStatus.Dismissed);
        Assert.Equal(new TemplateReviewFlag(70, 3, 4), flag);
        Assert.Null(monitor.Record(70, AlertStatus.Dismissed)); // already flagged
        Assert.Null(monitor.Record(71, AlertStatus.Open));
    }
}

[Trait("Category", "Unit")]
public sealed class DeploymentTests
{
    private static readonly DateTimeOffset Now = People.Now;

    [Fact]
    public void A_deployment_is_active_only_between_its_start_and_end_for_its_cameras()
    {
        var d = new Deployment("d1", "Cup final", ["gate-3"], "stadium", ["ban-list"], "Order 2026/55", Now, Now.AddHours(6));
        d.Validate();
        Assert.True(d.IsActiveAt(Now.AddHours(1)));
        Assert.False(d.IsActiveAt(Now.AddHours(6)));
        Assert.True(d.Covers("gate-3", null));
        Assert.True(d.Covers("gate-9", "stadium"));
        Assert.False(d.Covers("platform-1", "station"));
    }

    [Fact]
    public void An_incomplete_deployment_lists_every_problem()
    {
        var d = new Deployment("d1", "x", [], null, [], "", Now, Now);
        var ex = Assert.Throws<ArgusException>(d.Validate);
        Assert.Equal("deployment.invalid", ex.Code);
        foreach (var part in new[] { "authorisation reference", "watchlists", "cameras or its site", "end must be after" })
        {
            Assert.Contains(part, ex.Message, StringComparison.Ordinal);
        }

        Assert.Contains("at most 31 days", new Deployment("d", "x", ["c"], null, ["w"], "ref", Now, Now.AddDays(40)).Problems()[0], StringComparison.Ordinal);
    }
}
