namespace Wasipy.Tests.Support;

/// <summary>
/// The end-to-end tests come in two tiers. `dotnet test` (what .ci/run calls) runs the first: one cold build of 3.11
/// in every stdlib mode with the snapshot and `exec`, and 3.13.15 alone and with numpy and the first packages. The
/// full tier adds the builds that take longest and change least: 3.9, 3.13.5, `verify`'s second 3.13 build, the
/// threads build and the data stack (pandas, Pillow). Run it with <c>WASIPY_TESTS=full dotnet test</c>; without it,
/// those tests are reported as skipped, with this reason.
/// </summary>
public static class FullTier
{
    public const string Variable = "WASIPY_TESTS";

    public static bool Enabled => Environment.GetEnvironmentVariable(Variable) == "full";

    public const string Reason = "full tier: run with WASIPY_TESTS=full dotnet test";
}

/// <summary>A test of the full tier (see <see cref="FullTier"/>): skipped unless WASIPY_TESTS=full.</summary>
public sealed class FullTierFactAttribute : FactAttribute
{
    public FullTierFactAttribute()
    {
        if (!FullTier.Enabled)
            Skip = FullTier.Reason;
    }
}
