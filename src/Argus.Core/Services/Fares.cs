namespace Argus.Core.Services;

/// <summary>
/// A transit fare: a flat fare per passage, a daily cap on what one rider pays, and a window within which a second
/// passage of the same rider at the same gate is the same passage (someone lingering in front of the camera, or
/// stepping back and through again) and is not charged again.
/// </summary>
public sealed record FarePolicy(long FareCents, long DailyCapCents, TimeSpan RepeatWindow)
{
    public static FarePolicy Default { get; } = new(250, 700, TimeSpan.FromMinutes(2));

    /// <summary>What to charge when the rider has already paid <paramref name="spentTodayCents"/> today (net of refunds).</summary>
    public long Charge(long spentTodayCents) => Math.Clamp(DailyCapCents - spentTodayCents, 0, FareCents);

    /// <summary>The fare day of an instant: the UTC calendar date (a deployment with local fare days passes its own).</summary>
    public static string FareDay(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
